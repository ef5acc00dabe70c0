// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tpavi.h"

namespace dgsct {
namespace {

// A 1x1x1 Conv3d applied to channels-last features [..., C_in] -> [..., C_out].
torch::Tensor pointwise(const torch::nn::Conv3d &conv, const torch::Tensor &x) {
  const auto &w = conv->weight;
  return torch::nn::functional::linear(x, w.view({w.size(0), w.size(1)}), conv->bias);
}

} // namespace

TpaviImpl::TpaviImpl(int channels_, int inter_, int audio_dim) : channels(channels_), inter(inter_) {
  const auto conv = [](int in, int out) { return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 1)); };
  align_channel = register_module("align_channel", torch::nn::Linear(audio_dim, channels));
  norm_layer = register_module("norm_layer", LayerNorm(channels));
  g = register_module("g", conv(channels, inter));
  w_z_conv = conv(inter, channels);
  w_z_bn = BatchNorm2d(channels);
  register_module("W_z", torch::nn::Sequential(w_z_conv, w_z_bn));
  theta = register_module("theta", conv(channels, inter));
  phi = register_module("phi", conv(channels, inter));
}

torch::Tensor TpaviImpl::forward(const torch::Tensor &x, const torch::Tensor &audio, int64_t T, const std::vector<int64_t> &frames,
                                 Taps *taps, const std::string &tap) {
  const int64_t B = x.size(0) / T, H = x.size(2), W = x.size(3);
  auto a = align_channel(audio).view({B, T, channels});
  if (taps)
    taps->put(tap + ".audio", a);
  auto phi_t = pointwise(phi, a);                                       // [B, T, C']
  auto g_mean = pointwise(g, x.mean({2, 3}).view({B, T, channels}));    // [B, T, C']: g is affine, so g(mean) = mean(g)
  auto M = torch::matmul(phi_t.transpose(1, 2), g_mean) / static_cast<double>(T); // [B, C', C']

  auto selected = x.view({B, T, channels, H, W});
  if (!frames.empty())
    selected = selected.index_select(1, torch::tensor(frames, torch::TensorOptions().dtype(torch::kLong).device(x.device())));
  const int64_t F = selected.size(1);
  auto x_last = selected.permute({0, 1, 3, 4, 2});                     // [B, F, H, W, C]
  auto y = torch::matmul(pointwise(theta, x_last).reshape({B, F * H * W, inter}), M).view({B, F, H, W, inter});
  if (taps)
    taps->put(tap + ".y", y.permute({0, 4, 1, 2, 3}));
  auto w_y = w_z_bn(pointwise(w_z_conv, y).permute({0, 4, 1, 2, 3})).permute({0, 2, 3, 4, 1}); // BN over channels
  auto z = norm_layer(w_y + x_last);                                   // [B, F, H, W, C]
  return z.permute({0, 1, 4, 2, 3}).reshape({B * F, channels, H, W});
}

} // namespace dgsct
