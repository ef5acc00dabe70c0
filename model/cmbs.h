// SPDX-License-Identifier: LGPL-2.1-or-later
// AVE's CMBS head (spec 6.2): per-segment event logits and one class score vector per window, the
// latter boosted by the top-k class activations of each modality.
#pragma once

#include "dgsct/config.h"
#include "layers.h"

namespace dgsct {

struct CmbsOutput {
  torch::Tensor is_event;     // [T, B, 1] logits: segment t is foreground iff > 0
  torch::Tensor event_scores; // [B, classes]
  torch::Tensor av_score;     // [B, classes]
};

struct CmbsImpl : torch::nn::Module {
  CmbsImpl(int d_model, int classes, const CmbsConfig &config);
  // video, audio: [T, B, d] from TemporalAttention.
  CmbsOutput forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps = nullptr);

  CmbsConfig config;
  torch::nn::Linear video_cas{nullptr}, audio_cas{nullptr}, classifier{nullptr}, event_classifier{nullptr};
};
TORCH_MODULE(Cmbs);

} // namespace dgsct
