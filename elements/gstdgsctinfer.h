/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_INFER (gst_dgsct_infer_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctInfer, gst_dgsct_infer, GST, DGSCT_INFER, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (dgsctinfer);

G_END_DECLS
