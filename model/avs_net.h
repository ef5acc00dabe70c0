// SPDX-License-Identifier: LGPL-2.1-or-later
// DG-SCT for audio-visual segmentation (the official Pred_endecoder, S4 and MS3 alike: the variants
// differ only in the adapter configuration), split for streaming: the encoder turns each 1-s
// segment into four projected visual maps and one audio vector; the head gates them over a window
// of T segments, runs TPAVI at every scale and decodes mask logits.
#pragma once

#include "dual_encoder.h"
#include "mask_decoder.h"
#include "temporal_gates.h"
#include "tpavi.h"

namespace dgsct {

struct SegmentMaps {
  std::vector<torch::Tensor> maps; // per scale [S, C, s_k, s_k]
  torch::Tensor audio;             // [S, A] after audio_linear
};

struct AvsNetImpl : torch::nn::Module {
  explicit AvsNetImpl(const ModelConfig &config);

  // frames: [S, H, W, 3] uint8 RGB; audio: [S, segment_samples] float. Segments are independent.
  SegmentMaps encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr);
  SegmentMaps encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps = nullptr);
  // maps per scale [B*T, C, s, s], audio [B, T, A] -> mask logits [B * frames, 1, size, size] of the
  // given frames of each window (all when empty). fp32 whatever the encoder precision.
  torch::Tensor head(const std::vector<torch::Tensor> &maps, const torch::Tensor &audio,
                     const std::vector<int64_t> &frames = {}, Taps *taps = nullptr);
  void prepare();
  void prepare_attention();
  void place(torch::Device device, torch::ScalarType encoder_dtype);
  torch::Device device() const;

  ModelConfig config;
  std::vector<FeatureFusionBlock> paths; // path1 (finest) .. path4
  std::vector<torch::nn::Linear> map_linear;
  torch::nn::Linear audio_linear{nullptr};
  TemporalGates temporal_attn{nullptr};
  DualEncoder encoder;
  std::vector<Tpavi> tpavi;
  torch::nn::Sequential output_conv{nullptr};
};
TORCH_MODULE(AvsNet);

// Mask logits [N, 1, H, W] -> [N, H, W] uint8 masks: sigmoid(logit) > 0.5 (utils/utility.py).
torch::Tensor decode_masks(const torch::Tensor &logits);

} // namespace dgsct
