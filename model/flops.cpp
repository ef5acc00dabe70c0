// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/flops.h"

#include "dgsct/frontend.h"

namespace dgsct {
namespace {

// qkv + proj + MLP, plus the two window matmuls (q k^T and attn v).
double block_macs(double tokens, double dim, double window_area, double mlp_ratio) {
  return 4 * tokens * dim * dim + 2 * tokens * dim * dim * mlp_ratio + 2 * tokens * window_area * dim;
}

double stages_macs(const std::vector<StageGeometry> &stages, double mlp_ratio) {
  double macs = 0;
  for (const auto &s : stages) {
    const double n = static_cast<double>(s.grid) * s.grid;
    macs += s.depth * block_macs(n, s.dim, static_cast<double>(s.window) * s.window, mlp_ratio);
    if (s.merge_after)
      macs += (n / 4) * (4.0 * s.dim) * (2.0 * s.dim);
  }
  return macs;
}

double adapter_macs(const AdapterConfig &a, double n, double c, double n_other, double c_other) {
  double macs = a.resample == "token_conv" ? n * n_other * c_other + n * c_other * c : n_other * c_other * c;
  macs += 4 * a.tokens * n * c;                    // prompt exchange
  macs += c * c + n * c * c + c * c / 2 + c * c / 2; // channel attention
  macs += n * c * c / 2 + c * c / 2 + n * c / 2;     // spatial attention
  macs += 2 * n * c * (c / a.reduction) / a.groups;  // grouped bottleneck
  return macs;
}

} // namespace

EncoderMacs encoder_macs(const ModelConfig &c) {
  EncoderMacs m;
  const auto vis = c.swin.stages(), aud = c.htsat.stages();
  const double vis_tokens0 = static_cast<double>(vis[0].grid) * vis[0].grid;
  const double aud_tokens0 = static_cast<double>(aud[0].grid) * aud[0].grid;
  m.swin = vis_tokens0 * vis[0].dim * (c.swin.in_chans * c.swin.patch_size * c.swin.patch_size) + stages_macs(vis, c.swin.mlp_ratio);
  m.htsat = aud_tokens0 * aud[0].dim * (c.htsat.patch_size * c.htsat.patch_size) + stages_macs(aud, c.htsat.mlp_ratio);

  // STFT: only the frames that differ are computed (stft_frame_plan), then power and mel.
  const auto plan = stft_frame_plan(c.htsat.n_fft, c.htsat.hop, c.audio);
  const double computed = plan.starts.size(), frames = plan.source.size(), bins = c.htsat.n_fft / 2 + 1;
  m.frontend = computed * c.htsat.n_fft * 2 * bins + frames * bins * c.htsat.mel_bins;

  for (const auto &slot : c.slots()) {
    const auto &v = vis[slot.stage];
    const auto &a = aud[slot.stage];
    const double nv = static_cast<double>(v.grid) * v.grid, na = static_cast<double>(a.grid) * a.grid;
    m.adapters += 2 * adapter_macs(c.adapter, na, a.dim, nv, v.dim) + 2 * adapter_macs(c.adapter, nv, v.dim, na, a.dim);
  }
  return m;
}

} // namespace dgsct
