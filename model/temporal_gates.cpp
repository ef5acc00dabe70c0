// SPDX-License-Identifier: LGPL-2.1-or-later
#include "temporal_gates.h"

namespace dgsct {

TemporalGatesImpl::TemporalGatesImpl(int map_channels, int audio_dim, const TemporalConfig &config_, int scales)
    : config(config_) {
  const auto bilstm = [](int in, int hidden) {
    return torch::nn::LSTM(torch::nn::LSTMOptions(in, hidden).bidirectional(true).batch_first(true));
  };
  auto fc_list = register_module("v_fc", torch::nn::ModuleList());
  auto video_list = register_module("video_encoder", torch::nn::ModuleList());
  auto audio_list = register_module("audio_encoder", torch::nn::ModuleList());
  auto rnn_list = register_module("audio_visual_rnn_layer", torch::nn::ModuleList());
  auto audio_gate_list = register_module("audio_gated", torch::nn::ModuleList());
  auto video_gate_list = register_module("video_gated", torch::nn::ModuleList());
  for (int i = 0; i < scales; ++i) {
    v_fc.push_back(torch::nn::Linear(map_channels, config.video_fc));
    fc_list->push_back(v_fc.back());
    video_encoder.push_back(TemporalEncoder(2 * config.video_lstm_hidden, config));
    video_list->push_back(video_encoder.back());
    audio_encoder.push_back(TemporalEncoder(2 * config.audio_lstm_hidden, config));
    audio_list->push_back(audio_encoder.back());
    auto rnns = std::make_shared<torch::nn::Module>();
    audio_rnn.push_back(rnns->register_module("audio_rnn", bilstm(audio_dim, config.audio_lstm_hidden)));
    visual_rnn.push_back(rnns->register_module("visual_rnn", bilstm(config.video_fc, config.video_lstm_hidden)));
    rnn_list->push_back(rnns);
    // Sequential(Linear, Sigmoid) officially: the linear is its child "0".
    audio_gated.push_back(torch::nn::Linear(config.d_model, 1));
    audio_gate_list->push_back(torch::nn::Sequential(audio_gated.back()));
    video_gated.push_back(torch::nn::Linear(config.d_model, 1));
    video_gate_list->push_back(torch::nn::Sequential(video_gated.back()));
  }
}

GatedFeatures TemporalGatesImpl::forward(const std::vector<torch::Tensor> &maps, const torch::Tensor &audio, Taps *taps) {
  const int64_t B = audio.size(0), T = audio.size(1);
  GatedFeatures out;
  torch::Tensor video_gate_sum;
  for (size_t i = 0; i < maps.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    auto pooled = maps[i].mean({2, 3}).view({B, T, -1});
    auto v = torch::relu(v_fc[i](pooled));
    auto audio_seq = std::get<0>(audio_rnn[i](audio));  // [B, T, 2 h_a]
    auto visual_seq = std::get<0>(visual_rnn[i](v));    // [B, T, 2 h_v]
    auto video_key = video_encoder[i](visual_seq.transpose(0, 1)); // [T, B, d]
    auto audio_key = audio_encoder[i](audio_seq.transpose(0, 1));
    auto audio_gate = torch::sigmoid(audio_gated[i](audio_key)).transpose(0, 1).reshape({B * T, 1, 1, 1});
    auto video_gate = torch::sigmoid(video_gated[i](video_key)).transpose(0, 1).reshape({B * T, 1});
    out.maps.push_back(maps[i] + audio_gate * maps[i] * config.gamma);
    video_gate_sum = i == 0 ? video_gate : video_gate_sum + video_gate;
    if (taps) {
      taps->put("ta.vfc" + n, v);
      taps->put("ta.audio_rnn" + n, audio_seq);
      taps->put("ta.visual_rnn" + n, visual_seq);
      taps->put("ta.video_kv" + n, video_key);
      taps->put("ta.audio_kv" + n, audio_key);
      taps->put("ta.audio_gate" + n, audio_gate);
      taps->put("ta.v" + n, out.maps.back());
    }
  }
  auto video_gate = video_gate_sum / static_cast<double>(maps.size());
  auto flat = audio.reshape({B * T, -1});
  out.audio = flat + video_gate * flat * config.gamma;
  if (taps) {
    taps->put("ta.video_gate", video_gate);
    taps->put("ta.audio", out.audio);
  }
  return out;
}

} // namespace dgsct
