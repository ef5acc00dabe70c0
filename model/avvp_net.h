// SPDX-License-Identifier: LGPL-2.1-or-later
// DG-SCT for audio-visual video parsing (the official MGN_Net), split for streaming: the encoder
// turns each 1-s segment into pooled visual and audio vectors (the R(2+1)D-18 clip feature of the
// segment comes from outside); the head reads a window of them and tells, per segment and class,
// whether the event is heard, seen, or both. Children carry the official state-dict names.
#pragma once

#include "audio_gate.h"
#include "clip_encoder.h"
#include "dual_encoder.h"
#include "grouping.h"

namespace dgsct {

struct ParsingOutputs {
  torch::Tensor global_prob;       // [B, classes] video-level probabilities
  torch::Tensor audio_prob, visual_prob; // [B, classes]
  torch::Tensor audio_frame_prob, visual_frame_prob; // [B, T, classes], in [p, 2p]
  // Official decisions (uint8 0/1): video-level labels, and per segment the audio, visual and
  // audio-visual events (a frame probability >= 0.5 of a class that is present at video level).
  torch::Tensor video_level;                // [B, classes]
  torch::Tensor audio, visual, audio_visual; // [B, T, classes]
};

struct AvvpNetImpl : torch::nn::Module {
  explicit AvvpNetImpl(const ModelConfig &config);

  // frames: [S, H, W, 3] uint8 RGB; audio: [S, segment_samples] float. Segments are independent.
  EncodedSegments encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr);
  EncodedSegments encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps = nullptr);
  // visual [B, T, C_v], audio [B, T, C_a], clip features [B, T, clip_feature_dim]; fp32.
  ParsingOutputs head(const torch::Tensor &visual, const torch::Tensor &audio, const torch::Tensor &clip,
                      Taps *taps = nullptr);
  void prepare();
  void prepare_attention();
  void place(torch::Device device, torch::ScalarType encoder_dtype);
  torch::Device device() const;
  // Adds the R(2+1)D-18 that computes the clip features from frames (registered last, as
  // `clip_encoder.*`: the official keys keep their order). It runs in fp32.
  void add_clip_encoder();

  ModelConfig config;
  torch::Tensor audio_token, visual_token; // [classes, dim] class tokens of the groupings
  torch::nn::Linear fc_a{nullptr}, fc_v{nullptr}, fc_st{nullptr}, fc_fusion{nullptr};
  ModalityGrouping audio_cug{nullptr}, visual_cug{nullptr}, av_mcg{nullptr};
  torch::nn::Linear fc_prob{nullptr}, fc_prob_a{nullptr}, fc_prob_v{nullptr}, fc_cls{nullptr};
  AudioGate temporal_attn{nullptr};
  DualEncoder encoder;
  ClipEncoder clip_encoder{nullptr}; // when the model file carries one
};
TORCH_MODULE(AvvpNet);

// The official decoding of the head's probabilities (threshold 0.5, `>=`).
void decode_parsing(ParsingOutputs &out);

} // namespace dgsct
