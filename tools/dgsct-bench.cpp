// SPDX-License-Identifier: LGPL-2.1-or-later
// Benchmark: median per-segment encoder and head times of a preset with random weights, against
// the GFLOP/s of plain matmuls in the same dtype measured in the same run.
#include "cli.h"
#include "dgsct/flops.h"
#include "dgsct/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <malloc.h>
#include <sstream>
#include <string>
#include <thread>

static const char *kUsage =
    "usage: dgsct-bench [--preset NAME|FILE] [--precisions fp32,bf16] [--iterations N] [--batch N]\n"
    "                   [--device DEV] [--threads N]\n"
    "Random weights. Prints per precision the median encoder time per segment (batch of --batch\n"
    "segments in one forward), the head time per window, the encoder's GMAC per segment and the\n"
    "achieved GFLOP/s, and the GFLOP/s of matmuls of the model's dominant shape and of a large\n"
    "square one, so the ratio to this machine's limit is printed. Defaults: ave-paper, fp32,bf16,\n"
    "3 iterations (after one warm-up), batch 1, --threads 0 = the library's default per precision\n"
    "(fp32: 1 LibTorch thread, its GEMMs run on OpenBLAS's threads; bf16: all cores).\n"
    "AVS presets also print the head time when it decodes only the newest frame (sliding windows) and\n"
    "the peak memory one head call adds to the process (Linux: resident set high-water mark, reset\n"
    "before the call through /proc/self/clear_refs, freed memory trimmed first; CPU only).\n";

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

template <typename F> double median_seconds(int iterations, F &&f) {
  f(); // warm-up
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    const auto start = Clock::now();
    f();
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return median(times);
}

void synchronize(const torch::Device &device) {
  if (device.is_cuda())
    torch::cuda::synchronize(device.index() < 0 ? 0 : device.index());
}

// GFLOP/s of [m, k] @ [k, n] in `dtype`.
double matmul_gflops(int64_t m, int64_t k, int64_t n, torch::ScalarType dtype, const torch::Device &device, int iterations) {
  auto opts = torch::TensorOptions().dtype(dtype).device(device);
  auto a = torch::randn({m, k}, opts), b = torch::randn({k, n}, opts);
  const int reps = std::max<int64_t>(1, static_cast<int64_t>(2e9 / (2.0 * m * k * n)));
  const double seconds = median_seconds(iterations, [&] {
    for (int r = 0; r < reps; ++r)
      torch::matmul(a, b);
    synchronize(device);
  });
  return 2.0 * m * k * n * reps / seconds / 1e9;
}

// The process's resident-set high-water mark in MiB (VmHWM), or -1 where /proc cannot tell.
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0; // kB
  return -1;
}

double rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

// Resets VmHWM to the current resident set (Linux >= 4.0); false where not allowed.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5" << std::flush);
}

// Extra memory one call of `f` needs at its peak, in MiB; -1 when it cannot be measured. Memory
// that earlier calls freed is returned to the system first, or the allocator would serve the call
// from it unseen.
template <typename F> double peak_extra_mib(F &&f) {
  malloc_trim(0);
  const double before = rss_mib();
  if (before < 0 || !reset_peak_rss())
    return -1;
  f();
  return peak_rss_mib() - before;
}

} // namespace

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv, {"preset", "precisions", "iterations", "batch", "device", "threads"}, {}, kUsage);
  try {
    const auto config = dgsct::ModelConfig::preset(args.get("preset", "ave-paper"));
    const int iterations = std::stoi(args.get("iterations", "3"));
    const int batch = std::stoi(args.get("batch", "1"));
    const int threads = std::stoi(args.get("threads", "0"));
    const auto macs = dgsct::encoder_macs(config);
    std::printf("preset %s: encoder %.2f GMAC per segment (swin %.2f, htsat %.2f, front end %.2f, adapters %.2f)\n",
                config.name.c_str(), macs.total() / 1e9, macs.swin / 1e9, macs.htsat / 1e9, macs.frontend / 1e9,
                macs.adapters / 1e9);
    std::printf("batch %d, %d iterations (median), %u hardware threads\n\n", batch, iterations, std::thread::hardware_concurrency());
    std::printf("%-9s %7s %14s %12s %12s %14s %10s %14s %10s\n", "precision", "threads", "encoder ms/seg", "head ms/win", "GFLOP/s",
                "matmul GFLOP/s", "ratio", "square GFLOP/s", "ratio");

    const auto vis = config.swin.stages();
    const auto &dominant = vis[2]; // the deep stage: tokens x dim x 4 dim (MLP)
    std::stringstream list(args.get("precisions", "fp32,bf16"));
    for (std::string name; std::getline(list, name, ',');) {
      dgsct::ModelOptions options{args.get("device", "cpu"), dgsct::parse_precision(name), threads};
      auto model = dgsct::Model::random(config, options);
      const torch::Device device = model->device();
      torch::manual_seed(1);
      auto frames = torch::randint(0, 256, {batch, config.video.size, config.video.size, 3}, torch::kUInt8);
      auto audio = torch::randn({batch, config.audio.segment_samples}) * 0.1;
      std::vector<dgsct::SegmentFeatures> window;
      const double encode_s = median_seconds(iterations, [&] {
        window = model->encode(frames, audio);
        synchronize(device);
      });
      while (static_cast<int>(window.size()) < config.segments)
        window.push_back(window.front());
      window.resize(config.segments);
      if (config.is_parsing()) {
        // The clip encoder on 8 frames per segment (fp32 whatever the precision).
        auto clip_frames = torch::randint(0, 256, {batch, 8, 240, 320, 3}, torch::kUInt8);
        torch::Tensor clips;
        const double clip_s = median_seconds(iterations, [&] {
          clips = model->clip_features(clip_frames);
          synchronize(device);
        });
        for (auto &segment : window)
          segment.clip = clips[0];
        std::printf("%-9s AVVP clip encoder (R(2+1)D-18, 8 x 112 x 112 from 320 x 240): %.1f ms per segment\n", name.c_str(),
                    clip_s * 1e3 / batch);
      }
      const double head_s = median_seconds(iterations, [&] { model->head(window); });
      if (config.is_segmentation()) {
        const std::vector<int> newest{config.segments - 1};
        const double newest_s = median_seconds(iterations, [&] { model->head(window, newest); });
        const double all_mib = device.is_cpu() ? peak_extra_mib([&] { model->head(window); }) : -1;
        const double newest_mib = device.is_cpu() ? peak_extra_mib([&] { model->head(window, newest); }) : -1;
        std::printf("%-9s AVS head: %.1f ms for %d masks, %.1f ms for the newest only; peak extra memory %.0f MiB and "
                    "%.0f MiB (-1: not measurable)\n",
                    name.c_str(), head_s * 1e3, config.segments, newest_s * 1e3, all_mib, newest_mib);
      }

      const auto dtype = name == "bf16" ? torch::kBFloat16 : name == "fp16" ? torch::kFloat16 : torch::kFloat32;
      const int64_t tokens = static_cast<int64_t>(dominant.grid) * dominant.grid * batch;
      const double mm = matmul_gflops(tokens, dominant.dim, 4 * dominant.dim, dtype, device, iterations);
      const double square = matmul_gflops(2048, 2048, 2048, dtype, device, iterations);
      const double achieved = 2.0 * macs.total() * batch / encode_s / 1e9;
      std::printf("%-9s %7d %14.1f %12.2f %12.1f %14.1f %10.2f %14.1f %10.2f\n", name.c_str(), torch::get_num_threads(), encode_s * 1e3 / batch,
                  head_s * 1e3, achieved, mm, achieved / mm, square, achieved / square);
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
