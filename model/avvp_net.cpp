// SPDX-License-Identifier: LGPL-2.1-or-later
#include "avvp_net.h"

#include "dgsct/frontend.h"
#include "trace_taps.h"
#include "weights.h"

namespace dgsct {
namespace {

// Adapter internals the AVVP reference records for one p1 and one p2 adapter, by its line numbers
// in the official adapter (`:var@Lnnn`); ours are recorded in the same layouts.
struct AdapterTrace {
  const char *ours, *theirs;
};
const AdapterTrace adapter_trace[] = {
    {"x_in", "x@in"},                                {"other_in", "vis_token@in"},
    {"conv_adapter", "vis_token@L284"},              {"fc", "vis_token@L285"},
    {"my_tokens", "rep_token@L304"},                 {"att_v2tk_logits", "att_v2tk@L310"},
    {"att_v2tk", "att_v2tk@L312"},                   {"prompt_update", "rep_token_res@L313"},
    {"prompts", "rep_token@L316"},                   {"att_tk2x_logits", "att_tk2x@L319"},
    {"att_tk2x", "att_tk2x@L321"},                   {"x_res", "x_res@L322"},
    {"x_gated", "x@L325"},                           {"audio_query_1", "audio_query_1@L329"},
    {"video_query_1", "video_query_1@L330"},         {"channel_att_maps", "channel_att_maps@L333"},
    {"c_att_visual_feat", "c_att_visual_feat@L334"}, {"video_query_2", "c_att_visual_query@L338"},
    {"audio_query_2", "audio_query_2@L339"},         {"joint_2", "audio_video_query_2@L340"},
    {"spatial_logits", "spatial_att_maps_tmp@L341"}, {"map", "spatial_att_maps@L344"},
    {"spatial_pooled", "c_s_att_visual_feat@L345"},  {"x_modulated", "x@L352"},
    {"ln_before", "x@L367"},                         {"down_sampler", "z@L369"},
    {"bn1", "z@L376"},                               {"relu", "z@L378"},
    {"up_sampler", "output@L379"},                   {"bn2", "output@L383"},
    {"ln_post", "output@L408"},                      {"out", "output@L411"},
};

void put_adapter_trace(const Taps &ours, const std::string &our_prefix, const std::string &their_prefix, bool sliced,
                       Taps &out) {
  const auto &values = ours.values();
  const auto slice = [&](const torch::Tensor &x) { return sliced ? x.narrow(0, 0, 2) : x; };
  const std::string suffix = sliced ? "{seg0-1}" : "";
  for (const auto &entry : adapter_trace) {
    auto it = values.find(our_prefix + "." + entry.ours);
    if (it != values.end())
      out.put(their_prefix + ":" + entry.theirs + suffix, slice(it->second));
  }
  const auto squeezed = [&](const char *ours_name, const char *theirs) {
    auto it = values.find(our_prefix + "." + ours_name);
    if (it != values.end())
      out.put(their_prefix + ":" + theirs + suffix, slice(it->second).squeeze(1));
  };
  squeezed("other_mean", "audio@L328");
  // Also for every segment: the official adapter's discarded per-window gate reads it (the golden
  // test recomputes that gate from it).
  if (auto it = values.find(our_prefix + ".other_mean"); it != values.end())
    out.put(their_prefix + ":audio[all segments]", it->second.squeeze(1));
  squeezed("joint_mean", "audio_video_query_raw@L331");
  squeezed("bottleneck", "audio_video_query@L332");
  if (auto it = values.find(our_prefix + ".spatial_att_maps_sigmoid"); it != values.end())
    out.put(their_prefix + ":spatial_att_maps_sigmoid@L342" + suffix, slice(it->second).transpose(1, 2));
}

} // namespace

AvvpNetImpl::AvvpNetImpl(const ModelConfig &config_) : config(config_) {
  const auto &p = config.parsing;
  const int classes = config.classes, T = config.segments;
  const int cv = config.swin.stages().back().dim, ca = config.htsat.stages().back().dim;
  audio_token = register_parameter("audio_token", torch::zeros({classes, p.dim}));
  visual_token = register_parameter("visual_token", torch::zeros({classes, p.dim}));
  fc_a = register_module("fc_a", torch::nn::Linear(ca, p.dim));
  fc_v = register_module("fc_v", torch::nn::Linear(cv, p.dim));
  fc_st = register_module("fc_st", torch::nn::Linear(p.clip_feature_dim, p.dim));
  fc_fusion = register_module("fc_fusion", torch::nn::Linear(2 * p.dim, p.dim));
  audio_cug = register_module("audio_cug", ModalityGrouping(p, p.depth_audio, T, classes, /*han=*/true));
  visual_cug = register_module("visual_cug", ModalityGrouping(p, p.depth_visual, T, classes, /*han=*/false));
  av_mcg = register_module("av_mcg", ModalityGrouping(p, p.depth_cross, T, classes, /*han=*/false));
  fc_prob = register_module("fc_prob", torch::nn::Linear(p.dim, 1));
  fc_prob_a = register_module("fc_prob_a", torch::nn::Linear(p.dim, 1));
  fc_prob_v = register_module("fc_prob_v", torch::nn::Linear(p.dim, 1));
  fc_cls = register_module("fc_cls", torch::nn::Linear(p.dim, classes)); // class tokens' training loss
  temporal_attn = register_module("temporal_attn", AudioGate(p.dim, config.temporal));
  encoder = DualEncoder(*this, config);
  eval();
}

void AvvpNetImpl::prepare() { encoder.prepare(); }

void AvvpNetImpl::prepare_attention() { encoder.prepare_attention(); }

void AvvpNetImpl::place(torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  encoder.place(*this, device, dtype);
  temporal_attn->audio_rnn->flatten_parameters();
  temporal_attn->visual_rnn->flatten_parameters();
  prepare();
}

torch::Device AvvpNetImpl::device() const { return encoder.device(); }

void AvvpNetImpl::add_clip_encoder() {
  if (!clip_encoder) {
    clip_encoder = register_module("clip_encoder", ClipEncoder(config.parsing.clip_encoder));
    place_state(*clip_encoder, device(), torch::kFloat32);
  }
}

EncodedSegments AvvpNetImpl::encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) {
  auto log_mel = encoder.htsat->log_mel(audio);
  if (taps)
    put_trace_front_end_taps(encoder.htsat->front_end(), audio, log_mel, *taps);
  return encode_prepared(normalize_frames(frames, config.video, device()), log_mel, taps);
}

EncodedSegments AvvpNetImpl::encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps) {
  Taps encoder_taps;
  Taps *inner = taps ? &encoder_taps : nullptr;
  auto streams = encoder.forward(frames_norm, log_mel, inner);
  auto pooled = pool_streams(streams, inner);
  if (taps) {
    const auto &ours = encoder_taps.values();
    put_trace_encoder_taps(encoder_taps, config, *taps);
    put_trace_block_internals(encoder_taps, config, /*htsat_line_shift=*/0, *taps);
    taps->put("prep.visual", ours.at("video.frames_norm").unsqueeze(0));
    taps->put("mgn.f_v@L647", ours.at("video.patch_embed"));
    taps->put("mgn.f_a@L665", ours.at("audio.patch_embed"));
    taps->put("mgn.f_v@L711", streams.visual);
    taps->put("mgn.f_v@L714", pooled.visual);
    taps->put("mgn.f_a@L716", pooled.audio);
    // Internals of the first adapter pair of the deep stage and of the adapter whose map pools the
    // visual stream.
    const auto slots = config.slots();
    const auto deep = std::find_if(slots.begin(), slots.end(), [](const SlotPairing &s) { return s.stage == 2; });
    put_adapter_trace(encoder_taps, "adapter.a_p1." + slot_digits(deep->slot), "audio_adapter_blocks_p1." + std::to_string(deep->slot),
                      /*sliced=*/true, *taps);
    const int last = static_cast<int>(slots.size()) - 1;
    put_adapter_trace(encoder_taps, "adapter.v_p2." + slot_digits(last), "vis_adapter_blocks_p2." + std::to_string(last),
                      /*sliced=*/false, *taps);
  }
  return pooled;
}

ParsingOutputs AvvpNetImpl::head(const torch::Tensor &visual, const torch::Tensor &audio, const torch::Tensor &clip, Taps *taps) {
  auto x1_0 = fc_a(audio.to(torch::kFloat32));
  auto vid_s = fc_v(visual.to(torch::kFloat32));
  auto gated = temporal_attn(vid_s, x1_0, taps);
  auto clip_features = fc_st(clip.to(torch::kFloat32));
  auto joint = torch::cat({gated, clip_features}, -1);
  auto x2_0 = fc_fusion(joint);
  if (taps) {
    taps->put("mgn.input.visual_st", clip);
    taps->put("mgn.x1_0@L720", x1_0);
    taps->put("mgn.vid_s@L723", vid_s);
    taps->put("mgn.vid_s@L726", gated);
    taps->put("mgn.x1@L726", taps->values().at("temporal_attn:audio_query_output@L157")); // discarded by the official code
    taps->put("mgn.vid_st@L728", clip_features);
    taps->put("mgn.x2_0@L729", joint);
    taps->put("mgn.x2_0@L730", x2_0);
  }
  // Uni-modal grouping of each modality into its class tokens (audio regrouped under the visual
  // segments first), then cross-modal grouping of the audio class tokens under the visual ones.
  auto x2 = visual_cug->forward(x2_0, visual_token, {}, taps, "visual_cug");
  auto x1 = audio_cug->forward(x1_0, audio_token, x2_0, taps, "audio_cug");
  auto x = av_mcg->forward(x1.tokens, x2.tokens, {}, taps, "av_mcg");

  ParsingOutputs out;
  auto av_prob = torch::sigmoid(fc_prob(x.tokens));
  out.global_prob = av_prob.sum(-1);
  auto a_prob = torch::sigmoid(fc_prob_a(x1.tokens)); // [B, classes, 1]
  auto v_prob = torch::sigmoid(fc_prob_v(x2.tokens));
  auto attn_audio = x1.soft_map.squeeze(1), attn_visual = x2.soft_map.squeeze(1); // [B, classes, T]
  out.audio_frame_prob = (a_prob * attn_audio).permute({0, 2, 1});
  out.visual_frame_prob = (v_prob * attn_visual).permute({0, 2, 1});
  out.audio_prob = a_prob.sum(-1);
  out.visual_prob = v_prob.sum(-1);
  decode_parsing(out);
  if (taps) {
    taps->put("mgn.x2@L733", x2.tokens);
    taps->put("mgn.attn_visual_dict[hard]@L733", x2.hard_map);
    taps->put("mgn.attn_visual_dict[soft]@L733", x2.soft_map);
    taps->put("mgn.x1@L736", x1.tokens);
    taps->put("mgn.attn_audio_dict[hard]@L736", x1.hard_map);
    taps->put("mgn.attn_audio_dict[soft]@L736", x1.soft_map);
    taps->put("mgn.x@L739", x.tokens);
    taps->put("mgn.av_prob@L742", av_prob);
    taps->put("mgn.global_prob@L743", out.global_prob);
    auto aud_cls_prob = fc_cls(audio_token), vis_cls_prob = fc_cls(visual_token);
    taps->put("mgn.aud_cls_prob@L746", aud_cls_prob);
    taps->put("mgn.vis_cls_prob@L747", vis_cls_prob);
    taps->put("mgn.attn_audio@L750", attn_audio);
    taps->put("mgn.attn_visual@L751", attn_visual);
    taps->put("mgn.a_prob@L754", a_prob);
    taps->put("mgn.a_frame_prob@L755", out.audio_frame_prob);
    taps->put("mgn.a_prob@L756", out.audio_prob);
    taps->put("mgn.v_prob@L759", v_prob);
    taps->put("mgn.v_frame_prob@L760", out.visual_frame_prob);
    taps->put("mgn.v_prob@L761", out.visual_prob);
    taps->put("output.aud_cls_prob", aud_cls_prob);
    taps->put("output.vis_cls_prob", vis_cls_prob);
    taps->put("output.global_prob", out.global_prob);
    taps->put("output.a_prob", out.audio_prob);
    taps->put("output.v_prob", out.visual_prob);
    taps->put("output.a_frame_prob", out.audio_frame_prob);
    taps->put("output.v_frame_prob", out.visual_frame_prob);
  }
  return out;
}

void decode_parsing(ParsingOutputs &out) {
  auto present = out.global_prob >= 0.5;
  out.video_level = present.to(torch::kUInt8);
  auto present_per_segment = present.unsqueeze(1);
  auto audio = (out.audio_frame_prob >= 0.5) & present_per_segment;
  auto visual = (out.visual_frame_prob >= 0.5) & present_per_segment;
  out.audio = audio.to(torch::kUInt8);
  out.visual = visual.to(torch::kUInt8);
  out.audio_visual = (audio & visual).to(torch::kUInt8);
}

} // namespace dgsct
