// SPDX-License-Identifier: LGPL-2.1-or-later
// AVE's TemporalAttention (spec 6.1): per-modality BiLSTMs, post-norm transformer encoders, and
// decoders whose cross-attention attends to [memory; query]; each modality is then gated by the
// other's encoder output.
#pragma once

#include "dgsct/config.h"
#include "layers.h"

namespace dgsct {

// x = norm1(x + self_attn(x)); x = norm2(x + linear2(relu(linear1(x)))).
struct EncoderLayerImpl : torch::nn::Module {
  EncoderLayerImpl(int d_model, int heads, int feedforward);
  torch::Tensor forward(const torch::Tensor &x);
  torch::Tensor feed_forward(const torch::Tensor &x);
  MultiheadAttention self_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(EncoderLayer);

// Like EncoderLayer, but the attention reads [memory; query]. The official layer also builds a
// self-attention that it never calls; its keys are accepted as unused.
struct DecoderLayerImpl : torch::nn::Module {
  DecoderLayerImpl(int d_model, int heads, int feedforward);
  torch::Tensor forward(const torch::Tensor &query, const torch::Tensor &memory);
  MultiheadAttention multihead_attn{nullptr};
  torch::nn::Linear linear1{nullptr}, linear2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(DecoderLayer);

// affine_matrix then the layers; sequence-first [T, B, d].
struct TemporalEncoderImpl : torch::nn::Module {
  TemporalEncoderImpl(int input_dim, const TemporalConfig &config);
  torch::Tensor forward(const torch::Tensor &x);
  torch::nn::Linear affine_matrix{nullptr};
  std::vector<EncoderLayer> layers;
};
TORCH_MODULE(TemporalEncoder);

struct TemporalDecoderImpl : torch::nn::Module {
  TemporalDecoderImpl(int input_dim, const TemporalConfig &config);
  torch::Tensor forward(const torch::Tensor &query, const torch::Tensor &memory);
  torch::nn::Linear affine_matrix{nullptr};
  DecoderLayer layer{nullptr};
};
TORCH_MODULE(TemporalDecoder);

struct TemporalOutput {
  torch::Tensor video, audio;    // [T, B, d]
  torch::Tensor audio_visual_gate; // [T, B, 1]
};

struct TemporalAttentionImpl : torch::nn::Module {
  TemporalAttentionImpl(int video_dim, int audio_dim, const TemporalConfig &config);
  // video [B, T, C_v], audio [B, T, C_a]
  TemporalOutput forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps = nullptr);

  TemporalConfig config;
  torch::nn::Linear v_fc{nullptr}, a_fc{nullptr};
  TemporalEncoder video_encoder{nullptr}, audio_encoder{nullptr};
  TemporalDecoder video_decoder{nullptr}, audio_decoder{nullptr};
  torch::nn::LSTM audio_rnn{nullptr}, visual_rnn{nullptr};
  torch::nn::Linear audio_gated{nullptr}, video_gated{nullptr};
};
TORCH_MODULE(TemporalAttention);

} // namespace dgsct
