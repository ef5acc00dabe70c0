// SPDX-License-Identifier: LGPL-2.1-or-later
#include "swinv2.h"

#include <cmath>

namespace dgsct {

SwinV2AttentionImpl::SwinV2AttentionImpl(int dim_, int heads_, int window_, int cpb_hidden)
    : dim(dim_), heads(heads_), window(window_) {
  logit_scale = register_parameter("logit_scale", torch::full({heads, 1, 1}, std::log(10.0)));
  q_bias = register_parameter("q_bias", torch::zeros({dim}));
  v_bias = register_parameter("v_bias", torch::zeros({dim}));
  cpb_mlp = register_module("cpb_mlp", torch::nn::Sequential(torch::nn::Linear(2, cpb_hidden), torch::nn::ReLU(),
                                                             torch::nn::Linear(torch::nn::LinearOptions(cpb_hidden, heads).bias(false))));
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(false)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

void SwinV2AttentionImpl::prepare() {
  const auto opts = torch::TensorOptions().dtype(q_bias.dtype()).device(q_bias.device());
  // Relative offsets in [-(w-1), w-1]^2, scaled to [-8, 8] and log-spaced, as timm builds them (fp32).
  auto r = torch::arange(-(window - 1), window, torch::kFloat32);
  auto mesh = torch::meshgrid({r, r}, "ij");
  auto table = torch::stack({mesh[0], mesh[1]}, -1); // [2w-1, 2w-1, 2]
  if (window > 1)
    table = table / static_cast<float>(window - 1);
  table = table * 8.0f;
  table = torch::sign(table) * torch::log2(torch::abs(table) + 1.0f) / std::log2(8.0f);
  bias_table_ = cpb_mlp->forward(table.to(opts).view({-1, 2})); // [(2w-1)^2, heads]
  auto index = relative_position_index(window).to(q_bias.device()).view(-1);
  const int64_t M = static_cast<int64_t>(window) * window;
  position_bias_ = 16 * torch::sigmoid(bias_table_.index_select(0, index).view({M, M, heads}).permute({2, 0, 1}).contiguous());
  scale_ = torch::exp(torch::clamp_max(logit_scale, std::log(100.0)));
  qkv_bias_ = torch::cat({q_bias, torch::zeros_like(v_bias), v_bias});
}

torch::Tensor SwinV2AttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &mask, Taps *taps,
                                           const std::string &tap) {
  const int64_t B = x.size(0), M = x.size(1), hd = dim / heads;
  auto qkv_ = torch::nn::functional::linear(x, qkv->weight, qkv_bias_).reshape({B, M, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  auto q = qkv_[0], k = qkv_[1], v = qkv_[2];
  namespace F = torch::nn::functional;
  auto cosine = torch::matmul(F::normalize(q, F::NormalizeFuncOptions().dim(-1)),
                              F::normalize(k, F::NormalizeFuncOptions().dim(-1)).transpose(-2, -1));
  auto attn = cosine * scale_ + position_bias_.unsqueeze(0);
  if (taps) {
    taps->put(tap + ".logit_scale", scale_);
    taps->put(tap + ".bias_table", bias_table_);
    taps->put(tap + ".position_bias", position_bias_);
    taps->put(tap + ".attn_biased", attn);
  }
  if (mask.defined()) {
    const int64_t nW = mask.size(0);
    auto masked = attn.view({B / nW, nW, heads, M, M}) + mask.unsqueeze(1).unsqueeze(0);
    if (taps)
      taps->put(tap + ".attn_masked", masked);
    attn = masked.view({B, heads, M, M});
  }
  attn = torch::softmax(attn, -1);
  auto mixed = torch::matmul(attn, v).transpose(1, 2).reshape({B, M, dim});
  auto out = proj(mixed);
  if (taps) {
    taps->put(tap + ".attn", attn);
    taps->put(tap + ".mixed", mixed);
    taps->put(tap + ".out", out);
  }
  return out;
}

SwinV2BlockImpl::SwinV2BlockImpl(const StageGeometry &stage, int shift_, double mlp_ratio, int cpb_hidden)
    : grid(stage.grid), window(stage.window), shift(shift_) {
  if (shift > 0)
    attn_mask = register_buffer("attn_mask", shifted_window_mask(grid, window, shift));
  attn = register_module("attn", SwinV2Attention(stage.dim, stage.heads, window, cpb_hidden));
  norm1 = register_module("norm1", LayerNorm(stage.dim));
  mlp = register_module("mlp", Mlp(stage.dim, static_cast<int64_t>(stage.dim * mlp_ratio)));
  norm2 = register_module("norm2", LayerNorm(stage.dim));
}

torch::Tensor SwinV2BlockImpl::attention_half(const torch::Tensor &x, Taps *taps, const std::string &tap) {
  const std::string inner = tap + ".swin";
  auto branch = shifted_window_attention(
      x, grid, window, shift, [&](const torch::Tensor &w) { return attn->forward(w, attn_mask, taps, inner + ".attn"); },
      taps, inner);
  if (taps)
    taps->put(tap + ".v_attn_branch", branch);
  return x + norm1(branch);
}

torch::Tensor SwinV2BlockImpl::mlp_half(const torch::Tensor &x) { return x + norm2(mlp(x)); }

SwinV2StageImpl::SwinV2StageImpl(const StageGeometry &stage, double mlp_ratio, int cpb_hidden) : geometry(stage) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int b = 0; b < stage.depth; ++b) {
    block_list.push_back(SwinV2Block(stage, b % 2 ? stage.shift : 0, mlp_ratio, cpb_hidden));
    blocks->push_back(block_list.back());
  }
  if (stage.merge_after)
    downsample = register_module("downsample", PatchMerging(stage.dim, stage.grid, /*norm_first=*/false));
}


SwinV2Impl::SwinV2Impl(const SwinConfig &config) {
  patch_embed = register_module("patch_embed", PatchEmbed(config.in_chans, config.embed_dim, config.patch_size));
  if (config.absolute_position) {
    const int side = config.img_size / config.patch_size;
    absolute_pos_embed = register_parameter("absolute_pos_embed", torch::zeros({1, side * side, config.embed_dim}));
  }
  auto layers = register_module("layers", torch::nn::ModuleList());
  for (const auto &stage : config.stages()) {
    stages.push_back(SwinV2Stage(stage, config.mlp_ratio, config.cpb_hidden));
    layers->push_back(stages.back());
  }
  norm = register_module("norm", LayerNorm(config.stages().back().dim));
}


torch::Tensor SwinV2Impl::embed(const torch::Tensor &frames_norm) {
  auto tokens = patch_embed(frames_norm);
  return absolute_pos_embed.defined() ? tokens + absolute_pos_embed.to(tokens.dtype()) : tokens;
}

void SwinV2Impl::prepare() {
  for (auto &stage : stages)
    for (auto &block : stage->block_list)
      block->attn->prepare();
}

} // namespace dgsct
