// SPDX-License-Identifier: LGPL-2.1-or-later
// R(2+1)D-18, the clip encoder whose features AVVP reads next to the DG-SCT streams (spec 2.3): one
// second of video as 8 frames at 112 x 112, Kinetics-normalised, through a stem and four stages of
// residual blocks whose 3D convolutions are factorised into a spatial (1 x 3 x 3) and a temporal
// (3 x 1 x 1) part, globally pooled to 512 values. Module and key names are torchvision's
// `r2plus1d_18`, so its usual weight file loads as it is; its classifier `fc` is not used. Widths,
// frames and frame size come from the configuration (ClipEncoderConfig: torchvision's by default).
#pragma once

#include "dgsct/config.h"

#include <torch/torch.h>

namespace dgsct {

struct ClipEncoderImpl : torch::nn::Module {
  explicit ClipEncoderImpl(const ClipEncoderConfig &config);
  // clips [N, 3, frames, H, W] prepared by prepare_clips -> [N, widths[3]].
  torch::Tensor forward(const torch::Tensor &clips);

  torch::nn::Sequential stem{nullptr};
  struct Block {
    torch::nn::Sequential conv1{nullptr}, conv2{nullptr}, downsample{nullptr};
  };
  std::vector<Block> blocks;
};
TORCH_MODULE(ClipEncoder);

// frames [S, F, H, W, 3] uint8 RGB, F >= 1 frames spread over each segment -> [S, 3, frames, size,
// size] (8 x 112 x 112 for torchvision's model): `frames` picked evenly (rounded linspace over the
// F), each resized like PIL's bilinear filter (antialiased when shrinking, rounded to 8 bits), scaled
// to [0, 1] and normalised with the Kinetics mean and std.
torch::Tensor prepare_clips(const torch::Tensor &frames, const ClipEncoderConfig &config, torch::Device device);

} // namespace dgsct
