// SPDX-License-Identifier: LGPL-2.1-or-later
// HTS-AT audio encoder (Swin-V1 semantics) with its log-mel front end. The front end runs as tensor
// ops on the model's device with the checkpoint's own STFT kernels, mel matrix and bn0 statistics.
#pragma once

#include "dgsct/config.h"
#include "dgsct/frontend.h"
#include "layers.h"

#include <optional>

namespace dgsct {

struct HtsatAttentionImpl : torch::nn::Module {
  HtsatAttentionImpl(int dim, int heads, int window);
  // Taps under `tap`.
  torch::Tensor forward(const torch::Tensor &windows, const torch::Tensor &mask, Taps *taps = nullptr,
                        const std::string &tap = "");
  // Gathers the learned table into the [heads, M, M] bias once per load.
  void prepare();

  int dim, heads, window;
  torch::Tensor relative_position_bias_table, relative_position_index;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

private:
  torch::Tensor position_bias_;
};
TORCH_MODULE(HtsatAttention);

// Pre-norm block: x + attn(norm1(x)), then + mlp(norm2(x)).
struct HtsatBlockImpl : torch::nn::Module {
  HtsatBlockImpl(const StageGeometry &stage, int shift, double mlp_ratio);
  torch::Tensor forward(const torch::Tensor &x, Taps *taps = nullptr, const std::string &tap = "");

  int grid, window, shift;
  torch::Tensor attn_mask;
  LayerNorm norm1{nullptr}, norm2{nullptr};
  HtsatAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(HtsatBlock);

struct HtsatStageImpl : torch::nn::Module {
  HtsatStageImpl(const StageGeometry &stage, double mlp_ratio);

  StageGeometry geometry;
  torch::nn::ModuleList blocks;
  std::vector<HtsatBlock> block_list;
  PatchMerging downsample{nullptr}; // when merge_after
};
TORCH_MODULE(HtsatStage);

struct HtsatImpl : torch::nn::Module {
  HtsatImpl(const HtsatConfig &config, const AudioInput &audio);
  // [S, segment_samples] mono audio -> [S, 1, frames, mels] log-mel (tiled, STFT, mel, dB), with
  // this checkpoint's kernels.
  torch::Tensor log_mel(const torch::Tensor &audio) const { return (*log_mel_)(audio); }
  const LogMel &front_end() const { return *log_mel_; }
  // [S, 1, frames, mels] log-mel -> [S, 1, spec, spec] image (bn0, time stretch, fold).
  torch::Tensor spectrogram_image(const torch::Tensor &log_mel, Taps *taps = nullptr);
  void prepare();
  // Only the attention biases (the front end's kernels never train).
  void prepare_attention();

  HtsatConfig config;
  AudioInput audio;
  torch::Tensor stft_real, stft_imag, mel_filters;
  BatchNorm2d bn0{nullptr};
  PatchEmbed patch_embed{nullptr};
  std::vector<HtsatStage> stages;

private:
  std::optional<LogMel> log_mel_; // built from the loaded kernels by prepare()
};
TORCH_MODULE(Htsat);

} // namespace dgsct
