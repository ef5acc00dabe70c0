// SPDX-License-Identifier: LGPL-2.1-or-later
// The AVVP and AVQA references name their taps after the official code's modules and variables
// (`swin.layers.1.blocks.0:f_v+attn`, `audio_adapter_blocks_p2.11.spatial_att_maps`, ...), and
// store per-block states of the first three stages for segments 0-1 only (`{seg0-1}`). This maps
// the shared encoder's taps (recorded under the AVE reference's names) to those names.
#pragma once

#include "dgsct/config.h"
#include "dgsct/frontend.h"
#include "dgsct/taps.h"

namespace dgsct {

// Adds to `out` every encoder tap both references share, under their names and slices.
void put_trace_encoder_taps(const Taps &encoder_taps, const ModelConfig &config, Taps &out);

// The front end's taps: the STFT power of segment 0 (its first 101 frames) and the log-mel of
// segments 0-1.
void put_trace_front_end_taps(const LogMel &front_end, const torch::Tensor &audio, const torch::Tensor &log_mel, Taps &out);

// Internals of the two blocks both references trace: the shifted Swin-V2 block
// swin.layers.1.blocks.1 (timm's line numbers) and the shifted HTS-AT block htsat.layers.2.blocks.1,
// whose line numbers in the task's copy of htsat.py are the AVVP copy's plus `htsat_line_shift`.
void put_trace_block_internals(const Taps &encoder_taps, const ModelConfig &config, int htsat_line_shift, Taps &out);

// The first two segments' rows of a per-segment tensor (`{seg0-1}` in tap names).
torch::Tensor first_two_segments(const torch::Tensor &x, int64_t segments);

} // namespace dgsct
