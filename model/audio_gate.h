// SPDX-License-Identifier: LGPL-2.1-or-later
// AVVP's TemporalAttention (spec 6.4 step 2): the audio features of the window run through a BiLSTM
// and a transformer encoder into one gate per segment, which scales the visual features:
// video + sigmoid(audio_gated(.)) * video * gamma. The official module also runs a visual branch
// and gates the audio with it, but discards that result; the branch runs here only for taps.
#pragma once

#include "temporal_attention.h"

namespace dgsct {

struct AudioGateImpl : torch::nn::Module {
  AudioGateImpl(int dim, const TemporalConfig &config);
  // video, audio [B, T, dim] -> gated video [B, T, dim].
  torch::Tensor forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps = nullptr);

  TemporalConfig config;
  TemporalEncoder video_encoder{nullptr}, audio_encoder{nullptr};
  torch::nn::LSTM audio_rnn{nullptr}, visual_rnn{nullptr};
  torch::nn::Linear audio_gated{nullptr}, video_gated{nullptr};

private:
  torch::Tensor encode(TemporalEncoder &encoder, const torch::Tensor &x, Taps *taps, const std::string &tap);
};
TORCH_MODULE(AudioGate);

} // namespace dgsct
