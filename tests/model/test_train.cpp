// SPDX-License-Identifier: LGPL-2.1-or-later
// Trainer: gradients reach every trainable parameter and the loss falls; fine-tuning leaves the
// backbones bit-identical; added classes keep the old class rows; a trained model round-trips
// through its file. Random inputs at the ave-demo sizes keep it fast.
#include "dgsct/train.h"
#include "support.h"

#include "dgsct/safetensors.h"

#include <cstring>
#include <gtest/gtest.h>

namespace {

std::vector<dgsct::TrainingClip> random_clips(const dgsct::Model &model, int count, uint64_t seed) {
  torch::manual_seed(seed);
  const auto &c = model.config();
  std::vector<dgsct::TrainingClip> clips;
  for (int i = 0; i < count; ++i) {
    dgsct::TrainingClip clip;
    clip.frames = torch::randn({c.segments, 3, c.video.size, c.video.size});
    clip.log_mel = model.log_mel(torch::randn({c.segments, c.audio.segment_samples}) * 0.1);
    for (int t = 0; t < c.segments; ++t)
      clip.labels.push_back(t % 3 == 0 ? c.classes : i % c.classes);
    clips.push_back(clip);
  }
  return clips;
}

std::vector<std::string> labels(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("class" + std::to_string(i));
  return out;
}

bool same_bytes(const dgsct::TensorEntry &a, const dgsct::TensorEntry &b, size_t nbytes) {
  return a.nbytes >= nbytes && b.nbytes >= nbytes && std::memcmp(a.data, b.data, nbytes) == 0;
}

} // namespace

TEST(Train, LossFallsAndEveryTrainableParameterGetsAGradient) {
  auto model = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("ave-demo"), labels(6), 3);
  dgsct::Trainer trainer(*model, {});
  auto clips = random_clips(*model, 2, 5);
  trainer.calibrate(clips);
  std::vector<const dgsct::TrainingClip *> batch{&clips[0], &clips[1]};
  const auto first = trainer.step(batch);
  // Adapters sit behind zero-initialised gates (as the official code): only the gates see a gradient
  // at first. Every other trainable tensor does.
  for (const auto &named : trainer.trainable()) {
    const auto &name = named.first;
    const bool gate = name.size() > 5 && name.compare(name.size() - 5, 5, ".gate") == 0;
    const bool behind_gate = name.find("adapter_blocks") != std::string::npos && !gate;
    ASSERT_TRUE(named.second.grad().defined()) << name;
    if (!behind_gate) {
      EXPECT_GT(named.second.grad().abs().sum().item<double>(), 0) << name << " got no gradient";
    }
  }
  dgsct::StepStats last;
  for (int i = 0; i < 25; ++i)
    last = trainer.step(batch);
  EXPECT_LT(last.loss, 0.5 * first.loss) << "first " << first.loss << ", last " << last.loss;
  EXPECT_EQ(last.segments, 20);
}

TEST(Train, FineTuningAddsAClassAndLeavesTheBackbonesUntouched) {
  const std::string base_path = dgsct::test::scratch("base.safetensors");
  const std::string extended_path = dgsct::test::scratch("extended.safetensors");
  const std::string tuned_path = dgsct::test::scratch("tuned.safetensors");
  dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("ave-demo"), labels(6), 4)->save(base_path, "F32");
  auto model = dgsct::Trainer::with_classes(*dgsct::Model::load(base_path), labels(7), 9);
  EXPECT_EQ(model->config().classes, 7);
  EXPECT_EQ(model->label_name(6), "class6");
  EXPECT_EQ(model->background_class(), 7);
  model->save(extended_path, "F32");
  {
    dgsct::Trainer trainer(*model, {1e-3, 0.01, /*adapters_and_heads_only=*/true});
    auto clips = random_clips(*model, 2, 6);
    for (int i = 0; i < 3; ++i)
      trainer.step({&clips[0], &clips[1]});
  }
  model->save(tuned_path, "F32");
  EXPECT_EQ(dgsct::Model::load(tuned_path)->config().classes, 7);

  auto base = dgsct::SafetensorsFile::open(base_path), extended = dgsct::SafetensorsFile::open(extended_path),
       tuned = dgsct::SafetensorsFile::open(tuned_path);
  // The added class keeps the old rows of the class heads.
  const std::string rows = "CMBS.localize_module.event_classifier.weight";
  EXPECT_EQ(extended->at(rows).shape[0], 7);
  EXPECT_TRUE(same_bytes(base->at(rows), extended->at(rows), base->at(rows).nbytes));
  int backbone = 0, changed = 0;
  for (const auto &entry : tuned->tensors()) {
    const auto &before = extended->at(entry.name);
    const bool same = same_bytes(entry, before, entry.nbytes);
    if (entry.name.rfind("swin.", 0) == 0 || entry.name.rfind("htsat.", 0) == 0) {
      ++backbone;
      EXPECT_TRUE(same) << entry.name << " changed while fine-tuning";
    } else {
      changed += !same;
    }
  }
  EXPECT_GT(backbone, 20);
  EXPECT_GT(changed, 20) << "the adapters and heads should train";
}

TEST(Train, ParsingLearnsWhichSegmentsAreHeardAndSeen) {
  // avvp-small on two random clips, each class heard in some segments and seen in others: sixty
  // steps fit most per-segment audio and visual events. (The official decoding leaves little room:
  // a frame probability is the class probability times 1 + a softmax over ten segments of values in
  // (0, 1), so segments differ by a factor of at most e.)
  auto model = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avvp-small"), labels(25), 6);
  const auto &c = model->config();
  auto clips = random_clips(*model, 2, 7);
  for (size_t i = 0; i < clips.size(); ++i) {
    auto &clip = clips[i];
    clip.clip_features = torch::randn({c.segments, c.parsing.clip_feature_dim});
    clip.audio_events = torch::zeros({c.segments, c.classes}, torch::kUInt8);
    clip.visual_events = torch::zeros({c.segments, c.classes}, torch::kUInt8);
    for (int t = 0; t < c.segments; ++t) {
      if (t < 6)
        clip.audio_events[t][2 + i] = 1;
      if (t >= 4)
        clip.visual_events[t][5] = 1;
    }
  }
  dgsct::TrainOptions options;
  options.learning_rate = 3e-3;
  dgsct::Trainer trainer(*model, options);
  trainer.calibrate(clips);
  std::vector<const dgsct::TrainingClip *> batch{&clips[0], &clips[1]};
  const auto first = trainer.step(batch);
  dgsct::StepStats last;
  for (int i = 0; i < 60; ++i)
    last = trainer.step(batch);
  EXPECT_LT(last.loss, first.loss / 2);
  dgsct::ParsingCounts counts;
  auto [audio, visual] = trainer.predict_events(batch);
  counts.add(audio, visual, torch::stack({clips[0].audio_events, clips[1].audio_events}),
             torch::stack({clips[0].visual_events, clips[1].visual_events}));
  std::printf("parsing F1 audio %.3f, visual %.3f before; after 61 steps %.3f, %.3f (loss %.3f -> %.3f)\n",
              first.parsing.f1(0), first.parsing.f1(1), counts.f1(0), counts.f1(1), first.loss, last.loss);
  EXPECT_GE(counts.f1(0), 0.75);
  EXPECT_GE(counts.f1(1), 0.75);
  EXPECT_GT(counts.f1(0), first.parsing.f1(0));
  EXPECT_GT(counts.f1(1), first.parsing.f1(1));
}
