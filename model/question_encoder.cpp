// SPDX-License-Identifier: LGPL-2.1-or-later
#include "question_encoder.h"

namespace dgsct {

QuestionEncoderImpl::QuestionEncoderImpl(int vocabulary, int width) {
  // The official sizes: word embedding, LSTM hidden and output all of the head width, one layer.
  word2vec = register_module("word2vec", torch::nn::Embedding(vocabulary, width));
  lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(width, width)));
  fc = register_module("fc", torch::nn::Linear(2 * width, width));
}

torch::Tensor QuestionEncoderImpl::forward(const torch::Tensor &ids, Taps *taps) {
  auto embedded = word2vec(ids.to(word2vec->weight.device(), torch::kLong)); // [B, L, width]
  auto words = torch::tanh(embedded);
  auto [sequence, state] = lstm(words.transpose(0, 1)); // time-first
  auto [hidden, cell] = state;                         // [layers, B, width] each
  auto joint = torch::cat({hidden, cell}, 2);
  auto feature = torch::tanh(joint.transpose(0, 1).reshape({ids.size(0), -1}));
  auto out = fc(feature);
  if (taps) {
    taps->put("question_encoder:qst_vec@L250", embedded);
    taps->put("question_encoder:qst_vec@L251", words);
    taps->put("question_encoder:_@L254", sequence);
    taps->put("question_encoder:hidden@L254", hidden);
    taps->put("question_encoder:cell@L254", cell);
    taps->put("question_encoder:qst_feature@L255", joint);
    taps->put("question_encoder:qst_feature@L258", feature);
    taps->put("question_encoder:qst_feature@L259", out);
  }
  return out;
}

} // namespace dgsct
