// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/golden.h"

#include "weights.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace dgsct {
namespace {

// Reference taps the AVE generator recorded one statement late: `slotNN.v_attn_only` (documented as
// f_v + norm1(attn(f_v)), before the adapter residual) holds `slotNN.after_attn.v` (after it).
struct LateTap {
  const char *suffix, *recorded_as;
};
constexpr LateTap kLateTaps[] = {{".v_attn_only", ".after_attn.v"}};

std::string late_tap_defect(const SafetensorsFile &reference, const std::string &name) {
  for (const auto &late : kLateTaps) {
    const std::string suffix = late.suffix;
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string other = name.substr(0, name.size() - suffix.size()) + late.recorded_as;
    const TensorEntry *a = reference.find(name), *b = reference.find(other);
    if (a && b && a->nbytes == b->nbytes && std::memcmp(a->data, b->data, a->nbytes) == 0)
      return "reference holds " + other + " bit for bit (recorded one statement late)";
  }
  return "";
}

// Values of branches the official code computes and throws away, whose weights a model file does
// not keep: nothing of ours can produce them (the AVVP golden test recomputes them from the
// reference weights).
std::string discarded_branch(const std::string &name) {
  if (name.find(":temporal_att_maps@") != std::string::npos)
    return "the adapter's temporal gate, computed and discarded by the official code (temporal_gated is not loaded)";
  return "";
}

} // namespace

std::map<std::string, double> read_budgets(const std::string &path) {
  std::map<std::string, double> budgets;
  if (path.empty())
    return budgets;
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open tolerances");
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(in);
    for (const auto &[name, tap] : root.at("taps").items())
      if (tap.contains("budget") && tap["budget"].is_number())
        budgets[name] = tap["budget"].get<double>();
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(path + ": malformed tolerances: " + e.what());
  }
  return budgets;
}

GoldenReport compare_taps(const std::map<std::string, torch::Tensor> &ours, const SafetensorsFile &reference,
                          const std::map<std::string, double> &budgets, double default_budget, double uniform_budget) {
  GoldenReport report;
  for (const auto &entry : reference.tensors()) {
    TapCheck check;
    check.name = entry.name;
    auto ref = to_tensor(entry);
    check.exact = !ref.is_floating_point();
    auto budget = budgets.find(entry.name);
    check.budget = check.exact ? 0 : (uniform_budget > 0 ? uniform_budget : budget != budgets.end() ? budget->second : default_budget);
    check.skipped = late_tap_defect(reference, entry.name);
    if (!check.skipped.empty()) {
      report.taps.push_back(check);
      continue;
    }
    auto it = ours.find(entry.name);
    check.produced = it != ours.end() && it->second.numel() == ref.numel();
    if (it == ours.end()) {
      check.skipped = discarded_branch(entry.name);
      if (!check.skipped.empty()) {
        report.taps.push_back(check);
        continue;
      }
    }
    if (check.produced) {
      auto mine = it->second.reshape(ref.sizes());
      if (check.exact) {
        check.error = static_cast<double>((mine.to(torch::kLong) != ref.to(torch::kLong)).sum().item<int64_t>());
        check.ok = check.error == 0;
      } else {
        auto r = ref.to(torch::kFloat64), m = mine.to(torch::kFloat64);
        const double scale = r.abs().max().item<double>();
        const double diff = (m - r).abs().max().item<double>();
        check.error = scale > 0 ? diff / scale : diff;
        check.ok = std::isfinite(check.error) && check.error <= check.budget;
      }
    }
    if (!check.ok) {
      report.ok = false;
      ++report.failures;
    }
    report.taps.push_back(check);
  }
  return report;
}

std::pair<torch::Tensor, torch::Tensor> read_clip(const std::string &input_path) {
  auto file = SafetensorsFile::open(input_path);
  auto frames = to_tensor(file->at(file->find("frames_u8") ? "frames_u8" : "frames"));
  auto audio = to_tensor(file->at("audio"));
  if (frames.scalar_type() != torch::kUInt8 || frames.dim() != 4 || frames.size(3) != 3)
    throw FileError(input_path + ": key 'frames' must be U8 [T, H, W, 3]");
  // The AVS reference stores the clip's audio as one signal: cut it into the frames' segments.
  if (audio.dim() == 1 && frames.size(0) > 0 && audio.numel() % frames.size(0) == 0)
    audio = audio.view({frames.size(0), -1});
  if (audio.dim() != 2 || audio.size(0) != frames.size(0))
    throw FileError(input_path + ": key 'audio' must be [T, samples] (or [T * samples]) with the same T as 'frames'");
  return {frames, audio.to(torch::kFloat32)};
}

} // namespace dgsct
