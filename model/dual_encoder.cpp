// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dual_encoder.h"

#include "weights.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>
#include <cstdio>

namespace dgsct {
std::string slot_digits(int slot) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", slot);
  return buf;
}

AutocastScope::AutocastScope(const torch::Device &device, torch::ScalarType dtype)
    : active_(dtype != torch::kFloat32), cuda_(device.is_cuda()) {
  if (active_)
    enable(dtype, true);
}

AutocastScope::~AutocastScope() {
  if (!active_)
    return;
  enable(torch::kFloat32, false);
  at::autocast::clear_cache();
}

// PyTorch 2.4 replaced the per-device setters by ones taking the device type (the old ones warn on
// every call there).
void AutocastScope::enable(torch::ScalarType dtype, bool on) const {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  const auto type = cuda_ ? at::kCUDA : at::kCPU;
  if (on)
    at::autocast::set_autocast_dtype(type, dtype);
  at::autocast::set_autocast_enabled(type, on);
#else
  if (cuda_) {
    if (on)
      at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(on);
  } else {
    if (on)
      at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(on);
  }
#endif
}

EncodedSegments pool_streams(const EncoderStreams &streams, Taps *taps) {
  auto visual = torch::bmm(streams.visual_map, streams.visual);
  auto audio = torch::bmm(streams.audio_map, streams.audio);
  if (taps) {
    taps->put("final.v_pooled", visual);
    taps->put("final.a_pooled", audio);
  }
  return {visual.squeeze(1), audio.squeeze(1)};
}

DualEncoder::DualEncoder(torch::nn::Module &owner, const ModelConfig &config_) : config(config_) {
  const auto vis_stages = config.swin.stages(), aud_stages = config.htsat.stages();
  swin = owner.register_module("swin", SwinV2(config.swin));
  htsat = owner.register_module("htsat", Htsat(config.htsat, config.audio));
  const auto add_list = [&](const char *name, std::vector<Adapter> &adapters, bool audio_side) {
    auto list = owner.register_module(name, torch::nn::ModuleList());
    for (const auto &slot : config.slots()) {
      const auto &v = vis_stages[slot.stage];
      const auto &a = aud_stages[slot.stage];
      const int vt = v.grid * v.grid, at = a.grid * a.grid;
      adapters.push_back(audio_side ? Adapter(config.adapter, at, a.dim, vt, v.dim, config.adapter.audio_gate)
                                    : Adapter(config.adapter, vt, v.dim, at, a.dim, config.adapter.visual_gate));
      list->push_back(adapters.back());
    }
  };
  add_list("audio_adapter_blocks_p1", audio_p1, true);
  add_list("vis_adapter_blocks_p1", vis_p1, false);
  add_list("audio_adapter_blocks_p2", audio_p2, true);
  add_list("vis_adapter_blocks_p2", vis_p2, false);
}

void DualEncoder::prepare() {
  swin->prepare();
  htsat->prepare();
}

void DualEncoder::prepare_attention() {
  swin->prepare();
  htsat->prepare_attention();
}

torch::Device DualEncoder::device() const { return swin->norm->weight.device(); }

void DualEncoder::store_matrices(torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  // Matrix products then take reduced-precision inputs under autocast while norms, softmaxes, the
  // residual streams and the log-mel front end stay fp32.
  std::vector<torch::nn::Module *> parts{swin.get(), htsat.get()};
  for (auto *list : {&audio_p1, &vis_p1, &audio_p2, &vis_p2})
    for (auto &adapter : *list)
      parts.push_back(adapter.get());
  for (auto *part : parts)
    for (auto &kv : state_dict(*part)) {
      // Matrices only; cpb_mlp runs once at load time, the STFT kernels belong to the fp32 front end.
      const bool matrix = kv.second.dim() >= 2 && kv.first.size() > 7 && kv.first.compare(kv.first.size() - 7, 7, ".weight") == 0;
      if (matrix && kv.first.find("cpb_mlp") == std::string::npos && kv.first.find("spectrogram_extractor") == std::string::npos)
        kv.second.set_data(kv.second.to(dtype));
    }
}

void DualEncoder::place(torch::nn::Module &owner, torch::Device device, torch::ScalarType dtype_) {
  torch::NoGradGuard no_grad;
  place_state(owner, device, torch::kFloat32);
  if (dtype_ != torch::kFloat32)
    store_matrices(dtype_);
  dtype = dtype_;
}

EncoderStreams DualEncoder::forward(const torch::Tensor &frames_norm_in, const torch::Tensor &log_mel, Taps *taps) {
  auto frames_norm = frames_norm_in.to(device(), torch::kFloat32);
  if (taps)
    taps->put("video.frames_norm", frames_norm);
  auto image = htsat->spectrogram_image(log_mel.to(device(), torch::kFloat32), taps);
  AutocastScope autocast(device(), dtype);
  auto f_v = swin->embed(frames_norm);
  if (taps)
    taps->put("video.patch_embed", f_v);
  auto f_a = htsat->patch_embed(image);
  if (taps)
    taps->put("audio.patch_embed", f_a);

  EncoderStreams out;
  const auto slots = config.slots();
  AdapterOutput last_v2, last_a2;
  size_t next_slot = 0;
  for (size_t s = 0; s < swin->stages.size(); ++s) {
    auto &vis_stage = swin->stages[s];
    auto &aud_stage = htsat->stages[s];
    for (int b = 0; b < vis_stage->geometry.depth; ++b) {
      auto &vis_block = vis_stage->block_list[b];
      const bool paired = next_slot < slots.size() && slots[next_slot].stage == static_cast<int>(s) &&
                          slots[next_slot].swin_block == b;
      if (!paired) {
        f_v = vis_block->mlp_half(vis_block->attention_half(f_v));
        if (taps)
          taps->put("stage" + std::to_string(s) + ".block" + std::to_string(b) + ".v_out", f_v);
        continue;
      }
      const int i = slots[next_slot].slot;
      auto &aud_block = aud_stage->block_list[slots[next_slot].htsat_block];
      ++next_slot;
      const std::string name = "slot" + slot_digits(i);
      const auto adapter_tap = [&](const char *kind) { return std::string("adapter.") + kind + "." + slot_digits(i); };
      if (taps && s == 2 && (b == 2 || b == vis_stage->geometry.depth - 1))
        taps->put(name + ".v_in", f_v);

      // Both p1 adapters read the streams as they were before this block pair.
      auto a1 = audio_p1[i]->forward(f_a, f_v, taps, adapter_tap("a_p1"));
      auto v1 = vis_p1[i]->forward(f_v, f_a, taps, adapter_tap("v_p1"));
      auto v_attn = vis_block->attention_half(f_v, taps, name);
      auto a_block = aud_block->forward(f_a, taps, name);
      f_v = v_attn + v1.residual;
      f_a = a_block + a1.residual;
      if (taps) {
        taps->put(name + ".v_attn_only", v_attn);
        taps->put(name + ".a_block_only", a_block);
        taps->put(name + ".after_attn.v", f_v);
        taps->put(name + ".after_attn.a", f_a);
      }
      // Both p2 adapters read f_a before a2 is added.
      last_a2 = audio_p2[i]->forward(f_a, f_v, taps, adapter_tap("a_p2"));
      last_v2 = vis_p2[i]->forward(f_v, f_a, taps, adapter_tap("v_p2"));
      auto v_mlp = vis_block->mlp_half(f_v);
      f_v = v_mlp + last_v2.residual;
      f_a = f_a + last_a2.residual;
      if (taps) {
        taps->put(name + ".v_mlp_only", v_mlp);
        taps->put(name + ".after_mlp.v", f_v);
        taps->put(name + ".after_mlp.a", f_a);
      }
    }
    if (vis_stage->geometry.merge_after) {
      out.stage_maps.push_back(f_v);
      f_v = vis_stage->downsample(f_v);
      f_a = aud_stage->downsample(f_a);
      if (taps) {
        taps->put("stage" + std::to_string(s) + ".v_downsample", f_v);
        taps->put("stage" + std::to_string(s) + ".a_downsample", f_a);
      }
    }
  }
  // Only the visual stream gets the final norm.
  f_v = swin->norm(f_v);
  out.stage_maps.push_back(f_v);
  if (taps)
    taps->put("final.v_norm", f_v);
  for (auto &map : out.stage_maps)
    map = map.to(torch::kFloat32);
  // Whatever autocast made of them, the streams leave in fp32.
  out.visual = f_v.to(torch::kFloat32);
  out.audio = f_a.to(torch::kFloat32);
  out.visual_map = last_v2.spatial_map.to(torch::kFloat32);
  out.audio_map = last_a2.spatial_map.to(torch::kFloat32);
  return out;
}

} // namespace dgsct
