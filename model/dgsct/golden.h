// SPDX-License-Identifier: LGPL-2.1-or-later
// Comparison of a model run against the golden reference taps (../shared/reference/<task>-small):
// rel = max|ours - ref| / max|ref| per tap, against the tap's budget; integer taps must be equal.
#pragma once

#include "dgsct/model.h"
#include "dgsct/safetensors.h"

#include <map>
#include <string>
#include <vector>

namespace dgsct {

struct TapCheck {
  std::string name;
  bool produced = false; // did our forward produce this tap?
  bool exact = false;    // integer tap: compared for equality
  double error = 0;      // rel error, or number of differing elements for exact taps
  double budget = 0;
  bool ok = false;
  std::string skipped; // why the reference value cannot be compared (a known reference defect)
};

struct GoldenReport {
  std::vector<TapCheck> taps;
  bool ok = true;
  int failures = 0;
};

// Per-tap budgets from a tolerances.json ({"taps": {name: {"budget": x}}}); empty path = none.
std::map<std::string, double> read_budgets(const std::string &path);

// Compares every tap of `reference` with `ours`. A tap whose reference value is bit-identical to a
// tap documented as a different quantity (a defect of the reference generator's line tracer, see
// docs/golden-reference.md) is reported as skipped, not compared; once the reference is fixed, it is
// compared again. So is a tap we did not produce that holds a branch the official code discards. The budget of a tap is `budgets[name]`, or
// `default_budget` when absent; `uniform_budget` > 0 replaces all float budgets (for reduced precision).
GoldenReport compare_taps(const std::map<std::string, torch::Tensor> &ours, const SafetensorsFile &reference,
                          const std::map<std::string, double> &budgets, double default_budget = 1e-4,
                          double uniform_budget = 0);

// Reads `frames` or `frames_u8` (U8 [T, H, W, 3]) and `audio` (F32 [T, samples], or [T * samples])
// of a reference input file.
std::pair<torch::Tensor, torch::Tensor> read_clip(const std::string &input_path);

} // namespace dgsct
