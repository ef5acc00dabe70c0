// SPDX-License-Identifier: LGPL-2.1-or-later
#include "adapter.h"

#include <cmath>

namespace dgsct {
namespace {

// [S, N, C] token layout <-> the official [S, C, N, 1] "image" layout.
torch::Tensor to_image(const torch::Tensor &x) { return x.transpose(1, 2).unsqueeze(-1); }
torch::Tensor from_image(const torch::Tensor &x) { return x.squeeze(-1).transpose(1, 2); }

} // namespace

AdapterImpl::AdapterImpl(const AdapterConfig &config_, int own_tokens, int own_dim, int other_tokens, int other_dim, bool gated)
    : config(config_), tokens(own_tokens), dim(own_dim) {
  const int half = own_dim / 2, narrow = own_dim / config.reduction;
  if (gated)
    gate = register_parameter("gate", torch::zeros({1}));
  my_tokens = register_parameter("my_tokens", torch::zeros({config.tokens, own_dim}));
  gate_av = register_parameter("gate_av", torch::zeros({1}));
  if (config.resample == "token_conv")
    conv_adapter = register_module("conv_adapter", torch::nn::Conv2d(torch::nn::Conv2dOptions(other_tokens, own_tokens, 1)));
  fc = register_module("fc", torch::nn::Linear(other_dim, own_dim));
  fc_affine_audio_1 = register_module("fc_affine_audio_1", torch::nn::Linear(own_dim, own_dim));
  fc_affine_video_1 = register_module("fc_affine_video_1", torch::nn::Linear(own_dim, own_dim));
  fc_affine_bottleneck = register_module("fc_affine_bottleneck", torch::nn::Linear(own_dim, half));
  fc_affine_video_2 = register_module("fc_affine_video_2", torch::nn::Linear(own_dim, half));
  fc_affine_audio_2 = register_module("fc_affine_audio_2", torch::nn::Linear(own_dim, half));
  fc_affine_v_s_att = register_module("fc_affine_v_s_att", torch::nn::Linear(half, 1));
  fc_affine_v_c_att = register_module("fc_affine_v_c_att", torch::nn::Linear(half, own_dim));
  const auto grouped = [&](int in, int out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).groups(config.groups).bias(false));
  };
  down_sampler = register_module("down_sampler", grouped(own_dim, narrow));
  up_sampler = register_module("up_sampler", grouped(narrow, own_dim));
  if (config.batch_norm) {
    bn1 = register_module("bn1", BatchNorm2d(narrow));
    bn2 = register_module("bn2", BatchNorm2d(own_dim));
  }
  if (config.ln_before)
    ln_before = register_module("ln_before", LayerNorm(own_dim));
  ln_post = register_module("ln_post", LayerNorm(own_dim));
}

torch::Tensor AdapterImpl::resample_other(const torch::Tensor &other, Taps *taps, const std::string &tap) {
  namespace F = torch::nn::functional;
  if (config.resample == "token_conv") {
    // A 1x1 convolution whose channels are the other stream's tokens: mixes tokens per channel.
    auto mixed = conv_adapter(other.unsqueeze(-1)); // [S, N, C_o, 1]
    if (taps)
      taps->put(tap + ".conv_adapter", mixed);
    auto y = fc(mixed.squeeze(-1));
    if (taps)
      taps->put(tap + ".fc", y);
    return y;
  }
  // AVS S4: project channels on the other grid, then resize that grid bicubically to this one.
  auto y = fc(other); // [S, N_o, C]
  const int64_t S = y.size(0), side_o = std::lround(std::sqrt(y.size(1))), side = std::lround(std::sqrt(tokens));
  auto grid = y.transpose(1, 2).reshape({S, dim, side_o, side_o});
  grid = F::interpolate(grid, F::InterpolateFuncOptions().size(std::vector<int64_t>{side, side}).mode(torch::kBicubic).align_corners(false));
  return grid.flatten(2).transpose(1, 2);
}

AdapterOutput AdapterImpl::forward(const torch::Tensor &x_in, const torch::Tensor &other, Taps *taps, const std::string &tap) {
  auto y = resample_other(other, taps, tap); // [S, N, C]
  if (taps) {
    taps->put(tap + ".x_in", to_image(x_in));
    taps->put(tap + ".other_in", to_image(other));
    taps->put(tap + ".tokens_in", to_image(y));
  }

  // Prompt exchange (unscaled dot products): prompts absorb the other modality, tokens read the prompts.
  auto logits_yt = torch::matmul(my_tokens, y.transpose(1, 2)); // [S, K, N]
  auto att_yt = torch::softmax(logits_yt, -1);
  auto prompt_update = torch::matmul(att_yt, y);
  auto prompts = my_tokens + prompt_update; // [S, K, C]
  auto logits_tx = torch::matmul(x_in, prompts.transpose(1, 2)); // [S, N, K]
  auto att_tx = torch::softmax(logits_tx, -1);
  auto exchanged = torch::matmul(att_tx, prompts); // [S, N, C]
  auto x = x_in + gate_av * exchanged;
  if (taps) {
    taps->put(tap + ".att_v2tk_logits", logits_yt);
    taps->put(tap + ".att_v2tk", att_yt);
    taps->put(tap + ".my_tokens", my_tokens.expand({y.size(0), -1, -1}));
    taps->put(tap + ".prompt_update", prompt_update);
    taps->put(tap + ".prompts", prompts);
    taps->put(tap + ".att_tk2x_logits", logits_tx);
    taps->put(tap + ".att_tk2x", att_tx);
    taps->put(tap + ".x_res", to_image(exchanged));
    taps->put(tap + ".x_gated", to_image(x));
  }

  // Channel attention guided by the other modality's mean token.
  auto other_mean = y.mean(1, true); // [S, 1, C]
  auto audio_query = torch::relu(fc_affine_audio_1(other_mean));
  auto video_query = torch::relu(fc_affine_video_1(x));
  auto joint_mean = (audio_query * video_query).mean(1, true);
  auto bottleneck = torch::relu(fc_affine_bottleneck(joint_mean));
  auto channel = torch::sigmoid(fc_affine_v_c_att(bottleneck)); // [S, 1, C]
  auto query = x * (channel + 1);
  // Spatial attention: a logit per token.
  auto video_query_2 = torch::relu(fc_affine_video_2(query));
  auto audio_query_2 = torch::relu(fc_affine_audio_2(other_mean));
  auto joint_2 = video_query_2 * audio_query_2;
  auto spatial_logits = fc_affine_v_s_att(joint_2);
  auto spatial = torch::sigmoid(spatial_logits); // [S, N, 1]
  auto spatial_map = torch::softmax(torch::tanh(spatial_logits), 1).transpose(1, 2); // [S, 1, N]
  const double alpha = config.alpha, beta = config.beta;
  auto modulated = x * (((alpha * channel + beta * spatial) + 1) - alpha);
  if (taps) {
    taps->put(tap + ".other_mean", other_mean);
    taps->put(tap + ".audio_query_1", audio_query);
    taps->put(tap + ".video_query_1", video_query);
    taps->put(tap + ".joint_mean", joint_mean);
    taps->put(tap + ".bottleneck", bottleneck);
    taps->put(tap + ".video_query_2", video_query_2);
    taps->put(tap + ".audio_query_2", audio_query_2);
    taps->put(tap + ".joint_2", joint_2);
    taps->put(tap + ".spatial_logits", spatial_logits);
    taps->put(tap + ".spatial_pooled", torch::matmul(spatial_map, query));
  }
  if (taps) {
    taps->put(tap + ".channel_att_maps", channel);
    taps->put(tap + ".c_att_visual_feat", query);
    taps->put(tap + ".spatial_att_maps_sigmoid", spatial);
    taps->put(tap + ".x_modulated", modulated);
  }

  // Bottleneck in the official [S, C, N, 1] layout (grouped 1x1 convolutions over channels).
  auto z = modulated;
  if (ln_before) {
    z = ln_before(z);
    if (taps)
      taps->put(tap + ".ln_before", to_image(z));
  }
  z = down_sampler(to_image(z));
  if (taps)
    taps->put(tap + ".down_sampler", z);
  if (bn1) {
    z = bn1(z);
    if (taps)
      taps->put(tap + ".bn1", z);
  }
  z = torch::relu(z);
  if (taps)
    taps->put(tap + ".relu", z);
  z = up_sampler(z);
  if (taps)
    taps->put(tap + ".up_sampler", z);
  if (bn2) {
    z = bn2(z);
    if (taps)
      taps->put(tap + ".bn2", z);
  }
  auto out = from_image(z);
  if (config.gate_before_ln) {
    if (gate.defined())
      out = gate * out;
    out = ln_post(out);
  } else {
    out = ln_post(out);
    if (taps)
      taps->put(tap + ".ln_post", to_image(out));
    if (gate.defined())
      out = gate * out;
  }
  if (taps) {
    taps->put(tap + ".out", to_image(out));
    taps->put(tap + ".map", spatial_map);
  }
  return {out, spatial_map};
}

} // namespace dgsct
