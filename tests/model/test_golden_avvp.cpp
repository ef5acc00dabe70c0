// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden parity of the AVVP model on ../shared/reference/avvp-small: every tap within its budget,
// the decisions identical, and the streaming split equal to the whole-clip run.
#include "dgsct/golden.h"
#include "dgsct/model.h"
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
  std::unique_ptr<dgsct::Model> model;
  torch::Tensor frames, audio, clip;
  dgsct::Taps taps;
  dgsct::WindowResult out;
};

// One fp32 run shared by the tests.
Run &run() {
  static std::unique_ptr<Run> r;
  if (!r) {
    r = std::make_unique<Run>();
    const auto weights_path = reference(kFolder) + "/weights.safetensors";
    r->model = dgsct::Model::from_weights(dgsct::ModelConfig::preset(kFolder), weights_path, {});
    r->frames = input("frames_u8");
    r->audio = input("audio");
    r->clip = input("video_st");
    r->out = r->model->run_clip(r->frames, r->audio, r->clip, &r->taps);
    add_discarded_temporal_maps(*dgsct::SafetensorsFile::open(weights_path), r->taps);
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
  EXPECT_TRUE(torch::equal(r.out.video_labels, decoded("video_level")));
  EXPECT_TRUE(torch::equal(r.out.audio_events, decoded("segment_audio")));
  EXPECT_TRUE(torch::equal(r.out.visual_events, decoded("segment_visual")));
  EXPECT_TRUE(torch::equal(r.out.audio_visual_events, decoded("segment_audio_visual")));
}

TEST(AvvpGolden, StreamingSplitEqualsWholeClip) {
  // Each segment encoded alone, then the head on the window: the per-segment split of spec 9.1.
  auto &r = run();
  std::vector<dgsct::SegmentFeatures> window;
  for (int64_t s = 0; s < r.frames.size(0); ++s) {
    window.push_back(r.model->encode_segment(r.frames[s], r.audio[s]));
    window.back().clip = r.clip[s];
  }
  auto out = r.model->head(window);
  const auto budgets = dgsct::read_budgets(reference(kFolder) + "/tolerances.json");
  const auto rel = [](const torch::Tensor &a, const torch::Tensor &b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
  };
  EXPECT_LE(rel(out.video_prob, r.out.video_prob), budgets.at("output.global_prob") / 10);
  EXPECT_LE(rel(out.audio_frame_prob, r.out.audio_frame_prob), budgets.at("output.a_frame_prob") / 10);
  EXPECT_LE(rel(out.visual_frame_prob, r.out.visual_frame_prob), budgets.at("output.v_frame_prob") / 10);
  EXPECT_TRUE(torch::equal(out.audio_events, r.out.audio_events));
  EXPECT_TRUE(torch::equal(out.visual_events, r.out.visual_events));
  EXPECT_TRUE(torch::equal(out.video_labels, r.out.video_labels));
  // A window without clip features is refused, naming what is missing.
  window[3].clip = torch::Tensor();
  try {
    r.model->head(window);
    FAIL() << "a window without clip features was accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("segment 3"), std::string::npos) << e.what();
  }
}
