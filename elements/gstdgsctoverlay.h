/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_OVERLAY (gst_dgsct_overlay_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctOverlay, gst_dgsct_overlay, GST, DGSCT_OVERLAY, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (dgsctoverlay);

G_END_DECLS
