/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DgsctAnswerMeta: the answer is the first of the top answers, the question is copied and the names
 * interned, copies keep it all, the "dgsct-answer" structure has the documented fields, and the
 * round trip through a "dgsct-answer" event gives the same meta; malformed events are refused. */
#include "dgsct-answer-meta.h"

#include <gst/check/gstcheck.h>
#include <string>

namespace {

const char *kQuestion = "Which instrument makes sounds before the violin?";
const gint kTop[5] = { 33, 1, 7, 40, 2 };
const gfloat kProbs[5] = { 0.41f, 0.2f, 0.1f, 0.05f, 0.04f };

GstBuffer *buffer_with_answer ()
{
  /* names from a temporary buffer: the meta must not keep the caller's pointers */
  std::string names[5] = { "ten", "cello", "two", "yes", "violin" };
  const gchar *pointers[5];
  for (int i = 0; i < 5; ++i)
    pointers[i] = names[i].c_str ();
  std::string question = kQuestion;
  GstBuffer *buffer = gst_buffer_new ();
  fail_unless (gst_buffer_add_dgsct_answer_meta (buffer, question.c_str (), 3, 12, 3 * GST_SECOND, 13 * GST_SECOND, 5,
          kTop, pointers, kProbs) != nullptr);
  question.assign (question.size (), 'x');
  for (auto & n : names)
    n.assign (n.size (), 'x');
  return buffer;
}

void check_answer (const DgsctAnswerMeta * a)
{
  const char *names[5] = { "ten", "cello", "two", "yes", "violin" };
  fail_unless (a != nullptr);
  fail_unless_equals_string (a->question, kQuestion);
  fail_unless_equals_int (a->answer, 33);
  fail_unless_equals_string (a->answer_name, "ten");
  fail_unless (a->answer_name == g_intern_static_string ("ten"), "the name is not interned");
  fail_unless_equals_float (a->confidence, 0.41f);
  fail_unless_equals_int (a->n_top, 5);
  for (int i = 0; i < 5; ++i) {
    fail_unless_equals_int (a->top_answers[i], kTop[i]);
    fail_unless_equals_string (a->top_names[i], names[i]);
    fail_unless_equals_float (a->top_probs[i], kProbs[i]);
  }
  fail_unless_equals_uint64 (a->first_index, 3);
  fail_unless_equals_uint64 (a->last_index, 12);
  fail_unless_equals_uint64 (a->start, 3 * GST_SECOND);
  fail_unless_equals_uint64 (a->end, 13 * GST_SECOND);
}

}  // namespace

GST_START_TEST (test_the_answer_is_the_most_probable)
{
  GstBuffer *buffer = buffer_with_answer ();
  check_answer (gst_buffer_get_dgsct_answer_meta (buffer));
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_fewer_top_answers_and_invalid_arguments)
{
  GstBuffer *buffer = gst_buffer_new ();
  const gchar *names[1] = { "yes" };
  DgsctAnswerMeta *a = gst_buffer_add_dgsct_answer_meta (buffer, "Is the piano playing?", 0, 9, 0, 10 * GST_SECOND, 1,
      kTop, names, kProbs);
  fail_unless (a != nullptr);
  fail_unless_equals_int (a->n_top, 1);
  fail_unless_equals_string (a->answer_name, "yes");
  ASSERT_CRITICAL (gst_buffer_add_dgsct_answer_meta (buffer, "q", 0, 9, 0, 1, 0, kTop, names, kProbs));
  ASSERT_CRITICAL (gst_buffer_add_dgsct_answer_meta (buffer, "q", 0, 9, 0, 1, DGSCT_ANSWER_TOP + 1, kTop, names,
          kProbs));
  ASSERT_CRITICAL (gst_buffer_add_dgsct_answer_meta (buffer, nullptr, 0, 9, 0, 1, 1, kTop, names, kProbs));
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_the_structure_has_the_documented_fields)
{
  GstBuffer *buffer = buffer_with_answer ();
  GstStructure *s = dgsct_answer_meta_to_structure (gst_buffer_get_dgsct_answer_meta (buffer));
  fail_unless (gst_structure_has_name (s, "dgsct-answer"));
  fail_unless_equals_string (gst_structure_get_string (s, "question"), kQuestion);
  gint answer;
  gfloat confidence;
  guint64 first_index, last_index, start, end;
  fail_unless (gst_structure_get (s, "answer", G_TYPE_INT, &answer, "confidence", G_TYPE_FLOAT, &confidence,
          "first-index", G_TYPE_UINT64, &first_index, "last-index", G_TYPE_UINT64, &last_index, "start", G_TYPE_UINT64, &start,
          "end", G_TYPE_UINT64, &end, nullptr));
  fail_unless_equals_int (answer, 33);
  fail_unless_equals_string (gst_structure_get_string (s, "answer-name"), "ten");
  fail_unless_equals_float (confidence, 0.41f);
  fail_unless_equals_uint64 (first_index, 3);
  fail_unless_equals_uint64 (last_index, 12);
  fail_unless_equals_uint64 (start, 3 * GST_SECOND);
  fail_unless_equals_uint64 (end, 13 * GST_SECOND);
  const GValue *answers = gst_structure_get_value (s, "top-answers");
  const GValue *names = gst_structure_get_value (s, "top-names");
  const GValue *probs = gst_structure_get_value (s, "top-probs");
  fail_unless (GST_VALUE_HOLDS_ARRAY (answers) && GST_VALUE_HOLDS_ARRAY (names) && GST_VALUE_HOLDS_ARRAY (probs));
  fail_unless_equals_int (gst_value_array_get_size (answers), 5);
  fail_unless_equals_int (gst_value_array_get_size (names), 5);
  fail_unless_equals_int (gst_value_array_get_size (probs), 5);
  fail_unless_equals_int (g_value_get_int (gst_value_array_get_value (answers, 1)), 1);
  fail_unless_equals_string (g_value_get_string (gst_value_array_get_value (names, 1)), "cello");
  fail_unless_equals_float (g_value_get_float (gst_value_array_get_value (probs, 4)), 0.04f);
  gst_structure_free (s);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_copies_and_events_carry_the_whole_answer)
{
  GstBuffer *buffer = buffer_with_answer ();
  GstBuffer *copy = gst_buffer_copy (buffer);
  check_answer (gst_buffer_get_dgsct_answer_meta (copy));

  GstEvent *event = dgsct_answer_event_new (gst_buffer_get_dgsct_answer_meta (buffer));
  fail_unless (gst_event_has_name (event, "dgsct-answer"));
  fail_unless (GST_EVENT_IS_SERIALIZED (event));
  GstBuffer *target = gst_buffer_new ();
  fail_unless (dgsct_answer_event_parse (event, target));
  check_answer (gst_buffer_get_dgsct_answer_meta (target));
  GstEvent *eos = gst_event_new_eos ();
  fail_if (dgsct_answer_event_parse (eos, target));
  gst_event_unref (eos);

  /* a field missing, or top arrays of different lengths, are refused */
  GstBuffer *untouched = gst_buffer_new ();
  GstEvent *broken = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new ("dgsct-answer",
          "question", G_TYPE_STRING, kQuestion, nullptr));
  fail_if (dgsct_answer_event_parse (broken, untouched));
  gst_event_unref (broken);
  GstStructure *s = gst_structure_copy (gst_event_get_structure (event));
  GValue shorter = G_VALUE_INIT, v = G_VALUE_INIT;
  gst_value_array_init (&shorter, 1);
  g_value_init (&v, G_TYPE_FLOAT);
  g_value_set_float (&v, 0.5f);
  gst_value_array_append_and_take_value (&shorter, &v);
  gst_structure_take_value (s, "top-probs", &shorter);
  broken = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
  fail_if (dgsct_answer_event_parse (broken, untouched));
  fail_unless (gst_buffer_get_dgsct_answer_meta (untouched) == nullptr);

  gst_event_unref (broken);
  gst_buffer_unref (untouched);
  gst_event_unref (event);
  gst_buffer_unref (target);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

static Suite *answer_meta_suite (void)
{
  Suite *s = suite_create ("dgsct-answer-meta");
  TCase *tc = tcase_create ("meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_the_answer_is_the_most_probable);
  tcase_add_test (tc, test_fewer_top_answers_and_invalid_arguments);
  tcase_add_test (tc, test_the_structure_has_the_documented_fields);
  tcase_add_test (tc, test_copies_and_events_carry_the_whole_answer);
  return s;
}

GST_CHECK_MAIN (answer_meta);
