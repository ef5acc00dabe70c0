// SPDX-License-Identifier: LGPL-2.1-or-later
// The DG-SCT cross-modal adapter (spec 5.2-5.4): the other modality is resampled to this stream's
// token grid, exchanged through K learned prompt tokens, turned into audio-guided channel and
// spatial attention, and squeezed through a grouped bottleneck into a residual for this stream.
#pragma once

#include "dgsct/config.h"
#include "layers.h"

namespace dgsct {

struct AdapterOutput {
  torch::Tensor residual;    // [S, N, C], to be added to this stream
  torch::Tensor spatial_map; // [S, 1, N], softmax over tokens; pools the final features
};

struct AdapterImpl : torch::nn::Module {
  // `own_*`: the stream this adapter writes to; `other_*`: the stream it reads.
  AdapterImpl(const AdapterConfig &config, int own_tokens, int own_dim, int other_tokens, int other_dim, bool gated);
  // x [S, N, C] own tokens, other [S, N_o, C_o]. With taps, records the official intermediate
  // tensors under `tap` in the official layouts.
  AdapterOutput forward(const torch::Tensor &x, const torch::Tensor &other, Taps *taps = nullptr,
                        const std::string &tap = "");

  AdapterConfig config;
  int tokens, dim;
  torch::Tensor gate, my_tokens, gate_av;
  torch::nn::Conv2d conv_adapter{nullptr};
  torch::nn::Linear fc{nullptr}, fc_affine_audio_1{nullptr}, fc_affine_video_1{nullptr}, fc_affine_bottleneck{nullptr},
      fc_affine_video_2{nullptr}, fc_affine_audio_2{nullptr}, fc_affine_v_s_att{nullptr}, fc_affine_v_c_att{nullptr};
  torch::nn::Conv2d down_sampler{nullptr}, up_sampler{nullptr};
  BatchNorm2d bn1{nullptr}, bn2{nullptr};
  LayerNorm ln_before{nullptr}, ln_post{nullptr};

private:
  torch::Tensor resample_other(const torch::Tensor &other, Taps *taps, const std::string &tap);
};
TORCH_MODULE(Adapter);

} // namespace dgsct
