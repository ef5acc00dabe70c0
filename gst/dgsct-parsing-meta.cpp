/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-parsing-meta.h"

#include <cstring>
#include <vector>

namespace {

const gchar *const kModalityNames[DGSCT_N_MODALITIES] = { "audio", "visual", "audio-visual" };

gboolean parsing_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *p = reinterpret_cast<DgsctParsingMeta *> (meta);
  p->segment_index = 0;
  p->start = p->end = GST_CLOCK_TIME_NONE;
  p->n_classes = 0;
  p->class_quarks = nullptr;
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    p->n_events[m] = 0;
    p->events[m] = nullptr;
  }
  p->audio_prob = p->visual_prob = p->video_prob = nullptr;
  return TRUE;
}

void parsing_meta_free (GstMeta * meta, GstBuffer *)
{
  auto *p = reinterpret_cast<DgsctParsingMeta *> (meta);
  g_free (p->class_quarks);
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m)
    g_free (p->events[m]);
  g_free (p->audio_prob);
  g_free (p->visual_prob);
  g_free (p->video_prob);
}

/* Per modality, the per-class flags of @p's index lists: [DGSCT_N_MODALITIES * n_classes]. */
std::vector<guint8> flags_of (const DgsctParsingMeta * p)
{
  std::vector<guint8> flags (DGSCT_N_MODALITIES * static_cast<gsize> (p->n_classes), 0);
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m)
    for (guint i = 0; i < p->n_events[m]; ++i)
      flags[m * p->n_classes + p->events[m][i]] = 1;
  return flags;
}

DgsctParsingMeta *add_copy (GstBuffer * dest, const DgsctParsingMeta * p)
{
  const std::vector<guint8> flags = flags_of (p);
  const guint n = p->n_classes;
  return gst_buffer_add_dgsct_parsing_meta (dest, p->segment_index, p->start, p->end, n, p->class_quarks,
      flags.data (), flags.data () + n, flags.data () + 2 * n, p->audio_prob, p->visual_prob, p->video_prob);
}

/* A parsing result describes a time span, not pixels: every transform carries it over. */
gboolean parsing_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  return add_copy (dest, reinterpret_cast<DgsctParsingMeta *> (meta)) != nullptr;
}

}  // namespace

const gchar *dgsct_modality_get_name (DgsctModality modality)
{
  const int m = static_cast<int> (modality);
  return m >= 0 && m < DGSCT_N_MODALITIES ? kModalityNames[m] : nullptr;
}

gboolean dgsct_modality_from_name (const gchar * name, DgsctModality * modality)
{
  g_return_val_if_fail (modality != nullptr, FALSE);
  for (int m = 0; name && m < DGSCT_N_MODALITIES; ++m)
    if (std::strcmp (name, kModalityNames[m]) == 0) {
      *modality = static_cast<DgsctModality> (m);
      return TRUE;
    }
  return FALSE;
}

GType dgsct_parsing_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctParsingMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_parsing_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_PARSING_META_API_TYPE, "DgsctParsingMeta",
            sizeof (DgsctParsingMeta), parsing_meta_init, parsing_meta_free, parsing_meta_transform));
  return info;
}

DgsctParsingMeta *gst_buffer_add_dgsct_parsing_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, guint n_classes, const GQuark * class_quarks, const guint8 * audio, const guint8 * visual,
    const guint8 * audio_visual, const gfloat * audio_prob, const gfloat * visual_prob, const gfloat * video_prob)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  g_return_val_if_fail (n_classes > 0 && class_quarks != nullptr, nullptr);
  g_return_val_if_fail (audio != nullptr && visual != nullptr && audio_visual != nullptr, nullptr);
  g_return_val_if_fail (audio_prob != nullptr && visual_prob != nullptr && video_prob != nullptr, nullptr);
  auto *p = reinterpret_cast<DgsctParsingMeta *> (gst_buffer_add_meta (buffer, dgsct_parsing_meta_get_info (),
          nullptr));
  if (!p)
    return nullptr;
  p->segment_index = segment_index;
  p->start = start;
  p->end = end;
  p->n_classes = n_classes;
  p->class_quarks = static_cast<GQuark *> (g_memdup2 (class_quarks, n_classes * sizeof (GQuark)));
  const guint8 *flags[DGSCT_N_MODALITIES] = { audio, visual, audio_visual };
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    p->events[m] = g_new (guint, n_classes);
    for (guint c = 0; c < n_classes; ++c)
      if (flags[m][c])
        p->events[m][p->n_events[m]++] = c;
  }
  const gsize bytes = n_classes * sizeof (gfloat);
  p->audio_prob = static_cast<gfloat *> (g_memdup2 (audio_prob, bytes));
  p->visual_prob = static_cast<gfloat *> (g_memdup2 (visual_prob, bytes));
  p->video_prob = static_cast<gfloat *> (g_memdup2 (video_prob, bytes));
  return p;
}

const guint *dgsct_parsing_meta_get_events (const DgsctParsingMeta * meta, DgsctModality modality, guint * n_events)
{
  g_return_val_if_fail (meta != nullptr, nullptr);
  const int m = static_cast<int> (modality);
  g_return_val_if_fail (m >= 0 && m < DGSCT_N_MODALITIES, nullptr);
  if (n_events)
    *n_events = meta->n_events[m];
  return meta->events[m];
}

gboolean dgsct_parsing_meta_has_event (const DgsctParsingMeta * meta, DgsctModality modality, guint class_index)
{
  guint n;
  const guint *events = dgsct_parsing_meta_get_events (meta, modality, &n);
  for (guint i = 0; events && i < n; ++i)
    if (events[i] == class_index)
      return TRUE;
  return FALSE;
}

const gchar *dgsct_parsing_meta_get_name (const DgsctParsingMeta * meta, guint class_index)
{
  g_return_val_if_fail (meta != nullptr, nullptr);
  return class_index < meta->n_classes ? g_quark_to_string (meta->class_quarks[class_index]) : nullptr;
}

GQuark dgsct_parsing_meta_get_quark (const DgsctParsingMeta * meta, guint class_index)
{
  g_return_val_if_fail (meta != nullptr && class_index < meta->n_classes, 0);
  return meta->class_quarks[class_index];
}

gint dgsct_parsing_meta_get_index_by_quark (const DgsctParsingMeta * meta, GQuark quark)
{
  for (guint c = 0; c < meta->n_classes; ++c)
    if (meta->class_quarks[c] == quark)
      return static_cast<gint> (c);
  return -1;
}

GstEvent *dgsct_parsing_event_new (const DgsctParsingMeta * p)
{
  g_return_val_if_fail (p != nullptr && p->n_classes > 0, nullptr);
  const guint n = p->n_classes;
  const std::vector<guint8> flags = flags_of (p);
  std::vector<gfloat> probs (3 * static_cast<gsize> (n));
  std::memcpy (probs.data (), p->audio_prob, n * sizeof (gfloat));
  std::memcpy (probs.data () + n, p->visual_prob, n * sizeof (gfloat));
  std::memcpy (probs.data () + 2 * n, p->video_prob, n * sizeof (gfloat));
  GstBuffer *events = gst_buffer_new_memdup (flags.data (), flags.size ());
  GstBuffer *probabilities = gst_buffer_new_memdup (probs.data (), probs.size () * sizeof (gfloat));
  GstBuffer *classes = gst_buffer_new_memdup (p->class_quarks, n * sizeof (GQuark));
  GstStructure *s = gst_structure_new ("dgsct-parsing", "index", G_TYPE_UINT64, p->segment_index,
      "start", G_TYPE_UINT64, p->start, "end", G_TYPE_UINT64, p->end, "events", GST_TYPE_BUFFER, events,
      "probabilities", GST_TYPE_BUFFER, probabilities, "class-quarks", GST_TYPE_BUFFER, classes, nullptr);
  gst_buffer_unref (events);
  gst_buffer_unref (probabilities);
  gst_buffer_unref (classes);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

gboolean dgsct_parsing_event_parse (GstEvent * event, GstBuffer * target)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM || !gst_event_has_name (event, "dgsct-parsing"))
    return FALSE;
  const GstStructure *s = gst_event_get_structure (event);
  guint64 index, start, end;
  GstBuffer *events = nullptr, *probabilities = nullptr, *classes = nullptr;
  if (!gst_structure_get (s, "index", G_TYPE_UINT64, &index, "start", G_TYPE_UINT64, &start, "end", G_TYPE_UINT64, &end,
          "events", GST_TYPE_BUFFER, &events, "probabilities", GST_TYPE_BUFFER, &probabilities,
          "class-quarks", GST_TYPE_BUFFER, &classes, nullptr)) {
    gst_clear_buffer (&events);
    gst_clear_buffer (&probabilities);
    gst_clear_buffer (&classes);
    return FALSE;
  }
  GstMapInfo event_map, prob_map, class_map;
  gst_buffer_map (events, &event_map, GST_MAP_READ);
  gst_buffer_map (probabilities, &prob_map, GST_MAP_READ);
  gst_buffer_map (classes, &class_map, GST_MAP_READ);
  const gsize n = class_map.size / sizeof (GQuark);
  const gboolean valid = n > 0 && class_map.size == n * sizeof (GQuark) && event_map.size == 3 * n
      && prob_map.size == 3 * n * sizeof (gfloat);
  if (valid) {
    const auto *flags = event_map.data;
    const auto *probs = reinterpret_cast<const gfloat *> (prob_map.data);
    gst_buffer_add_dgsct_parsing_meta (target, index, start, end, static_cast<guint> (n),
        reinterpret_cast<const GQuark *> (class_map.data), flags, flags + n, flags + 2 * n, probs, probs + n,
        probs + 2 * n);
  }
  gst_buffer_unmap (events, &event_map);
  gst_buffer_unmap (probabilities, &prob_map);
  gst_buffer_unmap (classes, &class_map);
  gst_buffer_unref (events);
  gst_buffer_unref (probabilities);
  gst_buffer_unref (classes);
  return valid;
}
