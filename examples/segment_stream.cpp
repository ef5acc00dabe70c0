// SPDX-License-Identifier: LGPL-2.1-or-later
// Streaming event localisation with the model library: each second is encoded once when it
// arrives, and the head runs over a sliding window of the last T cached segments, reporting the
// newest one. The clip is read from a file here; a live source would feed the same loop.
//
//   segment_stream MODEL CLIP
#include "dgsct/golden.h"
#include "dgsct/model.h"

#include <cstdio>
#include <deque>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s MODEL.safetensors CLIP.safetensors\n", argv[0]);
    return 2;
  }
  try {
    auto model = dgsct::Model::load(argv[1]);
    auto [frames, audio] = dgsct::read_clip(argv[2]);
    const size_t T = model->config().segments;
    std::deque<dgsct::SegmentFeatures> window;
    for (int64_t second = 0; second < frames.size(0); ++second) {
      window.push_back(model->encode_segment(frames[second], audio[second]));
      if (window.size() > T)
        window.pop_front();
      if (window.size() < T) {
        std::printf("%3lld s: warming up (%zu of %zu segments)\n", static_cast<long long>(second), window.size(), T);
        continue;
      }
      auto result = model->head({window.begin(), window.end()});
      std::printf("%3lld s: %s (foreground %.2f)\n", static_cast<long long>(second),
                  model->label_name(result.labels.back()).c_str(), result.foreground_prob.back());
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
