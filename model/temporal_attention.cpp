// SPDX-License-Identifier: LGPL-2.1-or-later
#include "temporal_attention.h"

namespace dgsct {

EncoderLayerImpl::EncoderLayerImpl(int d_model, int heads, int feedforward) {
  self_attn = register_module("self_attn", MultiheadAttention(d_model, heads));
  linear1 = register_module("linear1", torch::nn::Linear(d_model, feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(feedforward, d_model));
  norm1 = register_module("norm1", LayerNorm(d_model));
  norm2 = register_module("norm2", LayerNorm(d_model));
}

torch::Tensor EncoderLayerImpl::feed_forward(const torch::Tensor &x) { return norm2(x + linear2(torch::relu(linear1(x)))); }

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor &x) { return feed_forward(norm1(x + self_attn(x, x, x))); }

DecoderLayerImpl::DecoderLayerImpl(int d_model, int heads, int feedforward) {
  multihead_attn = register_module("multihead_attn", MultiheadAttention(d_model, heads));
  linear1 = register_module("linear1", torch::nn::Linear(d_model, feedforward));
  linear2 = register_module("linear2", torch::nn::Linear(feedforward, d_model));
  norm1 = register_module("norm1", LayerNorm(d_model));
  norm2 = register_module("norm2", LayerNorm(d_model));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor &query, const torch::Tensor &memory) {
  auto context = torch::cat({memory, query}, 0);
  auto x = norm1(query + multihead_attn(query, context, context));
  return norm2(x + linear2(torch::relu(linear1(x))));
}

TemporalEncoderImpl::TemporalEncoderImpl(int input_dim, const TemporalConfig &config) {
  auto list = torch::nn::ModuleList();
  for (int i = 0; i < config.encoder_layers; ++i) {
    layers.push_back(EncoderLayer(config.d_model, config.heads, config.feedforward));
    list->push_back(layers.back());
  }
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  encoder->register_module("layers", list);
  affine_matrix = register_module("affine_matrix", torch::nn::Linear(input_dim, config.d_model));
}

torch::Tensor TemporalEncoderImpl::forward(const torch::Tensor &x) {
  auto y = affine_matrix(x);
  for (auto &layer : layers)
    y = layer(y);
  return y;
}

TemporalDecoderImpl::TemporalDecoderImpl(int input_dim, const TemporalConfig &config) {
  layer = DecoderLayer(config.d_model, config.heads, config.feedforward);
  auto list = torch::nn::ModuleList();
  list->push_back(layer);
  auto decoder = register_module("decoder", std::make_shared<torch::nn::Module>());
  decoder->register_module("layers", list);
  affine_matrix = register_module("affine_matrix", torch::nn::Linear(input_dim, config.d_model));
}

torch::Tensor TemporalDecoderImpl::forward(const torch::Tensor &query, const torch::Tensor &memory) {
  return layer(affine_matrix(query), memory);
}

TemporalAttentionImpl::TemporalAttentionImpl(int video_dim, int audio_dim, const TemporalConfig &config_) : config(config_) {
  const auto bilstm = [](int in, int hidden) {
    return torch::nn::LSTM(torch::nn::LSTMOptions(in, hidden).bidirectional(true).batch_first(true));
  };
  const int d = config.d_model;
  v_fc = register_module("v_fc", torch::nn::Linear(video_dim, config.video_fc));
  a_fc = register_module("a_fc", torch::nn::Linear(audio_dim, config.audio_fc));
  video_encoder = register_module("video_encoder", TemporalEncoder(2 * config.video_lstm_hidden, config));
  video_decoder = register_module("video_decoder", TemporalDecoder(2 * config.video_lstm_hidden, config));
  audio_encoder = register_module("audio_encoder", TemporalEncoder(2 * config.audio_lstm_hidden, config));
  audio_decoder = register_module("audio_decoder", TemporalDecoder(2 * config.audio_lstm_hidden, config));
  auto rnns = register_module("audio_visual_rnn_layer", std::make_shared<torch::nn::Module>());
  audio_rnn = rnns->register_module("audio_rnn", bilstm(config.audio_fc, config.audio_lstm_hidden));
  visual_rnn = rnns->register_module("visual_rnn", bilstm(config.video_fc, config.video_lstm_hidden));
  audio_gated = torch::nn::Linear(d, 1);
  video_gated = torch::nn::Linear(d, 1);
  register_module("audio_gated", torch::nn::Sequential(audio_gated));
  register_module("video_gated", torch::nn::Sequential(video_gated));
}

TemporalOutput TemporalAttentionImpl::forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps) {
  auto a = a_fc(audio);
  auto v_lin = v_fc(video);
  auto v = torch::relu(v_lin);
  auto audio_rnn_out = std::get<0>(audio_rnn(a));
  auto visual_rnn_out = std::get<0>(visual_rnn(v));
  auto audio_seq = audio_rnn_out.transpose(0, 1), visual_seq = visual_rnn_out.transpose(0, 1); // [T, B, .]
  auto video_key = video_encoder(visual_seq);
  auto audio_query = audio_decoder(audio_seq, video_key);
  auto audio_key = audio_encoder(audio_seq);
  auto video_query = video_decoder(visual_seq, audio_key);
  auto audio_gate = torch::sigmoid(audio_gated(audio_key));
  auto video_gate = torch::sigmoid(video_gated(video_key));
  TemporalOutput out;
  out.video = video_query + audio_gate * video_query * config.gamma;
  out.audio = audio_query + video_gate * audio_query * config.gamma;
  out.audio_visual_gate = audio_gate * video_gate;
  if (taps) {
    taps->put("temporal.a_fc", a);
    taps->put("temporal.v_fc", v_lin);
    taps->put("temporal.v_fc_relu", v);
    taps->put("temporal.audio_rnn_out", audio_rnn_out);
    taps->put("temporal.visual_rnn_out", visual_rnn_out);
    taps->put("temporal.video_key_value_feature", video_key);
    taps->put("temporal.audio_query_output_pregate", audio_query);
    taps->put("temporal.audio_key_value_feature", audio_key);
    taps->put("temporal.video_query_output_pregate", video_query);
    taps->put("temporal.audio_gate", audio_gate);
    taps->put("temporal.video_gate", video_gate);
    taps->put("temporal.video_query_output", out.video);
    taps->put("temporal.audio_query_output", out.audio);
    taps->put("temporal.audio_visual_gate", out.audio_visual_gate);
  }
  return out;
}

} // namespace dgsct
