// SPDX-License-Identifier: LGPL-2.1-or-later
// The two frozen backbones coupled by the 4 x 12 adapters (spec 5.1): Swin-V2 on the frame and
// HTS-AT on the log-mel image of one segment, shared by every task. It registers its modules on the
// task network that owns it (`swin`, `htsat`, `*_adapter_blocks_p{1,2}`), so the keys keep the
// official names and the order of each task's state dict.
#pragma once

#include "adapter.h"
#include "htsat.h"
#include "swinv2.h"

namespace dgsct {

// All fp32.
struct EncoderStreams {
  torch::Tensor visual;             // [S, N, C_v] after swin.norm
  torch::Tensor audio;              // [S, N, C_a], not normalised
  torch::Tensor visual_map;         // [S, 1, N] spatial map of the last visual p2 adapter
  torch::Tensor audio_map;          // [S, 1, N] spatial map of the last audio p2 adapter
  std::vector<torch::Tensor> stage_maps; // visual stream at the end of each stage, before merging; the last one normed
};

// Adapter slots in the encoder's tap names are two digits: `slot03`, `adapter.a_p1.03`.
std::string slot_digits(int slot);

// One pooled vector per segment and modality (spec 5.5).
struct EncodedSegments {
  torch::Tensor visual; // [S, C_v]
  torch::Tensor audio;  // [S, C_a]
};

// Pools both streams with the last p2 adapters' spatial maps, a learned weighted mean over tokens.
EncodedSegments pool_streams(const EncoderStreams &streams, Taps *taps = nullptr);

class DualEncoder {
public:
  DualEncoder() = default;
  DualEncoder(torch::nn::Module &owner, const ModelConfig &config);

  // frames_norm [S, 3, size, size], log_mel [S, 1, frames, mels] (fp32); runs under autocast to
  // `dtype` (fp32: none). Taps use the AVE reference's names.
  EncoderStreams forward(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps = nullptr);
  // Moves the whole task network `owner` to `device` in fp32, then stores this encoder's matrices in
  // `dtype` for mixed precision (the log-mel front end and the heads stay fp32).
  void place(torch::nn::Module &owner, torch::Device device, torch::ScalarType dtype);
  // Stores the weight matrices of backbones and adapters in `dtype` (mixed precision).
  void store_matrices(torch::ScalarType dtype);
  void prepare();
  void prepare_attention();
  torch::Device device() const;

  ModelConfig config;
  torch::ScalarType dtype = torch::kFloat32; // of the matrix products
  SwinV2 swin{nullptr};
  Htsat htsat{nullptr};
  std::vector<Adapter> audio_p1, vis_p1, audio_p2, vis_p2;
};

// Enables autocast to `dtype` on `device` for this thread while alive; a no-op for fp32.
class AutocastScope {
public:
  AutocastScope(const torch::Device &device, torch::ScalarType dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope &) = delete;
  AutocastScope &operator=(const AutocastScope &) = delete;

private:
  void enable(torch::ScalarType dtype, bool on) const;
  bool active_, cuda_;
};

} // namespace dgsct
