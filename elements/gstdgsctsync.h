/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gst/base/gstaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_DGSCT_SYNC (gst_dgsct_sync_get_type ())
G_DECLARE_FINAL_TYPE (GstDgsctSync, gst_dgsct_sync, GST, DGSCT_SYNC, GstAggregator)

GST_ELEMENT_REGISTER_DECLARE (dgsctsync);

G_END_DECLS
