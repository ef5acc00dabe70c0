// SPDX-License-Identifier: LGPL-2.1-or-later
// Trains an AVE, AVS, AVVP or AVQA model on the synthetic audio-visual world (synth/world.h; AVQA on
// its questions, synth/questions.h), or fine-tunes the adapters and heads of an existing model file,
// and writes a self-describing model file.
#include "cli.h"
#include "dgsct/frontend.h"
#include "dgsct/golden.h"
#include "dgsct/metrics.h"
#include "dgsct/safetensors.h"
#include "dgsct/train.h"
#include "synth/questions.h"
#include "synth/world.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

static const char *kUsage =
    "usage: dgsct-train --output FILE (--preset NAME|FILE | --init MODEL [--fine-tune])\n"
    "                   [--world-seed N] [--classes K] [--clips N] [--eval-clips N] [--eval-seed N]\n"
    "                   [--clip-files A,B,... [--eval-clip-files C,D,...]]\n"
    "                   [--steps N] [--batch N] [--lr X] [--seed N] [--width W] [--height H]\n"
    "                   [--max-minutes M] [--dtype F32|F16|BF16]\n"
    "                   [--labels ANSWERS --vocabulary WORDS]   (AVQA)\n"
    "                   [--encoder-from MODEL] [--head-only]\n"
    "                   [--clip-encoder-steps N [--clip-encoder-batch N]]   (AVVP)\n"
    "                   [--visual-encoder-steps N [--visual-encoder-batch N]]   (AVQA)\n"
    "Renders --clips clips of the synthetic world (seed --world-seed, its first --classes classes),\n"
    "trains with AdamW (cosine learning rate) for --steps steps of --batch clips and reports the\n"
    "segment accuracy (AVS: mask IoU; AVVP: F1 of the audio, visual and audio-visual events; AVQA:\n"
    "answer accuracy on the clips' questions) on --eval-clips clips of another world seed. AVQA models\n"
    "take their answer list (--labels) and question vocabulary (--vocabulary) from files, as\n"
    "model/labels/avqa-answers.txt and avqa-question-vocab.txt. --init starts from a model file;\n"
    "with --fine-tune only the adapters and heads train (the backbones stay frozen), and classes of\n"
    "the world that the model lacks are added to its heads. --encoder-from starts a fresh model's\n"
    "encoder (backbones and adapters) from a model file of another task with the same encoder\n"
    "configuration (the AVVP demo starts from the AVE demo's); --fine-tune then freezes its backbones.\n"
    "--head-only (with --init or --encoder-from; AVE, AVVP, AVQA) trains the task head alone: the\n"
    "encoder stays as loaded, each clip is encoded once and its encoder outputs are reused, so a step\n"
    "costs the head only. AVVP: --clip-encoder-steps first trains the clip encoder (R(2+1)D-18) to\n"
    "tell which classes each segment shows, for N steps of --clip-encoder-batch segments; without it\n"
    "the clip encoder stays as loaded (a fresh one as torchvision initialises it). AVQA:\n"
    "--visual-encoder-steps first trains Swin-V2 and the adapters to tell where each object is seen\n"
    "and which classes are heard, for N steps of --visual-encoder-batch segments\n"
    "(Trainer::train_visual_encoder); with\n"
    "--encoder-from, the Swin-V2 then starts fresh and the rest of the encoder is adopted.\n"
    "Frames are rendered at W x H (the size of the clips dgsct-synth writes) and\n"
    "squashed to the model's input as the pipeline does.\n"
    "--clip-files trains on your own labelled clips instead (dgsct-extract makes them from a media\n"
    "file and its ground truth), cut into windows of the model's length; label names the model does\n"
    "not know become new classes.\n"
    "Defaults: --world-seed 1 --classes 6 --clips 600 --eval-clips 60 --eval-seed 1000 --steps 1500\n"
    "--batch 6 --lr 1e-3 --seed 1 --width 160 --height 120 --dtype F16 --clip-encoder-batch 64\n"
    "--visual-encoder-batch 64.\n";

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The progress report of an encoder trained before the head (Trainer::train_clip_encoder, ...),
// timed from now.
std::function<void(int, double)> encoder_progress(const char *what, int steps) {
  const auto start = Clock::now();
  return [=](int step, double loss) {
    const double elapsed = seconds_since(start);
    std::printf("%s step %d/%d  loss %.4f  %.0f s, ETA %.0f s\n", what, step, steps, loss, elapsed,
                elapsed / step * (steps - step));
    std::fflush(stdout);
  };
}

// One clip's prepared inputs, cut into windows of the model's length. Training clips take each
// segment's frame at a jittered time around the segment's centre (the pipeline's key frame is the
// frame nearest the centre, at any frame rate); AVS masks are the sounding objects at that time.
// AVVP adds the frames spread evenly over each segment that its clip feature comes from, and the
// classes heard and seen in it; AVQA the classes heard and the centres of the objects seen.
// AVVP: the frames the clip encoder sees, [T, kClipFrames, H, W, 3], at the centres of equal parts
// of each segment (the pipeline collects frames spread over the segment).
constexpr int kClipFrames = 8;
torch::Tensor render_clip_frames(const dgsct::synth::Clip &clip, int width, int height) {
  auto frames = torch::empty({clip.segments(), kClipFrames, height, width, 3}, torch::kUInt8);
  for (int t = 0; t < clip.segments(); ++t)
    for (int f = 0; f < kClipFrames; ++f)
      clip.render_frame(t + (f + 0.5) / kClipFrames, width, height, frames[t][f].data_ptr<uint8_t>());
  return frames;
}

// [T, classes] uint8: 1 where the class is heard (&SegmentScene::audible) or seen (&SegmentScene::visible) in the segment.
torch::Tensor classes_per_segment(const dgsct::synth::Clip &clip, std::vector<bool> dgsct::synth::SegmentScene::*which) {
  auto out = torch::zeros({clip.segments(), clip.classes()}, torch::kUInt8);
  for (int t = 0; t < clip.segments(); ++t)
    for (int c = 0; c < clip.classes(); ++c)
      out[t][c] = static_cast<int>((clip.scenes()[t].*which)[c]);
  return out;
}

std::vector<dgsct::TrainingClip> prepare_clip(const dgsct::Model &model, const dgsct::synth::Clip &clip, int width,
                                              int height, uint64_t jitter_seed) {
  const auto &config = model.config();
  const int T = clip.segments(), samples = config.audio.segment_samples, mask_size = config.segmentation.mask_size();
  auto frames = torch::empty({T, height, width, 3}, torch::kUInt8);
  auto audio = torch::empty({T, samples}, torch::kFloat32);
  auto masks = torch::zeros({T, mask_size, mask_size}, torch::kUInt8);
  auto centres = torch::full({T, clip.classes(), 2}, -1.0f);
  for (int t = 0; t < T; ++t) {
    double offset = 0.5;
    if (jitter_seed) {
      // splitmix-style hash to [-0.3, 0.3]: portable, no library distribution
      uint64_t z = jitter_seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(t) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 31)) * 0x94D049BB133111EBull;
      offset += 0.6 * (static_cast<double>(z >> 11) / 9007199254740992.0 - 0.5);
    }
    clip.render_frame(t + offset, width, height, frames[t].data_ptr<uint8_t>());
    clip.render_audio(t, samples, config.audio.sample_rate, audio[t].data_ptr<float>());
    if (model.is_segmentation())
      clip.render_sounding_mask(t + offset, mask_size, mask_size, masks[t].data_ptr<uint8_t>());
    for (int k = 0; model.is_question_answering() && k < clip.classes(); ++k)
      if (clip.scenes()[t].visible[k]) {
        const auto centre = clip.object_position(k, t + offset);
        centres[t][k][0] = centre.x;
        centres[t][k][1] = centre.y;
      }
  }
  auto frames_norm = dgsct::normalize_frames(frames, config.video, torch::kCPU);
  auto log_mel = model.log_mel(audio);
  if (model.is_parsing()) {
    dgsct::TrainingClip whole;
    whole.frames = frames_norm;
    whole.log_mel = log_mel;
    whole.clip_frames = model.prepare_clips(render_clip_frames(clip, width, height)); // features: after training the clip encoder
    whole.audio_events = classes_per_segment(clip, &dgsct::synth::SegmentScene::audible);
    whole.visual_events = classes_per_segment(clip, &dgsct::synth::SegmentScene::visible);
    return {whole};
  }
  if (!model.is_segmentation()) {
    dgsct::TrainingClip whole;
    whole.frames = frames_norm;
    whole.log_mel = log_mel;
    whole.labels = clip.labels();
    if (model.is_question_answering()) {
      whole.object_centres = centres;
      whole.audio_events = classes_per_segment(clip, &dgsct::synth::SegmentScene::audible);
    }
    return {whole};
  }
  std::vector<dgsct::TrainingClip> windows;
  for (int w = 0; w + config.segments <= T; w += config.segments) {
    dgsct::TrainingClip window;
    window.frames = frames_norm.narrow(0, w, config.segments);
    window.log_mel = log_mel.narrow(0, w, config.segments);
    window.masks = masks.narrow(0, w, config.segments).ne(0).to(torch::kUInt8);
    windows.push_back(window);
  }
  return windows;
}

// AVQA: one training item per question about the clip; the items share the clip's inputs, so a
// batch encodes each clip once. `kinds` gets each question's kind.
std::vector<dgsct::TrainingClip> ask(const dgsct::Model &model, const dgsct::synth::Clip &clip, dgsct::TrainingClip video,
                                     std::vector<dgsct::synth::QuestionKind> &kinds) {
  std::vector<dgsct::TrainingClip> items;
  const auto &answers = model.labels();
  for (const auto &q : dgsct::synth::questions(clip)) {
    auto item = video;
    item.question = dgsct::Trainer::question_ids(model, q.text, q.template_values);
    const auto found = std::find(answers.begin(), answers.end(), q.answer);
    if (found == answers.end())
      throw std::runtime_error("the answer '" + q.answer + "' is not among the model's answers");
    item.answer = static_cast<int>(found - answers.begin());
    items.push_back(std::move(item));
    kinds.push_back(q.kind);
  }
  return items;
}

std::vector<dgsct::TrainingClip> render(const dgsct::Model &model, const dgsct::synth::World &world, int count,
                                        int width, int height, bool jitter, const char *what,
                                        std::vector<dgsct::synth::QuestionKind> &kinds) {
  std::vector<dgsct::TrainingClip> clips;
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const auto clip = world.clip(i);
    for (auto &window : prepare_clip(model, clip, width, height, jitter ? i + 1 : 0))
      if (model.is_question_answering())
        for (auto &item : ask(model, clip, std::move(window), kinds))
          clips.push_back(std::move(item));
      else
        clips.push_back(std::move(window));
    if ((i + 1) % 100 == 0 || i + 1 == count)
      std::printf("  rendered %d/%d %s clips (%.0f s)\n", i + 1, count, what, seconds_since(start));
    std::fflush(stdout);
  }
  return clips;
}

// A labelled clip made by dgsct-extract: frames, audio and one label name per segment.
struct LabelledClip {
  std::string path;
  torch::Tensor frames, audio;
  std::vector<std::string> labels;
};

std::vector<std::string> split_list(const std::string &list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty())
      out.push_back(item);
  return out;
}

std::vector<LabelledClip> read_clip_files(const std::string &list) {
  std::vector<LabelledClip> clips;
  for (const auto &path : split_list(list)) {
    LabelledClip clip;
    clip.path = path;
    std::tie(clip.frames, clip.audio) = dgsct::read_clip(path);
    const auto file = dgsct::SafetensorsFile::open(path);
    const auto &meta = file->metadata();
    auto it = meta.find("dgsct.segment_labels");
    if (it == meta.end())
      throw std::runtime_error(path + ": no 'dgsct.segment_labels' metadata (make clips with dgsct-extract)");
    try {
      clip.labels = nlohmann::json::parse(it->second).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception &) {
      throw std::runtime_error(path + ": 'dgsct.segment_labels' is not a JSON list of strings");
    }
    if (static_cast<int64_t>(clip.labels.size()) != clip.frames.size(0))
      throw std::runtime_error(path + ": " + std::to_string(clip.labels.size()) + " labels for " +
                               std::to_string(clip.frames.size(0)) + " segments");
    clips.push_back(std::move(clip));
  }
  return clips;
}

// Non-overlapping windows of the model's length; a shorter rest is left out.
std::vector<dgsct::TrainingClip> windows_of(const dgsct::Model &model, const std::vector<LabelledClip> &clips) {
  if (model.is_segmentation())
    throw std::runtime_error("--clip-files hold segment labels, not masks: AVS models train on the synthetic world");
  const int T = model.config().segments;
  std::vector<dgsct::TrainingClip> out;
  for (const auto &clip : clips) {
    if (clip.audio.size(1) != model.config().audio.segment_samples)
      throw std::runtime_error(clip.path + ": segments of " + std::to_string(clip.audio.size(1)) + " samples, the model takes " +
                               std::to_string(model.config().audio.segment_samples));
    for (int64_t w = 0; w + T <= clip.frames.size(0); w += T) {
      dgsct::TrainingClip window;
      window.frames = dgsct::normalize_frames(clip.frames.narrow(0, w, T), model.config().video, torch::kCPU);
      window.log_mel = model.log_mel(clip.audio.narrow(0, w, T));
      for (int t = 0; t < T; ++t) {
        const auto &name = clip.labels[w + t];
        const auto &labels = model.labels();
        const auto found = std::find(labels.begin(), labels.end(), name);
        window.labels.push_back(name == "background" ? model.background_class() : static_cast<int>(found - labels.begin()));
      }
      out.push_back(std::move(window));
    }
  }
  return out;
}

struct Accuracy {
  int correct = 0, total = 0;
  std::vector<int> class_correct, class_total; // per true label, background last
  double value() const { return total ? static_cast<double>(correct) / total : 0.0; }
};

Accuracy evaluate(dgsct::Trainer &trainer, const std::vector<dgsct::TrainingClip> &clips, int classes) {
  Accuracy acc;
  acc.class_correct.assign(classes + 1, 0);
  acc.class_total.assign(classes + 1, 0);
  for (size_t i = 0; i < clips.size(); i += 8) {
    std::vector<const dgsct::TrainingClip *> batch;
    for (size_t j = i; j < std::min(clips.size(), i + 8); ++j)
      batch.push_back(&clips[j]);
    auto predicted = trainer.predict(batch);
    for (size_t b = 0; b < batch.size(); ++b)
      for (size_t t = 0; t < predicted[b].size(); ++t) {
        const int truth = batch[b]->labels[t];
        const bool ok = predicted[b][t] == truth;
        acc.correct += ok;
        acc.total += 1;
        acc.class_correct[truth] += ok;
        acc.class_total[truth] += 1;
      }
  }
  return acc;
}

// Mean mask IoU over every frame of `clips`.
double evaluate_masks(dgsct::Trainer &trainer, const std::vector<dgsct::TrainingClip> &clips) {
  double sum = 0;
  int64_t frames = 0;
  for (size_t i = 0; i < clips.size(); i += 8) {
    std::vector<const dgsct::TrainingClip *> batch;
    std::vector<torch::Tensor> truth;
    for (size_t j = i; j < std::min(clips.size(), i + 8); ++j) {
      batch.push_back(&clips[j]);
      truth.push_back(clips[j].masks);
    }
    auto predicted = trainer.predict_masks(batch).contiguous();
    auto expected = torch::cat(truth).contiguous();
    const size_t pixels = static_cast<size_t>(predicted.size(1) * predicted.size(2));
    for (int64_t f = 0; f < predicted.size(0); ++f, ++frames)
      sum += dgsct::mask_iou(predicted[f].data_ptr<uint8_t>(), expected[f].data_ptr<uint8_t>(), pixels);
  }
  return frames ? sum / frames : 0.0;
}

// AVVP: decoded events against the truth over `clips`.
dgsct::ParsingCounts evaluate_events(dgsct::Trainer &trainer, const std::vector<dgsct::TrainingClip> &clips) {
  dgsct::ParsingCounts counts;
  for (size_t i = 0; i < clips.size(); i += 8) {
    std::vector<const dgsct::TrainingClip *> batch;
    std::vector<torch::Tensor> audio_truth, visual_truth;
    for (size_t j = i; j < std::min(clips.size(), i + 8); ++j) {
      batch.push_back(&clips[j]);
      audio_truth.push_back(clips[j].audio_events);
      visual_truth.push_back(clips[j].visual_events);
    }
    const auto [audio, visual] = trainer.predict_events(batch);
    counts.add(audio, visual, torch::stack(audio_truth), torch::stack(visual_truth));
  }
  return counts;
}

void print_f1(const char *what, const dgsct::ParsingCounts &counts) {
  static const char *modalities[] = {"audio", "visual", "audio-visual"};
  std::printf("%s segment-level F1:", what);
  for (int m = 0; m < 3; ++m)
    std::printf(" %s %.3f (tp %lld, fp %lld, fn %lld)%s", modalities[m], counts.f1(m), static_cast<long long>(counts.tp[m]),
                static_cast<long long>(counts.fp[m]), static_cast<long long>(counts.fn[m]), m < 2 ? "," : "\n");
}

// AVQA: answers against the truth over `clips`, in all and per question kind.
void print_answer_accuracy(const char *what, dgsct::Trainer &trainer, const std::vector<dgsct::TrainingClip> &clips,
                           const std::vector<dgsct::synth::QuestionKind> &kinds) {
  static const char *kind_names[] = {"counting", "existence", "location"};
  int correct[3] = {0, 0, 0}, total[3] = {0, 0, 0};
  for (size_t i = 0; i < clips.size(); i += 8) {
    std::vector<const dgsct::TrainingClip *> batch;
    for (size_t j = i; j < std::min(clips.size(), i + 8); ++j)
      batch.push_back(&clips[j]);
    const auto answers = trainer.predict_answers(batch);
    for (size_t b = 0; b < batch.size(); ++b) {
      const int kind = static_cast<int>(kinds[i + b]);
      correct[kind] += answers[b] == batch[b]->answer;
      total[kind] += 1;
    }
  }
  const int all_correct = correct[0] + correct[1] + correct[2], all = total[0] + total[1] + total[2];
  std::printf("%s answer accuracy: %.3f (%d/%d)\n", what, static_cast<double>(all_correct) / std::max(1, all), all_correct, all);
  for (int k = 0; k < 3; ++k)
    if (total[k])
      std::printf("  %-12s %.3f (%d/%d)\n", kind_names[k], static_cast<double>(correct[k]) / total[k], correct[k], total[k]);
}

void print_accuracy(const char *what, const Accuracy &acc, const dgsct::Model &model) {
  std::printf("%s segment accuracy: %.3f (%d/%d)\n", what, acc.value(), acc.correct, acc.total);
  for (size_t c = 0; c < acc.class_total.size(); ++c)
    if (acc.class_total[c])
      std::printf("  %-12s %.3f (%d/%d)\n", model.label_name(static_cast<int>(c)).c_str(),
                  static_cast<double>(acc.class_correct[c]) / acc.class_total[c], acc.class_correct[c], acc.class_total[c]);
}

} // namespace

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv,
                        {"output", "preset", "init", "world-seed", "classes", "clips", "eval-clips", "eval-seed", "steps",
                         "batch", "lr", "seed", "width", "height", "max-minutes", "dtype", "clip-files",
                         "eval-clip-files", "labels", "vocabulary", "encoder-from", "clip-encoder-steps",
                         "clip-encoder-batch", "visual-encoder-steps", "visual-encoder-batch"},
                        {"fine-tune", "head-only"}, kUsage);
  try {
    const std::string output = args.require("output");
    const int classes = static_cast<int>(args.integer("classes", 6, 1, 1000000));
    const int train_clips = static_cast<int>(args.integer("clips", 600, 1, 1000000));
    const int eval_clips = static_cast<int>(args.integer("eval-clips", 60, 0, 1000000));
    const int steps = static_cast<int>(args.integer("steps", 1500, 1, 100000000));
    const int batch_size = static_cast<int>(args.integer("batch", 6, 1, 100000));
    const int width = static_cast<int>(args.integer("width", 160, 1, 8192));
    const int height = static_cast<int>(args.integer("height", 120, 1, 8192));
    const uint64_t seed = args.unsigned_integer("seed", "1");
    const double max_minutes = args.number("max-minutes", "0");
    if (args.has("preset") == args.has("init"))
      args.die("give exactly one of --preset and --init");
    if (args.has("fine-tune") && !args.has("init") && !args.has("encoder-from"))
      args.die("--fine-tune needs --init or --encoder-from");
    if (args.has("head-only") && !args.has("init") && !args.has("encoder-from"))
      args.die("--head-only needs --init or --encoder-from");
    if (args.has("head-only") && args.has("fine-tune"))
      args.die("give one of --fine-tune and --head-only");
    if (args.has("encoder-from") && args.has("init"))
      args.die("--encoder-from starts a fresh model: give --preset, not --init");
    const auto &names = dgsct::synth::World::class_names();
    if (classes > static_cast<int>(names.size()))
      args.die("--classes must be 1.." + std::to_string(names.size()));
    if (train_clips < batch_size)
      args.die("need --clips >= --batch");
    // The starting point: a fresh model of the preset (made once the labels are known) or the --init file.
    std::unique_ptr<dgsct::Model> model = args.has("init") ? dgsct::Model::load(args.get("init")) : nullptr;
    const auto task_config = model ? model->config() : dgsct::ModelConfig::preset(args.get("preset"));
    const bool segmentation = task_config.is_segmentation(), parsing = task_config.is_parsing(),
               question_answering = task_config.is_question_answering();
    if (!parsing && (args.has("clip-encoder-steps") || args.has("clip-encoder-batch")))
      args.die("--clip-encoder-steps and --clip-encoder-batch are for AVVP models");
    if (!question_answering && (args.has("visual-encoder-steps") || args.has("visual-encoder-batch")))
      args.die("--visual-encoder-steps and --visual-encoder-batch are for AVQA models");
    dgsct::VisualEncoderTraining visual_training;
    visual_training.steps = static_cast<int>(args.integer("visual-encoder-steps", 0, 0, 100000000));
    visual_training.batch = static_cast<int>(args.integer("visual-encoder-batch", 64, 1, 100000));
    visual_training.seed = seed;
    if (question_answering && !model && (!args.has("labels") || !args.has("vocabulary")))
      args.die("an AVQA model needs --labels (its answers) and --vocabulary (its question words)");
    // AVS models have one class, the sounding object; the world's classes are its objects. AVQA's
    // classes are its answers.
    std::vector<std::string> labels = segmentation ? std::vector<std::string>{"sounding object"}
                                      : question_answering ? (model ? model->labels() : dgsct::Model::read_labels(args.get("labels")))
                                                           : std::vector<std::string>(names.begin(), names.begin() + classes);
    const bool own_clips = args.has("clip-files");
    if (own_clips && (parsing || question_answering))
      args.die("--clip-files hold one label per segment: AVVP and AVQA models train on the synthetic world");
    std::vector<LabelledClip> user_train, user_eval;
    if (own_clips) {
      user_train = read_clip_files(args.get("clip-files"));
      user_eval = read_clip_files(args.get("eval-clip-files"));
      // The model's classes first, then the clips' new names in order of appearance.
      labels = model ? model->labels() : std::vector<std::string>{};
      for (const auto *set : {&user_train, &user_eval})
        for (const auto &clip : *set)
          for (const auto &name : clip.labels)
            if (name != "background" && std::find(labels.begin(), labels.end(), name) == labels.end())
              labels.push_back(name);
    }

    if (!model) {
      auto config = dgsct::ModelConfig::preset(args.get("preset"));
      if (config.classes != static_cast<int>(labels.size()))
        args.die("preset '" + config.name + "' has " + std::to_string(config.classes) + " classes, the data " +
                 std::to_string(labels.size()));
      model = dgsct::Trainer::fresh_model(config, labels, seed);
      if (question_answering)
        model->set_question_vocabulary(dgsct::Model::read_labels(args.get("vocabulary")));
      if (args.has("encoder-from"))
        dgsct::Trainer::adopt_encoder(*model, *dgsct::Model::load(args.get("encoder-from")),
                                      /*with_swin=*/visual_training.steps == 0);
    } else if (!question_answering) {
      const auto &known = model->labels();
      if (!std::equal(known.begin(), known.begin() + std::min(known.size(), labels.size()), labels.begin()))
        throw std::runtime_error(args.get("init") + ": its labels are not the first classes of the data");
      if (model->config().classes < static_cast<int>(labels.size()))
        model = dgsct::Trainer::with_classes(*model, labels, seed);
    }
    dgsct::TrainOptions options;
    options.learning_rate = args.number("lr", "1e-3");
    options.adapters_and_heads_only = args.has("fine-tune");
    options.head_only = args.has("head-only");
    dgsct::Trainer trainer(*model, options);
    size_t trainable = 0;
    for (const auto &named : trainer.trainable())
      trainable += named.second.numel();
    std::printf("dgsct-train: %s, %d classes, %zu trainable parameters%s\n", model->config().name.c_str(),
                model->config().classes, trainable,
                options.head_only ? " (head only)" : options.adapters_and_heads_only ? " (adapters and heads)" : "");

    dgsct::synth::WorldOptions world_options;
    world_options.classes = classes;
    const dgsct::synth::World train_world(args.unsigned_integer("world-seed", "1"), world_options);
    const dgsct::synth::World eval_world(args.unsigned_integer("eval-seed", "1000"), world_options);
    std::vector<dgsct::synth::QuestionKind> train_kinds, held_out_kinds; // AVQA
    auto train = own_clips ? windows_of(*model, user_train)
                           : render(*model, train_world, train_clips, width, height, true, "training", train_kinds);
    auto held_out = own_clips ? windows_of(*model, user_eval)
                              : render(*model, eval_world, eval_clips, width, height, false, "evaluation", held_out_kinds);
    if (parsing) {
      dgsct::ClipEncoderTraining clip_training;
      clip_training.steps = static_cast<int>(args.integer("clip-encoder-steps", 0, 0, 100000000));
      clip_training.batch = static_cast<int>(args.integer("clip-encoder-batch", 64, 1, 100000));
      clip_training.seed = seed;
      if (clip_training.steps > 0)
        dgsct::Trainer::train_clip_encoder(*model, train, clip_training, encoder_progress("clip encoder", clip_training.steps));
      for (auto *clips : {&train, &held_out}) {
        dgsct::Trainer::compute_clip_features(*model, *clips);
        for (auto &clip : *clips)
          clip.clip_frames = torch::Tensor(); // the head reads the features only
      }
    }
    if (visual_training.steps > 0)
      dgsct::Trainer::train_visual_encoder(*model, train, visual_training, encoder_progress("visual encoder", visual_training.steps));
    if (static_cast<int>(train.size()) < batch_size)
      args.die("the training data has " + std::to_string(train.size()) + " windows, fewer than --batch");
    if (!args.has("init") && !args.has("encoder-from"))
      trainer.calibrate(train);

    dgsct::EpochOrder order(train.size(), seed);
    const auto start = Clock::now();
    double running_loss = 0, running_intersection = 0, running_union = 0;
    int running_correct = 0, running_total = 0, running_answers = 0, running_questions = 0, done = 0;
    dgsct::ParsingCounts running_events;
    for (int step = 0; step < steps; ++step) {
      const double lr = options.learning_rate * dgsct::learning_rate_factor(step, steps);
      trainer.set_learning_rate(lr);
      std::vector<const dgsct::TrainingClip *> batch;
      while (static_cast<int>(batch.size()) < batch_size)
        batch.push_back(&train[order.next()]);
      const auto stats = trainer.step(batch);
      running_loss += stats.loss;
      running_correct += stats.correct;
      running_total += stats.segments;
      running_intersection += stats.intersection;
      running_union += stats.union_;
      running_answers += stats.correct_answers;
      running_questions += stats.questions;
      running_events += stats.parsing;
      done = step + 1;
      const double elapsed = seconds_since(start);
      if (done % 50 == 0 || done == steps) {
        char train_measure[96];
        if (segmentation)
          std::snprintf(train_measure, sizeof train_measure, "IoU %.3f", running_intersection / std::max(1.0, running_union));
        else if (question_answering)
          std::snprintf(train_measure, sizeof train_measure, "answer accuracy %.3f",
                        static_cast<double>(running_answers) / std::max(1, running_questions));
        else if (parsing)
          std::snprintf(train_measure, sizeof train_measure, "F1 audio %.3f visual %.3f audio-visual %.3f",
                        running_events.f1(0), running_events.f1(1), running_events.f1(2));
        else
          std::snprintf(train_measure, sizeof train_measure, "accuracy %.3f", static_cast<double>(running_correct) / running_total);
        std::printf("step %5d/%d  loss %.4f  train %s  lr %.2e  %.0f s elapsed, ETA %.0f s\n", done, steps,
                    running_loss / 50, train_measure, lr, elapsed, elapsed / done * (steps - done));
        std::fflush(stdout);
        running_loss = running_intersection = running_union = 0;
        running_correct = running_total = running_answers = running_questions = 0;
        running_events = {};
      }
      if (max_minutes > 0 && elapsed > max_minutes * 60) {
        std::printf("stopping after %d steps: --max-minutes %.1f reached\n", done, max_minutes);
        break;
      }
    }
    if (!held_out.empty() && segmentation)
      std::printf("held-out mean mask IoU: %.3f (%zu windows)\n", evaluate_masks(trainer, held_out), held_out.size());
    else if (!held_out.empty() && parsing)
      print_f1("held-out", evaluate_events(trainer, held_out));
    else if (!held_out.empty() && question_answering)
      print_answer_accuracy("held-out", trainer, held_out, held_out_kinds);
    else if (!held_out.empty())
      print_accuracy("held-out", evaluate(trainer, held_out, model->config().classes), *model);
    model->save(output, args.get("dtype", "F16"));
    std::printf("wrote %s (%d steps, %.1f min)\n", output.c_str(), done, seconds_since(start) / 60);
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "dgsct-train: %s\n", e.what());
    return 1;
  }
}
