// SPDX-License-Identifier: LGPL-2.1-or-later
#include "layers.h"

#include <cmath>

namespace dgsct {

namespace {
struct HolderImpl : torch::nn::Module {};

} // namespace

torch::Tensor register_path(torch::nn::Module &root, const std::string &path, torch::Tensor value, bool is_buffer) {
  const auto dot = path.find('.');
  if (dot == std::string::npos)
    return is_buffer ? root.register_buffer(path, std::move(value)) : root.register_parameter(path, std::move(value));
  const std::string head = path.substr(0, dot);
  auto children = root.named_children();
  std::shared_ptr<torch::nn::Module> child;
  if (auto *found = children.find(head))
    child = *found;
  else
    child = root.register_module(head, std::make_shared<HolderImpl>());
  return register_path(*child, path.substr(dot + 1), std::move(value), is_buffer);
}

torch::Tensor window_partition(const torch::Tensor &x, int window) {
  const int64_t S = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  return x.view({S, H / window, window, W / window, window, C})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({-1, window * window, C});
}

torch::Tensor window_reverse(const torch::Tensor &windows, int window, int height, int width) {
  const int64_t C = windows.size(-1);
  return windows.view({-1, height / window, width / window, window, window, C})
      .permute({0, 1, 3, 2, 4, 5})
      .reshape({-1, height, width, C});
}

torch::Tensor shifted_window_mask(int grid, int window, int shift) {
  auto regions = torch::zeros({1, grid, grid, 1});
  const int64_t bounds[] = {0, grid - window, grid - shift, grid};
  float id = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      regions.slice(1, bounds[i], bounds[i + 1]).slice(2, bounds[j], bounds[j + 1]).fill_(id);
      id += 1;
    }
  auto ids = window_partition(regions, window).squeeze(-1); // [nW, M]
  auto differs = ids.unsqueeze(1) != ids.unsqueeze(2);
  return torch::zeros(differs.sizes()).masked_fill(differs, -100.0);
}

torch::Tensor relative_position_index(int window) {
  auto r = torch::arange(window, torch::kLong);
  auto grid = torch::meshgrid({r, r}, "ij");
  auto coords = torch::stack({grid[0].flatten(), grid[1].flatten()}); // [2, M]
  auto rel = coords.unsqueeze(2) - coords.unsqueeze(1);               // [2, M, M]
  return (rel[0] + (window - 1)) * (2 * window - 1) + (rel[1] + (window - 1));
}

torch::Tensor gather_2x2(const torch::Tensor &x, int grid) {
  const int64_t S = x.size(0), C = x.size(2);
  auto t = x.view({S, grid, grid, C});
  using torch::indexing::None;
  using torch::indexing::Slice;
  auto x0 = t.index({Slice(), Slice(0, None, 2), Slice(0, None, 2)});
  auto x1 = t.index({Slice(), Slice(1, None, 2), Slice(0, None, 2)});
  auto x2 = t.index({Slice(), Slice(0, None, 2), Slice(1, None, 2)});
  auto x3 = t.index({Slice(), Slice(1, None, 2), Slice(1, None, 2)});
  return torch::cat({x0, x1, x2, x3}, -1).view({S, -1, 4 * C});
}

PatchEmbedImpl::PatchEmbedImpl(int64_t in_chans, int64_t dim, int64_t patch) {
  proj = register_module("proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_chans, dim, patch).stride(patch)));
  norm = register_module("norm", LayerNorm(dim));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor &image) { return norm(proj(image).flatten(2).transpose(1, 2)); }

PatchMergingImpl::PatchMergingImpl(int64_t dim, int grid_, bool norm_first_) : grid(grid_), norm_first(norm_first_) {
  reduction = register_module("reduction", torch::nn::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false)));
  norm = register_module("norm", LayerNorm(norm_first ? 4 * dim : 2 * dim));
}

torch::Tensor PatchMergingImpl::forward(const torch::Tensor &x) {
  auto gathered = gather_2x2(x, grid);
  return norm_first ? reduction(norm(gathered)) : norm(reduction(gathered));
}

MlpImpl::MlpImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor &x) { return fc2(torch::gelu(fc1(x))); }

MultiheadAttentionImpl::MultiheadAttentionImpl(int64_t dim_, int64_t heads_) : dim(dim_), heads(heads_) {
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * dim, dim}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * dim}));
  out_proj = register_module("out_proj", torch::nn::Linear(dim, dim));
  torch::nn::init::xavier_uniform_(in_proj_weight);
}

torch::Tensor MultiheadAttentionImpl::forward(const torch::Tensor &query, const torch::Tensor &key,
                                              const torch::Tensor &value) {
  const int64_t Lq = query.size(0), Lk = key.size(0), B = query.size(1), hd = dim / heads;
  auto w = in_proj_weight.chunk(3, 0);
  auto b = in_proj_bias.chunk(3, 0);
  // [L, B, E] -> [B * heads, L, hd]
  auto split = [&](const torch::Tensor &t, int64_t L) { return t.reshape({L, B * heads, hd}).transpose(0, 1); };
  auto q = split(torch::nn::functional::linear(query, w[0], b[0]), Lq) / std::sqrt(static_cast<double>(hd));
  auto k = split(torch::nn::functional::linear(key, w[1], b[1]), Lk);
  auto v = split(torch::nn::functional::linear(value, w[2], b[2]), Lk);
  auto attn = torch::softmax(torch::bmm(q, k.transpose(1, 2)), -1);
  auto out = torch::bmm(attn, v).transpose(0, 1).reshape({Lq, B, dim});
  return out_proj(out);
}

LayerNormImpl::LayerNormImpl(int64_t dim_) : dim(dim_) {
  weight = register_parameter("weight", torch::ones({dim}));
  bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor LayerNormImpl::forward(const torch::Tensor &x) {
  return torch::layer_norm(at_least_fp32(x), {dim}, weight, bias, 1e-5);
}

torch::Tensor at_least_fp32(const torch::Tensor &x) { return x.scalar_type() == torch::kFloat64 ? x : x.to(torch::kFloat32); }

BatchNorm2dImpl::BatchNorm2dImpl(int64_t channels) {
  weight = register_parameter("weight", torch::ones({channels}));
  bias = register_parameter("bias", torch::zeros({channels}));
  running_mean = register_buffer("running_mean", torch::zeros({channels}));
  running_var = register_buffer("running_var", torch::ones({channels}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kLong));
}

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor &x) {
  return torch::batch_norm(at_least_fp32(x), weight, bias, running_mean, running_var, /*training=*/false, 0.0, 1e-5,
                           /*cudnn_enabled=*/true);
}

} // namespace dgsct
