// SPDX-License-Identifier: LGPL-2.1-or-later
// AVQA's question encoder (the official QstEncoder, spec 6.6 step 3): token ids -> tanh of a learned
// embedding -> a time-first LSTM over every position (padding included, unmasked) -> its final
// hidden and cell states side by side -> tanh -> Linear to the head width.
#pragma once

#include "dgsct/taps.h"

#include <torch/torch.h>

namespace dgsct {

struct QuestionEncoderImpl : torch::nn::Module {
  QuestionEncoderImpl(int vocabulary, int width);
  // ids [B, L] I64 -> [B, width]. Taps under the reference's `question_encoder:*` names.
  torch::Tensor forward(const torch::Tensor &ids, Taps *taps = nullptr);

  torch::nn::Embedding word2vec{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(QuestionEncoder);

} // namespace dgsct
