// SPDX-License-Identifier: LGPL-2.1-or-later
// Model runner: audio-visual event localisation on a clip (frames + 1-s audio segments), printed
// as a table of segments and the events they form.
#include "cli.h"
#include "dgsct/golden.h"
#include "dgsct/model.h"

#include <chrono>
#include <cstdio>

static const char *kUsage =
    "usage: dgsct-run --model FILE --input FILE [--precision fp32|bf16|fp16] [--device DEV]\n"
    "--input is a safetensors clip: 'frames' U8 [T, H, W, 3] RGB, one frame per second, and 'audio'\n"
    "F32 [T, samples] mono at the model's rate. Runs the streaming path: one encoder pass per\n"
    "segment, then the head over each complete window.\n";

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv, {"model", "input", "precision", "device"}, {}, kUsage);
  try {
    dgsct::ModelOptions options{args.get("device", "cpu"), dgsct::parse_precision(args.get("precision", "fp32"))};
    auto model = dgsct::Model::load(args.require("model"), options);
    auto [frames, audio] = dgsct::read_clip(args.require("input"));
    const int T = model->config().segments;
    if (frames.size(0) < T)
      throw std::runtime_error("the clip has " + std::to_string(frames.size(0)) + " segments; the model needs windows of " + std::to_string(T));

    std::printf("model %s (%zu classes) on %s, %s; clip of %lld segments\n", model->config().name.c_str(),
                model->labels().size(), model->device().str().c_str(), dgsct::precision_name(model->precision()),
                static_cast<long long>(frames.size(0)));
    std::vector<dgsct::SegmentFeatures> segments;
    double encode_ms = 0;
    for (int64_t s = 0; s < frames.size(0); ++s) {
      const auto start = std::chrono::steady_clock::now();
      segments.push_back(model->encode_segment(frames[s], audio[s]));
      encode_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    }
    // Non-overlapping windows, as the paper evaluates.
    if (model->is_segmentation())
      std::printf("\n%-8s %-13s %-11s %s\n", "segment", "time", "mask set", "bounding box in the mask (x, y, w, h)");
    else
      std::printf("\n%-8s %-13s %-11s %s\n", "segment", "time", "foreground", "label");
    for (int64_t w = 0; w + T <= frames.size(0); w += T) {
      auto result = model->head(std::vector<dgsct::SegmentFeatures>(segments.begin() + w, segments.begin() + w + T));
      if (model->is_segmentation()) {
        for (int t = 0; t < T; ++t) {
          auto mask = result.masks[t];
          auto rows = mask.any(1).nonzero(), cols = mask.any(0).nonzero();
          char span[48], box[64] = "-";
          std::snprintf(span, sizeof span, "%lld-%lld s", static_cast<long long>(w + t), static_cast<long long>(w + t + 1));
          if (rows.numel() > 0) {
            const int64_t y0 = rows.min().item<int64_t>(), y1 = rows.max().item<int64_t>();
            const int64_t x0 = cols.min().item<int64_t>(), x1 = cols.max().item<int64_t>();
            std::snprintf(box, sizeof box, "%lld, %lld, %lld, %lld", static_cast<long long>(x0), static_cast<long long>(y0),
                          static_cast<long long>(x1 - x0 + 1), static_cast<long long>(y1 - y0 + 1));
          }
          std::printf("%-8lld %-13s %-11.3f %s\n", static_cast<long long>(w + t), span,
                      mask.to(torch::kFloat32).mean().item<double>(), box);
        }
        continue;
      }
      for (int t = 0; t < T; ++t) {
        char span[48];
        std::snprintf(span, sizeof span, "%lld-%lld s", static_cast<long long>(w + t), static_cast<long long>(w + t + 1));
        std::printf("%-8lld %-13s %-11.3f %s\n", static_cast<long long>(w + t), span, result.foreground_prob[t],
                    model->label_name(result.labels[t]).c_str());
      }
      std::printf("\nevents in window %lld:\n", static_cast<long long>(w / T));
      for (int t = 0; t < T;) {
        int end = t;
        while (end < T && result.labels[end] == result.labels[t])
          ++end;
        if (result.labels[t] != model->background_class())
          std::printf("  %-30s %lld s - %lld s\n", model->label_name(result.labels[t]).c_str(), static_cast<long long>(w + t),
                      static_cast<long long>(w + end));
        t = end;
      }
    }
    std::printf("\nencoder: %.1f ms per segment (mean of %lld)\n", encode_ms / frames.size(0), static_cast<long long>(frames.size(0)));
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
