// SPDX-License-Identifier: LGPL-2.1-or-later
#include "htsat.h"

#include <cmath>

namespace dgsct {

HtsatAttentionImpl::HtsatAttentionImpl(int dim_, int heads_, int window_) : dim(dim_), heads(heads_), window(window_) {
  relative_position_bias_table =
      register_parameter("relative_position_bias_table", torch::randn({(2 * window - 1) * (2 * window - 1), heads}) * 0.02);
  relative_position_index = register_buffer("relative_position_index", dgsct::relative_position_index(window));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

void HtsatAttentionImpl::prepare() {
  const int64_t M = static_cast<int64_t>(window) * window;
  position_bias_ = relative_position_bias_table.index_select(0, relative_position_index.view(-1))
                       .view({M, M, heads})
                       .permute({2, 0, 1})
                       .contiguous();
}

torch::Tensor HtsatAttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &mask, Taps *taps,
                                          const std::string &tap) {
  const int64_t B = x.size(0), M = x.size(1), hd = dim / heads;
  auto qkv_ = qkv(x).reshape({B, M, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  auto q = qkv_[0] * std::pow(static_cast<double>(hd), -0.5), k = qkv_[1], v = qkv_[2];
  auto logits = torch::matmul(q, k.transpose(-2, -1));
  auto attn = logits + position_bias_.unsqueeze(0);
  if (taps) {
    taps->put(tap + ".qkv", qkv_);
    taps->put(tap + ".q", qkv_[0]);
    taps->put(tap + ".q_scaled", q);
    taps->put(tap + ".logits", logits);
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

HtsatBlockImpl::HtsatBlockImpl(const StageGeometry &stage, int shift_, double mlp_ratio)
    : grid(stage.grid), window(stage.window), shift(shift_) {
  if (shift > 0)
    attn_mask = register_buffer("attn_mask", shifted_window_mask(grid, window, shift));
  norm1 = register_module("norm1", LayerNorm(stage.dim));
  attn = register_module("attn", HtsatAttention(stage.dim, stage.heads, window));
  norm2 = register_module("norm2", LayerNorm(stage.dim));
  mlp = register_module("mlp", Mlp(stage.dim, static_cast<int64_t>(stage.dim * mlp_ratio)));
}

torch::Tensor HtsatBlockImpl::forward(const torch::Tensor &x, Taps *taps, const std::string &tap) {
  const std::string inner = tap + ".htsat";
  auto normed = norm1(x);
  auto branch = shifted_window_attention(
      normed, grid, window, shift, [&](const torch::Tensor &w) { return attn->forward(w, attn_mask, taps, inner + ".attn"); },
      taps, inner);
  auto y = x + branch;
  if (taps) {
    taps->put(inner + ".norm1", normed);
    taps->put(tap + ".a_block_attn_res", y);
  }
  return y + mlp(norm2(y));
}

HtsatStageImpl::HtsatStageImpl(const StageGeometry &stage, double mlp_ratio) : geometry(stage) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int b = 0; b < stage.depth; ++b) {
    block_list.push_back(HtsatBlock(stage, b % 2 ? stage.shift : 0, mlp_ratio));
    blocks->push_back(block_list.back());
  }
  if (stage.merge_after)
    downsample = register_module("downsample", PatchMerging(stage.dim, stage.grid, /*norm_first=*/true));
}


HtsatImpl::HtsatImpl(const HtsatConfig &config_, const AudioInput &audio_) : config(config_), audio(audio_) {
  const int bins = config.n_fft / 2 + 1;
  // Placeholders with the right shapes; a model file always provides the real kernels (spec 4.1).
  stft_real = register_path(*this, "spectrogram_extractor.stft.conv_real.weight", torch::zeros({bins, 1, config.n_fft}));
  stft_imag = register_path(*this, "spectrogram_extractor.stft.conv_imag.weight", torch::zeros({bins, 1, config.n_fft}));
  mel_filters = register_path(*this, "logmel_extractor.melW", torch::zeros({bins, config.mel_bins}));
  bn0 = register_module("bn0", BatchNorm2d(config.mel_bins));
  patch_embed = register_module("patch_embed", PatchEmbed(1, config.embed_dim, config.patch_size));
  auto layers = register_module("layers", torch::nn::ModuleList());
  for (const auto &stage : config.stages()) {
    stages.push_back(HtsatStage(stage, config.mlp_ratio));
    layers->push_back(stages.back());
  }
}

void HtsatImpl::prepare() {
  log_mel_.emplace(stft_real, stft_imag, mel_filters, config.hop, audio);
  prepare_attention();
}

void HtsatImpl::prepare_attention() {
  for (auto &stage : stages)
    for (auto &block : stage->block_list)
      block->attn->prepare();
}

torch::Tensor HtsatImpl::spectrogram_image(const torch::Tensor &logmel, Taps *taps) {
  namespace F = torch::nn::functional;
  const int64_t S = logmel.size(0);
  // bn0 normalises each mel bin: apply it with the mel axis as channels.
  auto x = bn0(logmel.transpose(1, 3)).transpose(1, 3); // [S, 1, frames, mel]
  if (taps)
    taps->put("audio.logmel_bn0", x);
  // Stretch time to spec_size * freq_ratio (bicubic, align_corners) and fold it into freq_ratio rows of mel bins.
  const int64_t T = config.image_time_bins(), R = config.freq_ratio(), mels = config.mel_bins;
  x = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{T, mels}).mode(torch::kBicubic).align_corners(true));
  x = x.permute({0, 1, 3, 2}).reshape({S, 1, mels, R, T / R}).permute({0, 1, 3, 2, 4}).reshape({S, 1, R * mels, T / R});
  if (taps)
    taps->put("audio.wav2img", x);
  return x;
}


} // namespace dgsct
