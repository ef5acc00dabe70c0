/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_PATCH (gst_dgsct_patch_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctPatch, gst_dgsct_patch, GST, DGSCT_PATCH, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (dgsctpatch);

G_END_DECLS
