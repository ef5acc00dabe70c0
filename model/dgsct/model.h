// SPDX-License-Identifier: LGPL-2.1-or-later
// The DG-SCT model as applications use it.
//
//   auto model = dgsct::Model::load("ave.safetensors", {"cpu", dgsct::Precision::BF16});
//   std::deque<dgsct::SegmentFeatures> window;
//   for each second:                       // frame: [H, W, 3] uint8 RGB, audio: [32000] float
//     window.push_back(model->encode_segment(frame, audio));
//     if (window.size() > model->config().segments) window.pop_front();
//     if (window.size() == model->config().segments) {
//       auto result = model->head({window.begin(), window.end()});
//       ... result.labels[t], model->labels()[result.event_class] ...
//     }
//
// A Model is immutable after loading: encode_segment and head may be called from several threads
// at once (each stream keeps its own window of SegmentFeatures).
#pragma once

#include "dgsct/config.h"
#include "dgsct/taps.h"

#include <memory>
#include <string>
#include <torch/torch.h>
#include <vector>

namespace dgsct {

struct AveNetImpl;
struct AvsNetImpl;
struct AvvpNetImpl;
struct AvqaNetImpl;
class QuestionVocabulary;
class DualEncoder;

enum class Precision { FP32, BF16, FP16 };
Precision parse_precision(const std::string &name); // "fp32", "bf16", "fp16"
const char *precision_name(Precision precision);

struct ModelOptions {
  std::string device = "cpu"; // "cpu", "cuda", "cuda:N"
  Precision precision = Precision::FP32;
  // CPU threads for LibTorch's intra-op pool (process-wide). 0 = by precision: 1 for fp32 (its
  // matrix products run on OpenBLAS's own threads), one per hardware thread otherwise.
  int threads = 0;
};

// Everything the head needs from one segment. AVE, AVVP: the pooled visual and audio vectors
// (fp32). AVS: the four projected visual maps and the projected audio vector. AVVP also needs the
// segment's R(2+1)D-18 clip feature (Model::clip_features, or precomputed). AVQA: the projected
// audio and the audio-grounded visual vector.
struct SegmentFeatures {
  torch::Tensor visual;            // AVE, AVVP [C_v]; AVQA [width] grounded; undefined for AVS
  torch::Tensor audio;             // AVE, AVVP [C_a]; AVS [A] after audio_linear; AVQA [width]
  std::vector<torch::Tensor> maps; // AVS: per scale [C, s, s], finest first
  torch::Tensor clip;              // AVVP: [clip_feature_dim]
};

// The decoded result of one window of segments, with the raw scores behind it.
struct WindowResult {
  std::vector<int> labels;               // per segment: event_class when foreground, else background_class
  std::vector<float> foreground_prob;    // per segment: sigmoid(is_event)
  int event_class = 0;                   // one class per window
  std::vector<float> event_scores;       // per class
  torch::Tensor is_event, event_scores_raw, av_score, audio_visual_gate; // [T], [classes], [classes], [T]
  // AVS: per decoded frame, mask logits [F, size, size] (fp32) and masks (uint8 0/1, the official
  // sigmoid(logit) > 0.5), for the window positions `mask_frames`.
  torch::Tensor mask_logits, masks;
  std::vector<int> mask_frames;
  // AVVP, per class: the video-level probability and label (uint8 0/1); per segment and class: the
  // audio, visual and audio-visual events (uint8 0/1; an event needs its class at video level) and
  // the frame probabilities behind the first two.
  torch::Tensor video_prob, video_labels;                         // [classes]
  torch::Tensor audio_events, visual_events, audio_visual_events; // [T, classes]
  torch::Tensor audio_frame_prob, visual_frame_prob;              // [T, classes]
  // AVQA: the answer (label index) to the question, the softmax over the answers and the logits.
  int answer = -1;
  std::vector<float> answer_probs;
  torch::Tensor answer_logits;
};

class Model {
public:
  // A self-describing model file: its metadata carries the preset and the label names.
  static std::unique_ptr<Model> load(const std::string &path, const ModelOptions &options = {});
  // A bare state dict (official key names) plus the preset it was made with.
  static std::unique_ptr<Model> from_weights(const ModelConfig &config, const std::string &weights_path,
                                             std::vector<std::string> labels, const ModelOptions &options = {});
  // Random weights, for benchmarks (AVVP: with a clip encoder).
  static std::unique_ptr<Model> random(const ModelConfig &config, const ModelOptions &options = {}, uint64_t seed = 0);
  ~Model();

  const ModelConfig &config() const { return config_; }
  const std::vector<std::string> &labels() const { return labels_; }
  int background_class() const { return config_.classes; }
  bool is_segmentation() const { return config_.is_segmentation(); }
  bool is_parsing() const { return config_.is_parsing(); }
  bool is_question_answering() const { return config_.is_question_answering(); }
  std::string label_name(int label) const; // "background" for the background class
  // Official keys found in the weights file that never influence an output.
  const std::vector<std::string> &unused_keys() const { return unused_keys_; }
  torch::Device device() const { return device_; }
  Precision precision() const { return options_.precision; }

  // frame [H, W, 3] uint8 RGB of any size; audio [segment_samples] float mono at the model's rate.
  SegmentFeatures encode_segment(const torch::Tensor &frame, const torch::Tensor &audio) const;
  // Batched: frames [S, H, W, 3], audio [S, segment_samples]; segments are independent.
  std::vector<SegmentFeatures> encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr) const;
  // The log-mel of audio [S, segment_samples] with this model's kernels: [S, 1, frames, mels].
  torch::Tensor log_mel(const torch::Tensor &audio) const;
  // From inputs prepared outside the model (dgsct/frontend.h): normalize_frames() output
  // [S, 3, size, size] and log-mel [S, 1, frames, mels] (LogMel with this model's kernels).
  std::vector<SegmentFeatures> encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel) const;
  // A window of config().segments cached segments, oldest first.
  WindowResult head(const std::vector<SegmentFeatures> &window, Taps *taps = nullptr) const;
  // AVS: the same, decoding masks only for the window positions `frames` (TPAVI still reads every
  // segment of the window; the decoder, which dominates the cost, runs only for these).
  WindowResult head(const std::vector<SegmentFeatures> &window, const std::vector<int> &frames, Taps *taps = nullptr) const;
  // AVQA: the question vocabulary (line i = token i, <pad> first; a model file carries it).
  void set_question_vocabulary(std::vector<std::string> words);
  const std::vector<std::string> &question_vocabulary() const;
  // AVQA: the words of `question` outside the vocabulary (empty: it can be asked), after the
  // official tokenisation with `template_values` substituted for its <...> slots.
  std::vector<std::string> unknown_words(const std::string &question, const std::vector<std::string> &template_values = {}) const;
  // AVQA: answers `question` over a window of config().segments cached segments (any seconds: the
  // head is a set function of them). Throws std::invalid_argument naming the words outside the
  // vocabulary.
  WindowResult answer(const std::vector<SegmentFeatures> &window, const std::string &question,
                      const std::vector<std::string> &template_values = {}, Taps *taps = nullptr) const;

  // AVVP: whether the model file carries the R(2+1)D-18 clip encoder, and the clip features it
  // computes from frames spread over each segment: frames [S, F, H, W, 3] uint8 RGB, F >= 1 (8 are
  // picked evenly) -> [S, clip_feature_dim] fp32 on the model's device.
  bool has_clip_encoder() const;
  torch::Tensor clip_features(const torch::Tensor &frames) const;
  // The two halves of clip_features: the frames as the clip encoder sees them [S, 3, frames, size,
  // size] (picked, resized, normalised), and its features of those.
  torch::Tensor prepare_clips(const torch::Tensor &frames) const;
  torch::Tensor clip_features_of_prepared(const torch::Tensor &clips) const;
  // AVVP: loads torchvision's r2plus1d_18 weights (safetensors, its key names) as the clip encoder;
  // save() then keeps it in the model file.
  void load_clip_encoder(const std::string &weights_path);

  // The whole-clip forward of the official code: encode all segments, then the head. AVVP also
  // needs the clip features [S, clip_feature_dim].
  WindowResult run_clip(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr) const;
  WindowResult run_clip(const torch::Tensor &frames, const torch::Tensor &audio, const torch::Tensor &clip_features,
                        Taps *taps = nullptr) const;

  // Writes a self-describing model file, tensors stored as `dtype` ("F32", "F16" or "BF16").
  void save(const std::string &path, const std::string &dtype = "F32") const;

  // Read the labels of a text file, one per line.
  static std::vector<std::string> read_labels(const std::string &path);

private:
  friend class Trainer;
  Model(const ModelConfig &config, std::vector<std::string> labels, const ModelOptions &options);
  void finish_loading();

  ModelConfig config_;
  std::vector<std::string> labels_;
  ModelOptions options_;
  torch::Device device_;
  torch::nn::Module &module() const;
  WindowResult segmentation_head(const std::vector<SegmentFeatures> &window, const std::vector<int> &frames, Taps *taps) const;
  WindowResult parsing_head(const std::vector<SegmentFeatures> &window, Taps *taps) const;
  DualEncoder &encoder() const;

  std::shared_ptr<AveNetImpl> net_; // AVE
  std::shared_ptr<AvsNetImpl> avs_; // AVS
  std::shared_ptr<AvvpNetImpl> avvp_; // AVVP
  std::shared_ptr<AvqaNetImpl> avqa_; // AVQA
  std::shared_ptr<const QuestionVocabulary> vocabulary_; // AVQA
  std::vector<std::string> unused_keys_;
};

} // namespace dgsct
