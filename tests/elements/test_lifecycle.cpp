/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lifecycle of the plugin under AddressSanitizer's leak checker and GStreamer's leaks tracer (this
 * test's own target, see meson.build): 50 NULL -> PLAYING -> NULL cycles, whole analyses to EOS in
 * both window modes with JSON out (and with held frames and an AVS model after the AVE one), an AVQA
 * model answering a question (answers on frames and after the last one), and failed model loads and
 * refused questions. Anything the elements, the model or their worker threads forget to release
 * fails the run at exit. */
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <string>

namespace {

std::string model_file ()
{
  return g_getenv ("DGSCT_TEST_MODEL");
}

/* Runs `description` to EOS; fails on an ERROR. */
void run_to_eos (const std::string & description)
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "%s", error ? error->message : "");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 120 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless (msg != nullptr, "no EOS within 120 s");
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

/* `seconds` of a 1 fps test pattern with a tone, analysed by `model` into JSON Lines at `json`. */
std::string analysis (const std::string & model, int seconds, const std::string & options, const std::string & json)
{
  const std::string buffers = "num-buffers=" + std::to_string (seconds);
  return "videotestsrc " + buffers + " ! video/x-raw,width=64,height=48,framerate=1/1 ! a.video "
      "audiotestsrc " + buffers + " samplesperbuffer=32000 ! audio/x-raw,rate=32000 ! a.audio "
      "dgsctbin name=a model=" + model + " " + options + " ! dgsctjson location=" + json + " ! fakesink";
}

std::string ten_second_analysis (const std::string & options, const std::string & json)
{
  return analysis (model_file (), 10, options, json);
}

}  // namespace

GST_START_TEST (test_fifty_state_cycles)
{
  for (int cycle = 0; cycle < 50; ++cycle) {
    GstElement *pipeline = gst_parse_launch (("videotestsrc num-buffers=5 ! video/x-raw,width=32,height=24 ! s.video "
            "audiotestsrc num-buffers=5 ! audio/x-raw,rate=32000 ! s.audio dgsctbin name=s model=" + model_file () +
            " ! fakesink").c_str (), nullptr);
    fail_unless (pipeline != nullptr);
    GstElement *bin = gst_bin_get_by_name (GST_BIN (pipeline), "s");
    gpointer alive = bin;
    g_object_add_weak_pointer (G_OBJECT (bin), &alive);
    gst_object_unref (bin);
    fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int (gst_element_get_state (pipeline, nullptr, nullptr, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (pipeline);
    fail_unless (alive == nullptr, "cycle %d: dgsctbin still alive after the pipeline was released", cycle);
  }
}
GST_END_TEST;

GST_START_TEST (test_whole_analyses_in_both_window_modes)
{
  gchar *json = g_build_filename (g_get_tmp_dir (), "dgsct-lifecycle.jsonl", nullptr);
  run_to_eos (ten_second_analysis ("window-mode=clip", json));
  run_to_eos (ten_second_analysis ("window-mode=sliding lookahead=2", json));
  /* Held frames, and a second dgsctinfer with the AVS demo model in the chain. */
  run_to_eos (ten_second_analysis ("hold-frames=true ! dgsctinfer model=avs-demo lookahead=2 hold-frames=true", json));
  gchar *contents = nullptr;
  fail_unless (g_file_get_contents (json, &contents, nullptr, nullptr));
  fail_unless (g_strstr_len (contents, -1, "\"segment\"") != nullptr, "no segment lines in %s", json);
  fail_unless (g_strstr_len (contents, -1, "\"mask\"") != nullptr, "no mask lines in %s", json);
  g_free (contents);
  g_unlink (json);
  g_free (json);
}
GST_END_TEST;

GST_START_TEST (test_answers)
{
  gchar *json = g_build_filename (g_get_tmp_dir (), "dgsct-lifecycle-avqa.jsonl", nullptr);
  run_to_eos (analysis (g_getenv ("DGSCT_TEST_AVQA_MODEL"), 12,
          "question=\"Which instrument makes sounds before the violin?\"", json));
  gchar *contents = nullptr;
  fail_unless (g_file_get_contents (json, &contents, nullptr, nullptr));
  fail_unless (g_strstr_len (contents, -1, "\"answer\"") != nullptr, "no answer lines in %s", json);
  g_free (contents);
  g_unlink (json);
  g_free (json);
}
GST_END_TEST;

GST_START_TEST (test_failed_model_loads_and_questions)
{
  gchar *corrupt = g_build_filename (g_get_tmp_dir (), "dgsct-lifecycle-corrupt.safetensors", nullptr);
  fail_unless (g_file_set_contents (corrupt, "\x10\0\0\0\0\0\0\0{not json}      ", 24, nullptr));
  for (const std::string &model : { std::string ("/nonexistent/ave.safetensors"), std::string (corrupt) }) {
    GstElement *pipeline = gst_parse_launch (("videotestsrc ! dgsctinfer model=" + model + " ! fakesink").c_str (), nullptr);
    fail_unless (pipeline != nullptr);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (pipeline);
  }
  g_unlink (corrupt);
  g_free (corrupt);
  /* a question outside the vocabulary fails the start */
  GstElement *pipeline = gst_parse_launch (("videotestsrc ! dgsctinfer model=" + std::string (g_getenv (
                  "DGSCT_TEST_AVQA_MODEL")) + " question=\"Is the zebra playing?\" ! fakesink").c_str (), nullptr);
  fail_unless (pipeline != nullptr);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}
GST_END_TEST;

static Suite *lifecycle_suite (void)
{
  Suite *s = suite_create ("lifecycle");
  TCase *tc = tcase_create ("leaks");
  tcase_set_timeout (tc, 600);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fifty_state_cycles);
  tcase_add_test (tc, test_whole_analyses_in_both_window_modes);
  tcase_add_test (tc, test_answers);
  tcase_add_test (tc, test_failed_model_loads_and_questions);
  return s;
}

/* gst_check_run_suite() ends with gst_deinit(), where the leaks tracer reports. */
GST_CHECK_MAIN (lifecycle);
