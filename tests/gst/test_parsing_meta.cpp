/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DgsctParsingMeta: the per-modality class lists made from the model's flags, the accessors, the
 * modality names, copies through buffer copies, and the round trip through a "dgsct-parsing" event. */
#include "dgsct-parsing-meta.h"

#include <gst/check/gstcheck.h>
#include <vector>

namespace {

const char *kNames[4] = { "Speech", "Car", "Cheering", "Dog" };
/* Speech and Dog heard, Dog and Car seen: Dog both. */
const guint8 kAudio[4] = { 1, 0, 0, 1 };
const guint8 kVisual[4] = { 0, 1, 0, 1 };
const guint8 kAudioVisual[4] = { 0, 0, 0, 1 };
const gfloat kAudioProb[4] = { 0.9f, 0.1f, 0.2f, 0.8f };
const gfloat kVisualProb[4] = { 0.3f, 0.7f, 0.1f, 0.95f };
const gfloat kVideoProb[4] = { 0.92f, 0.75f, 0.05f, 0.97f };

const GQuark *class_quarks ()
{
  static GQuark quarks[4];
  for (int c = 0; c < 4; ++c)
    quarks[c] = g_quark_from_static_string (kNames[c]);
  return quarks;
}

GstBuffer *buffer_with_parsing ()
{
  GstBuffer *buffer = gst_buffer_new ();
  fail_unless (gst_buffer_add_dgsct_parsing_meta (buffer, 5, 5 * GST_SECOND, 6 * GST_SECOND, 4, class_quarks (), kAudio,
          kVisual, kAudioVisual, kAudioProb, kVisualProb, kVideoProb) != nullptr);
  return buffer;
}

std::vector<guint> events_of (const DgsctParsingMeta * p, DgsctModality modality)
{
  guint n = 0;
  const guint *events = dgsct_parsing_meta_get_events (p, modality, &n);
  return std::vector<guint> (events, events + n);
}

void check_parsing (const DgsctParsingMeta * p)
{
  fail_unless (p != nullptr);
  fail_unless_equals_uint64 (p->segment_index, 5);
  fail_unless_equals_uint64 (p->start, 5 * GST_SECOND);
  fail_unless_equals_uint64 (p->end, 6 * GST_SECOND);
  fail_unless_equals_int (p->n_classes, 4);
  fail_unless (events_of (p, DGSCT_MODALITY_AUDIO) == (std::vector<guint> {0, 3}));
  fail_unless (events_of (p, DGSCT_MODALITY_VISUAL) == (std::vector<guint> {1, 3}));
  fail_unless (events_of (p, DGSCT_MODALITY_AUDIO_VISUAL) == (std::vector<guint> {3}));
  fail_unless_equals_int (p->n_events[DGSCT_MODALITY_AUDIO], 2);
  for (guint c = 0; c < 4; ++c) {
    fail_unless_equals_int (dgsct_parsing_meta_has_event (p, DGSCT_MODALITY_AUDIO, c), kAudio[c]);
    fail_unless_equals_int (dgsct_parsing_meta_has_event (p, DGSCT_MODALITY_VISUAL, c), kVisual[c]);
    fail_unless_equals_int (dgsct_parsing_meta_has_event (p, DGSCT_MODALITY_AUDIO_VISUAL, c), kAudioVisual[c]);
    fail_unless_equals_string (dgsct_parsing_meta_get_name (p, c), kNames[c]);
    fail_unless_equals_int (dgsct_parsing_meta_get_quark (p, c), class_quarks ()[c]);
    fail_unless_equals_int (dgsct_parsing_meta_get_index_by_quark (p, class_quarks ()[c]), (gint) c);
    fail_unless_equals_float (p->audio_prob[c], kAudioProb[c]);
    fail_unless_equals_float (p->visual_prob[c], kVisualProb[c]);
    fail_unless_equals_float (p->video_prob[c], kVideoProb[c]);
  }
  fail_unless (dgsct_parsing_meta_get_name (p, 4) == nullptr);
  fail_unless_equals_int (dgsct_parsing_meta_get_index_by_quark (p, g_quark_from_static_string ("Cat")), -1);
}

}  // namespace

GST_START_TEST (test_flags_become_class_lists)
{
  GstBuffer *buffer = buffer_with_parsing ();
  check_parsing (gst_buffer_get_dgsct_parsing_meta (buffer));
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_a_segment_without_events_has_empty_lists)
{
  const guint8 none[4] = { 0, 0, 0, 0 };
  GstBuffer *buffer = gst_buffer_new ();
  DgsctParsingMeta *p = gst_buffer_add_dgsct_parsing_meta (buffer, 0, 0, GST_SECOND, 4, class_quarks (), none, none,
      none, kAudioProb, kVisualProb, kVideoProb);
  fail_unless (p != nullptr);
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m)
    fail_unless (events_of (p, (DgsctModality) m).empty ());
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_modality_names)
{
  const char *names[3] = { "audio", "visual", "audio-visual" };
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    fail_unless_equals_string (dgsct_modality_get_name ((DgsctModality) m), names[m]);
    DgsctModality parsed;
    fail_unless (dgsct_modality_from_name (names[m], &parsed));
    fail_unless_equals_int (parsed, m);
  }
  DgsctModality parsed;
  fail_if (dgsct_modality_from_name ("smell", &parsed));
  fail_if (dgsct_modality_from_name (nullptr, &parsed));
  fail_unless (dgsct_modality_get_name ((DgsctModality) 3) == nullptr);
}
GST_END_TEST;

GST_START_TEST (test_copies_and_events_carry_the_whole_result)
{
  GstBuffer *buffer = buffer_with_parsing ();
  GstBuffer *copy = gst_buffer_copy (buffer);
  check_parsing (gst_buffer_get_dgsct_parsing_meta (copy));

  GstEvent *event = dgsct_parsing_event_new (gst_buffer_get_dgsct_parsing_meta (buffer));
  fail_unless (gst_event_has_name (event, "dgsct-parsing"));
  fail_unless (GST_EVENT_IS_SERIALIZED (event));
  GstBuffer *target = gst_buffer_new ();
  fail_unless (dgsct_parsing_event_parse (event, target));
  check_parsing (gst_buffer_get_dgsct_parsing_meta (target));
  GstEvent *eos = gst_event_new_eos ();
  fail_if (dgsct_parsing_event_parse (eos, target));
  gst_event_unref (eos);
  /* a "dgsct-parsing" event with a field missing is refused */
  GstEvent *broken = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new ("dgsct-parsing", "index",
          G_TYPE_UINT64, (guint64) 1, nullptr));
  GstBuffer *untouched = gst_buffer_new ();
  fail_if (dgsct_parsing_event_parse (broken, untouched));
  fail_unless (gst_buffer_get_dgsct_parsing_meta (untouched) == nullptr);

  gst_event_unref (broken);
  gst_buffer_unref (untouched);
  gst_event_unref (event);
  gst_buffer_unref (target);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

static Suite *parsing_meta_suite (void)
{
  Suite *s = suite_create ("dgsct-parsing-meta");
  TCase *tc = tcase_create ("meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_flags_become_class_lists);
  tcase_add_test (tc, test_a_segment_without_events_has_empty_lists);
  tcase_add_test (tc, test_modality_names);
  tcase_add_test (tc, test_copies_and_events_carry_the_whole_result);
  return s;
}

GST_CHECK_MAIN (parsing_meta);
