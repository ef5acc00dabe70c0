// SPDX-License-Identifier: LGPL-2.1-or-later
// Building blocks shared by the encoders and heads: taps, windowing, MLP, multi-head attention.
#pragma once

#include "dgsct/taps.h"

#include <string>
#include <torch/torch.h>

namespace dgsct {

// Registers `value` under a dotted path ("a.b.weight"), creating empty holder modules for the
// intermediate names, so parameters keep the official key names without mirroring every class.
torch::Tensor register_path(torch::nn::Module &root, const std::string &path, torch::Tensor value,
                            bool is_buffer = false);

// [S, H, W, C] -> [S * nW, w * w, C], windows row-major, tokens row-major inside a window.
torch::Tensor window_partition(const torch::Tensor &x, int window);
// Inverse of window_partition for an H x W grid.
torch::Tensor window_reverse(const torch::Tensor &windows, int window, int height, int width);
// [nW, M, M] additive mask for cyclically shifted windows: 0 inside one region, -100 across.
torch::Tensor shifted_window_mask(int grid, int window, int shift);
// [M, M] index into a (2w-1)^2 table of relative offsets.
torch::Tensor relative_position_index(int window);

// Windowed attention shared by Swin-V1 and Swin-V2 blocks: shift, partition, attend, merge, unshift.
// `attend` maps [S * nW, M, C] windows to the same shape. Taps: `tap`.shifted, .windows, .merged,
// .unshifted.
template <typename Attend>
torch::Tensor shifted_window_attention(const torch::Tensor &x, int grid, int window, int shift, Attend &&attend,
                                       Taps *taps = nullptr, const std::string &tap = "") {
  const int64_t S = x.size(0), C = x.size(2);
  auto shifted = x.view({S, grid, grid, C});
  if (shift > 0)
    shifted = torch::roll(shifted, {-shift, -shift}, {1, 2});
  auto windows = window_partition(shifted, window);
  auto merged = window_reverse(attend(windows), window, grid, grid);
  auto unshifted = shift > 0 ? torch::roll(merged, {shift, shift}, {1, 2}) : merged;
  if (taps) {
    taps->put(tap + ".shifted", shifted);
    taps->put(tap + ".windows", windows);
    taps->put(tap + ".merged", merged);
    taps->put(tap + ".unshifted", unshifted);
  }
  return unshifted.reshape({S, grid * grid, C});
}

// 2 x 2 neighbourhood gather of patch merging, order (0,0), (1,0), (0,1), (1,1): [S, N, C] -> [S, N/4, 4C].
torch::Tensor gather_2x2(const torch::Tensor &x, int grid);

// fp64 stays fp64 (for checks against the official math); anything narrower becomes fp32.
torch::Tensor at_least_fp32(const torch::Tensor &x);

// LayerNorm and eval-mode BatchNorm2d that compute in fp32 whatever their input's dtype, so the
// reduced-precision encoder keeps its normalisations (and the residual streams after them) in fp32.
struct LayerNormImpl : torch::nn::Module {
  explicit LayerNormImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor &x);
  int64_t dim;
  torch::Tensor weight, bias;
};
TORCH_MODULE(LayerNorm);

struct BatchNorm2dImpl : torch::nn::Module {
  explicit BatchNorm2dImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor &x); // [S, C, H, W]
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;
};
TORCH_MODULE(BatchNorm2d);

// Non-overlapping patches: proj (Conv2d, kernel = stride = patch) -> tokens row-major -> norm.
struct PatchEmbedImpl : torch::nn::Module {
  PatchEmbedImpl(int64_t in_chans, int64_t dim, int64_t patch);
  torch::Tensor forward(const torch::Tensor &image); // [S, in, H, W] -> [S, N, dim]
  torch::nn::Conv2d proj{nullptr};
  LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchEmbed);

// 2 x 2 patch merging to half the grid and twice the channels. Swin-V2 reduces then normalises
// (norm over 2C); Swin-V1 / HTS-AT normalises then reduces (norm over 4C).
struct PatchMergingImpl : torch::nn::Module {
  PatchMergingImpl(int64_t dim, int grid, bool norm_first);
  torch::Tensor forward(const torch::Tensor &x); // [S, N, C] -> [S, N / 4, 2C]
  int grid;
  bool norm_first;
  torch::nn::Linear reduction{nullptr};
  LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchMerging);

// fc1 -> exact GELU -> fc2.
struct MlpImpl : torch::nn::Module {
  MlpImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor &x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

// torch.nn.MultiheadAttention in inference: packed in_proj, scaled dot product, out_proj.
// Sequence-first [L, B, E] like the official heads.
struct MultiheadAttentionImpl : torch::nn::Module {
  MultiheadAttentionImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(const torch::Tensor &query, const torch::Tensor &key, const torch::Tensor &value);
  int64_t dim, heads;
  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};
};
TORCH_MODULE(MultiheadAttention);


} // namespace dgsct
