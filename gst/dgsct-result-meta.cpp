/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-result-meta.h"

#include <cmath>
#include <cstring>
#include <vector>

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
  r->scores = r->levels = nullptr;
  r->class_quarks = nullptr;
  return TRUE;
}

void result_meta_free (GstMeta * meta, GstBuffer *)
{
  auto *r = reinterpret_cast<DgsctResultMeta *> (meta);
  g_free (r->scores);
  g_free (r->levels);
  g_free (r->class_quarks);
}

/* A result describes a time span, not pixels: every transform carries it over. */
gboolean result_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  auto *r = reinterpret_cast<DgsctResultMeta *> (meta);
  return gst_buffer_add_dgsct_result_meta (dest, r->segment_index, r->start, r->end, r->label, r->background_label,
      r->confidence, r->foreground_prob, r->scores, r->class_quarks, r->n_classes) != nullptr;
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
    GstClockTime end, gint label, gint background_label, gfloat confidence, gfloat foreground_prob,
    const gfloat * scores, const GQuark * class_quarks, guint n_classes)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  g_return_val_if_fail (label >= 0 && static_cast<guint> (label) <= n_classes, nullptr);
  auto *r = reinterpret_cast<DgsctResultMeta *> (gst_buffer_add_meta (buffer, dgsct_result_meta_get_info (), nullptr));
  if (!r)
    return nullptr;
  r->segment_index = segment_index;
  r->start = start;
  r->end = end;
  r->label = label;
  r->background_label = background_label;
  r->label_name = g_quark_to_string (class_quarks[label]);
  r->confidence = confidence;
  r->foreground_prob = foreground_prob;
  r->n_classes = n_classes;
  r->scores = static_cast<gfloat *> (g_memdup2 (scores, n_classes * sizeof (gfloat)));
  r->class_quarks = static_cast<GQuark *> (g_memdup2 (class_quarks, (n_classes + 1) * sizeof (GQuark)));
  r->levels = g_new (gfloat, n_classes + 1);
  float top = -INFINITY, sum = 0;
  for (guint c = 0; c < n_classes; ++c)
    top = std::max (top, scores[c]);
  for (guint c = 0; c < n_classes; ++c)
    sum += r->levels[c] = std::exp (scores[c] - top);
  for (guint c = 0; c < n_classes; ++c)
    r->levels[c] *= foreground_prob / sum;
  r->levels[n_classes] = 1.0f - foreground_prob;
  return r;
}

gsize dgsct_result_meta_get_length (const DgsctResultMeta * meta)
{
  return meta->n_classes + 1;
}

gfloat dgsct_result_meta_get_level (const DgsctResultMeta * meta, gsize index)
{
  g_return_val_if_fail (index <= meta->n_classes, 0.0f);
  return meta->levels[index];
}

GQuark dgsct_result_meta_get_quark (const DgsctResultMeta * meta, gsize index)
{
  g_return_val_if_fail (index <= meta->n_classes, 0);
  return meta->class_quarks[index];
}

gint dgsct_result_meta_get_index_by_quark (const DgsctResultMeta * meta, GQuark quark)
{
  for (guint c = 0; c <= meta->n_classes; ++c)
    if (meta->class_quarks[c] == quark)
      return c;
  return -1;
}

GstEvent *dgsct_result_event_new (const DgsctResultMeta * r)
{
  GstBuffer *scores = gst_buffer_new_memdup (r->scores, r->n_classes * sizeof (gfloat));
  GstBuffer *classes = gst_buffer_new_memdup (r->class_quarks, (r->n_classes + 1) * sizeof (GQuark));
  GstStructure *s = gst_structure_new ("dgsct-result", "index", G_TYPE_UINT64, r->segment_index,
      "start", G_TYPE_UINT64, r->start, "end", G_TYPE_UINT64, r->end, "label", G_TYPE_INT, r->label,
      "background-label", G_TYPE_INT, r->background_label, "label-name", G_TYPE_STRING, r->label_name,
      "confidence", G_TYPE_FLOAT, r->confidence, "foreground-prob", G_TYPE_FLOAT, r->foreground_prob,
      "scores", GST_TYPE_BUFFER, scores, "class-quarks", GST_TYPE_BUFFER, classes, nullptr);
  gst_buffer_unref (scores);
  gst_buffer_unref (classes);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

gboolean dgsct_result_event_parse (GstEvent * event, GstBuffer * target)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM || !gst_event_has_name (event, "dgsct-result"))
    return FALSE;
  const GstStructure *s = gst_event_get_structure (event);
  guint64 index, start, end;
  gint label, background;
  gfloat confidence, foreground;
  GstBuffer *scores = nullptr, *classes = nullptr;
  if (!gst_structure_get (s, "index", G_TYPE_UINT64, &index, "start", G_TYPE_UINT64, &start, "end", G_TYPE_UINT64, &end,
          "label", G_TYPE_INT, &label, "background-label", G_TYPE_INT, &background, "confidence", G_TYPE_FLOAT,
          &confidence, "foreground-prob", G_TYPE_FLOAT, &foreground, "scores", GST_TYPE_BUFFER, &scores,
          "class-quarks", GST_TYPE_BUFFER, &classes, nullptr))
    return FALSE;
  GstMapInfo score_map, class_map;
  gst_buffer_map (scores, &score_map, GST_MAP_READ);
  gst_buffer_map (classes, &class_map, GST_MAP_READ);
  const guint n_classes = score_map.size / sizeof (gfloat);
  const gboolean valid = class_map.size == (n_classes + 1) * sizeof (GQuark);
  if (valid)
    gst_buffer_add_dgsct_result_meta (target, index, start, end, label, background, confidence, foreground,
        reinterpret_cast<const gfloat *> (score_map.data), reinterpret_cast<const GQuark *> (class_map.data), n_classes);
  gst_buffer_unmap (scores, &score_map);
  gst_buffer_unmap (classes, &class_map);
  gst_buffer_unref (scores);
  gst_buffer_unref (classes);
  return valid;
}
