// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden parity of the AVVP model on ../shared/reference/avvp-small: every tap within its budget,
// the decisions identical, and the streaming split equal to the whole-clip run.
#include "avvp_net.h"
#include "dgsct/golden.h"
#include "support.h"
#include "weights.h"

#include <cstdio>
#include <gtest/gtest.h>

using dgsct::test::reference;

namespace {

const char *kFolder = "avvp-small";

torch::Tensor input(const std::string &key) {
  auto file = dgsct::SafetensorsFile::open(reference(kFolder) + "/input.safetensors");
  return dgsct::to_tensor(file->at(key));
}

torch::Tensor decoded(const std::string &key) {
  auto file = dgsct::SafetensorsFile::open(reference(kFolder) + "/decoded.safetensors");
  return dgsct::to_tensor(file->at(key));
}

// The official adapter also computes per-window temporal gates from the mean resampled token of the
// other modality and discards them; the model does not load their weights (`temporal_gated`, an
// unused key). The reference taps two of them: compute them from our own `audio` taps and the
// file's weights, which checks those taps' window layout.
void add_discarded_temporal_maps(const dgsct::SafetensorsFile &weights, dgsct::Taps &taps) {
  for (const std::string adapter : {"audio_adapter_blocks_p1.4", "vis_adapter_blocks_p2.11"}) {
    auto mean = taps.values().at(adapter + ":audio[all segments]");
    auto w = dgsct::to_tensor(weights.at(adapter + ".temporal_gated.0.weight"));
    auto b = dgsct::to_tensor(weights.at(adapter + ".temporal_gated.0.bias"));
    auto gate = torch::sigmoid(torch::nn::functional::linear(mean.view({-1, 10, mean.size(-1)}), w, b));
    taps.put(adapter + ":temporal_att_maps@L349", gate.unsqueeze(-1));
  }
}

struct Run {
  dgsct::AvvpNet net{nullptr};
  torch::Tensor frames, audio, clip;
  dgsct::Taps taps;
  dgsct::ParsingOutputs out;
};

// One fp32 run shared by the tests.
Run &run() {
  static std::unique_ptr<Run> r;
  if (!r) {
    r = std::make_unique<Run>();
    const auto config = dgsct::ModelConfig::preset(kFolder);
    r->net = dgsct::AvvpNet(config);
    auto weights = dgsct::SafetensorsFile::open(reference(kFolder) + "/weights.safetensors");
    dgsct::load_state(*r->net, *weights, dgsct::unused_keys(config));
    r->net->place(torch::kCPU, torch::kFloat32);
    r->frames = input("frames_u8");
    r->audio = input("audio");
    r->clip = input("video_st").unsqueeze(0);
    torch::NoGradGuard no_grad;
    auto segments = r->net->encode(r->frames, r->audio, &r->taps);
    r->out = r->net->head(segments.visual.unsqueeze(0), segments.audio.unsqueeze(0), r->clip, &r->taps);
    add_discarded_temporal_maps(*weights, r->taps);
  }
  return *r;
}

} // namespace

TEST(AvvpGolden, EveryTapWithinItsBudget) {
  auto &r = run();
  const auto dir = reference(kFolder);
  auto ref = dgsct::SafetensorsFile::open(dir + "/taps.safetensors");
  auto report = dgsct::compare_taps(r.taps.values(), *ref, dgsct::read_budgets(dir + "/tolerances.json"));
  EXPECT_EQ(report.taps.size(), 506u);
  int produced = 0, passed = 0;
  for (const auto &tap : report.taps) {
    produced += tap.produced;
    passed += tap.ok;
    EXPECT_TRUE(tap.produced) << tap.name << " not produced";
    EXPECT_TRUE(!tap.produced || tap.ok) << tap.name << ": " << tap.error << " > " << tap.budget;
  }
  std::printf("avvp-small: %d taps produced, %d within budget\n", produced, passed);
}

TEST(AvvpGolden, DecisionsIdentical) {
  auto &r = run();
  EXPECT_TRUE(torch::equal(r.out.video_level[0], decoded("video_level")));
  EXPECT_TRUE(torch::equal(r.out.audio[0], decoded("segment_audio")));
  EXPECT_TRUE(torch::equal(r.out.visual[0], decoded("segment_visual")));
  EXPECT_TRUE(torch::equal(r.out.audio_visual[0], decoded("segment_audio_visual")));
}

TEST(AvvpGolden, StreamingSplitEqualsWholeClip) {
  // Each segment encoded alone, then the head on the window: the per-segment split of spec 9.1.
  auto &r = run();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> visual, audio;
  for (int64_t s = 0; s < r.frames.size(0); ++s) {
    auto one = r.net->encode(r.frames.narrow(0, s, 1), r.audio.narrow(0, s, 1));
    visual.push_back(one.visual[0]);
    audio.push_back(one.audio[0]);
  }
  auto out = r.net->head(torch::stack(visual).unsqueeze(0), torch::stack(audio).unsqueeze(0), r.clip);
  const auto budgets = dgsct::read_budgets(reference(kFolder) + "/tolerances.json");
  const auto rel = [](const torch::Tensor &a, const torch::Tensor &b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
  };
  EXPECT_LE(rel(out.global_prob, r.out.global_prob), budgets.at("output.global_prob") / 10);
  EXPECT_LE(rel(out.audio_frame_prob, r.out.audio_frame_prob), budgets.at("output.a_frame_prob") / 10);
  EXPECT_LE(rel(out.visual_frame_prob, r.out.visual_frame_prob), budgets.at("output.v_frame_prob") / 10);
  EXPECT_TRUE(torch::equal(out.audio, r.out.audio));
  EXPECT_TRUE(torch::equal(out.visual, r.out.visual));
  EXPECT_TRUE(torch::equal(out.video_level, r.out.video_level));
}
