/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "gstdgsctbin.h"
#include "gstdgsctinfer.h"
#include "gstdgsctjson.h"
#include "gstdgsctmel.h"
#include "gstdgsctoverlay.h"
#include "gstdgsctpatch.h"
#include "gstdgsctsync.h"

#include <gst/gst.h>

static gboolean plugin_init (GstPlugin * plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (dgsctsync, plugin);
  ok &= GST_ELEMENT_REGISTER (dgsctmel, plugin);
  ok &= GST_ELEMENT_REGISTER (dgsctpatch, plugin);
  ok &= GST_ELEMENT_REGISTER (dgsctinfer, plugin);
  ok &= GST_ELEMENT_REGISTER (dgsctjson, plugin);
  ok &= GST_ELEMENT_REGISTER (dgsctoverlay, plugin);
  /* after its children */
  ok &= GST_ELEMENT_REGISTER (dgsctbin, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, dgsct,
    "DG-SCT audio-visual analysis: segmenting, event localisation", plugin_init, "0.1.0", "LGPL",
    "dgsct-gst", "https://github.com/dgsct-gst")
