// SPDX-License-Identifier: LGPL-2.1-or-later
#include "weights.h"

#include <cstring>
#include <map>
#include <sstream>

namespace dgsct {
namespace {

void collect(const torch::nn::Module &module, const std::string &prefix,
             std::vector<std::pair<std::string, torch::Tensor>> &out) {
  for (const auto &p : module.named_parameters(false))
    out.emplace_back(prefix + p.key(), p.value());
  for (const auto &b : module.named_buffers(false))
    out.emplace_back(prefix + b.key(), b.value());
  for (const auto &c : module.named_children())
    collect(*c.value(), prefix + c.key() + ".", out);
}

std::string shape_text(const std::vector<int64_t> &shape) {
  std::ostringstream ss;
  ss << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    ss << (i ? "," : "") << shape[i];
  ss << "]";
  return ss.str();
}

torch::ScalarType scalar_type(DType dtype) {
  switch (dtype) {
  case DType::F16: return torch::kFloat16;
  case DType::BF16: return torch::kBFloat16;
  case DType::F32: return torch::kFloat32;
  case DType::F64: return torch::kFloat64;
  case DType::I64: return torch::kInt64;
  case DType::I32: return torch::kInt32;
  case DType::U8: return torch::kUInt8;
  case DType::BOOL: return torch::kBool;
  }
  return torch::kFloat32;
}

bool is_float(DType dtype) { return dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32 || dtype == DType::F64; }

// nn.MultiheadAttention keys (packed input projection).
void attention_keys(std::vector<KeySpec> &out, const std::string &prefix, int d) {
  out.push_back({prefix + ".in_proj_weight", {3 * d, d}, DType::F32});
  out.push_back({prefix + ".in_proj_bias", {3 * d}, DType::F32});
  out.push_back({prefix + ".out_proj.weight", {d, d}, DType::F32});
  out.push_back({prefix + ".out_proj.bias", {d}, DType::F32});
}

// Encoder/decoder layer keys of nets/models.py, for the unused template copies.
void transformer_layer_keys(std::vector<KeySpec> &out, const std::string &prefix, int d, int ff, bool cross) {
  attention_keys(out, prefix + "self_attn", d);
  if (cross)
    attention_keys(out, prefix + "multihead_attn", d);
  out.push_back({prefix + "linear1.weight", {ff, d}, DType::F32});
  out.push_back({prefix + "linear1.bias", {ff}, DType::F32});
  out.push_back({prefix + "linear2.weight", {d, ff}, DType::F32});
  out.push_back({prefix + "linear2.bias", {d}, DType::F32});
  for (const char *norm : {"norm1", "norm2"}) {
    out.push_back({prefix + norm + ".weight", {d}, DType::F32});
    out.push_back({prefix + norm + ".bias", {d}, DType::F32});
  }
}

// AVE (spec 5.6).
void unused_ave_keys(std::vector<KeySpec> &out, const ModelConfig &c) {
  // Constructed, never used.
  for (int i = 0; i < 3; ++i) {
    const int width = (c.swin.embed_dim / c.adapter.reduction) << i;
    out.push_back({"adapter_token_downsampler." + std::to_string(i) + ".weight", {2 * width, width}, DType::F32});
  }
  for (const char *list : {"audio_adapter_blocks_p1", "vis_adapter_blocks_p1", "audio_adapter_blocks_p2", "vis_adapter_blocks_p2"})
    for (size_t i = 0; i < c.slots().size(); ++i)
      out.push_back({std::string(list) + "." + std::to_string(i) + ".gate_tk", {1}, DType::F32});
  // Template layers that the official Encoder/Decoder deep-copy, and the decoder's idle self-attention.
  const int d = c.temporal.d_model, ff = c.temporal.feedforward;
  for (const char *modality : {"video", "audio"}) {
    const std::string base = std::string("temporal_attn.") + modality;
    transformer_layer_keys(out, base + "_encoder.encoder_layer.", d, ff, false);
    transformer_layer_keys(out, base + "_decoder.decoder_layer.", d, ff, true);
    attention_keys(out, base + "_decoder.decoder.layers.0.self_attn", d);
  }
  // CMBS's cross-modal interaction blocks run but their results are discarded; two norms never run.
  for (const char *inter : {"AVInter", "VAInter"}) {
    const std::string base = std::string("CMBS.") + inter;
    attention_keys(out, base + ".video_multihead", d);
    out.push_back({base + ".norm1.weight", {d}, DType::F32});
    out.push_back({base + ".norm1.bias", {d}, DType::F32});
  }
  for (const char *norm : {"CMBS.video_norm", "CMBS.audio_norm"}) {
    out.push_back({std::string(norm) + ".weight", {d}, DType::F32});
    out.push_back({std::string(norm) + ".bias", {d}, DType::F32});
  }
}

// AVS (spec 5.6; the PVT backbone `encoder_backbone.*` is dropped by the converter instead).
void unused_avs_keys(std::vector<KeySpec> &out, const ModelConfig &c) {
  const auto vis = c.swin.stages(), aud = c.htsat.stages();
  const int channel = c.segmentation.channel;
  // PVT-v2-b5 widths: the Classifier_Module convs and x*_linear were sized for its four stages.
  const int pvt_dims[4] = {64, 128, 320, 512};
  for (int k = 0; k < 4; ++k) {
    const std::string conv = "conv" + std::to_string(k + 1) + ".conv2d_list.";
    for (int d = 0; d < 4; ++d) {
      out.push_back({conv + std::to_string(d) + ".weight", {channel, pvt_dims[k], 3, 3}, DType::F32});
      out.push_back({conv + std::to_string(d) + ".bias", {channel}, DType::F32});
    }
    const std::string linear = "x" + std::to_string(k + 1) + "_linear.";
    out.push_back({linear + "weight", {pvt_dims[k], vis[k].dim}, DType::F32});
    out.push_back({linear + "bias", {pvt_dims[k]}, DType::F32});
  }
  // TemporalAttention: template layers, and the cross-modal decoders whose outputs are discarded.
  const int d = c.temporal.d_model, ff = c.temporal.feedforward;
  for (int i = 0; i < 4; ++i)
    for (const char *modality : {"video", "audio"}) {
      const std::string base = std::string("temporal_attn.") + modality;
      const int input = 2 * (modality[0] == 'v' ? c.temporal.video_lstm_hidden : c.temporal.audio_lstm_hidden);
      const std::string n = "." + std::to_string(i) + ".";
      transformer_layer_keys(out, base + "_encoder" + n + "encoder_layer.", d, ff, false);
      transformer_layer_keys(out, base + "_decoder" + n + "decoder_layer.", d, ff, true);
      transformer_layer_keys(out, base + "_decoder" + n + "decoder.layers.0.", d, ff, true);
      out.push_back({base + "_decoder" + n + "affine_matrix.weight", {d, input}, DType::F32});
      out.push_back({base + "_decoder" + n + "affine_matrix.bias", {d}, DType::F32});
    }
  // Adapter members the AVS forward never calls.
  const char *lists[] = {"audio_adapter_blocks_p1", "vis_adapter_blocks_p1", "audio_adapter_blocks_p2", "vis_adapter_blocks_p2"};
  for (const char *list : lists)
    for (const auto &slot : c.slots()) {
      const bool audio = list[0] == 'a';
      const auto &own = audio ? aud[slot.stage] : vis[slot.stage], &other = audio ? vis[slot.stage] : aud[slot.stage];
      const std::string base = std::string(list) + "." + std::to_string(slot.slot) + ".";
      if (c.adapter.resample == "interpolate") {
        out.push_back({base + "conv_adapter.weight", {own.grid * own.grid, other.grid * other.grid, 1, 1}, DType::F32});
        out.push_back({base + "conv_adapter.bias", {own.grid * own.grid}, DType::F32});
      }
      out.push_back({base + "temporal_gated.0.weight", {1, own.dim}, DType::F32});
      out.push_back({base + "temporal_gated.0.bias", {1}, DType::F32});
      if (!c.adapter.ln_before) {
        out.push_back({base + "ln_before.weight", {own.dim}, DType::F32});
        out.push_back({base + "ln_before.bias", {own.dim}, DType::F32});
      }
    }
}

// AVVP (its reference README's table): idle adapter members, encoder templates.
void unused_avvp_keys(std::vector<KeySpec> &out, const ModelConfig &c) {
  const auto vis = c.swin.stages(), aud = c.htsat.stages();
  for (int i = 0; i < 3; ++i) {
    const int width = (c.swin.embed_dim / c.adapter.reduction) << i;
    out.push_back({"adapter_token_downsampler." + std::to_string(i) + ".weight", {2 * width, width}, DType::F32});
  }
  // fc_caption maps a 512-d caption embedding to a fixed 192 whatever the adapter's width.
  const int64_t caption_in = 512, caption_out = 192;
  for (const char *list : {"audio_adapter_blocks_p1", "vis_adapter_blocks_p1", "audio_adapter_blocks_p2", "vis_adapter_blocks_p2"})
    for (const auto &slot : c.slots()) {
      const int dim = (list[0] == 'a' ? aud : vis)[slot.stage].dim;
      const std::string base = std::string(list) + "." + std::to_string(slot.slot) + ".";
      out.push_back({base + "gate_tk", {1}, DType::F32});
      out.push_back({base + "fc_caption.weight", {caption_out, caption_in}, DType::F32});
      out.push_back({base + "fc_caption.bias", {caption_out}, DType::F32});
      out.push_back({base + "temporal_gated.0.weight", {1, dim}, DType::F32});
      out.push_back({base + "temporal_gated.0.bias", {1}, DType::F32});
    }
  for (const char *modality : {"video", "audio"})
    transformer_layer_keys(out, std::string("temporal_attn.") + modality + "_encoder.encoder_layer.", c.temporal.d_model,
                           c.temporal.feedforward, false);
}

// AVQA (its reference README's table): a second audio projection and a LayerNorm that the forward
// never calls. (The match MLP fc1-fc4 is kept: training uses it.)
void unused_avqa_keys(std::vector<KeySpec> &out, const ModelConfig &c) {
  const int w = c.question.width, ca = c.htsat.stages().back().dim;
  out.push_back({"fc_a1_pure.weight", {w, ca}, DType::F32});
  out.push_back({"fc_a1_pure.bias", {w}, DType::F32});
  out.push_back({"fc_a2_pure.weight", {w, w}, DType::F32});
  out.push_back({"fc_a2_pure.bias", {w}, DType::F32});
  out.push_back({"norm3.weight", {w}, DType::F32});
  out.push_back({"norm3.bias", {w}, DType::F32});
}

} // namespace

std::vector<std::pair<std::string, torch::Tensor>> state_dict(const torch::nn::Module &module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  collect(module, "", out);
  return out;
}

void place_state(torch::nn::Module &module, torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  for (auto &kv : state_dict(module))
    kv.second.set_data(kv.second.is_floating_point() ? kv.second.to(device, dtype) : kv.second.to(device));
}

DType dtype_of(torch::ScalarType type) {
  switch (type) {
  case torch::kFloat16: return DType::F16;
  case torch::kBFloat16: return DType::BF16;
  case torch::kFloat64: return DType::F64;
  case torch::kInt64: return DType::I64;
  case torch::kInt32: return DType::I32;
  case torch::kUInt8: return DType::U8;
  case torch::kBool: return DType::BOOL;
  default: return DType::F32;
  }
}

torch::Tensor to_tensor(const TensorEntry &entry) {
  auto t = torch::empty(entry.shape, torch::TensorOptions().dtype(scalar_type(entry.dtype)));
  if (entry.nbytes)
    std::memcpy(t.data_ptr(), entry.data, entry.nbytes);
  return t;
}

std::vector<KeySpec> unused_keys(const ModelConfig &c) {
  std::vector<KeySpec> out;
  const auto vis = c.swin.stages(), aud = c.htsat.stages();
  const int cv = vis.back().dim, ca = aud.back().dim;
  // Classifier heads of both backbones, never called by DG-SCT.
  out.push_back({"swin.head.weight", {c.swin.head_classes, cv}, DType::F32});
  out.push_back({"swin.head.bias", {c.swin.head_classes}, DType::F32});
  out.push_back({"htsat.norm.weight", {ca}, DType::F32});
  out.push_back({"htsat.norm.bias", {ca}, DType::F32});
  const int tscam_height = c.htsat.spec_size / (1 << (aud.size() - 1)) / c.htsat.patch_size / c.htsat.freq_ratio();
  out.push_back({"htsat.tscam_conv.weight", {c.htsat.num_classes, ca, tscam_height, 3}, DType::F32});
  out.push_back({"htsat.tscam_conv.bias", {c.htsat.num_classes}, DType::F32});
  out.push_back({"htsat.head.weight", {c.htsat.num_classes, c.htsat.num_classes}, DType::F32});
  out.push_back({"htsat.head.bias", {c.htsat.num_classes}, DType::F32});
  if (c.is_segmentation())
    unused_avs_keys(out, c);
  else if (c.is_parsing())
    unused_avvp_keys(out, c);
  else if (c.is_question_answering())
    unused_avqa_keys(out, c);
  else if (c.task == "ave")
    unused_ave_keys(out, c);
  return out;
}

std::vector<std::string> load_state(torch::nn::Module &module, const SafetensorsFile &file, const std::vector<KeySpec> &unused) {
  torch::NoGradGuard no_grad;
  const auto fail = [&](const std::string &what) { throw FileError(file.path() + ": " + what); };
  std::map<std::string, torch::Tensor> expected;
  for (auto &kv : state_dict(module))
    expected.emplace(kv.first, kv.second);
  std::map<std::string, const KeySpec *> unused_by_name;
  for (const auto &spec : unused)
    unused_by_name[spec.name] = &spec;

  std::vector<std::string> accepted_unused;
  for (const auto &entry : file.tensors()) {
    auto it = expected.find(entry.name);
    if (it == expected.end()) {
      auto u = unused_by_name.find(entry.name);
      if (u == unused_by_name.end())
        fail("unexpected key '" + entry.name + "' (not part of a " + "DG-SCT model of this configuration)");
      if (u->second->shape != entry.shape)
        fail("key '" + entry.name + "' has shape " + shape_text(entry.shape) + ", the model expects " + shape_text(u->second->shape));
      accepted_unused.push_back(entry.name);
      continue;
    }
    torch::Tensor &target = it->second;
    const auto want = target.sizes().vec();
    if (want != entry.shape)
      fail("key '" + entry.name + "' has shape " + shape_text(entry.shape) + ", the model expects " + shape_text(want));
    if (target.is_floating_point() != is_float(entry.dtype))
      fail("key '" + entry.name + "' has dtype " + dtype_name(entry.dtype) + ", the model expects " +
           (target.is_floating_point() ? "a floating-point dtype" : "an integer dtype"));
    target.copy_(to_tensor(entry));
  }
  for (const auto &kv : expected)
    if (!file.find(kv.first))
      fail("missing key '" + kv.first + "'");
  return accepted_unused;
}

} // namespace dgsct
