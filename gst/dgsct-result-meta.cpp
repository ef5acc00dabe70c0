/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-result-meta.h"

#include <cstring>

namespace {

gboolean result_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *r = reinterpret_cast<DgsctResultMeta *> (meta);
  r->segment_index = 0;
  r->start = r->end = GST_CLOCK_TIME_NONE;
  r->label = r->background_label = 0;
  r->label_name = nullptr;
  r->confidence = r->foreground_prob = 0;
  r->n_classes = 0;
  r->scores = nullptr;
  return TRUE;
}

void result_meta_free (GstMeta * meta, GstBuffer *)
{
  g_free (reinterpret_cast<DgsctResultMeta *> (meta)->scores);
}

/* A result describes a time span, not pixels: every transform carries it over. */
gboolean result_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  auto *r = reinterpret_cast<DgsctResultMeta *> (meta);
  return gst_buffer_add_dgsct_result_meta (dest, r->segment_index, r->start, r->end, r->label, r->background_label,
      r->label_name, r->confidence, r->foreground_prob, r->scores, r->n_classes) != nullptr;
}

}  // namespace

GType dgsct_result_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctResultMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_result_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_RESULT_META_API_TYPE, "DgsctResultMeta",
            sizeof (DgsctResultMeta), result_meta_init, result_meta_free, result_meta_transform));
  return info;
}

DgsctResultMeta *gst_buffer_add_dgsct_result_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, gint label, gint background_label, const gchar * label_name, gfloat confidence,
    gfloat foreground_prob, const gfloat * scores, guint n_classes)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  auto *r = reinterpret_cast<DgsctResultMeta *> (gst_buffer_add_meta (buffer, dgsct_result_meta_get_info (), nullptr));
  if (!r)
    return nullptr;
  r->segment_index = segment_index;
  r->start = start;
  r->end = end;
  r->label = label;
  r->background_label = background_label;
  r->label_name = g_intern_string (label_name);
  r->confidence = confidence;
  r->foreground_prob = foreground_prob;
  r->n_classes = n_classes;
  r->scores = static_cast<gfloat *> (g_memdup2 (scores, n_classes * sizeof (gfloat)));
  return r;
}
