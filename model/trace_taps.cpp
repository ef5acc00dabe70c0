// SPDX-License-Identifier: LGPL-2.1-or-later
#include "trace_taps.h"

#include <cstdio>

namespace dgsct {
namespace {

std::string two_digits(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", i);
  return buf;
}

} // namespace

torch::Tensor first_two_segments(const torch::Tensor &x, int64_t segments) {
  // Window-shaped tensors hold segments * windows rows, segment-major.
  return x.narrow(0, 0, 2 * (x.size(0) / segments));
}

void put_trace_encoder_taps(const Taps &encoder_taps, const ModelConfig &config, Taps &out) {
  const auto &ours = encoder_taps.values();
  const auto find = [&](const std::string &name) {
    auto it = ours.find(name);
    return it == ours.end() ? torch::Tensor() : it->second;
  };
  const auto put = [&](const std::string &name, const torch::Tensor &value) {
    if (value.defined())
      out.put(name, value);
  };
  // Per-block states of the last stage are stored whole.
  const int last_stage = static_cast<int>(config.swin.depths.size()) - 1;

  if (auto bn0 = find("audio.logmel_bn0"); bn0.defined())
    out.put("htsat.bn0.out(transposed back)[0:2]", bn0.narrow(0, 0, 2));
  put("htsat.reshape_wav2img.out", find("audio.wav2img"));

  const char *lists[][2] = {{"a_p1", "audio_adapter_blocks_p1"}, {"v_p1", "vis_adapter_blocks_p1"},
                            {"a_p2", "audio_adapter_blocks_p2"}, {"v_p2", "vis_adapter_blocks_p2"}};
  for (const auto &slot : config.slots()) {
    const bool sliced = slot.stage < last_stage;
    const std::string i = two_digits(slot.slot), index = std::to_string(slot.slot);
    for (const auto &list : lists) {
      const std::string ours_name = std::string("adapter.") + list[0] + "." + i, theirs = std::string(list[1]) + "." + index;
      auto value = find(ours_name + ".out");
      if (value.defined())
        put(sliced ? theirs + ".out{seg0-1}" : theirs + ".out", sliced ? value.narrow(0, 0, 2) : value);
      put(theirs + ".spatial_att_maps", find(ours_name + ".map"));
    }
    const std::string swin_block = "swin.layers." + std::to_string(slot.stage) + ".blocks." + std::to_string(slot.swin_block);
    const std::string htsat_block = "htsat.layers." + std::to_string(slot.stage) + ".blocks." + std::to_string(slot.htsat_block);
    const std::string pair = "slot" + i;
    const auto put_state = [&](const std::string &name, const std::string &ours_name) {
      auto value = find(ours_name);
      if (value.defined())
        out.put(sliced ? name + "{seg0-1}" : name, sliced ? value.narrow(0, 0, 2) : value);
    };
    put_state(swin_block + ":f_v+attn", pair + ".v_attn_only");
    put_state(htsat_block + ":f_a(block)", pair + ".a_block_only");
    put_state(swin_block + ":f_v+mlp", pair + ".v_mlp_only");
    put_state(swin_block + ":f_v+mlp+adapter_p2", pair + ".after_mlp.v");
    put_state(htsat_block + ":f_a+adapter_p2", pair + ".after_mlp.a");
  }
  // Swin blocks without adapters.
  for (size_t s = 0; s < config.swin.depths.size(); ++s)
    for (int b = 0; b < config.swin.depths[s]; ++b) {
      auto value = find("stage" + std::to_string(s) + ".block" + std::to_string(b) + ".v_out");
      if (!value.defined())
        continue;
      const std::string name = "swin.layers." + std::to_string(s) + ".blocks." + std::to_string(b) + ":f_v+mlp";
      const bool sliced = static_cast<int>(s) < last_stage;
      out.put(sliced ? name + "{seg0-1}" : name, sliced ? value.narrow(0, 0, 2) : value);
    }
  for (int s = 0; s < last_stage; ++s) {
    put("swin.layers." + std::to_string(s) + ".downsample.out", find("stage" + std::to_string(s) + ".v_downsample"));
    put("htsat.layers." + std::to_string(s) + ".downsample.out", find("stage" + std::to_string(s) + ".a_downsample"));
  }
}

} // namespace dgsct
