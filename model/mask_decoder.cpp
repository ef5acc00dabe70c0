// SPDX-License-Identifier: LGPL-2.1-or-later
#include "mask_decoder.h"

namespace dgsct {
namespace {

namespace F = torch::nn::functional;

torch::nn::Conv2d conv3x3(int in, int out) { return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)); }

torch::Tensor upsample2x(const torch::Tensor &x, bool align_corners) {
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .scale_factor(std::vector<double>{2.0, 2.0})
                               .mode(torch::kBilinear)
                               .align_corners(align_corners));
}

} // namespace

ResidualConvUnitImpl::ResidualConvUnitImpl(int channels) {
  conv1 = register_module("conv1", conv3x3(channels, channels));
  conv2 = register_module("conv2", conv3x3(channels, channels));
}

torch::Tensor ResidualConvUnitImpl::forward(const torch::Tensor &x) {
  auto r = torch::relu(x);
  return conv2(torch::relu(conv1(r))) + r;
}

FeatureFusionBlockImpl::FeatureFusionBlockImpl(int channels) {
  resConfUnit1 = register_module("resConfUnit1", ResidualConvUnit(channels));
  resConfUnit2 = register_module("resConfUnit2", ResidualConvUnit(channels));
}

torch::Tensor FeatureFusionBlockImpl::forward(const torch::Tensor &coarse, const torch::Tensor &skip) {
  auto out = skip.defined() ? coarse + resConfUnit1(skip) : coarse;
  return upsample2x(resConfUnit2(out), /*align_corners=*/true);
}

torch::nn::Sequential make_output_conv(int channels, int hidden0, int hidden1) {
  return torch::nn::Sequential(conv3x3(channels, hidden0),
                               torch::nn::Functional([](const torch::Tensor &x) { return upsample2x(x, false); }),
                               conv3x3(hidden0, hidden1), torch::nn::ReLU(),
                               torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden1, 1, 1)));
}

} // namespace dgsct
