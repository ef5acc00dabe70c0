// SPDX-License-Identifier: LGPL-2.1-or-later
// Multiply-accumulates of one segment through the encoder, counted from the configuration for the
// operations this implementation performs (spec section 10 gives the same formulas).
#pragma once

#include "dgsct/config.h"

namespace dgsct {

struct EncoderMacs {
  double swin = 0, htsat = 0, frontend = 0, adapters = 0;
  double total() const { return swin + htsat + frontend + adapters; }
};

EncoderMacs encoder_macs(const ModelConfig &config);

} // namespace dgsct
