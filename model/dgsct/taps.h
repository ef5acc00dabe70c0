// SPDX-License-Identifier: LGPL-2.1-or-later
// Named intermediate tensors of a forward pass ("taps"), under the golden reference's names. Pass a
// Taps to Model::encode/head/run_clip to record them; pass nothing and nothing is recorded.
#pragma once

#include <map>
#include <string>
#include <torch/torch.h>

namespace dgsct {

class Taps {
public:
  // Keeps a CPU copy; floating-point values are stored as fp32.
  void put(const std::string &name, const torch::Tensor &value) {
    auto v = value.detach().to(torch::kCPU);
    values_[name] = v.is_floating_point() ? v.to(torch::kFloat32).clone() : v.clone();
  }
  const std::map<std::string, torch::Tensor> &values() const { return values_; }

private:
  std::map<std::string, torch::Tensor> values_;
};

} // namespace dgsct
