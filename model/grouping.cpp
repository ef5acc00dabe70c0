// SPDX-License-Identifier: LGPL-2.1-or-later
#include "grouping.h"

#include <cmath>

namespace dgsct {
namespace {

// [B, N, heads * d] <-> [B, heads, N, d]
torch::Tensor split_heads(const torch::Tensor &x, int heads) {
  return x.view({x.size(0), x.size(1), heads, -1}).transpose(1, 2);
}
torch::Tensor merge_heads(const torch::Tensor &x) { return x.transpose(1, 2).flatten(2); }

} // namespace

TokenAttentionImpl::TokenAttentionImpl(int dim, int heads_, bool fused_) : heads(heads_), fused(fused_) {
  if (fused) {
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  } else {
    q_proj = register_module("q_proj", torch::nn::Linear(dim, dim));
    k_proj = register_module("k_proj", torch::nn::Linear(dim, dim));
    v_proj = register_module("v_proj", torch::nn::Linear(dim, dim));
  }
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor TokenAttentionImpl::forward(const torch::Tensor &query, const torch::Tensor &key) {
  torch::Tensor q, k, v;
  if (fused) {
    auto packed = qkv(query).view({query.size(0), query.size(1), 3, heads, -1}).permute({2, 0, 3, 1, 4});
    q = packed[0], k = packed[1], v = packed[2];
  } else {
    q = split_heads(q_proj(query), heads), k = split_heads(k_proj(key), heads), v = split_heads(v_proj(key), heads);
  }
  const double scale = std::pow(static_cast<double>(q.size(-1)), -0.5);
  auto attn = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) * scale, -1);
  return proj(merge_heads(torch::matmul(attn, v)));
}

AttnBlockImpl::AttnBlockImpl(int dim, int heads, double mlp_ratio) {
  norm1 = register_module("norm1", LayerNorm(dim));
  attn = register_module("attn", TokenAttention(dim, heads, /*fused=*/true));
  norm2 = register_module("norm2", LayerNorm(dim));
  mlp = register_module("mlp", Mlp(dim, static_cast<int64_t>(dim * mlp_ratio)));
}

torch::Tensor AttnBlockImpl::forward(const torch::Tensor &x_in, Taps *taps, const std::string &tap) {
  auto normed = norm1(x_in);
  auto x = x_in + attn(normed, normed);
  auto mlp_in = norm2(x);
  auto mlp_out = mlp(mlp_in);
  auto out = x + mlp_out;
  if (taps) {
    taps->put(tap + ":x@L529", x);
    taps->put(tap + ".mlp:x@in", mlp_in);
    taps->put(tap + ".mlp:x@L24", mlp_out);
    taps->put(tap + ":x@L530", out);
  }
  return out;
}

CrossAttnBlockImpl::CrossAttnBlockImpl(int dim, int heads, double mlp_ratio) {
  norm_post = register_module("norm_post", LayerNorm(dim));
  attn = register_module("attn", TokenAttention(dim, heads, /*fused=*/false));
  norm2 = register_module("norm2", LayerNorm(dim));
  mlp = register_module("mlp", Mlp(dim, static_cast<int64_t>(dim * mlp_ratio)));
}

torch::Tensor CrossAttnBlockImpl::forward(const torch::Tensor &query, const torch::Tensor &key, Taps *taps,
                                          const std::string &tap) {
  auto x = query + attn(query, key);
  auto mlp_in = norm2(x);
  auto mlp_out = mlp(mlp_in);
  auto summed = x + mlp_out;
  auto out = norm_post(summed);
  if (taps) {
    taps->put(tap + ":x@L494", x);
    taps->put(tap + ".mlp:x@in", mlp_in);
    taps->put(tap + ".mlp:x@L24", mlp_out);
    taps->put(tap + ":x@L495", summed);
    taps->put(tap + ":x@L496", out);
  }
  return out;
}

AssignAttentionImpl::AssignAttentionImpl(int dim, bool hard_, double eps_) : hard(hard_), eps(eps_) {
  q_proj = register_module("q_proj", torch::nn::Linear(dim, dim));
  k_proj = register_module("k_proj", torch::nn::Linear(dim, dim));
  v_proj = register_module("v_proj", torch::nn::Linear(dim, dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

Assignment AssignAttentionImpl::forward(const torch::Tensor &groups, const torch::Tensor &x, bool with_maps, Taps *taps,
                                        const std::string &tap) {
  auto q = q_proj(groups).unsqueeze(1), k = k_proj(x).unsqueeze(1), v = v_proj(x).unsqueeze(1); // one head
  auto raw = torch::matmul(q, k.transpose(-2, -1)) * std::pow(static_cast<double>(q.size(-1)), -0.5); // [B, 1, G, N]
  // Each input token distributes itself over the groups.
  auto soft = torch::softmax(raw, -2);
  auto assignment = soft;
  if (hard) {
    // The official straight-through form one_hot - soft + soft, kept literally: it differs from
    // the one-hot by an ulp, and the decisions are compared bit for bit downstream.
    auto one_hot = torch::zeros_like(soft).scatter_(-2, std::get<1>(soft.max(-2, true)), 1.0);
    assignment = one_hot - soft + soft;
  }
  Assignment out;
  if (with_maps) {
    out.hard_map = assignment;
    out.soft_map = 1.0 + torch::softmax(soft, -1);
  }
  auto normalised = assignment / (assignment.sum(-1, true) + eps);
  auto gathered = torch::matmul(normalised, v).squeeze(1);
  out.tokens = proj(gathered);
  if (taps) {
    taps->put(tap + ":q@L128", q);
    taps->put(tap + ":k@L130", k);
    taps->put(tap + ":v@L132", v);
    taps->put(tap + ":raw_attn@L135", raw);
    taps->put(tap + ":attn@L137", assignment);
    if (with_maps) {
      taps->put(tap + ":hard_attn@L139", out.hard_map);
      taps->put(tap + ":soft_attn@L140", soft);
      taps->put(tap + ":soft_attn@L141", out.soft_map);
    }
    taps->put(tap + ":attn@L147", normalised);
    taps->put(tap + ":out@L152", gathered);
    taps->put(tap + ":out@L154", out.tokens);
  }
  return out;
}

GroupingBlockImpl::GroupingBlockImpl(const ParsingConfig &config, int groups, bool han_) : han(han_) {
  const int dim = config.dim;
  norm_tokens = register_module("norm_tokens", LayerNorm(dim));
  mlp_inter = register_module("mlp_inter", Mlp(groups, static_cast<int64_t>(config.token_mlp_ratio * dim)));
  norm_post_tokens = register_module("norm_post_tokens", LayerNorm(dim));
  norm_x = register_module("norm_x", LayerNorm(dim));
  pre_assign_attn = register_module("pre_assign_attn", CrossAttnBlock(dim, config.heads, config.mlp_ratio));
  assign = register_module("assign", AssignAttention(dim, han, config.assign_eps));
  norm_new_x = register_module("norm_new_x", LayerNorm(dim));
  mlp_channels = register_module("mlp_channels", Mlp(dim, static_cast<int64_t>(config.channel_mlp_ratio * dim)));
}

Assignment GroupingBlockImpl::forward(const torch::Tensor &x_in, const torch::Tensor &group_tokens_in, bool with_maps,
                                      Taps *taps, const std::string &tap) {
  auto group_tokens = norm_tokens(group_tokens_in);
  auto x = norm_x(x_in);
  auto mixed = mlp_inter(group_tokens.transpose(1, 2)); // along the token axis
  auto projected = norm_post_tokens(mixed.transpose(1, 2));
  if (taps) {
    taps->put(tap + (han ? ":group_tokens@L372" : ":group_tokens@L263"), group_tokens);
    taps->put(tap + (han ? ":x@L373" : ":x@L264"), x);
    taps->put(tap + ".mlp_inter:x@L24", mixed);
    taps->put(tap + (han ? ":projected_group_tokens@L375" : ":projected_group_tokens@L266"), projected);
  }
  projected = pre_assign_attn(projected, x, taps, tap + ".pre_assign_attn");
  auto out = assign(projected, x, with_maps, taps, tap + ".assign");
  auto new_x = out.tokens + projected;
  auto channel_in = norm_new_x(new_x);
  auto channel_out = mlp_channels(channel_in);
  out.tokens = new_x + channel_out;
  if (taps) {
    taps->put(tap + (han ? ":new_x@L378" : ":new_x@L269"), new_x);
    taps->put(tap + ".mlp_channels:x@in", channel_in);
    taps->put(tap + ".mlp_channels:x@L24", channel_out);
    taps->put(tap + (han ? ":new_x@L380" : ":new_x@L271"), out.tokens);
  }
  return out;
}

ModalityGroupingImpl::ModalityGroupingImpl(const ParsingConfig &config, int depth, int segments, int groups_, bool han)
    : groups(groups_) {
  auto list = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < depth; ++i) {
    blocks.push_back(AttnBlock(config.dim, config.heads, config.mlp_ratio));
    list->push_back(blocks.back());
  }
  if (han)
    han_encoder = register_module("han_encoder", GroupingBlock(config, segments, /*han=*/true));
  grouping = register_module("grouping", GroupingBlock(config, groups, /*han=*/false));
}

Assignment ModalityGroupingImpl::forward(const torch::Tensor &x, const torch::Tensor &group_token_in,
                                         const torch::Tensor &other, Taps *taps, const std::string &tap) {
  auto group_token = group_token_in.dim() == 2 ? group_token_in.unsqueeze(0).expand({x.size(0), -1, -1}) : group_token_in;
  auto joint = torch::cat({x, group_token}, 1);
  if (taps) {
    if (group_token_in.dim() == 2)
      taps->put(tap + ":group_token@in", group_token_in);
    taps->put(tap + ":cat_x@L756", joint);
  }
  for (size_t i = 0; i < blocks.size(); ++i)
    joint = blocks[i](joint, taps, tap + ".blocks." + std::to_string(i));
  const int64_t T = joint.size(1) - groups;
  auto segments = joint.narrow(1, 0, T);
  group_token = joint.narrow(1, T, groups);
  if (taps) {
    taps->put(tap + ":group_token@L760", group_token);
    taps->put(tap + ":x_attn@L760", segments);
  }
  // HAN: the segment tokens are replaced by the other modality's segments, each gathering the
  // segments of this modality assigned to it.
  if (han_encoder)
    segments = han_encoder(segments, other, /*with_maps=*/false, taps, tap + ".han_encoder").tokens;
  return grouping(segments, group_token, /*with_maps=*/true, taps, tap + ".grouping");
}

} // namespace dgsct
