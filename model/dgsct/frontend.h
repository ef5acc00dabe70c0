// SPDX-License-Identifier: LGPL-2.1-or-later
// The model's input preparation, usable without a loaded model (the dgsctmel and dgsctpatch
// elements run it ahead of inference):
//  - LogMel: tile each 1-s segment, reflect-pad, STFT with given kernels, power, mel, 10*log10.
//  - normalize_frames: RGB uint8 frames squashed to size x size (bicubic, no antialias), /255,
//    mean/std normalised.
#pragma once

#include "dgsct/config.h"

#include <string>
#include <vector>
#include <torch/torch.h>

namespace dgsct {

// Periodic-Hann DFT kernels as the checkpoints store them: real [bins, 1, n_fft] = cos rows x
// window, imaginary = -sin rows x window, bins = n_fft / 2 + 1.
std::pair<torch::Tensor, torch::Tensor> stft_kernels(int n_fft);
// Slaney-scale, Slaney-normalised mel filterbank [n_fft / 2 + 1, n_mels] (librosa's default).
torch::Tensor slaney_mel_filters(int sample_rate, int n_fft, int n_mels, double fmin, double fmax);

// Which STFT frames of a tiled segment are computed: a tiled segment repeats every
// segment_samples, so when the hop divides that period every frame wholly inside the signal equals
// one of the first period/hop such frames; only those and the frames touching the reflect padding
// differ (spec 4.1). `source[f]` is the computed frame that frame f equals.
struct StftFramePlan {
  std::vector<int64_t> starts; // sample offsets (in the padded signal) of the computed frames
  std::vector<int64_t> source; // per frame
};
StftFramePlan stft_frame_plan(int n_fft, int hop, const AudioInput &audio);

class LogMel {
public:
  // real/imag: [bins, 1, n_fft] kernels; mel: [bins, mels].
  LogMel(const torch::Tensor &real, const torch::Tensor &imag, const torch::Tensor &mel, int hop,
         const AudioInput &audio);
  // The kernels and mel matrix a model file carries (exact; some tasks trained them).
  static LogMel from_model_file(const std::string &path);
  // wave [S, segment_samples] -> [S, 1, frames, mels] dB (fp32, on the kernels' device).
  torch::Tensor operator()(const torch::Tensor &wave) const;
  // The STFT power before the mel filters: [S, frames, n_fft / 2 + 1].
  torch::Tensor power_spectrogram(const torch::Tensor &wave) const;
  int frames() const { return static_cast<int>(frame_source_.size(0)); }
  const AudioInput &audio() const { return audio_; }
  int mels() const { return static_cast<int>(mel_.size(1)); }

private:
  torch::Tensor kernels_;      // [n_fft, 2 * bins]: real and imaginary side by side
  torch::Tensor mel_;          // [bins, mels]
  torch::Tensor frame_starts_; // sample offsets of the frames that are actually computed
  torch::Tensor frame_source_; // [frames]: which computed frame each STFT frame equals
  int n_fft_;
  AudioInput audio_;
};

// frames [S, H, W, 3] uint8 RGB -> [S, 3, size, size] normalised fp32 on `device`.
torch::Tensor normalize_frames(const torch::Tensor &frames, const VideoInput &video, torch::Device device);

} // namespace dgsct
