// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/metrics.h"

#include <sstream>
#include <stdexcept>

namespace dgsct {

std::string mask_to_rle(const uint8_t *mask, size_t pixels) {
  std::string out;
  bool set = false;
  size_t run = 0;
  for (size_t i = 0; i < pixels; ++i) {
    if ((mask[i] != 0) != set) {
      out += std::to_string(run) + " ";
      set = !set;
      run = 0;
    }
    ++run;
  }
  return out + std::to_string(run);
}

std::vector<uint8_t> mask_from_rle(const std::string &rle, size_t pixels) {
  std::vector<uint8_t> mask;
  mask.reserve(pixels);
  std::istringstream runs(rle);
  uint8_t value = 0;
  std::string word;
  while (runs >> word) {
    if (word.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("run length '" + word + "' is not a count");
    const size_t run = std::stoull(word);
    if (run > pixels - mask.size())
      throw std::invalid_argument("runs add up to more than " + std::to_string(pixels) + " pixels");
    mask.insert(mask.end(), run, value);
    value ^= 1;
  }
  if (mask.size() != pixels)
    throw std::invalid_argument("runs add up to " + std::to_string(mask.size()) + " pixels, not " + std::to_string(pixels));
  return mask;
}

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
