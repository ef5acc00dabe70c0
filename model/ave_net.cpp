// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ave_net.h"

#include "weights.h"

namespace dgsct {

AveNetImpl::AveNetImpl(const ModelConfig &config_) : config(config_) {
  const auto vis_stages = config.swin.stages(), aud_stages = config.htsat.stages();
  const int d = config.temporal.d_model;
  cmbs = register_module("CMBS", Cmbs(d, config.classes, config.cmbs));
  temporal_attn = register_module("temporal_attn", TemporalAttention(vis_stages.back().dim, aud_stages.back().dim, config.temporal));
  encoder = DualEncoder(*this, config);
  eval();
}

void AveNetImpl::prepare() { encoder.prepare(); }

void AveNetImpl::prepare_attention() { encoder.prepare_attention(); }

void AveNetImpl::place(torch::Device device, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  encoder.place(*this, device, dtype);
  // cuDNN wants each LSTM's weights in one contiguous block (else it compacts them on every call).
  temporal_attn->audio_rnn->flatten_parameters();
  temporal_attn->visual_rnn->flatten_parameters();
  prepare();
}

torch::Device AveNetImpl::device() const { return encoder.device(); }

EncodedSegments AveNetImpl::encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) {
  return encode_prepared(normalize_frames(frames, config.video, device()), encoder.htsat->log_mel(audio), taps);
}

EncodedSegments AveNetImpl::encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps) {
  return pool_streams(encoder.forward(frames_norm, log_mel, taps), taps);
}

HeadOutputs AveNetImpl::head(const torch::Tensor &visual, const torch::Tensor &audio, Taps *taps) {
  auto temporal = temporal_attn(visual.to(torch::kFloat32), audio.to(torch::kFloat32), taps);
  auto scores = cmbs(temporal.video, temporal.audio, taps);
  HeadOutputs out;
  out.is_event = scores.is_event.squeeze(-1).transpose(0, 1);
  out.event_scores = scores.event_scores;
  out.av_score = scores.av_score;
  out.audio_visual_gate = temporal.audio_visual_gate.squeeze(-1).transpose(0, 1);
  // Official decoding: foreground iff sigmoid(is_event) > 0.5; one class per window.
  out.event_class = out.event_scores.argmax(1);
  auto foreground = torch::sigmoid(out.is_event) > 0.5;
  out.labels = torch::where(foreground, out.event_class.unsqueeze(1).expand_as(out.is_event),
                            torch::full_like(out.event_class.unsqueeze(1).expand_as(out.is_event), config.classes));
  if (taps) {
    taps->put("decode.is_event_prob", torch::sigmoid(out.is_event));
    taps->put("decode.pred", out.labels);
    taps->put("decode.event_class", out.event_class);
  }
  return out;
}

} // namespace dgsct
