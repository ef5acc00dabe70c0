// SPDX-License-Identifier: LGPL-2.1-or-later
// Trainer: gradients reach every trainable parameter and the loss falls; fine-tuning leaves the
// backbones bit-identical; added classes keep the old class rows; a trained model round-trips
// through its file; AVVP's clip encoder learns what each segment shows; question answering learns a
// tiny set of synthetic questions. Random inputs at
// the ave-demo sizes keep it fast. Adopting an encoder copies it exactly; AVQA's visual encoder
// learns where objects are.
#include "dgsct/train.h"
#include "support.h"

#include "dgsct/frontend.h"
#include "dgsct/safetensors.h"
#include "synth/questions.h"
#include "synth/world.h"

#include <algorithm>
#include <cstdlib>
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

// The official AVQA answer list and question vocabulary, shipped next to the presets.
std::string label_file(const std::string &name) {
  const char *presets = std::getenv("DGSCT_PRESET_PATH");
  return std::string(presets ? presets : "model/presets") + "/../labels/" + name;
}

std::unique_ptr<dgsct::Model> fresh_question_answering(uint64_t seed, const char *preset = "avqa-small") {
  auto model = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset(preset),
                                           dgsct::Model::read_labels(label_file("avqa-answers.txt")), seed);
  model->set_question_vocabulary(dgsct::Model::read_labels(label_file("avqa-question-vocab.txt")));
  return model;
}

// A synthetic clip's frames (at the segments' middles) with the centres of the objects seen in
// them, and its sounds with the classes heard, prepared for `model`.
dgsct::TrainingClip rendered(const dgsct::Model &model, const dgsct::synth::Clip &clip) {
  const auto &c = model.config();
  auto frames = torch::empty({clip.segments(), c.video.size, c.video.size, 3}, torch::kUInt8);
  auto audio = torch::empty({clip.segments(), c.audio.segment_samples});
  auto centres = torch::full({clip.segments(), clip.classes(), 2}, -1.0f);
  auto heard = torch::zeros({clip.segments(), clip.classes()}, torch::kUInt8);
  for (int t = 0; t < clip.segments(); ++t) {
    clip.render_frame(t + 0.5, c.video.size, c.video.size, frames[t].data_ptr<uint8_t>());
    clip.render_audio(t, c.audio.segment_samples, c.audio.sample_rate, audio[t].data_ptr<float>());
    for (int k = 0; k < clip.classes(); ++k) {
      heard[t][k] = static_cast<int>(clip.scenes()[t].audible[k]);
      if (clip.scenes()[t].visible[k]) {
        centres[t][k][0] = clip.object_position(k, t + 0.5).x;
        centres[t][k][1] = clip.object_position(k, t + 0.5).y;
      }
    }
  }
  dgsct::TrainingClip out;
  out.frames = dgsct::normalize_frames(frames, c.video, torch::kCPU);
  out.log_mel = model.log_mel(audio);
  out.object_centres = centres;
  out.audio_events = heard;
  return out;
}

// Two synthetic clips with their counting and existence questions: four items, two per video,
// sharing their video's inputs.
struct QuestionSet {
  explicit QuestionSet(const dgsct::Model &model) {
    const auto &answers = model.labels();
    const dgsct::synth::World world(4);
    videos = {rendered(model, world.clip(0)), rendered(model, world.clip(1))};
    for (size_t v = 0; v < videos.size(); ++v)
      for (const auto &q : dgsct::synth::questions(world.clip(v))) {
        if (q.kind == dgsct::synth::QuestionKind::Location)
          continue;
        dgsct::TrainingClip clip = videos[v];
        clip.question = dgsct::Trainer::question_ids(model, q.text, q.template_values);
        clip.answer = static_cast<int>(std::find(answers.begin(), answers.end(), q.answer) - answers.begin());
        clips.push_back(clip);
        asked.push_back(q);
      }
  }
  std::vector<const dgsct::TrainingClip *> batch() const {
    std::vector<const dgsct::TrainingClip *> out;
    for (const auto &clip : clips)
      out.push_back(&clip);
    return out;
  }
  std::vector<dgsct::TrainingClip> videos, clips;
  std::vector<dgsct::synth::Question> asked;
};

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

TEST(Train, ClipEncoderLearnsWhichClassesEachSegmentShows) {
  // avvp-demo's clip encoder on the 20 segments of two synthetic clips: 100 steps of 10 segments
  // fit what each segment shows, and the model file keeps the trained encoder.
  auto model = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avvp-demo"), labels(6), 8);
  const dgsct::synth::World world(3);
  std::vector<dgsct::TrainingClip> clips;
  std::vector<torch::Tensor> frames_of;
  for (int i = 0; i < 2; ++i) {
    const auto clip = world.clip(i);
    auto frames = torch::empty({clip.segments(), 8, 48, 64, 3}, torch::kUInt8);
    for (int t = 0; t < clip.segments(); ++t)
      for (int f = 0; f < 8; ++f)
        clip.render_frame(t + (f + 0.5) / 8, 64, 48, frames[t][f].data_ptr<uint8_t>());
    dgsct::TrainingClip training;
    training.clip_frames = model->prepare_clips(frames);
    training.visual_events = torch::zeros({clip.segments(), 6}, torch::kUInt8);
    for (int t = 0; t < clip.segments(); ++t)
      for (int k = 0; k < 6; ++k)
        training.visual_events[t][k] = static_cast<int>(clip.scenes()[t].visible[k]);
    clips.push_back(training);
    frames_of.push_back(frames);
  }
  const auto before = model->clip_features(frames_of[0]);
  dgsct::ClipEncoderTraining options;
  options.steps = 100;
  options.batch = 10;
  std::vector<std::pair<int, double>> reports;
  dgsct::Trainer::train_clip_encoder(*model, clips, options, [&](int step, double loss) { reports.emplace_back(step, loss); });
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].first, 100);
  std::printf("clip encoder loss: steps 1-50 %.4f, 51-100 %.4f\n", reports[0].second, reports[1].second);
  EXPECT_LT(reports[1].second, 0.5 * reports[0].second);

  dgsct::Trainer::compute_clip_features(*model, clips);
  const auto after = model->clip_features(frames_of[0]);
  EXPECT_TRUE(torch::equal(clips[0].clip_features, after));
  EXPECT_GT((after - before).abs().max().item<double>(), 1e-3) << "the clip encoder did not change";

  const std::string path = dgsct::test::scratch("clip-encoder.safetensors");
  model->save(path, "F32");
  auto loaded = dgsct::Model::load(path);
  EXPECT_TRUE(torch::allclose(loaded->clip_features(frames_of[0]), after, 1e-5, 1e-5));

  clips[1].clip_frames = torch::Tensor();
  EXPECT_THROW(dgsct::Trainer::train_clip_encoder(*model, clips, options), std::invalid_argument);
}

TEST(Train, SyntheticQuestionsTokeniseWithTheOfficialVocabulary) {
  auto model = fresh_question_answering(1);
  dgsct::synth::WorldOptions every_class;
  every_class.classes = static_cast<int>(dgsct::synth::World::class_names().size());
  const dgsct::synth::World world(2, every_class);
  const auto &answers = model->labels();
  for (uint64_t i = 0; i < 100; ++i)
    for (const auto &q : dgsct::synth::questions(world.clip(i))) {
      EXPECT_TRUE(model->unknown_words(q.text, q.template_values).empty()) << q.text;
      const auto ids = dgsct::Trainer::question_ids(*model, q.text, q.template_values);
      EXPECT_EQ(ids.size(0), model->config().question.question_length) << q.text;
      EXPECT_NE(std::find(answers.begin(), answers.end(), q.answer), answers.end()) << q.answer;
    }
  EXPECT_THROW(dgsct::Trainer::question_ids(*model, "Is there a <Object> sounding?", {"bell"}), std::invalid_argument);
}

TEST(Train, QuestionAnsweringLearnsATinySet) {
  // avqa-small on two synthetic clips with two questions each, in a batch of four (the clips of
  // one video share their inputs; the match term pairs each with the other video): the answers are
  // learnt by heart, and the trained model gives them through Model::answer as the trainer
  // predicts them.
  auto model = fresh_question_answering(5);
  const QuestionSet set(*model);
  const auto &videos = set.videos;
  const auto &clips = set.clips;
  const auto &asked = set.asked;
  const auto batch = set.batch();

  ASSERT_EQ(clips.size(), 4u);
  std::vector<int> predicted;
  {
    dgsct::Trainer trainer(*model, {});
    trainer.calibrate(videos);
    const auto first = trainer.step(batch);
    EXPECT_GT(first.match_loss, 0) << "the batch holds two videos";
    for (const auto &named : trainer.trainable())
      if (named.first.rfind("question_encoder.", 0) == 0 || named.first.rfind("fc", 0) == 0) {
        EXPECT_GT(named.second.grad().abs().sum().item<double>(), 0) << named.first << " got no gradient";
      }
    dgsct::StepStats last;
    for (int i = 0; i < 35; ++i)
      last = trainer.step(batch);
    predicted = trainer.predict_answers(batch);
    int correct = 0;
    for (size_t i = 0; i < clips.size(); ++i)
      correct += predicted[i] == clips[i].answer;
    std::printf("answers right %d/%d before; after 36 steps %d/%d (loss %.3f -> %.3f, match %.3f -> %.3f)\n",
                first.correct_answers, first.questions, correct, first.questions, first.loss, last.loss, first.match_loss,
                last.match_loss);
    EXPECT_LT(last.answer_loss, first.answer_loss / 4);
    EXPECT_EQ(correct, 4);
  }
  for (size_t i = 0; i < clips.size(); ++i) {
    const auto window = model->encode_prepared(clips[i].frames, clips[i].log_mel);
    EXPECT_EQ(model->answer(window, asked[i].text, asked[i].template_values).answer, predicted[i]) << asked[i].text;
  }
}

TEST(Train, AdoptedEncoderIsTheSources) {
  // avvp-demo has ave-demo's encoder configuration: after adopting, its backbone and adapter
  // tensors are the source's, byte for byte. avqa-demo's Swin-V2 has an absolute position embedding
  // that ave-demo lacks: adopting all fails naming it, adopting without the Swin-V2 copies the rest
  // and leaves the Swin-V2 as it was. avqa-small's encoder differs throughout.
  auto source = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("ave-demo"), labels(6), 3);
  auto whole = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avvp-demo"), labels(6), 4);
  auto without_swin = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avqa-demo"), labels(42), 4);
  auto other = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avqa-small"), labels(42), 5);
  const auto source_path = dgsct::test::scratch("adopt-source.safetensors"), before_path = dgsct::test::scratch("adopt-before.safetensors"),
             target_path = dgsct::test::scratch("adopt-target.safetensors");
  source->save(source_path, "F32");
  without_swin->save(before_path, "F32");
  auto from = dgsct::SafetensorsFile::open(source_path), before = dgsct::SafetensorsFile::open(before_path);
  // Counts the encoder tensors of `target` equal to the source's, and the Swin-V2 ones equal to `swin_from`'s.
  const auto compare = [&](dgsct::Model &target, const dgsct::SafetensorsFile &swin_from) {
    target.save(target_path, "F32");
    auto into = dgsct::SafetensorsFile::open(target_path);
    int compared = 0;
    for (const auto &entry : into->tensors()) {
      const bool swin = entry.name.rfind("swin.", 0) == 0;
      const bool encoder = swin || entry.name.rfind("htsat.", 0) == 0 || entry.name.find("adapter_blocks_") != std::string::npos;
      if (!encoder || entry.name.find("logmel_extractor") != std::string::npos || entry.name.find("spectrogram_extractor") != std::string::npos)
        continue;
      const auto &expected = swin ? swin_from : *from;
      if (!expected.find(entry.name)) {
        ADD_FAILURE() << entry.name << " missing";
        continue;
      }
      EXPECT_TRUE(same_bytes(entry, expected.at(entry.name), entry.nbytes)) << entry.name;
      ++compared;
    }
    return compared;
  };
  dgsct::Trainer::adopt_encoder(*whole, *source);
  EXPECT_GT(compare(*whole, *from), 50);
  dgsct::Trainer::adopt_encoder(*without_swin, *source, /*with_swin=*/false);
  EXPECT_GT(compare(*without_swin, *before), 50);
  EXPECT_NE(from->at("swin.patch_embed.proj.weight").nbytes, 0u);
  std::remove(source_path.c_str());
  std::remove(before_path.c_str());
  std::remove(target_path.c_str());
  for (auto *target : {without_swin.get(), other.get()})
    try {
      dgsct::Trainer::adopt_encoder(*target, *source);
      FAIL();
    } catch (const std::invalid_argument &e) {
      EXPECT_NE(std::string(e.what()).find("encoder tensor '"), std::string::npos) << e.what();
      if (target == without_swin.get()) {
        EXPECT_NE(std::string(e.what()).find("swin.absolute_pos_embed"), std::string::npos) << e.what();
      }
    }
}

TEST(Train, VisualEncoderLearnsWhereObjectsAre) {
  // avqa-demo's Swin-V2 and adapters on the 40 segments of four synthetic clips: 150 steps of 16
  // segments fit where each seen object is and which classes are heard; HTS-AT stays as it was,
  // and a Trainer of the model still trains what it trained before.
  auto model = fresh_question_answering(6, "avqa-demo");
  const dgsct::synth::World world(5);
  std::vector<dgsct::TrainingClip> clips;
  for (int i = 0; i < 4; ++i)
    clips.push_back(rendered(*model, world.clip(i)));
  clips.push_back(clips[0]); // a second question about the first video: its segments count once
  const auto grounded = [&] { return model->encode_prepared(clips[0].frames, clips[0].log_mel)[0].visual; };
  const auto grounded_before = grounded();
  dgsct::Trainer trainer(*model, {});
  const auto parameter = [&](const std::string &name) {
    for (const auto &named : trainer.trainable())
      if (named.first == name)
        return named.second;
    throw std::runtime_error(name + " does not train");
  };
  const auto htsat_before = parameter("htsat.patch_embed.proj.weight").clone();
  dgsct::VisualEncoderTraining options;
  options.steps = 150;
  options.batch = 16;
  std::vector<std::pair<int, double>> reports;
  dgsct::Trainer::train_visual_encoder(*model, clips, options, [&](int step, double loss) { reports.emplace_back(step, loss); });
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[2].first, 150);
  std::printf("visual encoder loss: steps 1-50 %.4f, 101-150 %.4f\n", reports[0].second, reports[2].second);
  EXPECT_LT(reports[2].second, 0.5 * reports[0].second);
  EXPECT_TRUE(torch::equal(parameter("htsat.patch_embed.proj.weight"), htsat_before));
  EXPECT_TRUE(parameter("swin.absolute_pos_embed").requires_grad()) << "the Trainer trains the whole model";
  EXPECT_GT((grounded() - grounded_before).abs().max().item<double>(), 1e-3) << "the visual encoder did not change";

  const auto heard = clips[1].audio_events;
  clips[1].audio_events = torch::Tensor();
  EXPECT_THROW(dgsct::Trainer::train_visual_encoder(*model, clips, options), std::invalid_argument);
  clips[1].audio_events = heard;
  clips[2].object_centres = torch::Tensor();
  EXPECT_THROW(dgsct::Trainer::train_visual_encoder(*model, clips, options), std::invalid_argument);
  auto parsing = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avvp-demo"), labels(6), 1);
  EXPECT_THROW(dgsct::Trainer::train_visual_encoder(*parsing, clips, options), std::invalid_argument);
}

TEST(Train, HeadOnlyTrainingReusesTheEncoderOutputs) {
  // Two identical avqa-small models, one trained whole and one head-only (its clips encoded once,
  // its negatives' plain tokens cached): the first step's losses agree, so the cached path computes
  // what the direct one does; after more steps the head-only model's encoder is byte-identical and
  // its head has changed.
  auto whole = fresh_question_answering(8), head_only = fresh_question_answering(8);
  const QuestionSet set(*whole);
  const auto batch = set.batch();
  const std::string before_path = dgsct::test::scratch("head-only-before.safetensors"),
                    after_path = dgsct::test::scratch("head-only-after.safetensors");
  head_only->save(before_path, "F32");
  dgsct::TrainOptions options;
  options.head_only = true;
  {
    dgsct::Trainer direct(*whole, {}), cached(*head_only, options);
    const auto expected = direct.step(batch), first = cached.step(batch);
    EXPECT_NEAR(first.answer_loss, expected.answer_loss, 1e-5);
    EXPECT_NEAR(first.match_loss, expected.match_loss, 1e-5);
    EXPECT_GT(first.match_loss, 0);
    dgsct::StepStats last;
    for (int i = 0; i < 10; ++i)
      last = cached.step(batch);
    EXPECT_LT(last.answer_loss, first.answer_loss);
    for (const auto &named : cached.trainable())
      EXPECT_EQ(named.first.find("adapter_blocks_"), std::string::npos) << named.first << " trains";
  }
  head_only->save(after_path, "F32");
  auto before = dgsct::SafetensorsFile::open(before_path), after = dgsct::SafetensorsFile::open(after_path);
  int encoder = 0, changed = 0;
  for (const auto &entry : after->tensors()) {
    const bool same = same_bytes(entry, before->at(entry.name), entry.nbytes);
    if (entry.name.rfind("swin.", 0) == 0 || entry.name.rfind("htsat.", 0) == 0 ||
        entry.name.find("adapter_blocks_") != std::string::npos) {
      ++encoder;
      EXPECT_TRUE(same) << entry.name << " changed in head-only training";
    } else {
      changed += !same;
    }
  }
  std::remove(before_path.c_str());
  std::remove(after_path.c_str());
  EXPECT_GT(encoder, 50);
  EXPECT_GT(changed, 10) << "the head should train";

  auto segmentation = dgsct::Trainer::fresh_model(dgsct::ModelConfig::preset("avs-demo"), {"sounding object"}, 1);
  EXPECT_THROW(dgsct::Trainer(*segmentation, options), std::invalid_argument);
}
