// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/metrics.h"

namespace dgsct {

double mask_iou(const uint8_t *pred, const uint8_t *truth, size_t pixels) {
  size_t intersection = 0, union_ = 0, truth_set = 0, both_unset = 0;
  for (size_t i = 0; i < pixels; ++i) {
    const bool p = pred[i] != 0, t = truth[i] != 0;
    intersection += p && t;
    union_ += p || t;
    truth_set += t;
    both_unset += !p && !t;
  }
  if (truth_set == 0)
    return pixels ? static_cast<double>(both_unset) / pixels : 1.0;
  return static_cast<double>(intersection) / union_;
}

} // namespace dgsct
