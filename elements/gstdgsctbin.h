/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_BIN (gst_dgsct_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctBin, gst_dgsct_bin, GST, DGSCT_BIN, GstBin)

GST_ELEMENT_REGISTER_DECLARE (dgsctbin);

G_END_DECLS
