// SPDX-License-Identifier: LGPL-2.1-or-later
// Evaluation measures shared by the training tool, the report tool and the tests (no LibTorch).
#pragma once

#include <cstddef>
#include <cstdint>

namespace dgsct {

// AVSBench's mask IoU of one frame (utils/utility.py mask_iou): intersection over union of the set
// pixels; a frame whose truth is empty scores the share of pixels left unset. Nonzero = set.
double mask_iou(const uint8_t *pred, const uint8_t *truth, size_t pixels);

} // namespace dgsct
