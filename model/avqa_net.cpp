// SPDX-License-Identifier: LGPL-2.1-or-later
#include "avqa_net.h"

#include "dgsct/frontend.h"
#include "trace_taps.h"
#include "weights.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace dgsct {
namespace {

namespace F = torch::nn::functional;

// Adapter internals the AVQA reference records (net_avst.py:107-209, `:var@Lnnn`), ours -> theirs;
// where the official code holds the [S, C, N, 1] layout, so does our tap.
struct AdapterTrace {
  const char *ours, *theirs;
};
const AdapterTrace adapter_trace[] = {
    {"x_in", "x@in"},                                {"other_in", "vis_token@in"},
    {"conv_adapter", "vis_token@L108"},              {"fc", "vis_token@L109"},
    {"my_tokens", "rep_token@L118"},                 {"att_v2tk_logits", "att_v2tk@L121"},
    {"att_v2tk", "att_v2tk@L123"},                   {"prompt_update", "rep_token_res@L124"},
    {"prompts", "rep_token@L126"},                   {"att_tk2x_logits", "att_tk2x@L129"},
    {"att_tk2x", "att_tk2x@L131"},                   {"x_res", "x_res@L132"},
    {"x_gated", "x@L136"},                           {"audio_query_1", "audio_query_1@L140"},
    {"video_query_1", "video_query_1@L141"},         {"channel_att_maps", "channel_att_maps@L144"},
    {"c_att_visual_feat", "c_att_visual_feat@L145"}, {"video_query_2", "c_att_visual_query@L149"},
    {"audio_query_2", "audio_query_2@L150"},         {"joint_2", "audio_video_query_2@L151"},
    {"spatial_logits", "spatial_att_maps_tmp@L152"}, {"map", "spatial_att_maps@L155"},
    {"spatial_pooled", "c_s_att_visual_feat@L156"},  {"x_modulated", "x@L164"},
    {"ln_before", "x@L171"},                         {"down_sampler", "z@L173"},
    {"bn1", "z@L178"},                               {"relu", "z@L180"},
    {"up_sampler", "output@L181"},                   {"bn2", "output@L183"},
    {"ln_post", "output@L209"},
};

void put_adapter_trace(const Taps &ours, const std::string &our_prefix, const std::string &their_prefix, bool sliced,
                       Taps &out) {
  const auto &values = ours.values();
  const auto slice = [&](const torch::Tensor &x) { return sliced ? x.narrow(0, 0, 2) : x; };
  const std::string suffix = sliced ? "{seg0-1}" : "";
  const auto find = [&](const char *name) {
    auto it = values.find(our_prefix + "." + name);
    return it == values.end() ? torch::Tensor() : slice(it->second);
  };
  for (const auto &entry : adapter_trace)
    if (auto value = find(entry.ours); value.defined())
      out.put(their_prefix + ":" + entry.theirs + suffix, value);
  const auto squeezed = [&](const char *name, const char *theirs) {
    if (auto value = find(name); value.defined())
      out.put(their_prefix + ":" + theirs + suffix, value.squeeze(1));
  };
  squeezed("other_mean", "audio@L139");
  squeezed("joint_mean", "audio_video_query_raw@L142");
  squeezed("bottleneck", "audio_video_query@L143");
  if (auto value = find("spatial_att_maps_sigmoid"); value.defined())
    out.put(their_prefix + ":spatial_att_maps_sigmoid@L153" + suffix, value.transpose(1, 2));
}

// The reference's names of the grounding's steps for the segment's own frame (posi) and for a frame
// of another video (nega): `fwd.<variable>@L<line>` of net_avst.py.
struct GroundingTaps {
  const char *map, *mean, *mean_flat, *channels_first, *tokens, *normalized, *logits, *weights, *grounded,
      *grounded_flat, *joint, *joint_tanh, *out;
};
const GroundingTaps positive_taps = {
    "fwd.temp_visual@L534",  "fwd.v_feat@L535",  "fwd.visual_feat_before_grounding_posi@L536",
    "fwd.v_feat@L539",       "fwd.v_feat@L540",  "fwd.visual_feat_posi@L541",
    "fwd.x2_va@L547",        "fwd.x2_p@L549",    "fwd.visual_feat_grd@L550",
    "fwd.visual_feat_grd_after_grounding_posi@L551", "fwd.visual_gl@L553", "fwd.visual_feat_grd@L554",
    "fwd.visual_feat_grd_posi@L555"};
const GroundingTaps negative_taps = {
    "fwd.temp_visual@L567",  "fwd.v_feat@L568",  "fwd.visual_feat_before_grounding_nega@L569",
    "fwd.v_feat@L572",       "fwd.v_feat@L573",  "fwd.visual_feat_nega@L574",
    "fwd.x2_va@L577",        "fwd.x2_p@L578",    "fwd.visual_feat_grd@L579",
    "fwd.visual_feat_grd_after_grounding_nega@L580", "fwd.visual_gl@L582", "fwd.visual_feat_grd@L583",
    "fwd.visual_feat_grd_nega@L584"};

// [S, N, C] tokens -> the official [S, C, h, w] map (h = w = sqrt(N)).
torch::Tensor token_map(const torch::Tensor &tokens) {
  const int64_t side = std::lround(std::sqrt(static_cast<double>(tokens.size(1))));
  return tokens.transpose(1, 2).reshape({tokens.size(0), tokens.size(2), side, side});
}

torch::Tensor unit(const torch::Tensor &x, int64_t dim) { return F::normalize(x, F::NormalizeFuncOptions().dim(dim).eps(1e-12)); }

} // namespace

AvqaNetImpl::AvqaNetImpl(const ModelConfig &config_) : config(config_) {
  const auto &q = config.question;
  const int w = q.width, ca = config.htsat.stages().back().dim;
  fc_a1 = register_module("fc_a1", torch::nn::Linear(ca, w));
  fc_a2 = register_module("fc_a2", torch::nn::Linear(w, w));
  // (fc_a1_pure and fc_a2_pure follow officially: never used, see unused_keys.)
  fc_fusion = register_module("fc_fusion", torch::nn::Linear(2 * w, w));
  linear11 = register_module("linear11", torch::nn::Linear(w, w));
  linear12 = register_module("linear12", torch::nn::Linear(w, w));
  linear21 = register_module("linear21", torch::nn::Linear(w, w));
  linear22 = register_module("linear22", torch::nn::Linear(w, w));
  norm1 = register_module("norm1", LayerNorm(w));
  norm2 = register_module("norm2", LayerNorm(w));
  // (norm3 follows officially: never used.)
  attn_a = register_module("attn_a", MultiheadAttention(w, q.heads));
  attn_v = register_module("attn_v", MultiheadAttention(w, q.heads));
  question_encoder = register_module("question_encoder", QuestionEncoder(q.vocabulary, w));
  fc_ans = register_module("fc_ans", torch::nn::Linear(w, config.classes));
  fc_gl = register_module("fc_gl", torch::nn::Linear(2 * w, w));
  int in = 2 * w;
  for (size_t i = 0; i <= q.match_hidden.size(); ++i) {
    const int out = i < q.match_hidden.size() ? q.match_hidden[i] : 2;
    match_mlp.push_back(register_module("fc" + std::to_string(i + 1), torch::nn::Linear(in, out)));
    in = out;
  }
  encoder = DualEncoder(*this, config);
  eval();
}

void AvqaNetImpl::prepare() { encoder.prepare(); }

void AvqaNetImpl::prepare_attention() { encoder.prepare_attention(); }

void AvqaNetImpl::place(torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  encoder.place(*this, device, dtype);
  question_encoder->lstm->flatten_parameters();
  prepare();
}

torch::Device AvqaNetImpl::device() const { return encoder.device(); }

QaSegments AvqaNetImpl::encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) {
  auto log_mel = encoder.htsat->log_mel(audio);
  if (taps)
    put_trace_front_end_taps(encoder.htsat->front_end(), audio, log_mel, *taps);
  return encode_prepared(normalize_frames(frames, config.video, device()), log_mel, taps);
}

QaSegments AvqaNetImpl::encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps) {
  Taps encoder_taps;
  auto tokens = encode_tokens(frames_norm, log_mel, taps ? &encoder_taps : nullptr);
  const auto &pooled = tokens.pooled_audio;
  auto out = project(tokens.visual, pooled, taps);
  if (taps) {
    const auto &ours = encoder_taps.values();
    put_trace_encoder_taps(encoder_taps, config, *taps);
    // AVQA's htsat.py is one line shorter above the traced block than AVVP's.
    put_trace_block_internals(encoder_taps, config, /*htsat_line_shift=*/-1, *taps);
    taps->put("prep.visual_posi", ours.at("video.frames_norm").unsqueeze(0));
    taps->put("fwd.f_v@L435", ours.at("video.patch_embed"));
    taps->put("fwd.f_a@L454", ours.at("audio.patch_embed"));
    taps->put("fwd.f_v@L500", tokens.visual);
    taps->put("fwd.visual_posi@L510", token_map(tokens.visual).unsqueeze(0));
    taps->put("fwd.f_a@L515", pooled);
    taps->put("fwd.audio@L516", pooled.unsqueeze(0));
    // Internals of the first audio p1 adapter of the deep stage, and of the adapter whose map pools
    // the audio.
    const auto slots = config.slots();
    const auto deep = std::find_if(slots.begin(), slots.end(), [](const SlotPairing &s) { return s.stage == 2; });
    put_adapter_trace(encoder_taps, "adapter.a_p1." + slot_digits(deep->slot), "audio_adapter_blocks_p1." + std::to_string(deep->slot),
                      /*sliced=*/true, *taps);
    const int last = static_cast<int>(slots.size()) - 1;
    put_adapter_trace(encoder_taps, "adapter.a_p2." + slot_digits(last), "audio_adapter_blocks_p2." + std::to_string(last),
                      /*sliced=*/false, *taps);
  }
  return out;
}

QaTokens AvqaNetImpl::encode_tokens(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *encoder_taps) {
  auto streams = encoder.forward(frames_norm, log_mel, encoder_taps);
  // Audio: the tokens pooled with the last audio p2 adapter's spatial map (spec 5.5), without
  // htsat.norm; the visual tokens stay a map.
  return {streams.visual, torch::bmm(streams.audio_map, streams.audio).squeeze(1)};
}

QaSegments AvqaNetImpl::project(const torch::Tensor &visual, const torch::Tensor &pooled_audio, Taps *taps) {
  auto hidden = torch::relu(fc_a1(pooled_audio));
  QaSegments out;
  out.audio = fc_a2(hidden);
  out.grounded = ground(visual, out.audio, taps, /*negative=*/false);
  if (taps) {
    taps->put("fwd.audio_feat@L526", hidden.unsqueeze(0));
    taps->put("fwd.audio_feat@L527", out.audio.unsqueeze(0));
    taps->put("fwd.audio_feat@L530", out.audio);
  }
  return out;
}

torch::Tensor AvqaNetImpl::ground(const torch::Tensor &tokens, const torch::Tensor &audio, Taps *taps, bool negative) {
  // The mean token, and a softmax over tokens of unit tokens . unit audio (no temperature) that
  // weighs the unit tokens (their mean is not renormalised).
  auto mean = tokens.mean(1);                     // [S, C]
  auto tokens_unit = unit(tokens, 2);             // [S, N, C]
  auto audio_unit = unit(audio.unsqueeze(-1), 1); // [S, C, 1]
  auto logits = torch::bmm(tokens_unit, audio_unit).squeeze(-1);
  auto weights = torch::softmax(logits, -1).unsqueeze(1); // [S, 1, N]
  auto grounded = torch::bmm(weights, tokens_unit);       // [S, 1, C]
  auto joint = torch::cat({mean, grounded.squeeze(1)}, -1);
  auto joint_tanh = torch::tanh(joint);
  auto out = fc_gl(joint_tanh);
  if (taps) {
    const auto &names = negative ? negative_taps : positive_taps;
    taps->put(names.map, token_map(tokens));
    taps->put(names.mean, mean.unsqueeze(-1).unsqueeze(-1));
    taps->put(names.mean_flat, mean);
    taps->put(names.channels_first, tokens.transpose(1, 2));
    taps->put(names.tokens, tokens);
    taps->put(names.normalized, tokens_unit);
    if (!negative) {
      taps->put("fwd.audio_feat_aa@L544", audio.unsqueeze(-1));
      taps->put("fwd.audio_feat_aa@L545", audio_unit);
    }
    taps->put(names.logits, logits);
    taps->put(names.weights, weights);
    taps->put(names.grounded, grounded);
    taps->put(names.grounded_flat, grounded.squeeze(1));
    taps->put(names.joint, joint);
    taps->put(names.joint_tanh, joint_tanh);
    taps->put(names.out, out);
  }
  return out;
}

torch::Tensor AvqaNetImpl::encode_question(const torch::Tensor &ids, Taps *taps) {
  if (ids.dim() != 2)
    throw std::invalid_argument("question ids must be [B, length], got " + std::to_string(ids.dim()) + " dimensions");
  auto q = question_encoder(ids, taps);
  if (taps) {
    taps->put("fwd.qst_feature@L522", q);
    taps->put("fwd.xq@L523", q.unsqueeze(0));
  }
  return q;
}

AnswerOutputs AvqaNetImpl::head(const torch::Tensor &audio_in, const torch::Tensor &grounded_in, const torch::Tensor &question_in,
                                Taps *taps) {
  const int64_t w = config.question.width;
  if (audio_in.dim() != 3 || audio_in.sizes() != grounded_in.sizes() || audio_in.size(2) != w || question_in.dim() != 2 ||
      question_in.size(0) != audio_in.size(0) || question_in.size(1) != w)
    throw std::invalid_argument("AVQA head: audio and grounded must be [B, T, " + std::to_string(w) + "], question [B, " +
                                std::to_string(w) + "]");
  auto audio = audio_in.to(torch::kFloat32), grounded = grounded_in.to(torch::kFloat32);
  auto question = question_in.to(torch::kFloat32);
  // The question attends over the segments of each modality (sequence-first), then a residual
  // feed-forward and a LayerNorm.
  auto query = question.unsqueeze(0); // [1, B, w]
  auto visual_seq = grounded.transpose(0, 1), audio_seq = audio.transpose(0, 1);
  auto visual_att = attn_v(query, visual_seq, visual_seq).squeeze(0);
  auto visual_ff = linear12(torch::relu(linear11(visual_att)));
  auto visual_res = visual_att + visual_ff;
  auto visual = norm1(visual_res);
  auto audio_att = attn_a(query, audio_seq, audio_seq).squeeze(0);
  auto audio_ff = linear22(torch::relu(linear21(audio_att)));
  auto audio_res = audio_att + audio_ff;
  auto audio_out = norm2(audio_res);
  // Fusion with the window means, then with the question.
  auto joint = torch::cat({audio_out + audio.mean(1), visual + grounded.mean(1)}, -1);
  auto joint_tanh = torch::tanh(joint);
  auto fused = fc_fusion(joint_tanh);
  auto combined = fused * question;
  auto combined_tanh = torch::tanh(combined);
  AnswerOutputs out;
  out.logits = fc_ans(combined_tanh);
  out.answer = out.logits.argmax(1);
  if (taps) {
    taps->put("fwd.visual_feat_grd_be@L600", grounded);
    taps->put("fwd.visual_feat_grd@L601", visual_seq);
    taps->put("fwd.visual_feat_att@L604", visual_att);
    taps->put("fwd.src@L605", visual_ff);
    taps->put("fwd.visual_feat_att@L606", visual_res);
    taps->put("fwd.visual_feat_att@L607", visual);
    taps->put("fwd.audio_feat_be@L610", audio);
    taps->put("fwd.audio_feat@L611", audio_seq);
    taps->put("fwd.audio_feat_att@L612", audio_att);
    taps->put("fwd.src@L613", audio_ff);
    taps->put("fwd.audio_feat_att@L614", audio_res);
    taps->put("fwd.audio_feat_att@L615", audio_out);
    taps->put("fwd.feat@L617", joint);
    taps->put("fwd.feat@L618", joint_tanh);
    taps->put("fwd.feat@L619", fused);
    taps->put("fwd.combined_feature@L622", combined);
    taps->put("fwd.combined_feature@L623", combined_tanh);
    taps->put("fwd.out_qa@L624", out.logits);
    taps->put("output.out_qa", out.logits);
    taps->put("decode.answer_index", out.answer);
  }
  return out;
}

torch::Tensor AvqaNetImpl::match_logits(const torch::Tensor &audio, const torch::Tensor &grounded, Taps *taps, bool negative) {
  const int base = negative ? 587 : 557; // the official lines of the positive and negative MLP
  auto x = torch::cat({audio, grounded}, -1);
  if (taps)
    taps->put("fwd.feat@L" + std::to_string(base), x);
  for (size_t i = 0; i < match_mlp.size(); ++i) {
    x = match_mlp[i](x);
    if (i + 1 == match_mlp.size())
      break;
    x = torch::relu(x);
    if (taps)
      taps->put("fwd.feat@L" + std::to_string(base + 2 + i), x);
  }
  if (taps) {
    const std::string name = negative ? "out_match_nega" : "out_match_posi";
    taps->put("fwd." + name + "@L" + std::to_string(base + 5), x);
    taps->put("output." + name, x);
  }
  return x;
}

torch::Tensor AvqaNetImpl::match(const QaSegments &segments, Taps *taps) {
  return match_logits(segments.audio, segments.grounded, taps, /*negative=*/false);
}

torch::Tensor AvqaNetImpl::plain_visual(const torch::Tensor &frames_norm, Taps *taps) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(device(), encoder.dtype);
  auto &swin = encoder.swin;
  const int64_t S = frames_norm.size(0);
  // The traced block's internals, under the names of the adapter pass, renamed below.
  Taps block_taps;
  block_taps.put("video.frames_norm", frames_norm);
  std::string traced_slot;
  for (const auto &slot : config.slots())
    if (slot.stage == 1 && slot.swin_block == 1)
      traced_slot = "slot" + slot_digits(slot.slot);

  auto x = swin->embed(frames_norm);
  const int last = static_cast<int>(swin->stages.size()) - 1;
  for (int s = 0; s <= last; ++s) {
    auto &stage = swin->stages[s];
    for (int b = 0; b < stage->geometry.depth; ++b) {
      auto &block = stage->block_list[b];
      const bool traced = taps && s == 1 && b == 1 && !traced_slot.empty();
      if (traced)
        taps->put("swin.layers.1.blocks.1:x@in{seg0-1}", first_two_segments(x, S));
      x = block->mlp_half(block->attention_half(x, traced ? &block_taps : nullptr, traced_slot));
    }
    if (stage->geometry.merge_after)
      x = stage->downsample(x);
    if (taps && s < last)
      taps->put("swin.layers." + std::to_string(s) + ".out[forward_features]", x);
  }
  x = swin->norm(x).to(torch::kFloat32);
  if (taps) {
    Taps renamed;
    put_trace_block_internals(block_taps, config, /*htsat_line_shift=*/-1, renamed);
    for (const auto &kv : renamed.values())
      taps->put(kv.first + "#2", kv.second); // the block's second call in the official forward
    taps->put("fwd.visual_nega@L505", x);
    taps->put("fwd.visual_nega@L511", token_map(x).unsqueeze(0));
  }
  return x;
}

torch::Tensor AvqaNetImpl::match_negative(const torch::Tensor &negative_frames_norm, const torch::Tensor &audio, Taps *taps) {
  auto frames_norm = negative_frames_norm.to(device(), torch::kFloat32);
  if (taps)
    taps->put("prep.visual_nega", frames_norm.unsqueeze(0));
  return match_negative_tokens(plain_visual(frames_norm, taps), audio, taps);
}

torch::Tensor AvqaNetImpl::match_negative_tokens(const torch::Tensor &tokens, const torch::Tensor &audio, Taps *taps) {
  auto grounded = ground(tokens, audio, taps, /*negative=*/true);
  return match_logits(audio, grounded, taps, /*negative=*/true);
}

} // namespace dgsct
