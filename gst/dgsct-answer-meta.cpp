/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-answer-meta.h"

namespace {

gboolean answer_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *a = reinterpret_cast<DgsctAnswerMeta *> (meta);
  a->question = nullptr;
  a->answer = -1;
  a->answer_name = nullptr;
  a->confidence = 0.0f;
  a->n_top = 0;
  for (guint i = 0; i < DGSCT_ANSWER_TOP; ++i) {
    a->top_answers[i] = -1;
    a->top_names[i] = nullptr;
    a->top_probs[i] = 0.0f;
  }
  a->first_index = a->last_index = 0;
  a->start = a->end = GST_CLOCK_TIME_NONE;
  return TRUE;
}

void answer_meta_free (GstMeta * meta, GstBuffer *)
{
  g_free (reinterpret_cast<DgsctAnswerMeta *> (meta)->question);
}

/* An answer describes a time span, not pixels: every transform carries it over. */
gboolean answer_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  const auto *a = reinterpret_cast<DgsctAnswerMeta *> (meta);
  return gst_buffer_add_dgsct_answer_meta (dest, a->question, a->first_index, a->last_index, a->start, a->end,
      a->n_top, a->top_answers, a->top_names, a->top_probs) != nullptr;
}

/* The @n values of @a as an array field @name of @s. */
template <typename T, typename Set>
void set_array (GstStructure * s, const char *name, const T * a, guint n, GType type, Set set)
{
  GValue array = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_array_init (&array, n);
  for (guint i = 0; i < n; ++i) {
    g_value_init (&v, type);
    set (&v, a[i]);
    gst_value_array_append_and_take_value (&array, &v);
  }
  gst_structure_take_value (s, name, &array);
}

/* The array field @name of @s when it holds values of @type: its length, else -1. */
gint array_length (const GstStructure * s, const char *name, GType type)
{
  const GValue *array = gst_structure_get_value (s, name);
  if (!array || !GST_VALUE_HOLDS_ARRAY (array))
    return -1;
  const guint n = gst_value_array_get_size (array);
  for (guint i = 0; i < n; ++i)
    if (!G_VALUE_HOLDS (gst_value_array_get_value (array, i), type))
      return -1;
  return (gint) n;
}

const GValue *element (const GstStructure * s, const char *name, guint i)
{
  return gst_value_array_get_value (gst_structure_get_value (s, name), i);
}

}  // namespace

GType dgsct_answer_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctAnswerMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_answer_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_ANSWER_META_API_TYPE, "DgsctAnswerMeta",
            sizeof (DgsctAnswerMeta), answer_meta_init, answer_meta_free, answer_meta_transform));
  return info;
}

DgsctAnswerMeta *gst_buffer_add_dgsct_answer_meta (GstBuffer * buffer, const gchar * question, guint64 first_index,
    guint64 last_index, GstClockTime start, GstClockTime end, guint n_top, const gint * top_answers,
    const gchar * const *top_names, const gfloat * top_probs)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  g_return_val_if_fail (question != nullptr, nullptr);
  g_return_val_if_fail (n_top >= 1 && n_top <= DGSCT_ANSWER_TOP, nullptr);
  g_return_val_if_fail (top_answers != nullptr && top_names != nullptr && top_probs != nullptr, nullptr);
  auto *a = reinterpret_cast<DgsctAnswerMeta *> (gst_buffer_add_meta (buffer, dgsct_answer_meta_get_info (), nullptr));
  if (!a)
    return nullptr;
  a->question = g_strdup (question);
  a->n_top = n_top;
  for (guint i = 0; i < n_top; ++i) {
    a->top_answers[i] = top_answers[i];
    a->top_names[i] = g_intern_string (top_names[i]);
    a->top_probs[i] = top_probs[i];
  }
  a->answer = a->top_answers[0];
  a->answer_name = a->top_names[0];
  a->confidence = a->top_probs[0];
  a->first_index = first_index;
  a->last_index = last_index;
  a->start = start;
  a->end = end;
  return a;
}

GstStructure *dgsct_answer_meta_to_structure (const DgsctAnswerMeta * a)
{
  g_return_val_if_fail (a != nullptr && a->n_top > 0, nullptr);
  GstStructure *s = gst_structure_new ("dgsct-answer", "question", G_TYPE_STRING, a->question,
      "answer", G_TYPE_INT, a->answer, "answer-name", G_TYPE_STRING, a->answer_name,
      "confidence", G_TYPE_FLOAT, a->confidence, nullptr);
  set_array (s, "top-answers", a->top_answers, a->n_top, G_TYPE_INT, g_value_set_int);
  set_array (s, "top-names", a->top_names, a->n_top, G_TYPE_STRING, g_value_set_string);
  set_array (s, "top-probs", a->top_probs, a->n_top, G_TYPE_FLOAT, g_value_set_float);
  gst_structure_set (s, "first-index", G_TYPE_UINT64, a->first_index, "last-index", G_TYPE_UINT64, a->last_index,
      "start", G_TYPE_UINT64, a->start, "end", G_TYPE_UINT64, a->end, nullptr);
  return s;
}

GstEvent *dgsct_answer_event_new (const DgsctAnswerMeta * a)
{
  GstStructure *s = dgsct_answer_meta_to_structure (a);
  return s ? gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s) : nullptr;
}

gboolean dgsct_answer_event_parse (GstEvent * event, GstBuffer * target)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM || !gst_event_has_name (event, "dgsct-answer"))
    return FALSE;
  const GstStructure *s = gst_event_get_structure (event);
  const gchar *question = gst_structure_get_string (s, "question");
  guint64 first, last, start, end;
  if (!question || !gst_structure_get (s, "first-index", G_TYPE_UINT64, &first, "last-index", G_TYPE_UINT64, &last,
          "start", G_TYPE_UINT64, &start, "end", G_TYPE_UINT64, &end, nullptr))
    return FALSE;
  const gint n = array_length (s, "top-answers", G_TYPE_INT);
  if (n < 1 || n > DGSCT_ANSWER_TOP || array_length (s, "top-names", G_TYPE_STRING) != n
      || array_length (s, "top-probs", G_TYPE_FLOAT) != n)
    return FALSE;
  gint answers[DGSCT_ANSWER_TOP];
  const gchar *names[DGSCT_ANSWER_TOP];
  gfloat probs[DGSCT_ANSWER_TOP];
  for (gint i = 0; i < n; ++i) {
    answers[i] = g_value_get_int (element (s, "top-answers", i));
    names[i] = g_value_get_string (element (s, "top-names", i));
    probs[i] = g_value_get_float (element (s, "top-probs", i));
  }
  return gst_buffer_add_dgsct_answer_meta (target, question, first, last, start, end, (guint) n, answers, names,
      probs) != nullptr;
}
