/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctjson with a harness: a mask meta on a frame and a "dgsct-mask" event each give one mask line,
 * after the lines of the results on the same frame. Parsing metas and "dgsct-parsing" events give
 * parsing lines, after the event lines of each modality's changes; EOS stops the open events. Answer
 * metas and "dgsct-answer" events give answer lines with the top answers. */
#include "dgsct-answer-meta.h"
#include "dgsct-mask-meta.h"
#include "dgsct-parsing-meta.h"
#include "dgsct-result-meta.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <json-glib/json-glib.h>
#include <string>
#include <vector>

namespace {

GstHarness *new_json ()
{
  GstHarness *h = gst_harness_new ("dgsctjson");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
  return h;
}

GstBuffer *new_frame (guint frame_number)
{
  GstBuffer *buffer = gst_buffer_new_allocate (nullptr, 320 * 240 * 3, nullptr);
  GST_BUFFER_PTS (buffer) = gst_util_uint64_scale_int (frame_number, GST_SECOND, 30);
  GST_BUFFER_DURATION (buffer) = GST_SECOND / 30;
  return buffer;
}

/* An 8 x 4 mask on the whole 320 x 240 frame with a 3 x 2 block at (2, 1): 40 x 60 frame pixels each. */
void add_mask (GstBuffer * buffer, guint64 index)
{
  std::vector<guint8> pixels (8 * 4, 0);
  for (guint y = 1; y < 3; ++y)
    for (guint x = 2; x < 5; ++x)
      pixels[y * 8 + x] = 255;
  const GstVideoRectangle frame {0, 0, 320, 240};
  fail_unless (gst_buffer_add_dgsct_mask_meta (buffer, index, index * GST_SECOND, (index + 1) * GST_SECOND,
          pixels.data (), 8, 4, &frame) != nullptr);
}

/* The JSON objects in one output buffer; unref each with json_object_unref. */
std::vector<JsonObject *> lines_of (GstBuffer * buffer)
{
  GstMapInfo map;
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  const std::string text (reinterpret_cast<const char *> (map.data), map.size);
  gst_buffer_unmap (buffer, &map);
  fail_unless (!text.empty () && text.back () == '\n', "not JSON Lines: %s", text.c_str ());
  std::vector<JsonObject *> objects;
  gchar **lines = g_strsplit (text.c_str (), "\n", -1);
  for (gchar **line = lines; *line && **line; ++line) {
    JsonParser *parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (parser, *line, -1, nullptr), "not JSON: %s", *line);
    objects.push_back (json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    g_object_unref (parser);
  }
  g_strfreev (lines);
  return objects;
}

std::vector<gint64> ints_of (JsonObject * o, const char *member)
{
  std::vector<gint64> values;
  JsonArray *a = json_object_get_array_member (o, member);
  for (guint i = 0; i < json_array_get_length (a); ++i)
    values.push_back (json_array_get_int_element (a, i));
  return values;
}

void check_mask_line (JsonObject * o, guint64 index)
{
  fail_unless_equals_string (json_object_get_string_member (o, "type"), "mask");
  fail_unless_equals_int64 (json_object_get_int_member (o, "index"), index);
  for (const char *times : { "running_time", "stream_time" }) {
    JsonObject *t = json_object_get_object_member (o, times);
    fail_unless_equals_int64 (json_object_get_int_member (t, "start"), index * GST_SECOND);
    fail_unless_equals_int64 (json_object_get_int_member (t, "end"), (index + 1) * GST_SECOND);
  }
  fail_unless_equals_float (json_object_get_double_member (o, "foreground"), 6.0 / 32);
  fail_unless (ints_of (o, "bbox") == (std::vector<gint64> {80, 60, 120, 120}));
  fail_unless (ints_of (o, "region") == (std::vector<gint64> {0, 0, 320, 240}));
  fail_unless (ints_of (o, "size") == (std::vector<gint64> {8, 4}));
  fail_unless_equals_string (json_object_get_string_member (o, "rle"), "10 3 5 3 11");
  fail_if (json_object_has_member (o, "wall_time"));
}

void unref_all (const std::vector<JsonObject *> & objects)
{
  for (JsonObject *o : objects)
    json_object_unref (o);
}

const char *kParsingNames[3] = { "Speech", "Car", "Dog" };

/* A parsing result of segment `index` over three classes: `audio`, `visual` and `both` are each a
 * string of three '0'/'1' flags. */
void add_parsing (GstBuffer * buffer, guint64 index, const char *audio, const char *visual, const char *both)
{
  GQuark quarks[3];
  guint8 flags[3][3];
  const char *given[3] = { audio, visual, both };
  for (int c = 0; c < 3; ++c) {
    quarks[c] = g_quark_from_static_string (kParsingNames[c]);
    for (int m = 0; m < 3; ++m)
      flags[m][c] = given[m][c] == '1';
  }
  const gfloat audio_prob[3] = { 0.9f, 0.2f, 0.7f }, visual_prob[3] = { 0.1f, 0.8f, 0.6f },
      video_prob[3] = { 0.95f, 0.85f, 0.9f };
  fail_unless (gst_buffer_add_dgsct_parsing_meta (buffer, index, index * GST_SECOND, (index + 1) * GST_SECOND, 3,
          quarks, flags[0], flags[1], flags[2], audio_prob, visual_prob, video_prob) != nullptr);
}

std::vector<std::string> strings_of (JsonObject * o, const char *member)
{
  std::vector<std::string> values;
  JsonArray *a = json_object_get_array_member (o, member);
  for (guint i = 0; i < json_array_get_length (a); ++i)
    values.push_back (json_array_get_string_element (a, i));
  return values;
}

void check_event_line (JsonObject * o, const char *state, const char *modality, gint64 label, guint64 index)
{
  fail_unless_equals_string (json_object_get_string_member (o, "type"), "event");
  fail_unless_equals_string (json_object_get_string_member (o, "state"), state);
  fail_unless_equals_string (json_object_get_string_member (o, "modality"), modality);
  fail_unless_equals_int64 (json_object_get_int_member (o, "label"), label);
  fail_unless_equals_string (json_object_get_string_member (o, "label_name"), kParsingNames[label]);
  fail_unless_equals_int64 (json_object_get_int_member (o, "index"), index);
  fail_unless_equals_int64 (json_object_get_int_member (o, "running_time"), index * GST_SECOND);
}

/* The lines of the buffer pulled after pushing `in`. */
std::vector<JsonObject *> push_and_read (GstHarness * h, GstBuffer * in)
{
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  std::vector<JsonObject *> lines = lines_of (out);
  gst_buffer_unref (out);
  return lines;
}

}  // namespace

GST_START_TEST (test_mask_meta_gives_a_mask_line)
{
  GstHarness *h = new_json ();
  GstBuffer *in = new_frame (0);
  add_mask (in, 3);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  const std::vector<JsonObject *> lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 1);
  check_mask_line (lines[0], 3);
  unref_all (lines);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_lines_follow_the_results_of_their_frame)
{
  GstHarness *h = new_json ();
  GstBuffer *in = new_frame (0);
  add_mask (in, 4);
  const gfloat scores[2] = { 1.0f, -1.0f };
  const GQuark quarks[3] = { g_quark_from_static_string ("Dog"), g_quark_from_static_string ("Horse"),
      g_quark_from_static_string ("background") };
  fail_unless (gst_buffer_add_dgsct_result_meta (in, 4, 4 * GST_SECOND, 5 * GST_SECOND, 0, 2, 0.8f, 0.9f, scores,
          quarks, 2) != nullptr);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  const std::vector<JsonObject *> lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 3);
  fail_unless_equals_string (json_object_get_string_member (lines[0], "type"), "event");
  fail_unless_equals_string (json_object_get_string_member (lines[1], "type"), "segment");
  check_mask_line (lines[2], 4);
  unref_all (lines);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_events_give_mask_lines)
{
  GstHarness *h = new_json ();
  GstBuffer *carrier = gst_buffer_new ();
  add_mask (carrier, 9);
  fail_unless (gst_harness_push_event (h, dgsct_mask_event_new (gst_buffer_get_dgsct_mask_meta (carrier))));
  gst_buffer_unref (carrier);
  GstBuffer *out = gst_harness_pull (h);
  const std::vector<JsonObject *> lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 1);
  check_mask_line (lines[0], 9);
  unref_all (lines);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_parsing_lines_and_events_per_modality)
{
  GstHarness *h = gst_harness_new_parse ("dgsctjson scores=true");
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=320,height=240,framerate=30/1");
  /* segment 2: Speech heard, Dog heard and seen */
  GstBuffer *in = new_frame (0);
  add_parsing (in, 2, "101", "001", "001");
  std::vector<JsonObject *> lines = push_and_read (h, in);
  fail_unless_equals_int (lines.size (), 5);
  check_event_line (lines[0], "start", "audio", 0, 2);
  check_event_line (lines[1], "start", "audio", 2, 2);
  check_event_line (lines[2], "start", "visual", 2, 2);
  check_event_line (lines[3], "start", "audio-visual", 2, 2);
  JsonObject *p = lines[4];
  fail_unless_equals_string (json_object_get_string_member (p, "type"), "parsing");
  fail_unless_equals_int64 (json_object_get_int_member (p, "index"), 2);
  fail_unless (strings_of (p, "audio") == (std::vector<std::string> {"Speech", "Dog"}));
  fail_unless (ints_of (p, "audio_labels") == (std::vector<gint64> {0, 2}));
  fail_unless (strings_of (p, "visual") == (std::vector<std::string> {"Dog"}));
  fail_unless (strings_of (p, "audio_visual") == (std::vector<std::string> {"Dog"}));
  fail_unless (ints_of (p, "audio_visual_labels") == (std::vector<gint64> {2}));
  JsonObject *rt = json_object_get_object_member (p, "running_time");
  fail_unless_equals_int64 (json_object_get_int_member (rt, "start"), 2 * GST_SECOND);
  fail_unless_equals_int64 (json_object_get_int_member (rt, "end"), 3 * GST_SECOND);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member (p, "audio_prob")), 3);
  fail_unless_equals_float (json_array_get_double_element (json_object_get_array_member (p, "visual_prob"), 1), 0.8f);
  fail_unless_equals_float (json_array_get_double_element (json_object_get_array_member (p, "video_prob"), 2), 0.9f);
  unref_all (lines);
  /* segment 3: Speech stops, Car is now seen, Dog goes on everywhere */
  in = new_frame (30);
  add_parsing (in, 3, "001", "011", "001");
  lines = push_and_read (h, in);
  fail_unless_equals_int (lines.size (), 3);
  check_event_line (lines[0], "stop", "audio", 0, 3);
  check_event_line (lines[1], "start", "visual", 1, 3);
  fail_unless_equals_string (json_object_get_string_member (lines[2], "type"), "parsing");
  unref_all (lines);
  /* EOS: the open events stop after segment 3, per modality in class order */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  GstBuffer *out = gst_harness_pull (h);
  lines = lines_of (out);
  gst_buffer_unref (out);
  fail_unless_equals_int (lines.size (), 4);
  check_event_line (lines[0], "stop", "audio", 2, 4);
  check_event_line (lines[1], "stop", "visual", 1, 4);
  check_event_line (lines[2], "stop", "visual", 2, 4);
  check_event_line (lines[3], "stop", "audio-visual", 2, 4);
  unref_all (lines);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_parsing_events_give_parsing_lines)
{
  GstHarness *h = new_json ();
  GstBuffer *carrier = gst_buffer_new ();
  add_parsing (carrier, 9, "000", "100", "000");
  fail_unless (gst_harness_push_event (h, dgsct_parsing_event_new (gst_buffer_get_dgsct_parsing_meta (carrier))));
  gst_buffer_unref (carrier);
  GstBuffer *out = gst_harness_pull (h);
  const std::vector<JsonObject *> lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 2);
  check_event_line (lines[0], "start", "visual", 0, 9);
  fail_unless_equals_string (json_object_get_string_member (lines[1], "type"), "parsing");
  fail_unless (strings_of (lines[1], "audio").empty ());
  fail_unless (strings_of (lines[1], "visual") == (std::vector<std::string> {"Speech"}));
  fail_if (json_object_has_member (lines[1], "audio_prob"));
  unref_all (lines);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* An answer over segments 3-12, with two top answers. */
void add_answer (GstBuffer * buffer)
{
  const gint top[2] = { 33, 1 };
  const gchar *names[2] = { "ten", "cello" };
  const gfloat probs[2] = { 0.5f, 0.25f };
  fail_unless (gst_buffer_add_dgsct_answer_meta (buffer, "Which instrument makes sounds before the violin?", 3, 12,
          3 * GST_SECOND, 13 * GST_SECOND, 2, top, names, probs) != nullptr);
}

void check_answer_line (JsonObject * o)
{
  fail_unless_equals_string (json_object_get_string_member (o, "type"), "answer");
  fail_unless_equals_string (json_object_get_string_member (o, "question"),
      "Which instrument makes sounds before the violin?");
  fail_unless_equals_int64 (json_object_get_int_member (o, "answer"), 33);
  fail_unless_equals_string (json_object_get_string_member (o, "answer_name"), "ten");
  fail_unless_equals_float (json_object_get_double_member (o, "confidence"), 0.5);
  JsonArray *top = json_object_get_array_member (o, "top");
  fail_unless_equals_int (json_array_get_length (top), 2);
  JsonObject *second = json_array_get_object_element (top, 1);
  fail_unless_equals_int64 (json_object_get_int_member (second, "answer"), 1);
  fail_unless_equals_string (json_object_get_string_member (second, "answer_name"), "cello");
  fail_unless_equals_float (json_object_get_double_member (second, "prob"), 0.25);
  fail_unless_equals_int64 (json_object_get_int_member (o, "first_index"), 3);
  fail_unless_equals_int64 (json_object_get_int_member (o, "last_index"), 12);
  for (const char *times : { "running_time", "stream_time" }) {
    JsonObject *t = json_object_get_object_member (o, times);
    fail_unless_equals_int64 (json_object_get_int_member (t, "start"), 3 * GST_SECOND);
    fail_unless_equals_int64 (json_object_get_int_member (t, "end"), 13 * GST_SECOND);
  }
}

GST_START_TEST (test_answers_give_answer_lines)
{
  /* on a frame */
  GstHarness *h = new_json ();
  GstBuffer *in = new_frame (0);
  add_answer (in);
  GstBuffer *out = gst_harness_push_and_pull (h, in);
  std::vector<JsonObject *> lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 1);
  check_answer_line (lines[0]);
  unref_all (lines);
  gst_buffer_unref (out);

  /* after the last frame, as an event */
  GstBuffer *carrier = gst_buffer_new ();
  add_answer (carrier);
  fail_unless (gst_harness_push_event (h, dgsct_answer_event_new (gst_buffer_get_dgsct_answer_meta (carrier))));
  gst_buffer_unref (carrier);
  out = gst_harness_pull (h);
  lines = lines_of (out);
  fail_unless_equals_int (lines.size (), 1);
  check_answer_line (lines[0]);
  unref_all (lines);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *dgsctjson_suite (void)
{
  Suite *s = suite_create ("dgsctjson");
  TCase *tc = tcase_create ("harness");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mask_meta_gives_a_mask_line);
  tcase_add_test (tc, test_mask_lines_follow_the_results_of_their_frame);
  tcase_add_test (tc, test_mask_events_give_mask_lines);
  tcase_add_test (tc, test_parsing_lines_and_events_per_modality);
  tcase_add_test (tc, test_parsing_events_give_parsing_lines);
  tcase_add_test (tc, test_answers_give_answer_lines);
  return s;
}

GST_CHECK_MAIN (dgsctjson);
