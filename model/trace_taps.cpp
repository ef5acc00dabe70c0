// SPDX-License-Identifier: LGPL-2.1-or-later
#include "trace_taps.h"

#include "dual_encoder.h"

#include <stdexcept>

namespace dgsct {

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
    const std::string i = slot_digits(slot.slot), index = std::to_string(slot.slot);
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

void put_trace_front_end_taps(const LogMel &front_end, const torch::Tensor &audio, const torch::Tensor &log_mel, Taps &out) {
  auto power = front_end.power_spectrogram(audio.narrow(0, 0, 1));
  out.put("htsat.spectrogram_extractor.out[0:1,0:1,0:101,:]", power.unsqueeze(1).narrow(2, 0, 101));
  out.put("htsat.logmel_extractor.out[0:2]", log_mel.narrow(0, 0, std::min<int64_t>(2, log_mel.size(0))));
}

void put_trace_block_internals(const Taps &encoder_taps, const ModelConfig &config, int htsat_line_shift, Taps &out) {
  const auto &ours = encoder_taps.values();
  const int64_t S = ours.at("video.frames_norm").size(0);
  const auto find_slot = [&](int stage, bool swin, int block) {
    for (const auto &slot : config.slots())
      if (slot.stage == stage && (swin ? slot.swin_block : slot.htsat_block) == block)
        return "slot" + slot_digits(slot.slot);
    throw std::logic_error("no adapter slot at the traced block");
  };
  const auto copy = [&](const std::string &from, const std::string &to, const auto &transform) {
    auto it = ours.find(from);
    if (it != ours.end())
      out.put(to, transform(it->second));
  };
  const auto whole = [](const torch::Tensor &x) { return x; };
  const auto segments01 = [&](const torch::Tensor &x) { return first_two_segments(x, S); };

  // Swin-V2: segments 0-1 only.
  const auto swin_stages = config.swin.stages();
  const int w = swin_stages[1].window;
  const std::string v = find_slot(1, true, 1) + ".swin", swin = "swin.layers.1.blocks.1";
  copy(v + ".shifted", swin + ":shifted_x@L331{seg0-1}", segments01);
  copy(v + ".windows", swin + ":x_windows@L336{seg0-1}",
       [&](const torch::Tensor &x) { return first_two_segments(x, S).view({-1, w, w, x.size(-1)}); });
  copy(v + ".attn.logit_scale", swin + ".attn:logit_scale@L221", whole);
  copy(v + ".attn.bias_table", swin + ".attn:relative_position_bias_table@L224", whole);
  copy(v + ".attn.position_bias", swin + ".attn:relative_position_bias@L228", whole);
  copy(v + ".attn.attn_biased", swin + ".attn:attn@L229{seg0-1}", segments01);
  copy(v + ".attn.attn_masked", swin + ".attn:attn@L233{seg0-1}", segments01);
  copy(v + ".attn.attn", swin + ".attn:attn@L235{seg0-1}", segments01);
  copy(v + ".attn.out", swin + ".attn:x@L242{seg0-1}", segments01);
  copy(v + ".merged", swin + ":shifted_x@L344{seg0-1}", segments01);
  copy(v + ".unshifted", swin + ":x@L348{seg0-1}", segments01);

  // HTS-AT: all segments.
  const int wa = config.htsat.stages()[2].window;
  const std::string pair = find_slot(2, false, 1), a = pair + ".htsat", htsat = "htsat.layers.2.blocks.1";
  const auto line = [&](int avvp_line) { return "@L" + std::to_string(avvp_line + htsat_line_shift); };
  copy(a + ".norm1", htsat + ":x" + line(224), whole);
  copy(a + ".shifted", htsat + ":shifted_x" + line(229), whole);
  copy(a + ".windows", htsat + ":x_windows" + line(234), [&](const torch::Tensor &x) { return x.view({-1, wa, wa, x.size(-1)}); });
  copy(a + ".attn.qkv", htsat + ".attn:qkv" + line(108), whole);
  copy(a + ".attn.q", htsat + ".attn:q" + line(109), whole);
  copy(a + ".attn.q_scaled", htsat + ".attn:q" + line(111), whole);
  copy(a + ".attn.logits", htsat + ".attn:attn" + line(112), whole);
  copy(a + ".attn.position_bias", htsat + ".attn:relative_position_bias" + line(114),
       [](const torch::Tensor &x) { return x.permute({1, 2, 0}); });
  copy(a + ".attn.position_bias", htsat + ".attn:relative_position_bias" + line(116), whole);
  copy(a + ".attn.attn_biased", htsat + ".attn:attn" + line(117), whole);
  copy(a + ".attn.attn_masked", htsat + ".attn:attn" + line(121), whole);
  copy(a + ".attn.attn", htsat + ".attn:attn" + line(123), whole);
  copy(a + ".attn.mixed", htsat + ".attn:x" + line(129), whole);
  copy(a + ".attn.out", htsat + ".attn:x" + line(130), whole);
  copy(a + ".merged", htsat + ":shifted_x" + line(242), whole);
  copy(a + ".unshifted", htsat + ":x" + line(246), whole);
  copy(pair + ".a_block_attn_res", htsat + ":x" + line(252), whole);
  copy(pair + ".a_block_only", htsat + ":x" + line(253), whole);
}

} // namespace dgsct
