// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cmbs.h"

namespace dgsct {

CmbsImpl::CmbsImpl(int d_model, int classes, const CmbsConfig &config_) : config(config_) {
  auto localize = register_module("localize_module", std::make_shared<torch::nn::Module>());
  classifier = localize->register_module("classifier", torch::nn::Linear(d_model, 1));
  event_classifier = localize->register_module("event_classifier", torch::nn::Linear(d_model, classes));
  audio_cas = register_module("audio_cas", torch::nn::Linear(d_model, classes));
  video_cas = register_module("video_cas", torch::nn::Linear(d_model, classes));
}

CmbsOutput CmbsImpl::forward(const torch::Tensor &video, const torch::Tensor &audio, Taps *taps) {
  // Per class: mean of the k largest activations over time.
  const auto top_k_mean = [&](const torch::Tensor &cas) {
    return std::get<0>(torch::sort(cas, 1, /*descending=*/true)).narrow(1, 0, config.topk).mean(1);
  };
  auto v_cas = video_cas(video).permute({1, 0, 2}); // [B, T, classes]
  auto a_cas = audio_cas(audio).permute({1, 0, 2});
  auto score_video = top_k_mean(v_cas), score_audio = top_k_mean(a_cas);
  CmbsOutput out;
  out.av_score = (score_video + score_audio) / 2;
  auto fused = (video + audio) / 2; // [T, B, d]
  out.is_event = classifier(fused);
  auto max_fused = std::get<0>(fused.transpose(0, 1).max(1)); // [B, d]
  auto class_logits = event_classifier(max_fused);
  out.event_scores = class_logits + config.gamma * out.av_score;
  if (taps) {
    taps->put("cmbs.video_cas", v_cas);
    taps->put("cmbs.audio_cas", a_cas);
    taps->put("cmbs.score_video", score_video);
    taps->put("cmbs.score_audio", score_audio);
    taps->put("cmbs.fused_content", fused);
    taps->put("cmbs.max_fused_content", max_fused);
    taps->put("cmbs.class_logits", class_logits);
    taps->put("cmbs.is_event_scores", out.is_event);
    taps->put("cmbs.event_scores", out.event_scores);
    taps->put("cmbs.av_score", out.av_score);
  }
  return out;
}

} // namespace dgsct
