// SPDX-License-Identifier: LGPL-2.1-or-later
// State dicts under the official key names: listing a module tree, loading a safetensors file into
// it with strict validation, and the official keys that never influence an output (spec 5.6).
#pragma once

#include "dgsct/config.h"
#include "dgsct/safetensors.h"

#include <string>
#include <torch/torch.h>
#include <vector>

namespace dgsct {

struct KeySpec {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype;
};

// Parameters and buffers of `module`, in PyTorch's state_dict order (own parameters, own buffers,
// then children in registration order).
std::vector<std::pair<std::string, torch::Tensor>> state_dict(const torch::nn::Module &module);

// Keys the official AVE model saves but never reads during inference.
std::vector<KeySpec> unused_keys(const ModelConfig &config);

// Copies every tensor of `file` into `module`, widening F16/BF16 to the module's dtype. Throws
// FileError naming the file and the key on a missing key, an unexpected key, a shape mismatch or a
// dtype that cannot hold the tensor. Keys listed in `unused` are accepted (shape-checked) and their
// names returned.
std::vector<std::string> load_state(torch::nn::Module &module, const SafetensorsFile &file,
                                    const std::vector<KeySpec> &unused);

// Moves every tensor of `module` to `device`; floating-point ones also to `dtype`. (Module::to
// would also cast integer buffers such as relative_position_index.)
void place_state(torch::nn::Module &module, torch::Device device, torch::ScalarType dtype);

torch::Tensor to_tensor(const TensorEntry &entry);
DType dtype_of(torch::ScalarType type);

} // namespace dgsct
