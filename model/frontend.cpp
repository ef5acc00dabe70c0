// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/frontend.h"

#include "dgsct/safetensors.h"
#include "weights.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace dgsct {

std::pair<torch::Tensor, torch::Tensor> stft_kernels(int n_fft) {
  const int64_t bins = n_fft / 2 + 1;
  auto n = torch::arange(n_fft, torch::kFloat64);
  auto window = 0.5 - 0.5 * torch::cos(2 * M_PI * n / n_fft); // periodic Hann
  auto angle = 2 * M_PI * torch::arange(bins, torch::kFloat64).unsqueeze(1) * n.unsqueeze(0) / n_fft;
  auto real = (torch::cos(angle) * window).to(torch::kFloat32).unsqueeze(1);
  auto imag = (-torch::sin(angle) * window).to(torch::kFloat32).unsqueeze(1);
  return {real, imag};
}

torch::Tensor slaney_mel_filters(int sample_rate, int n_fft, int n_mels, double fmin, double fmax) {
  // Slaney's mel scale: linear below 1 kHz, logarithmic above.
  const double f_sp = 200.0 / 3, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp, logstep = std::log(6.4) / 27.0;
  const auto hz_to_mel = [&](double hz) { return hz >= min_log_hz ? min_log_mel + std::log(hz / min_log_hz) / logstep : hz / f_sp; };
  const auto mel_to_hz = [&](double mel) { return mel >= min_log_mel ? min_log_hz * std::exp(logstep * (mel - min_log_mel)) : f_sp * mel; };
  const int bins = n_fft / 2 + 1;
  std::vector<double> centres(n_mels + 2);
  const double lo = hz_to_mel(fmin), hi = hz_to_mel(fmax);
  for (int i = 0; i < n_mels + 2; ++i)
    centres[i] = mel_to_hz(lo + (hi - lo) * i / (n_mels + 1));
  auto weights = torch::zeros({bins, n_mels}, torch::kFloat64);
  auto w = weights.accessor<double, 2>();
  for (int m = 0; m < n_mels; ++m) {
    const double left = centres[m], centre = centres[m + 1], right = centres[m + 2];
    const double norm = 2.0 / (right - left); // Slaney: constant energy per band
    for (int b = 0; b < bins; ++b) {
      const double f = static_cast<double>(b) * sample_rate / n_fft;
      const double rising = (f - left) / (centre - left), falling = (right - f) / (right - centre);
      w[b][m] = std::max(0.0, std::min(rising, falling)) * norm;
    }
  }
  return weights.to(torch::kFloat32);
}

StftFramePlan stft_frame_plan(int n_fft, int hop, const AudioInput &audio) {
  const int64_t length = static_cast<int64_t>(audio.segment_samples) * audio.tiles;
  const int64_t frames = length / hop + 1, pad = n_fft / 2;
  const bool periodic = audio.segment_samples % hop == 0;
  const int64_t period = audio.segment_samples / hop;
  const int64_t first_inner = (pad + hop - 1) / hop; // first frame without left padding
  StftFramePlan plan;
  plan.source.resize(frames);
  for (int64_t f = 0; f < frames; ++f) {
    const bool inner = f >= first_inner && f * hop + n_fft - pad <= length;
    if (periodic && inner && f >= first_inner + period) {
      plan.source[f] = plan.source[f - period];
      continue;
    }
    plan.source[f] = static_cast<int64_t>(plan.starts.size());
    plan.starts.push_back(f * hop);
  }
  return plan;
}

LogMel::LogMel(const torch::Tensor &real, const torch::Tensor &imag, const torch::Tensor &mel, int hop, const AudioInput &audio)
    : n_fft_(static_cast<int>(real.size(2))), audio_(audio) {
  torch::NoGradGuard no_grad;
  kernels_ = torch::cat({real.squeeze(1), imag.squeeze(1)}, 0).t().contiguous().to(torch::kFloat32);
  mel_ = mel.to(torch::kFloat32);
  const auto plan = stft_frame_plan(n_fft_, hop, audio);
  frame_source_ = torch::tensor(plan.source, torch::kLong).to(real.device());
  frame_starts_ = torch::tensor(plan.starts, torch::kLong).to(real.device());
}

LogMel LogMel::from_model_file(const std::string &path) {
  auto file = SafetensorsFile::open(path);
  auto meta = file->metadata().find("dgsct.config");
  if (meta == file->metadata().end())
    throw FileError(path + ": not a dgsct model file (metadata 'dgsct.config' missing)");
  const auto config = ModelConfig::parse(meta->second, path + " [dgsct.config]");
  return LogMel(to_tensor(file->at("htsat.spectrogram_extractor.stft.conv_real.weight")),
                to_tensor(file->at("htsat.spectrogram_extractor.stft.conv_imag.weight")),
                to_tensor(file->at("htsat.logmel_extractor.melW")), config.htsat.hop, config.audio);
}

torch::Tensor LogMel::operator()(const torch::Tensor &wave) const {
  torch::NoGradGuard no_grad;
  auto mel = torch::matmul(power_spectrogram(wave), mel_);
  return (10.0 * torch::log10(torch::clamp_min(mel, 1e-10))).unsqueeze(1); // ref 1.0: minus 10*log10(1) = 0
}

torch::Tensor LogMel::power_spectrogram(const torch::Tensor &wave) const {
  namespace F = torch::nn::functional;
  torch::NoGradGuard no_grad;
  const int64_t S = wave.size(0), pad = n_fft_ / 2;
  auto tiled = wave.to(kernels_.device(), torch::kFloat32).repeat({1, audio_.tiles});
  auto padded = F::pad(tiled.unsqueeze(1), F::PadFuncOptions({pad, pad}).mode(torch::kReflect)).squeeze(1);
  auto offsets = frame_starts_.unsqueeze(1) + torch::arange(n_fft_, frame_starts_.options()).unsqueeze(0);
  auto frames = padded.index_select(1, offsets.view(-1)).view({S, frame_starts_.size(0), n_fft_});
  auto spectrum = torch::matmul(frames, kernels_).index_select(1, frame_source_); // [S, frames, 2 * bins]
  const int64_t bins = mel_.size(0);
  return spectrum.narrow(2, 0, bins).square() + spectrum.narrow(2, bins, bins).square();
}

torch::Tensor normalize_frames(const torch::Tensor &frames, const VideoInput &video, torch::Device device) {
  namespace F = torch::nn::functional;
  torch::NoGradGuard no_grad;
  const int64_t size = video.size;
  auto mean = torch::tensor(std::vector<float>(video.mean.begin(), video.mean.end()), torch::kFloat32).view({1, 3, 1, 1}).to(device);
  auto std = torch::tensor(std::vector<float>(video.std.begin(), video.std.end()), torch::kFloat32).view({1, 3, 1, 1}).to(device);
  auto x = frames.to(device).permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0f;
  // A squash to size x size, bicubic without antialiasing and without clamping, as torchvision 0.14.
  x = F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size}).mode(torch::kBicubic).align_corners(false));
  return (x - mean) / std;
}

} // namespace dgsct
