// SPDX-License-Identifier: LGPL-2.1-or-later
// Training and fine-tuning with the official losses. AVE: binary cross-entropy on each segment's
// is-event logit and cross-entropy on the window's event class. AVS: binary cross-entropy on every
// pixel's mask logit (the main term of the official S4 loss). AVVP: binary cross-entropy on the
// video-level probabilities, and on each segment's decision margin against segment-level truth
// (the official training sees video-level labels only; the synthetic world knows every segment).
// AVQA: cross-entropy on the answer, plus half the cross-entropy of the audio-visual match term as
// officially: each segment's audio against its own grounded frame (a match) and against the frame
// of the same second of another video of the batch (no match; left out when the batch asks about
// one video). Clips that share their frames and log-mel tensors are questions about one video,
// encoded once.
//
//   auto model = dgsct::Trainer::fresh_model(config, labels, /*seed=*/1);
//   dgsct::Trainer trainer(*model, {});
//   trainer.calibrate(clips);                  // bn0's per-mel-bin statistics from the data
//   for (...) trainer.step(batch);             // one AdamW step on a batch of clips
//   model->save("demo.safetensors", "F16");
//
// Fine-tuning (TrainOptions::adapters_and_heads_only) trains the adapters, the temporal attention
// and the CMBS head and leaves the Swin-V2 and HTS-AT backbones exactly as loaded, as the paper
// does with its frozen encoders.
#pragma once

#include "dgsct/model.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dgsct {

// One window of segments with its prepared inputs (dgsct/frontend.h) and ground truth.
struct TrainingClip {
  torch::Tensor frames;    // [T, 3, size, size]: normalize_frames() output
  torch::Tensor log_mel;   // [T, 1, frames, mels]: Model::log_mel() output
  std::vector<int> labels; // AVE, per segment: class, or background_class()
  torch::Tensor masks;     // AVS: [T, mask_size, mask_size] uint8, 1 on the sounding object
  torch::Tensor clip_features;             // AVVP: [T, clip_feature_dim]
  torch::Tensor clip_frames;               // AVVP, to train the clip encoder: [T, 3, frames, size, size], Model::prepare_clips()
  torch::Tensor audio_events, visual_events; // AVVP: [T, classes] uint8, 1 where the class is heard / seen
                                             // (AVQA's visual encoder training: audio_events)
  torch::Tensor question;                  // AVQA: [question_length] int64 token ids (Trainer::question_ids)
  int answer = -1;                         // AVQA: the true answer, an index into the model's labels
  torch::Tensor object_centres;            // AVQA, to train the visual encoder: [T, classes, 2] (x, y) of each
                                           // object seen, as fractions of the frame's width and height; -1 where unseen
};

// The learning-rate schedule of every training here: linear warm-up over the first 5 % of `steps`,
// then cosine decay to zero. The factor of the base rate at `step` (from 0).
double learning_rate_factor(int step, int steps);

// The order training items are drawn in: a fixed-seed permutation of [0, size), drawn anew for
// every epoch by a portable generator, so that a run draws the same items on every machine.
class EpochOrder {
public:
  EpochOrder(size_t size, uint64_t seed);
  size_t next();

private:
  void shuffle();
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  uint64_t state_;
};

// AVVP: training the clip encoder before the parsing head (Trainer::train_clip_encoder).
struct ClipEncoderTraining {
  int steps = 300;
  int batch = 64; // segments
  double learning_rate = 1e-3;
  uint64_t seed = 1;
};

// AVQA: training Swin-V2 and the adapters to see where objects are, before the head
// (Trainer::train_visual_encoder); the defaults trained avqa-demo.
struct VisualEncoderTraining {
  int steps = 1600;
  int batch = 64; // segments
  double learning_rate = 1e-3;
  uint64_t seed = 1;
};

struct TrainOptions {
  double learning_rate = 1e-3;
  double weight_decay = 0.01;
  bool adapters_and_heads_only = false;
  // Only the task head trains; the dual encoder (backbones and adapters) stays as loaded, so each
  // clip is encoded once, on first use, and its encoder outputs are reused by every later step
  // (AVE, AVVP and AVQA; AVS heads read the encoder's stage maps and are not supported).
  bool head_only = false;
};

class EncoderCache;

// AVVP: true positives, false positives and false negatives of decoded (segment, class) events
// per modality, summed over clips; F1 = 2 tp / (2 tp + fp + fn).
struct ParsingCounts {
  int64_t tp[3] = {0, 0, 0}, fp[3] = {0, 0, 0}, fn[3] = {0, 0, 0}; // audio, visual, audio-visual
  void add(const torch::Tensor &audio, const torch::Tensor &visual, const torch::Tensor &audio_truth,
           const torch::Tensor &visual_truth);
  double f1(int modality) const;
  ParsingCounts &operator+=(const ParsingCounts &other);
};

struct StepStats {
  double loss = 0, event_loss = 0, class_loss = 0;
  int correct = 0, segments = 0; // AVE: decoded segment labels against the truth, before the step
  double intersection = 0, union_ = 0; // AVS: of decoded and true masks, summed over the batch
  ParsingCounts parsing;               // AVVP: decoded segment events against the truth
  double answer_loss = 0, match_loss = 0; // AVQA: the two terms of `loss` (match_loss unweighted)
  int correct_answers = 0, questions = 0; // AVQA: argmax answers against the truth, before the step
};

class Trainer {
public:
  Trainer(Model &model, const TrainOptions &options);
  ~Trainer();

  // A model of `config` initialised for training from scratch (truncated-normal linear weights,
  // unit norms, zero adapter gates), on the CPU in fp32.
  static std::unique_ptr<Model> fresh_model(const ModelConfig &config, std::vector<std::string> labels, uint64_t seed);
  // `model` with the classes of `labels` (its own first, in order, then new ones): the class rows
  // of the heads are kept, the new rows initialised as fresh_model does.
  static std::unique_ptr<Model> with_classes(const Model &model, const std::vector<std::string> &labels, uint64_t seed);
  // Copies the Swin-V2, HTS-AT and adapters of `source` (a model of another task with the same
  // encoder configuration) into `target`: a task head then trains on features that already tell the
  // world's classes apart, as the paper's heads train on pretrained encoders. With `with_swin` false
  // the target's Swin-V2 stays as it is (and may differ in configuration), for train_visual_encoder
  // to train anew. Throws naming the first tensor whose name or shape differs.
  static void adopt_encoder(Model &target, const Model &source, bool with_swin = true);

  // AVVP: trains the clip encoder to tell which classes are seen in a segment (binary cross-entropy
  // of a linear classifier on its features, discarded afterwards; AdamW, cosine schedule), on the
  // clip_frames and visual_events of `clips`, as the paper's R(2+1)D-18 comes pretrained on
  // Kinetics. The parsing head then reads its features as fixed inputs (compute_clip_features).
  // `progress` gets the step and the mean loss of the last steps, every 50 steps and at the end.
  static void train_clip_encoder(Model &model, const std::vector<TrainingClip> &clips, const ClipEncoderTraining &options,
                                 const std::function<void(int step, double loss)> &progress = {});
  // AVQA: trains Swin-V2 and every adapter (HTS-AT stays) to tell where each seen object is, on the
  // frames, log_mel, object_centres and audio_events of the segments of `clips` (clips sharing their
  // frames count once). A linear classifier shared by the final visual tokens (discarded
  // afterwards) tells, per token and class, whether the object's centre lies in the token's cell of
  // the frame and if so in which third of the width (AVQA's left, middle, right); cells without the
  // object weigh a tenth. Per-token targets keep the tokens apart, so their mean, which grounding
  // keeps, still tells where things are; it needs SwinConfig::absolute_position to know which token
  // is which. The adapters also shape the audio stream, so a second linear classifier on the pooled
  // audio tells which classes are heard (binary cross-entropy, added), lest they forget it.
  // AdamW, cosine schedule. `progress` as train_clip_encoder's.
  static void train_visual_encoder(Model &model, const std::vector<TrainingClip> &clips, const VisualEncoderTraining &options,
                                   const std::function<void(int step, double loss)> &progress = {});
  // AVVP: each clip's clip_features from its clip_frames, by the model's clip encoder.
  static void compute_clip_features(const Model &model, std::vector<TrainingClip> &clips);

  // Sets HTS-AT's bn0 statistics (per mel bin, over every frame of `clips`): the model's
  // batch norms run in inference mode, so the statistics come from the data once.
  void calibrate(const std::vector<TrainingClip> &clips);
  // For schedules: the optimiser's learning rate from now on.
  void set_learning_rate(double learning_rate);
  // One optimiser step on a batch of clips.
  StepStats step(const std::vector<const TrainingClip *> &batch);
  // Decoded labels of a batch, without gradients.
  std::vector<std::vector<int>> predict(const std::vector<const TrainingClip *> &batch);
  // AVS: decoded masks of a batch [B * T, size, size] uint8, without gradients.
  torch::Tensor predict_masks(const std::vector<const TrainingClip *> &batch);
  // AVVP: decoded audio and visual events of a batch, each [B, T, classes] uint8, without gradients.
  std::pair<torch::Tensor, torch::Tensor> predict_events(const std::vector<const TrainingClip *> &batch);
  // AVQA: decoded answers (indices into the model's labels) of a batch, without gradients.
  std::vector<int> predict_answers(const std::vector<const TrainingClip *> &batch);
  // AVQA: TrainingClip::question for `question` with its template values, tokenised as
  // Model::answer does with the model's vocabulary. Throws std::invalid_argument naming the words
  // outside the vocabulary.
  static torch::Tensor question_ids(const Model &model, const std::string &question,
                                    const std::vector<std::string> &template_values);
  // Parameters this trainer changes, with their official names.
  const std::vector<std::pair<std::string, torch::Tensor>> &trainable() const { return trainable_; }

private:
  Model &model_;
  TrainOptions options_;
  std::vector<std::pair<std::string, torch::Tensor>> trainable_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<EncoderCache> cache_; // with TrainOptions::head_only
};

} // namespace dgsct
