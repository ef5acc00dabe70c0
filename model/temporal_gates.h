// SPDX-License-Identifier: LGPL-2.1-or-later
// AVS's TemporalAttention (spec 6.5 step 3): four copies, one per decoder scale. Each reads the
// spatial means of its scale's maps and the audio vectors of the window through BiLSTMs and
// transformer encoders and turns them into per-frame gates: the audio encoder's gate scales that
// scale's visual maps, the mean of the four video encoders' gates scales the audio. The official
// module also runs cross-modal decoders whose outputs it discards; they are not built here.
#pragma once

#include "temporal_attention.h"

namespace dgsct {

struct GatedFeatures {
  std::vector<torch::Tensor> maps; // per scale [B*T, C, h, w]
  torch::Tensor audio;             // [B*T, A]
};

struct TemporalGatesImpl : torch::nn::Module {
  TemporalGatesImpl(int map_channels, int audio_dim, const TemporalConfig &config, int scales);
  // maps: per scale [B*T, C, h, w]; audio [B, T, A].
  GatedFeatures forward(const std::vector<torch::Tensor> &maps, const torch::Tensor &audio, Taps *taps = nullptr);

  TemporalConfig config;
  std::vector<torch::nn::Linear> v_fc;
  std::vector<TemporalEncoder> video_encoder, audio_encoder;
  std::vector<torch::nn::LSTM> audio_rnn, visual_rnn;
  std::vector<torch::nn::Linear> audio_gated, video_gated;
};
TORCH_MODULE(TemporalGates);

} // namespace dgsct
