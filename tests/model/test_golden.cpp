// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden parity on ../shared/reference/ave-small, the streaming split, and bf16 against fp32.
#include "dgsct/frontend.h"
#include "dgsct/golden.h"
#include "dgsct/model.h"
#include "support.h"

#include <cstdio>
#include <gtest/gtest.h>

using dgsct::test::reference;

namespace {

struct Golden : ::testing::Test {
  static void SetUpTestSuite() {
    const auto dir = reference("ave-small");
    config = new dgsct::ModelConfig(dgsct::ModelConfig::preset("ave-small"));
    fp32 = dgsct::Model::from_weights(*config, dir + "/weights.safetensors", {}).release();
    std::tie(frames, audio) = dgsct::read_clip(dir + "/input.safetensors");
    fp32_result = new dgsct::WindowResult(fp32->run_clip(frames, audio, &taps));
  }
  static void TearDownTestSuite() {
    delete fp32_result;
    delete fp32;
    delete config;
  }
  static std::vector<int> reference_labels() {
    auto ref = dgsct::SafetensorsFile::open(reference("ave-small") + "/taps.safetensors");
    const auto &entry = ref->at("decode.pred");
    const auto *values = reinterpret_cast<const int64_t *>(entry.data);
    return std::vector<int>(values, values + entry.numel());
  }

  static dgsct::ModelConfig *config;
  static dgsct::Model *fp32;
  static torch::Tensor frames, audio;
  static dgsct::Taps taps;
  static dgsct::WindowResult *fp32_result;
};
dgsct::ModelConfig *Golden::config;
dgsct::Model *Golden::fp32;
torch::Tensor Golden::frames, Golden::audio;
dgsct::Taps Golden::taps;
dgsct::WindowResult *Golden::fp32_result;

} // namespace

TEST_F(Golden, EveryTapWithinItsBudget) {
  const auto dir = reference("ave-small");
  auto ref = dgsct::SafetensorsFile::open(dir + "/taps.safetensors");
  auto report = dgsct::compare_taps(taps.values(), *ref, dgsct::read_budgets(dir + "/tolerances.json"));
  EXPECT_EQ(report.taps.size(), 175u);
  int compared = 0;
  for (const auto &tap : report.taps) {
    if (!tap.skipped.empty())
      continue;
    ++compared;
    EXPECT_TRUE(tap.produced) << tap.name << " not produced";
    EXPECT_TRUE(tap.ok) << tap.name << ": " << tap.error << " > " << tap.budget;
  }
  EXPECT_GE(compared, 173); // at most the two slotNN.v_attn_only taps are reference defects
  EXPECT_TRUE(report.ok);
}

TEST_F(Golden, DecodedLabelsIdentical) {
  EXPECT_EQ(fp32_result->labels, reference_labels());
  EXPECT_EQ(fp32_result->event_class, 13);
}

TEST_F(Golden, StreamingSplitEqualsWholeClip) {
  // One encoder pass per segment as a live stream would run it, then the head over the cache.
  std::vector<dgsct::SegmentFeatures> window;
  for (int64_t s = 0; s < frames.size(0); ++s)
    window.push_back(fp32->encode_segment(frames[s], audio[s]));
  auto streamed = fp32->head(window);
  const auto rel = [](const torch::Tensor &a, const torch::Tensor &b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
  };
  EXPECT_LE(rel(streamed.is_event, fp32_result->is_event), 1e-5);
  EXPECT_LE(rel(streamed.event_scores_raw, fp32_result->event_scores_raw), 1e-5);
  EXPECT_LE(rel(streamed.av_score, fp32_result->av_score), 1e-5);
  EXPECT_LE(rel(streamed.audio_visual_gate, fp32_result->audio_visual_gate), 1e-5);
  EXPECT_EQ(streamed.labels, fp32_result->labels);
  // The per-segment features too.
  auto batched = fp32->encode(frames, audio);
  for (int64_t s = 0; s < frames.size(0); ++s) {
    EXPECT_LE(rel(window[s].visual, batched[s].visual), 1e-5) << "segment " << s;
    EXPECT_LE(rel(window[s].audio, batched[s].audio), 1e-5) << "segment " << s;
  }
}

TEST_F(Golden, Bf16DecodesLikeFp32WithinWhatBf16Allows) {
  // This random reference model amplifies rounding: its fp32 outputs drift from fp64 by about 120x
  // fp32's unit roundoff (tolerances.json). bf16 inputs to the matrix products carry 2^16 times
  // fp32's roundoff, so a bf16 run can be expected within drift x 2^16 of fp32, not within 2e-2
  // (see docs/precision.md); the decoded labels must agree exactly.
  auto bf16 = dgsct::Model::from_weights(*config, reference("ave-small") + "/weights.safetensors", {},
                                         {"cpu", dgsct::Precision::BF16});
  auto result = bf16->run_clip(frames, audio);
  EXPECT_EQ(result.labels, fp32_result->labels);
  EXPECT_EQ(result.event_class, fp32_result->event_class);
  const auto budgets = dgsct::read_budgets(reference("ave-small") + "/tolerances.json");
  const auto rel = [](const torch::Tensor &a, const torch::Tensor &b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
  };
  // budget = 20 x drift; drift x 2^16 = budget x 2^16 / 20.
  const double scale = 65536.0 / 20.0;
  EXPECT_LE(rel(result.is_event, fp32_result->is_event), budgets.at("cmbs.is_event_scores") * scale);
  EXPECT_LE(rel(result.event_scores_raw, fp32_result->event_scores_raw), budgets.at("cmbs.event_scores") * scale);
  std::printf("bf16 vs fp32: is_event %.3g, event_scores %.3g\n", rel(result.is_event, fp32_result->is_event),
              rel(result.event_scores_raw, fp32_result->event_scores_raw));
}

TEST(PaperPreset, Bf16WithinTwoPercentOfFp32) {
  // The paper-size model (random weights) is well conditioned: bf16 within 2e-2 of fp32.
  const auto config = dgsct::ModelConfig::preset("ave-paper");
  torch::manual_seed(3);
  auto frames = torch::randint(0, 256, {1, 120, 160, 3}, torch::kUInt8);
  auto audio = torch::randn({1, config.audio.segment_samples}) * 0.2;
  dgsct::SegmentFeatures reference_features;
  {
    auto fp32 = dgsct::Model::random(config, {"cpu", dgsct::Precision::FP32}, 7);
    reference_features = fp32->encode(frames, audio).front();
  }
  auto bf16 = dgsct::Model::random(config, {"cpu", dgsct::Precision::BF16}, 7);
  auto features = bf16->encode(frames, audio).front();
  const auto rel = [](const torch::Tensor &a, const torch::Tensor &b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
  };
  EXPECT_LE(rel(features.visual, reference_features.visual), 2e-2);
  EXPECT_LE(rel(features.audio, reference_features.audio), 2e-2);
  std::printf("ave-paper bf16 vs fp32: visual %.3g, audio %.3g\n", rel(features.visual, reference_features.visual),
              rel(features.audio, reference_features.audio));
}

TEST_F(Golden, FrontEndKernelsEqualTheCheckpoints) {
  // The reference stores the exact constants; computing them gives the same (float32 rounding).
  auto weights = dgsct::SafetensorsFile::open(reference("ave-small") + "/weights.safetensors");
  const auto tensor = [&](const char *key) {
    const auto &e = weights->at(key);
    return torch::from_blob(const_cast<uint8_t *>(e.data), e.shape, torch::kFloat32).clone();
  };
  auto [real, imag] = dgsct::stft_kernels(config->htsat.n_fft);
  EXPECT_LE((real - tensor("htsat.spectrogram_extractor.stft.conv_real.weight")).abs().max().item<double>(), 1e-6);
  EXPECT_LE((imag - tensor("htsat.spectrogram_extractor.stft.conv_imag.weight")).abs().max().item<double>(), 1e-6);
  auto mel = dgsct::slaney_mel_filters(config->audio.sample_rate, config->htsat.n_fft, config->htsat.mel_bins, 50, 14000);
  auto ref = tensor("htsat.logmel_extractor.melW");
  EXPECT_LE(((mel - ref).abs().max() / ref.abs().max()).item<double>(), 1e-6);
}

TEST_F(Golden, PreparedInputsEncodeLikeRawOnes) {
  const std::string path = dgsct::test::scratch("prepared.safetensors");
  fp32->save(path);
  auto log_mel = dgsct::LogMel::from_model_file(path)(audio);
  auto frames_norm = dgsct::normalize_frames(frames, config->video, torch::kCPU);
  auto prepared = fp32->encode_prepared(frames_norm, log_mel);
  auto raw = fp32->encode(frames, audio);
  for (size_t s = 0; s < raw.size(); ++s) {
    EXPECT_TRUE(torch::equal(prepared[s].visual, raw[s].visual)) << "segment " << s;
    EXPECT_TRUE(torch::equal(prepared[s].audio, raw[s].audio)) << "segment " << s;
  }
  EXPECT_THROW(fp32->encode_prepared(frames_norm, log_mel.narrow(2, 0, 10)), std::invalid_argument);
}

TEST_F(Golden, WindowOfTheWrongLengthIsRefused) {
  std::vector<dgsct::SegmentFeatures> short_window(3, fp32->encode_segment(frames[0], audio[0]));
  EXPECT_THROW(fp32->head(short_window), std::invalid_argument);
  EXPECT_THROW(fp32->encode(frames, audio.narrow(1, 0, 16000)), std::invalid_argument);
}
