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

torch::Tensor HtsatAttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &mask) {
  const int64_t B = x.size(0), M = x.size(1), hd = dim / heads;
  auto qkv_ = qkv(x).reshape({B, M, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  auto q = qkv_[0] * std::pow(static_cast<double>(hd), -0.5), k = qkv_[1], v = qkv_[2];
  auto bias = relative_position_bias_table.index_select(0, relative_position_index.view(-1)).view({M, M, heads}).permute({2, 0, 1});
  auto attn = torch::matmul(q, k.transpose(-2, -1)) + bias.unsqueeze(0);
  if (mask.defined()) {
    const int64_t nW = mask.size(0);
    attn = (attn.view({B / nW, nW, heads, M, M}) + mask.unsqueeze(1).unsqueeze(0)).view({B, heads, M, M});
  }
  attn = torch::softmax(attn, -1);
  return proj(torch::matmul(attn, v).transpose(1, 2).reshape({B, M, dim}));
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
  auto branch = shifted_window_attention(norm1(x), grid, window, shift,
                                         [&](const torch::Tensor &w) { return attn->forward(w, attn_mask); });
  auto y = x + branch;
  if (taps)
    taps->put(tap + ".a_block_attn_res", y);
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
  torch::NoGradGuard no_grad;
  dft_kernels_ = torch::cat({stft_real.squeeze(1), stft_imag.squeeze(1)}, 0).t().contiguous();
  // A tiled segment repeats every segment_samples; when the hop divides that period, every frame
  // that lies wholly inside the signal equals one of the first period/hop such frames, so only
  // those and the frames touching the reflect padding need computing (spec 4.1).
  const int64_t length = static_cast<int64_t>(audio.segment_samples) * audio.tiles;
  const int64_t frames = config.frames(static_cast<int>(length)), pad = config.n_fft / 2;
  std::vector<int64_t> source(frames), starts;
  const bool periodic = audio.segment_samples % config.hop == 0;
  const int64_t period = audio.segment_samples / config.hop;
  const int64_t first_inner = (pad + config.hop - 1) / config.hop; // first frame without left padding
  for (int64_t f = 0; f < frames; ++f) {
    const bool inner = f >= first_inner && f * config.hop + config.n_fft - pad <= length;
    if (periodic && inner && f >= first_inner + period) {
      source[f] = source[f - period];
      continue;
    }
    source[f] = static_cast<int64_t>(starts.size());
    starts.push_back(f * config.hop);
  }
  frame_source_ = torch::tensor(source, torch::kLong).to(stft_real.device());
  frame_starts_ = torch::tensor(starts, torch::kLong).to(stft_real.device());
}

torch::Tensor HtsatImpl::spectrogram_image(const torch::Tensor &wave, Taps *taps) {
  namespace F = torch::nn::functional;
  const int64_t S = wave.size(0);
  // Tile each segment, reflect-pad by n_fft/2, cut the frames that differ, and apply the DFT kernels.
  auto tiled = wave.to(stft_real.dtype()).repeat({1, audio.tiles});
  const int64_t pad = config.n_fft / 2;
  auto padded = F::pad(tiled.unsqueeze(1), F::PadFuncOptions({pad, pad}).mode(torch::kReflect)).squeeze(1);
  auto offsets = frame_starts_.unsqueeze(1) + torch::arange(config.n_fft, frame_starts_.options()).unsqueeze(0);
  auto frames = padded.index_select(1, offsets.view(-1)).view({S, frame_starts_.size(0), config.n_fft});
  auto spectrum = torch::matmul(frames, dft_kernels_).index_select(1, frame_source_); // [S, frames, 2 * bins]
  const int64_t bins = stft_real.size(0);
  auto power = spectrum.narrow(2, 0, bins).square() + spectrum.narrow(2, bins, bins).square();
  auto mel = torch::matmul(power, mel_filters);
  auto logmel = 10.0 * torch::log10(torch::clamp_min(mel, 1e-10)); // ref 1.0: minus 10*log10(1) = 0
  // bn0 normalises each mel bin: apply it with the mel axis as channels.
  auto x = bn0(logmel.unsqueeze(1).transpose(1, 3)).transpose(1, 3); // [S, 1, frames, mel]
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
