/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_MEL (gst_dgsct_mel_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctMel, gst_dgsct_mel, GST, DGSCT_MEL, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (dgsctmel);

G_END_DECLS
