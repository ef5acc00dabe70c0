/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_JSON (gst_dgsct_json_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctJson, gst_dgsct_json, GST, DGSCT_JSON, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE (dgsctjson);

G_END_DECLS
