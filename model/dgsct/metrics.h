// SPDX-License-Identifier: LGPL-2.1-or-later
// Evaluation measures and the mask text format shared by the tools and the tests (no LibTorch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dgsct {

// A mask as run lengths, the format of dgsctjson's "rle", dgsct-mask messages and dgsct-synth
// --masks: row-major runs alternating unset and set pixels, starting with unset ("0 5 3": 0 unset,
// 5 set, 3 unset). Nonzero = set.
std::string mask_to_rle(const uint8_t *mask, size_t pixels);
// Back to 0/1 pixels; throws std::invalid_argument unless the runs are numbers adding up to `pixels`.
std::vector<uint8_t> mask_from_rle(const std::string &rle, size_t pixels);

// AVSBench's mask IoU of one frame (utils/utility.py mask_iou): intersection over union of the set
// pixels; a frame whose truth is empty scores the share of pixels left unset. Nonzero = set.
double mask_iou(const uint8_t *pred, const uint8_t *truth, size_t pixels);

} // namespace dgsct
