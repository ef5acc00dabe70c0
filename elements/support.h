/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What several dgsct elements need: finding a model file and reading a key frame as RGB. */
#pragma once

#include <gst/gst.h>
#include <string>
#include <torch/torch.h>

namespace dgsct::gst {

/* A model name (no '/' and no file of that name) is looked up as NAME.safetensors in
 * $DGSCT_MODEL_PATH (colon-separated), then in the source tree's models/ folder (running from the build
 * tree), then in the installed models folder. */
std::string resolve_model (const std::string & location);

/* A video frame as a [H, W, 3] uint8 RGB tensor (converted with GstVideoConverter when needed).
 * Throws std::runtime_error. */
torch::Tensor key_frame_rgb (GstBuffer * frame, GstCaps * caps);

}  // namespace dgsct::gst
