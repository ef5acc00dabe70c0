/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DgsctResultMeta: the classification view (GstAnalyticsClsMtd's layout), copies through buffer
 * copies and transforms, and the round trip through a "dgsct-result" event. */
#include "dgsct-result-meta.h"

#include <gst/check/gstcheck.h>
#include <cmath>

namespace {

const gfloat kScores[3] = { 2.0f, 0.5f, -1.0f };

GQuark *class_quarks ()
{
  static GQuark quarks[4];
  const char *names[4] = { "Church bell", "Dog", "Horse", "background" };
  for (int c = 0; c < 4; ++c)
    quarks[c] = g_quark_from_static_string (names[c]);
  return quarks;
}

GstBuffer *buffer_with_result (gint label, gfloat foreground)
{
  GstBuffer *buffer = gst_buffer_new ();
  const gfloat confidence = label == 3 ? 1 - foreground : foreground * 0.785597f;
  fail_unless (gst_buffer_add_dgsct_result_meta (buffer, 7, 7 * GST_SECOND, 8 * GST_SECOND, label, 3, confidence,
          foreground, kScores, class_quarks (), 3) != nullptr);
  return buffer;
}

void check_result (const DgsctResultMeta * r, gint label, gfloat foreground)
{
  fail_unless (r != nullptr);
  fail_unless_equals_uint64 (r->segment_index, 7);
  fail_unless_equals_uint64 (r->start, 7 * GST_SECOND);
  fail_unless_equals_int (r->label, label);
  fail_unless_equals_string (r->label_name, label == 3 ? "background" : "Church bell");
  fail_unless_equals_int (dgsct_result_meta_get_length (r), 4);
  /* softmax(2, 0.5, -1) = 0.785597, 0.175290, 0.039113, scaled by the foreground probability */
  const float expected[4] = { 0.785597f * foreground, 0.175290f * foreground, 0.039113f * foreground, 1 - foreground };
  float sum = 0;
  for (int c = 0; c < 4; ++c) {
    fail_unless (std::fabs (dgsct_result_meta_get_level (r, c) - expected[c]) < 1e-5, "level %d: %f", c,
        dgsct_result_meta_get_level (r, c));
    fail_unless_equals_int (dgsct_result_meta_get_quark (r, c), class_quarks ()[c]);
    fail_unless_equals_int (dgsct_result_meta_get_index_by_quark (r, class_quarks ()[c]), c);
    sum += dgsct_result_meta_get_level (r, c);
  }
  fail_unless (std::fabs (sum - 1) < 1e-6);
  fail_unless (std::fabs (dgsct_result_meta_get_level (r, label) - r->confidence) < 1e-5);
  fail_unless_equals_int (dgsct_result_meta_get_index_by_quark (r, g_quark_from_static_string ("Cat")), -1);
}

}  // namespace

GST_START_TEST (test_levels_are_a_distribution_over_classes_and_background)
{
  GstBuffer *event = buffer_with_result (0, 0.9f), *background = buffer_with_result (3, 0.2f);
  check_result (gst_buffer_get_dgsct_result_meta (event), 0, 0.9f);
  check_result (gst_buffer_get_dgsct_result_meta (background), 3, 0.2f);
  gst_buffer_unref (event);
  gst_buffer_unref (background);
}
GST_END_TEST;

GST_START_TEST (test_copies_and_events_carry_the_whole_result)
{
  GstBuffer *buffer = buffer_with_result (0, 0.9f);
  GstBuffer *copy = gst_buffer_copy (buffer);
  check_result (gst_buffer_get_dgsct_result_meta (copy), 0, 0.9f);

  GstEvent *event = dgsct_result_event_new (gst_buffer_get_dgsct_result_meta (buffer));
  GstBuffer *target = gst_buffer_new ();
  fail_unless (dgsct_result_event_parse (event, target));
  check_result (gst_buffer_get_dgsct_result_meta (target), 0, 0.9f);
  fail_if (dgsct_result_event_parse (gst_event_new_eos (), target));

  gst_event_unref (event);
  gst_buffer_unref (target);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

static Suite *result_meta_suite (void)
{
  Suite *s = suite_create ("dgsct-result-meta");
  TCase *tc = tcase_create ("meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_levels_are_a_distribution_over_classes_and_background);
  tcase_add_test (tc, test_copies_and_events_carry_the_whole_result);
  return s;
}

GST_CHECK_MAIN (result_meta);
