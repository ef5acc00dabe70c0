// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audio_gate.h"

namespace dgsct {

AudioGateImpl::AudioGateImpl(int dim, const TemporalConfig &config_) : config(config_) {
  const auto bilstm = [](int in, int hidden) {
    return torch::nn::LSTM(torch::nn::LSTMOptions(in, hidden).bidirectional(true).batch_first(true));
  };
  video_encoder = register_module("video_encoder", TemporalEncoder(dim, config));
  audio_encoder = register_module("audio_encoder", TemporalEncoder(dim, config));
  auto rnns = register_module("audio_visual_rnn_layer", std::make_shared<torch::nn::Module>());
  audio_rnn = rnns->register_module("audio_rnn", bilstm(dim, config.audio_lstm_hidden));
  visual_rnn = rnns->register_module("visual_rnn", bilstm(dim, config.video_lstm_hidden));
  // Sequential(Linear, Sigmoid) officially: the linear is its child "0".
  audio_gated = torch::nn::Linear(config.d_model, 1);
  video_gated = torch::nn::Linear(config.d_model, 1);
  register_module("audio_gated", torch::nn::Sequential(audio_gated));
  register_module("video_gated", torch::nn::Sequential(video_gated));
}

// The encoder's layers one step at a time when taps are wanted (the reference taps each residual
// and norm of its post-norm layers).
torch::Tensor AudioGateImpl::encode(TemporalEncoder &encoder, const torch::Tensor &x, Taps *taps, const std::string &tap) {
  if (!taps)
    return encoder(x);
  auto y = encoder->affine_matrix(x);
  taps->put(tap + ":feature@L84", y);
  for (size_t i = 0; i < encoder->layers.size(); ++i) {
    auto &layer = encoder->layers[i];
    const std::string name = tap + ".encoder.layers." + std::to_string(i);
    auto attended = layer->self_attn(y, y, y);
    taps->put(name + ":src2@L104", attended);
    y = y + attended;
    taps->put(name + ":src@L105", y);
    y = layer->norm1(y);
    taps->put(name + ":src@L106", y);
    auto fed = layer->linear2(torch::relu(layer->linear1(y)));
    taps->put(name + ":src2@L108", fed);
    y = y + fed;
    taps->put(name + ":src@L111", y);
    y = layer->norm2(y);
    taps->put(name + ":src@L112", y);
  }
  return y;
}

torch::Tensor AudioGateImpl::forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps) {
  auto [audio_seq, audio_state] = audio_rnn(audio);
  auto audio_key = encode(audio_encoder, audio_seq.transpose(0, 1), taps, "temporal_attn.audio_encoder"); // [T, B, d]
  auto audio_gate = torch::sigmoid(audio_gated(audio_key)).transpose(0, 1); // [B, T, 1]
  auto gated = video + audio_gate * video * config.gamma;
  if (taps) {
    auto [visual_seq, visual_state] = visual_rnn(video);
    auto video_key = encode(video_encoder, visual_seq.transpose(0, 1), taps, "temporal_attn.video_encoder");
    auto video_gate = torch::sigmoid(video_gated(video_key)).transpose(0, 1);
    const std::string rnn = "temporal_attn.audio_visual_rnn_layer:";
    taps->put(rnn + "audio_output@L50", audio_seq);
    taps->put(rnn + "_[0]@L50", std::get<0>(audio_state));
    taps->put(rnn + "_[1]@L50", std::get<1>(audio_state));
    taps->put(rnn + "video_output@L51", visual_seq);
    taps->put(rnn + "_[0]@L51", std::get<0>(visual_state));
    taps->put(rnn + "_[1]@L51", std::get<1>(visual_state));
    taps->put("temporal_attn:audio_gate@L153", audio_gate);
    taps->put("temporal_attn:video_gate@L154", video_gate);
    taps->put("temporal_attn:video_query_output@L156", gated);
    taps->put("temporal_attn:audio_query_output@L157", audio + video_gate * audio * config.gamma);
  }
  return gated;
}

} // namespace dgsct
