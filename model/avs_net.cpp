// SPDX-License-Identifier: LGPL-2.1-or-later
#include "avs_net.h"

#include "weights.h"

#include <cmath>
#include <regex>

namespace dgsct {
namespace {

namespace F = torch::nn::functional;

// The encoder records taps under the AVE reference's names; the AVS reference names the same
// quantities differently (and stores the modulated tokens channel-first).
void rename_encoder_taps(const Taps &encoder_taps, Taps &taps) {
  static const std::map<std::string, std::string> fixed = {
      {"video.frames_norm", "enc.image"},       {"audio.logmel_bn0", "audio.bn0"},
      {"audio.wav2img", "audio.spec_img"},      {"video.patch_embed", "swin.patch_embed"},
      {"audio.patch_embed", "htsat.patch_embed"}, {"final.v_norm", "swin.stage4_norm"}};
  static const std::map<std::string, std::string> adapter_sets = {
      {"a_p1", "audio_p1"}, {"v_p1", "vis_p1"}, {"a_p2", "audio_p2"}, {"v_p2", "vis_p2"}};
  static const std::map<std::string, std::string> adapter_values = {
      {"out", "out"},       {"tokens_in", "tok_in"},  {"prompts", "rep_token"},
      {"x_res", "x_res"},   {"channel_att_maps", "chan_att"}, {"spatial_att_maps_sigmoid", "spat_sig"},
      {"map", "spat_soft"}, {"x_modulated", "x_mod"}, {"relu", "z"}};
  static const std::map<std::string, std::string> pair_values = {
      {"after_attn.v", "v_mid"}, {"after_attn.a", "a_mid"}, {"after_mlp.v", "v_out"}, {"after_mlp.a", "a_out"},
      {"v_attn_branch", "swin_attn"}, {"a_block_only", "htsat_block"}};
  static const std::regex adapter_re(R"(adapter\.(\w_p\d)\.(\d+)\.(\w+))"), slot_re(R"(slot(\d+)\.(.+))"),
      stage_re(R"(stage(\d)\.(\w)_downsample)");
  for (const auto &[name, value] : encoder_taps.values()) {
    std::smatch m;
    if (auto it = fixed.find(name); it != fixed.end()) {
      taps.put(it->second, value);
    } else if (std::regex_match(name, m, adapter_re)) {
      auto v = adapter_values.find(m[3]);
      if (v == adapter_values.end())
        continue;
      const auto tensor = v->first == "x_modulated" ? value.transpose(1, 2).unsqueeze(-1) : value;
      taps.put("adp." + adapter_sets.at(m[1]) + "." + std::to_string(std::stoi(m[2])) + "." + v->second, tensor);
    } else if (std::regex_match(name, m, slot_re)) {
      if (auto v = pair_values.find(m[2]); v != pair_values.end())
        taps.put("pair" + std::to_string(std::stoi(m[1])) + "." + v->second, value);
    } else if (std::regex_match(name, m, stage_re)) {
      taps.put("stage" + std::to_string(std::stoi(m[1]) + 1) + ".in." + m[2].str(), value);
    }
  }
}

} // namespace

torch::Tensor decode_masks(const torch::Tensor &logits) {
  // The official rule; sigmoid(x) rounds to exactly 0.5 for 0 < x < ~3e-8, so this is not x > 0.
  return (torch::sigmoid(logits.to(torch::kFloat32)) > 0.5).squeeze(1).to(torch::kUInt8);
}

AvsNetImpl::AvsNetImpl(const ModelConfig &config_) : config(config_) {
  const auto &sg = config.segmentation;
  const auto vis = config.swin.stages();
  for (int k = 4; k >= 1; --k)
    paths.insert(paths.begin(), register_module("path" + std::to_string(k), FeatureFusionBlock(sg.channel)));
  for (int k = 0; k < 4; ++k)
    map_linear.push_back(register_module("x" + std::to_string(k + 1) + "_linear_", torch::nn::Linear(vis[k].dim, sg.channel)));
  audio_linear = register_module("audio_linear", torch::nn::Linear(config.htsat.stages().back().dim, sg.audio_dim));
  temporal_attn = register_module("temporal_attn", TemporalGates(sg.channel, sg.audio_dim, config.temporal, 4));
  encoder = DualEncoder(*this, config);
  for (int k = 0; k < 4; ++k)
    tpavi.push_back(register_module("tpavi_b" + std::to_string(k + 1), Tpavi(sg.channel, sg.tpavi_inter, sg.audio_dim)));
  output_conv = register_module("output_conv", make_output_conv(sg.channel, sg.output_hidden[0], sg.output_hidden[1]));
  eval();
}

void AvsNetImpl::prepare() { encoder.prepare(); }

void AvsNetImpl::prepare_attention() { encoder.prepare_attention(); }

void AvsNetImpl::place(torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  encoder.place(*this, device, dtype);
  for (auto *rnns : {&temporal_attn->audio_rnn, &temporal_attn->visual_rnn})
    for (auto &rnn : *rnns)
      rnn->flatten_parameters();
  prepare();
}

torch::Device AvsNetImpl::device() const { return encoder.device(); }

SegmentMaps AvsNetImpl::encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) {
  auto log_mel = encoder.htsat->log_mel(audio);
  if (taps) {
    // The official order: normalise at the raw size, then resize (equal up to rounding, spec 2.1).
    auto mean = torch::tensor(config.video.mean).view({1, 3, 1, 1}), std = torch::tensor(config.video.std).view({1, 3, 1, 1});
    taps->put("prep.image", ((frames.permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0 - mean) / std).unsqueeze(0));
    taps->put("audio.logmel", log_mel);
  }
  return encode_prepared(normalize_frames(frames, config.video, device()), log_mel, taps);
}

SegmentMaps AvsNetImpl::encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps) {
  Taps encoder_taps;
  auto streams = encoder.forward(frames_norm, log_mel, taps ? &encoder_taps : nullptr);
  if (taps)
    rename_encoder_taps(encoder_taps, *taps);
  const int64_t S = streams.visual.size(0);
  SegmentMaps out;
  for (int k = 0; k < 4; ++k) {
    // Tokens are row-major on a square grid: project channels, then resize the grid to the decoder's.
    const auto &x = streams.stage_maps[k];
    const int64_t grid = std::lround(std::sqrt(static_cast<double>(x.size(1))));
    auto projected = map_linear[k](x.view({S, grid, grid, x.size(2)}));
    const int64_t size = config.segmentation.map_sizes[k];
    auto resized = F::interpolate(projected.permute({0, 3, 1, 2}),
                                  F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBicubic).align_corners(false));
    if (taps) {
      taps->put("dec.lin" + std::to_string(k + 1), projected);
      taps->put("dec.interp" + std::to_string(k + 1), resized);
    }
    out.maps.push_back(resized);
  }
  // Audio: the last audio p2 adapter's spatial map pools the final audio tokens (spec 5.5).
  auto pooled = torch::bmm(streams.audio_map, streams.audio).squeeze(1);
  out.audio = audio_linear(pooled);
  if (taps) {
    taps->put("audio.pooled", pooled.unsqueeze(0));
    taps->put("audio.feat", out.audio.unsqueeze(0));
  }
  return out;
}

torch::Tensor AvsNetImpl::head(const std::vector<torch::Tensor> &maps, const torch::Tensor &audio, const std::vector<int64_t> &frames,
                               Taps *taps) {
  const int64_t T = audio.size(1);
  std::vector<torch::Tensor> maps32;
  for (const auto &m : maps)
    maps32.push_back(m.to(torch::kFloat32));
  auto gated = temporal_attn(maps32, audio.to(torch::kFloat32), taps);
  std::vector<torch::Tensor> fused;
  for (int k = 0; k < 4; ++k) {
    fused.push_back(tpavi[k](gated.maps[k], gated.audio, T, frames, taps, "tpavi" + std::to_string(k + 1)));
    if (taps)
      taps->put("tpavi" + std::to_string(k + 1) + ".out", fused.back());
  }
  auto x = paths[3](fused[3]);
  if (taps)
    taps->put("dec.path4", x);
  for (int k = 2; k >= 0; --k) {
    x = paths[k](x, fused[k]);
    if (taps)
      taps->put("dec.path" + std::to_string(k + 1), x);
  }
  auto logits = output_conv->forward(x);
  if (taps) {
    taps->put("out.logits", logits);
    taps->put("out.mask", decode_masks(logits));
  }
  return logits;
}

} // namespace dgsct
