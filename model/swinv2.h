// SPDX-License-Identifier: LGPL-2.1-or-later
// Swin Transformer V2 visual encoder (timm 0.6.12 semantics): cosine window attention with a
// continuous position bias, residual post-norm blocks, reduce-then-norm patch merging. Each block
// exposes its attention and MLP halves separately, because the adapters run between them.
#pragma once

#include "dgsct/config.h"
#include "layers.h"

namespace dgsct {

struct SwinV2AttentionImpl : torch::nn::Module {
  SwinV2AttentionImpl(int dim, int heads, int window, int cpb_hidden);
  // [S * nW, M, C] -> [S * nW, M, C]; mask [nW, M, M] or undefined. Taps under `tap`.
  torch::Tensor forward(const torch::Tensor &windows, const torch::Tensor &mask, Taps *taps = nullptr,
                        const std::string &tap = "");
  // Rebuilds what depends only on the weights: the position-bias table and the clamped scale.
  void prepare();

  int dim, heads, window;
  torch::Tensor logit_scale, q_bias, v_bias;
  torch::nn::Sequential cpb_mlp{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

private:
  torch::Tensor bias_table_;    // [(2w-1)^2, heads] = cpb_mlp(log-spaced offsets)
  torch::Tensor position_bias_; // [heads, M, M] = 16 * sigmoid(bias_table_[index])
  torch::Tensor scale_;         // [heads, 1, 1] = exp(min(logit_scale, ln 100))
  torch::Tensor qkv_bias_;      // [3C] = (q_bias, 0, v_bias): k has no bias
};
TORCH_MODULE(SwinV2Attention);

struct SwinV2BlockImpl : torch::nn::Module {
  SwinV2BlockImpl(const StageGeometry &stage, int shift, double mlp_ratio, int cpb_hidden);
  // x + norm1(attn(x)); with taps, records attn(x) as `tap`.v_attn_branch and the window
  // attention's internals under `tap`.swin.
  torch::Tensor attention_half(const torch::Tensor &x, Taps *taps = nullptr, const std::string &tap = "");
  torch::Tensor mlp_half(const torch::Tensor &x);       // x + norm2(mlp(x))

  int grid, window, shift;
  torch::Tensor attn_mask;
  SwinV2Attention attn{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(SwinV2Block);

struct SwinV2StageImpl : torch::nn::Module {
  SwinV2StageImpl(const StageGeometry &stage, double mlp_ratio, int cpb_hidden);

  StageGeometry geometry;
  torch::nn::ModuleList blocks;
  std::vector<SwinV2Block> block_list;
  PatchMerging downsample{nullptr}; // when merge_after
};
TORCH_MODULE(SwinV2Stage);

struct SwinV2Impl : torch::nn::Module {
  explicit SwinV2Impl(const SwinConfig &config);
  void prepare();
  // frames [S, 3, size, size] -> patch tokens, with the absolute position embedding when configured.
  torch::Tensor embed(const torch::Tensor &frames_norm);

  PatchEmbed patch_embed{nullptr};
  torch::Tensor absolute_pos_embed; // [1, patches, embed_dim]; undefined without SwinConfig::absolute_position
  LayerNorm norm{nullptr};
  std::vector<SwinV2Stage> stages;
};
TORCH_MODULE(SwinV2);

} // namespace dgsct
