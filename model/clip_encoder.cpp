// SPDX-License-Identifier: LGPL-2.1-or-later
#include "clip_encoder.h"

#include "layers.h"

namespace dgsct {
namespace {

torch::nn::Conv3d conv3d(int64_t in, int64_t out, torch::ExpandingArray<3> kernel, torch::ExpandingArray<3> stride,
                         torch::ExpandingArray<3> padding) {
  return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

// A 3 x 3 x 3 convolution factorised as 1 x 3 x 3 (space) then 3 x 1 x 1 (time), with `mid`
// channels in between chosen so that it has about the parameters of the full 3D kernel. Children
// "0", "1", "3" as torchvision's Sequential names them ("2" is the ReLU).
struct Conv2Plus1dImpl : torch::nn::Module {
  Conv2Plus1dImpl(int64_t in, int64_t out, int64_t mid, int64_t stride) {
    spatial = register_module("0", conv3d(in, mid, {1, 3, 3}, {1, stride, stride}, {0, 1, 1}));
    norm = register_module("1", BatchNorm2d(mid));
    temporal = register_module("3", conv3d(mid, out, {3, 1, 1}, {stride, 1, 1}, {1, 0, 0}));
  }
  torch::Tensor forward(const torch::Tensor &x) { return temporal(torch::relu(norm(spatial(x)))); }
  torch::nn::Conv3d spatial{nullptr}, temporal{nullptr};
  BatchNorm2d norm{nullptr};
};
TORCH_MODULE(Conv2Plus1d);

} // namespace

ClipEncoderImpl::ClipEncoderImpl(const ClipEncoderConfig &config) {
  // BatchNorm2d is our eval-mode batch norm over dim 1; it serves 5-D inputs as well.
  const int64_t stem_mid = config.stem_width, stem_out = config.widths[0];
  stem = register_module("stem", torch::nn::Sequential(
                                     conv3d(3, stem_mid, {1, 7, 7}, {1, 2, 2}, {0, 3, 3}), BatchNorm2d(stem_mid),
                                     torch::nn::ReLU(), conv3d(stem_mid, stem_out, {3, 1, 1}, {1, 1, 1}, {1, 0, 0}),
                                     BatchNorm2d(stem_out), torch::nn::ReLU()));
  int64_t in = stem_out;
  for (int stage = 0; stage < 4; ++stage) {
    auto layer = register_module("layer" + std::to_string(stage + 1), std::make_shared<torch::nn::Module>());
    const int64_t out = config.widths[stage];
    for (int b = 0; b < 2; ++b) {
      const int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      const int64_t mid = (in * out * 27) / (in * 9 + 3 * out);
      Block block;
      auto module = layer->register_module(std::to_string(b), std::make_shared<torch::nn::Module>());
      block.conv1 = module->register_module(
          "conv1", torch::nn::Sequential(Conv2Plus1d(in, out, mid, stride), BatchNorm2d(out), torch::nn::ReLU()));
      block.conv2 = module->register_module("conv2", torch::nn::Sequential(Conv2Plus1d(out, out, mid, 1), BatchNorm2d(out)));
      if (stride != 1 || in != out)
        block.downsample = module->register_module(
            "downsample", torch::nn::Sequential(conv3d(in, out, {1, 1, 1}, {stride, stride, stride}, {0, 0, 0}), BatchNorm2d(out)));
      blocks.push_back(block);
      in = out;
    }
  }
  // torchvision's initialisation, so that an encoder never trained still passes its input through
  // the 18 layers at a steady scale.
  torch::NoGradGuard no_grad;
  for (auto &module : modules(/*include_self=*/false))
    if (auto *conv = module->as<torch::nn::Conv3d>())
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  eval();
}

torch::Tensor ClipEncoderImpl::forward(const torch::Tensor &clips) {
  auto x = stem->forward(clips);
  for (auto &block : blocks) {
    auto residual = block.downsample ? block.downsample->forward(x) : x;
    x = torch::relu(block.conv2->forward(block.conv1->forward(x)) + residual);
  }
  return x.mean({2, 3, 4});
}

torch::Tensor prepare_clips(const torch::Tensor &frames, const ClipEncoderConfig &config, torch::Device device) {
  namespace F = torch::nn::functional;
  if (frames.dim() != 5 || frames.size(4) != 3 || frames.size(1) < 1 || frames.scalar_type() != torch::kUInt8)
    throw std::invalid_argument("clip frames must be [S, F, H, W, 3] uint8 RGB with F >= 1");
  const int64_t S = frames.size(0), F_in = frames.size(1);
  auto picks = torch::round(torch::linspace(0, static_cast<double>(F_in - 1), config.frames, torch::kFloat64)).to(torch::kLong);
  auto x = frames.index_select(1, picks).to(device).flatten(0, 1).permute({0, 3, 1, 2}).to(torch::kFloat32);
  x = F::interpolate(x, F::InterpolateFuncOptions()
                            .size(std::vector<int64_t>{config.size, config.size})
                            .mode(torch::kBilinear)
                            .align_corners(false)
                            .antialias(true));
  x = torch::round(x).clamp(0, 255) / 255.0;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto mean = torch::tensor({0.43216f, 0.394666f, 0.37645f}, opts).view({1, 3, 1, 1});
  auto std = torch::tensor({0.22803f, 0.22145f, 0.216989f}, opts).view({1, 3, 1, 1});
  x = (x - mean) / std;
  return x.view({S, config.frames, 3, config.size, config.size}).transpose(1, 2).contiguous();
}

} // namespace dgsct
