// SPDX-License-Identifier: LGPL-2.1-or-later
// The token-grouping blocks of AVVP's MGN head (spec 6.4): pre-norm attention blocks over segment
// and class tokens, and grouping blocks that assign the segment tokens to class tokens. Taps use
// the AVVP reference's names (its line tracer's `module:var@Lnnn`), which name the official
// variables these values correspond to.
#pragma once

#include "dgsct/config.h"
#include "dgsct/taps.h"
#include "layers.h"

namespace dgsct {

// Multi-head dot-product attention over token sets [B, N, C], scale head_dim^-0.5. `fused`: one
// qkv projection for self-attention; otherwise separate q/k/v projections for cross-attention.
struct TokenAttentionImpl : torch::nn::Module {
  TokenAttentionImpl(int dim, int heads, bool fused);
  torch::Tensor forward(const torch::Tensor &query, const torch::Tensor &key);
  int heads;
  bool fused;
  torch::nn::Linear qkv{nullptr}, q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, proj{nullptr};
};
TORCH_MODULE(TokenAttention);

// x = x + attn(norm1(x)); x = x + mlp(norm2(x)).
struct AttnBlockImpl : torch::nn::Module {
  AttnBlockImpl(int dim, int heads, double mlp_ratio);
  torch::Tensor forward(const torch::Tensor &x, Taps *taps = nullptr, const std::string &tap = "");
  LayerNorm norm1{nullptr}, norm2{nullptr};
  TokenAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(AttnBlock);

// Post-norm cross-attention: x = q + attn(q, k); x = x + mlp(norm2(x)); x = norm_post(x).
struct CrossAttnBlockImpl : torch::nn::Module {
  CrossAttnBlockImpl(int dim, int heads, double mlp_ratio);
  torch::Tensor forward(const torch::Tensor &query, const torch::Tensor &key, Taps *taps = nullptr,
                        const std::string &tap = "");
  LayerNorm norm_post{nullptr}, norm2{nullptr};
  TokenAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(CrossAttnBlock);

struct Assignment {
  torch::Tensor tokens;   // [B, groups, C]
  torch::Tensor hard_map; // [B, 1, groups, N]: the assignment used (soft or one-hot)
  torch::Tensor soft_map; // [B, 1, groups, N]: 1 + softmax over N of the soft assignment, in (1, 2]
};

// Assigns N input tokens to G group tokens (one head, scale dim^-0.5): softmax over the groups for
// each input token (hard: its arg-max as a one-hot), then each group's row divided by its sum + eps.
struct AssignAttentionImpl : torch::nn::Module {
  AssignAttentionImpl(int dim, bool hard, double eps);
  Assignment forward(const torch::Tensor &groups, const torch::Tensor &x, bool with_maps, Taps *taps = nullptr,
                     const std::string &tap = "");
  bool hard;
  double eps;
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, proj{nullptr};
};
TORCH_MODULE(AssignAttention);

// Groups N tokens under G group tokens: the group tokens are first mixed along the token axis (an
// MLP over the G tokens), attend to the input, then gather the input tokens assigned to them.
// `han`: the HAN variant (hard assignment; the reference taps it under other line numbers).
struct GroupingBlockImpl : torch::nn::Module {
  GroupingBlockImpl(const ParsingConfig &config, int groups, bool han);
  Assignment forward(const torch::Tensor &x, const torch::Tensor &group_tokens, bool with_maps, Taps *taps = nullptr,
                     const std::string &tap = "");
  bool han;
  LayerNorm norm_tokens{nullptr}, norm_post_tokens{nullptr}, norm_x{nullptr}, norm_new_x{nullptr};
  Mlp mlp_inter{nullptr}, mlp_channels{nullptr};
  CrossAttnBlock pre_assign_attn{nullptr};
  AssignAttention assign{nullptr};
};
TORCH_MODULE(GroupingBlock);

// One modality's grouping (the official ModalityTrans): `depth` attention blocks over
// [segments; group tokens], optionally the HAN block that regroups the segment tokens under the
// other modality's segments, then soft grouping into the group tokens.
struct ModalityGroupingImpl : torch::nn::Module {
  ModalityGroupingImpl(const ParsingConfig &config, int depth, int segments, int groups, bool han);
  // x [B, T, C]; group_token [G, C] or [B, G, C]; other [B, T, C] (HAN only).
  Assignment forward(const torch::Tensor &x, const torch::Tensor &group_token, const torch::Tensor &other = {},
                     Taps *taps = nullptr, const std::string &tap = "");
  int groups;
  std::vector<AttnBlock> blocks;
  GroupingBlock han_encoder{nullptr}, grouping{nullptr};
};
TORCH_MODULE(ModalityGrouping);

} // namespace dgsct
