// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden checker: runs the model on a reference clip and compares every tap with the reference.
#include "cli.h"
#include "dgsct/golden.h"
#include "dgsct/model.h"
#include "weights.h"

#include <map>

#include <cstdio>

static const char *kUsage =
    "usage: dgsct-golden (--model FILE | --preset NAME|FILE --weights FILE) --input FILE --taps FILE\n"
    "                    [--tolerances FILE] [--decoded FILE] [--labels FILE] [--precision fp32|bf16|fp16]\n"
    "                    [--device DEV] [--uniform-budget X] [--quiet]\n"
    "Runs the model on the reference clip, prints for every tap the worst |ours - ref| / max|ref|\n"
    "against its budget (tolerances.json; 1e-4 where none is given) and the decoded labels. Exits 1\n"
    "when a tap is over budget, missing, or a decoded output differs (the AVVP reference keeps its\n"
    "decisions in --decoded, decoded.safetensors). AVVP inputs carry the clip features (video_st).\n"
    "--uniform-budget replaces every float budget (e.g. 2e-2 for bf16).\n";

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv,
                        {"model", "preset", "weights", "input", "taps", "tolerances", "decoded", "labels", "precision", "device",
                         "uniform-budget"},
                        {"quiet"}, kUsage);
  try {
    dgsct::ModelOptions options{args.get("device", "cpu"), dgsct::parse_precision(args.get("precision", "fp32"))};
    std::unique_ptr<dgsct::Model> model;
    if (args.has("model")) {
      model = dgsct::Model::load(args.get("model"), options);
    } else {
      std::vector<std::string> labels;
      if (args.has("labels"))
        labels = dgsct::Model::read_labels(args.get("labels"));
      model = dgsct::Model::from_weights(dgsct::ModelConfig::preset(args.require("preset")), args.require("weights"), labels, options);
    }
    const auto &config = model->config();
    auto [frames, audio] = dgsct::read_clip(args.require("input"));

    dgsct::Taps taps;
    dgsct::WindowResult result;
    if (model->is_parsing()) {
      auto input = dgsct::SafetensorsFile::open(args.require("input"));
      const auto *clip = input->find("video_st");
      if (!clip)
        throw dgsct::FileError(args.require("input") + ": an AVVP input needs the clip features 'video_st' [T, " +
                               std::to_string(config.parsing.clip_feature_dim) + "]");
      result = model->run_clip(frames, audio, dgsct::to_tensor(*clip), &taps);
    } else {
      result = model->run_clip(frames, audio, &taps);
    }
    // Decisions kept outside the taps are compared as exact taps.
    int decoded_failures = 0;
    if (args.has("decoded")) {
      auto decoded = dgsct::SafetensorsFile::open(args.get("decoded"));
      const std::map<std::string, torch::Tensor> ours = {{"video_level", result.video_labels},
                                                         {"segment_audio", result.audio_events},
                                                         {"segment_visual", result.visual_events},
                                                         {"segment_audio_visual", result.audio_visual_events}};
      for (const auto &entry : decoded->tensors()) {
        auto it = ours.find(entry.name);
        auto ref = dgsct::to_tensor(entry);
        const bool same = it != ours.end() && it->second.defined() && it->second.sizes() == ref.sizes() &&
                          torch::equal(it->second.to(torch::kLong), ref.to(torch::kLong));
        decoded_failures += !same;
        std::printf("%-7s decoded %s\n", same ? "ok" : "FAIL", entry.name.c_str());
      }
    }
    auto reference = dgsct::SafetensorsFile::open(args.require("taps"));
    const double uniform = std::stod(args.get("uniform-budget", "0"));
    auto report = dgsct::compare_taps(taps.values(), *reference, dgsct::read_budgets(args.get("tolerances")), 1e-4, uniform);

    double worst_ratio = 0;
    std::string worst;
    int skipped = 0;
    for (const auto &tap : report.taps) {
      if (!tap.skipped.empty()) {
        ++skipped;
        std::printf("SKIP    %-45s %s\n", tap.name.c_str(), tap.skipped.c_str());
        continue;
      }
      if (tap.produced && !tap.exact && tap.error / tap.budget > worst_ratio) {
        worst_ratio = tap.error / tap.budget;
        worst = tap.name;
      }
      if (args.has("quiet") && tap.ok)
        continue;
      if (!tap.produced)
        std::printf("MISSING %-45s (not produced)\n", tap.name.c_str());
      else if (tap.exact)
        std::printf("%-7s %-45s %g elements differ (exact)\n", tap.ok ? "ok" : "FAIL", tap.name.c_str(), tap.error);
      else
        std::printf("%-7s %-45s rel %.3e  budget %.1e\n", tap.ok ? "ok" : "FAIL", tap.name.c_str(), tap.error, tap.budget);
    }
    std::printf("\nmodel %s on %s, %s\n", config.name.c_str(), model->device().str().c_str(), dgsct::precision_name(model->precision()));
    if (model->is_parsing()) {
      std::printf("video-level labels:");
      for (int64_t c = 0; c < result.video_labels.size(0); ++c)
        if (result.video_labels[c].item<int>())
          std::printf(" %s", model->label_name(static_cast<int>(c)).c_str());
      std::printf("\naudio / visual / audio-visual events: %ld / %ld / %ld segment-class pairs\n",
                  static_cast<long>(result.audio_events.sum().item<int64_t>()),
                  static_cast<long>(result.visual_events.sum().item<int64_t>()),
                  static_cast<long>(result.audio_visual_events.sum().item<int64_t>()));
    } else if (model->is_segmentation()) {
      std::printf("decoded masks (foreground fraction per frame):");
      for (int64_t f = 0; f < result.masks.size(0); ++f)
        std::printf(" %.3f", result.masks[f].to(torch::kFloat32).mean().item<double>());
      std::printf("\n");
    } else {
      std::printf("decoded labels:");
      for (int label : result.labels)
        std::printf(" %d", label);
      std::printf("  (event class %d: %s)\n", result.event_class, model->label_name(result.event_class).c_str());
    }
    std::printf("taps: %zu compared, %d failed, %d skipped; closest to its budget: %s at %.2f of budget\n", report.taps.size() - skipped,
                report.failures, skipped, worst.c_str(), worst_ratio);
    std::printf("%zu passed, %d failed, %d skipped\n", report.taps.size() - report.failures - skipped, report.failures, skipped);
    return report.ok && decoded_failures == 0 ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
