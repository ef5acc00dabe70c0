// SPDX-License-Identifier: LGPL-2.1-or-later
// DG-SCT for audio-visual event localisation (the official MMIL_Net), split for streaming: the
// encoder turns each 1-s segment into a pooled visual and audio vector; the head reads a window of
// those vectors. Children carry the official state-dict names. Gradients flow through encode and
// head (dgsct/train.h trains through them); Model's inference methods switch autograd off.
#pragma once

#include "cmbs.h"
#include "dual_encoder.h"
#include "temporal_attention.h"

namespace dgsct {

struct HeadOutputs {
  torch::Tensor is_event;          // [B, T] logits
  torch::Tensor event_scores;      // [B, classes]
  torch::Tensor av_score;          // [B, classes]
  torch::Tensor audio_visual_gate; // [B, T]
  torch::Tensor labels;            // [B, T] I64 decoded labels (background = classes)
  torch::Tensor event_class;       // [B] I64
};

struct AveNetImpl : torch::nn::Module {
  explicit AveNetImpl(const ModelConfig &config);

  // frames: [S, H, W, 3] uint8 RGB; audio: [S, segment_samples] float. Segments are independent.
  EncodedSegments encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr);
  // The same from prepared inputs: normalize_frames() output and log-mel [S, 1, frames, mels].
  EncodedSegments encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps = nullptr);
  // visual [B, T, C_v], audio [B, T, C_a]; runs in fp32 whatever the encoder precision.
  HeadOutputs head(const torch::Tensor &visual, const torch::Tensor &audio, Taps *taps = nullptr);
  // Rebuilds the tensors derived from weights; call after loading weights or moving the model.
  void prepare();
  // Only the tensors derived from trainable weights (the attention biases): once per training step.
  void prepare_attention();
  // Device and encoder precision; the log-mel front end and the head stay fp32.
  void place(torch::Device device, torch::ScalarType encoder_dtype);

  torch::Device device() const;

  ModelConfig config;
  Cmbs cmbs{nullptr};
  TemporalAttention temporal_attn{nullptr};
  DualEncoder encoder;
};
TORCH_MODULE(AveNet);

} // namespace dgsct
