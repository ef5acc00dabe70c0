// SPDX-License-Identifier: LGPL-2.1-or-later
// AVS's FPN-style decoder (spec 6.5 step 5): from the coarsest map up, each FeatureFusionBlock adds
// a residual-conv-refined skip map, refines again and doubles the resolution; output_conv turns the
// finest result into one mask logit per pixel at twice its size again.
#pragma once

#include "layers.h"

namespace dgsct {

// conv2(relu(conv1(relu(x)))) + relu(x): the official unit applies an in-place ReLU to its input,
// so its skip connection carries relu(x), not x.
struct ResidualConvUnitImpl : torch::nn::Module {
  explicit ResidualConvUnitImpl(int channels);
  torch::Tensor forward(const torch::Tensor &x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(ResidualConvUnit);

// out = coarse (+ RCU1(skip)); out = RCU2(out); bilinear x2 with align_corners=True.
struct FeatureFusionBlockImpl : torch::nn::Module {
  explicit FeatureFusionBlockImpl(int channels);
  torch::Tensor forward(const torch::Tensor &coarse, const torch::Tensor &skip = {});
  ResidualConvUnit resConfUnit1{nullptr}, resConfUnit2{nullptr};
};
TORCH_MODULE(FeatureFusionBlock);

// Conv3x3(C -> h0), bilinear x2 (align_corners=False), Conv3x3(h0 -> h1), ReLU, Conv1x1(h1 -> 1),
// as the official Sequential (parameters at indices 0, 2, 4).
torch::nn::Sequential make_output_conv(int channels, int hidden0, int hidden1);

} // namespace dgsct
