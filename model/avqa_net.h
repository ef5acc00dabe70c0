// SPDX-License-Identifier: LGPL-2.1-or-later
// DG-SCT for audio-visual question answering (the official AVQA_Fusion_Net), split for streaming
// (spec 9.1): the encoder turns each 1-s segment into its projected audio vector and its frame's
// token map grounded by that audio (both per segment); the question is encoded once; the head
// attends from the question over a window of segments and scores the answers. Children carry the
// official state-dict names, in the official order.
//
// The official forward also grounds frames of other videos ("negative" frames, through the Swin
// without adapters) and scores audio-visual matches with an MLP: a training loss that never reaches
// the answer. It is here as separate calls (match, match_negative), outside the answering path.
#pragma once

#include "dual_encoder.h"
#include "question_encoder.h"

namespace dgsct {

// What the head needs of each segment.
struct QaSegments {
  torch::Tensor audio;    // [S, width] a' = fc_a2(relu(fc_a1(pooled audio)))
  torch::Tensor grounded; // [S, width] g = fc_gl(tanh(cat(mean token, audio-grounded token)))
};

// What the encoder gives each segment, before the head: project()'s inputs.
struct QaTokens {
  torch::Tensor visual;       // [S, N, C_v] final visual tokens (after swin.norm)
  torch::Tensor pooled_audio; // [S, C_a] audio tokens pooled with the last audio p2 adapter's map
};

struct AnswerOutputs {
  torch::Tensor logits; // [B, answers]
  torch::Tensor answer; // [B] I64: argmax, an index into the answer list
};

struct AvqaNetImpl : torch::nn::Module {
  explicit AvqaNetImpl(const ModelConfig &config);

  // frames: [S, H, W, 3] uint8 RGB; audio: [S, segment_samples] float. Segments are independent.
  QaSegments encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps = nullptr);
  // The same from prepared inputs: normalize_frames() output and log-mel [S, 1, frames, mels].
  QaSegments encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *taps = nullptr);
  // The encoder's part of encode_prepared; `encoder_taps` gets the encoder's own taps.
  QaTokens encode_tokens(const torch::Tensor &frames_norm, const torch::Tensor &log_mel, Taps *encoder_taps = nullptr);
  // The per-segment part of the head: final visual tokens [S, N, C_v] (after swin.norm) and pooled
  // audio [S, C_a] -> QaSegments. (encode_prepared = encoder + this.)
  QaSegments project(const torch::Tensor &visual, const torch::Tensor &pooled_audio, Taps *taps = nullptr);
  // Token ids [B, question_length] (question.h) -> question feature [B, width].
  torch::Tensor encode_question(const torch::Tensor &ids, Taps *taps = nullptr);
  // audio, grounded [B, T, width] (QaSegments of T segments, stacked), question [B, width]; fp32.
  AnswerOutputs head(const torch::Tensor &audio, const torch::Tensor &grounded, const torch::Tensor &question,
                     Taps *taps = nullptr);

  // Training only. Match logits [S, 2] (official order: column 1 = "the frame belongs to this
  // audio") of each segment's audio with its own grounded frame.
  torch::Tensor match(const QaSegments &segments, Taps *taps = nullptr);
  // The same against frames of other videos (normalize_frames() output, [S, 3, size, size]): they
  // run through the Swin without adapters and without gradient, are grounded by `audio` ([S, width],
  // QaSegments::audio) and scored by the match MLP.
  torch::Tensor match_negative(const torch::Tensor &negative_frames_norm, const torch::Tensor &audio, Taps *taps = nullptr);
  // match_negative's two parts: swin.forward_features of timm (patch embed, every block without
  // adapters, merges, final norm; no gradient) -> tokens [S, N, C_v], and their match logits.
  torch::Tensor plain_visual(const torch::Tensor &frames_norm, Taps *taps = nullptr);
  torch::Tensor match_negative_tokens(const torch::Tensor &plain_tokens, const torch::Tensor &audio, Taps *taps = nullptr);

  // Rebuilds the tensors derived from weights; call after loading weights or moving the model.
  void prepare();
  void prepare_attention();
  // Device and encoder precision; the log-mel front end and the head stay fp32.
  void place(torch::Device device, torch::ScalarType encoder_dtype);
  torch::Device device() const;

  ModelConfig config;
  torch::nn::Linear fc_a1{nullptr}, fc_a2{nullptr}, fc_fusion{nullptr};
  torch::nn::Linear linear11{nullptr}, linear12{nullptr}, linear21{nullptr}, linear22{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
  MultiheadAttention attn_a{nullptr}, attn_v{nullptr};
  QuestionEncoder question_encoder{nullptr};
  torch::nn::Linear fc_ans{nullptr}, fc_gl{nullptr};
  std::vector<torch::nn::Linear> match_mlp; // fc1, fc2, ... (ReLU between them)
  DualEncoder encoder;

private:
  // Spatial grounding of a frame's tokens [S, N, width] by the audio [S, width] (spec 6.6 step 2).
  torch::Tensor ground(const torch::Tensor &tokens, const torch::Tensor &audio, Taps *taps, bool negative);
  torch::Tensor match_logits(const torch::Tensor &audio, const torch::Tensor &grounded, Taps *taps, bool negative);
};
TORCH_MODULE(AvqaNet);

} // namespace dgsct
