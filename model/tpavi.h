// SPDX-License-Identifier: LGPL-2.1-or-later
// TPAVI, audio-visual attention over a window (spec 6.5 step 4), in its exact reduced form.
//
// Officially every position i of the T x H x W window attends, unnormalised ("dot"), to every
// position j of the audio key map: y_i = (1/N) sum_j (theta_i . phi_j) g_j, N = THW. The audio key
// phi_j is the same at every position of frame t, so the sum collapses to y_i = theta_i M with
// M = (1/T) sum_t phi_t gbar_t^T, gbar_t = g(spatial mean of frame t): a C' x C' matrix instead of
// an N x N affinity (about 1 GB at 56 x 56). Then z = BN(W_z y) + x and a LayerNorm over channels.
#pragma once

#include "layers.h"

namespace dgsct {

struct TpaviImpl : torch::nn::Module {
  TpaviImpl(int channels, int inter, int audio_dim);
  // x [B*T, C, H, W] frames of B windows of T; audio [B*T, A]. `frames`: the frames of each window
  // whose output is wanted (all when empty); the others only contribute their means.
  // Returns [B * frames, C, H, W].
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &audio, int64_t T, const std::vector<int64_t> &frames = {},
                        Taps *taps = nullptr, const std::string &tap = "");

  int channels, inter;
  torch::nn::Linear align_channel{nullptr};
  LayerNorm norm_layer{nullptr};
  torch::nn::Conv3d g{nullptr}, theta{nullptr}, phi{nullptr}, w_z_conv{nullptr};
  BatchNorm2d w_z_bn{nullptr}; // BatchNorm3d officially; eval-mode BN is the same per-channel affine
};
TORCH_MODULE(Tpavi);

} // namespace dgsct
