/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctinfer in real pipelines: the golden AVE clip through dgsctsync and dgsctinfer gives the
 * model library's labels, messages and events; bad models fail the state change with an ERROR
 * naming the file. The model file is packed by meson from the golden weights (DGSCT_TEST_MODEL). */
#include "dgsct-result-meta.h"
#include "dgsct/safetensors.h"

#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <string>
#include <vector>

namespace {

std::string reference (const std::string & file)
{
  return std::string (g_getenv ("DGSCT_REFERENCE_DIR")) + "/ave-small/" + file;
}

struct Messages {
  std::vector<GstStructure *> segments, events;
  ~Messages ()
  {
    for (auto *s : segments)
      gst_structure_free (s);
    for (auto *s : events)
      gst_structure_free (s);
  }
};

std::string model_file ()
{
  return g_getenv ("DGSCT_TEST_MODEL");
}

/* Result metas on the frames that reach the sink: all, and those on a frame of their own segment. */
struct MetaCount {
  int total = 0, own_segment = 0, frames = 0;
};

/* Plays the golden clip (10 frames at 1 fps, 10 s of audio) into `analysis`, whose video and audio
 * pads are s.video and s.audio. */
void play_golden_clip (const std::string & analysis, Messages & messages, int &result_metas, MetaCount * count = nullptr)
{
  auto input = dgsct::SafetensorsFile::open (reference ("input.safetensors"));
  const auto & frames = input->at ("frames");
  const auto & audio = input->at ("audio");
  const int T = frames.shape[0], H = frames.shape[1], W = frames.shape[2];

  const std::string description = "appsrc name=video format=time max-bytes=0 ! s.video "
      "appsrc name=audio format=time max-bytes=0 ! s.audio "
      + analysis + " ! fakesink name=out signal-handoffs=true";
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "%s", error ? error->message : "");
  GstElement *vsrc = gst_bin_get_by_name (GST_BIN (pipeline), "video");
  GstElement *asrc = gst_bin_get_by_name (GST_BIN (pipeline), "audio");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  MetaCount local;
  MetaCount *counted = count ? count : &local;
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer * buffer, GstPad *, gpointer data) {
            auto *c = static_cast<MetaCount *> (data);
            ++c->frames;
            gpointer state = nullptr;
            GstMeta *meta;
            /* the stream starts at 0: PTS is running time */
            while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_RESULT_META_API_TYPE))) {
              auto *r = reinterpret_cast<DgsctResultMeta *> (meta);
              ++c->total;
              c->own_segment += r->start <= GST_BUFFER_PTS (buffer) && GST_BUFFER_PTS (buffer) < r->end;
            }
          }), counted);

  GstCaps *vcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, W,
      "height", G_TYPE_INT, H, "framerate", GST_TYPE_FRACTION, 1, 1, nullptr);
  GstCaps *acaps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout", G_TYPE_STRING,
      "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, 32000, nullptr);
  gst_app_src_set_caps (GST_APP_SRC (vsrc), vcaps);
  gst_app_src_set_caps (GST_APP_SRC (asrc), acaps);
  gst_caps_unref (vcaps);
  gst_caps_unref (acaps);
  const size_t frame_bytes = static_cast<size_t> (H) * W * 3, second_bytes = 32000 * sizeof (float);
  for (int t = 0; t < T; ++t) {
    GstBuffer *v = gst_buffer_new_memdup (frames.data + t * frame_bytes, frame_bytes);
    GstBuffer *a = gst_buffer_new_memdup (audio.data + t * second_bytes, second_bytes);
    GST_BUFFER_PTS (v) = GST_BUFFER_PTS (a) = t * GST_SECOND;
    GST_BUFFER_DURATION (v) = GST_BUFFER_DURATION (a) = GST_SECOND;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (vsrc), v), GST_FLOW_OK);
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (asrc), a), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (vsrc));
  gst_app_src_end_of_stream (GST_APP_SRC (asrc));

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus (pipeline);
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    fail_unless (msg != nullptr, "no EOS within 60 s");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err;
      gchar *debug;
      gst_message_parse_error (msg, &err, &debug);
      fail ("pipeline error: %s (%s)", err->message, debug);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    const GstStructure *s = gst_message_get_structure (msg);
    if (gst_structure_has_name (s, "dgsct-segment"))
      messages.segments.push_back (gst_structure_copy (s));
    else if (gst_structure_has_name (s, "dgsct-event"))
      messages.events.push_back (gst_structure_copy (s));
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  result_metas = counted->total;
  gst_object_unref (vsrc);
  gst_object_unref (asrc);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

int int_field (const GstStructure * s, const char *name)
{
  gint v = -1;
  fail_unless (gst_structure_get_int (s, name, &v), "no field %s", name);
  return v;
}

guint64 uint64_field (const GstStructure * s, const char *name)
{
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (s, name, &v), "no field %s", name);
  return v;
}

/* Fails the state change of a pipeline whose dgsctinfer has `model` and returns the ERROR's text. */
std::string load_error (const std::string & model)
{
  GstElement *pipeline = gst_parse_launch (("videotestsrc ! dgsctinfer model=" + model + " ! fakesink").c_str (), nullptr);
  fail_unless (pipeline != nullptr);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = gst_bus_poll (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR, GST_SECOND);
  fail_unless (msg != nullptr, "no ERROR message");
  GError *err;
  gchar *debug;
  gst_message_parse_error (msg, &err, &debug);
  std::string text = std::string (err->message) + " | " + (debug ? debug : "");
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return text;
}

}  // namespace

GST_START_TEST (test_golden_clip_gives_the_model_labels)
{
  /* decode.pred of the reference, which the model library reproduces (tests/model/test_golden.cpp) */
  const int expected[10] = { 13, 28, 13, 28, 28, 13, 13, 28, 13, 28 };
  Messages messages;
  int metas;
  play_golden_clip ("dgsctsync name=s ! dgsctinfer model=" + model_file () + " window-mode=clip", messages, metas);
  fail_unless_equals_int (messages.segments.size (), 10);
  for (int t = 0; t < 10; ++t) {
    const GstStructure *s = messages.segments[t];
    fail_unless_equals_uint64 (uint64_field (s, "index"), t);
    fail_unless_equals_uint64 (uint64_field (s, "start"), t * GST_SECOND);
    fail_unless_equals_int (int_field (s, "label"), expected[t]);
    fail_unless_equals_string (gst_structure_get_string (s, "label-name"), expected[t] == 13 ? "Motorcycle" : "background");
  }
  /* Motorcycle on 0, 2, 5-6, 8: four events, each started and stopped. */
  const char *states[8] = { "start", "stop", "start", "stop", "start", "stop", "start", "stop" };
  const guint64 at[8] = { 0, 1, 2, 3, 5, 7, 8, 9 };
  fail_unless_equals_int (messages.events.size (), 8);
  for (int i = 0; i < 8; ++i) {
    fail_unless_equals_string (gst_structure_get_string (messages.events[i], "state"), states[i]);
    fail_unless_equals_uint64 (uint64_field (messages.events[i], "index"), at[i]);
  }
  /* All ten results come after the last frame (the clip's window closes at EOS): no frame carries them. */
  fail_unless_equals_int (metas, 0);
}
GST_END_TEST;

GST_START_TEST (test_hold_frames_puts_results_on_their_own_segment)
{
  /* Clip mode decides all ten segments at EOS: without hold-frames no frame carries them (above);
   * holding the frames, each result rides on the frame of its own segment, and all frames arrive. */
  Messages messages;
  int metas;
  MetaCount count;
  play_golden_clip ("dgsctsync name=s ! dgsctinfer model=" + model_file () + " window-mode=clip hold-frames=true",
      messages, metas, &count);
  fail_unless_equals_int (messages.segments.size (), 10);
  fail_unless_equals_int (count.frames, 10);
  fail_unless_equals_int (count.total, 10);
  fail_unless_equals_int (count.own_segment, 10);
  /* Sliding with a lookahead: the same. */
  MetaCount sliding;
  play_golden_clip ("dgsctsync name=s ! dgsctinfer model=" + model_file () + " lookahead=3 hold-frames=true", messages,
      metas, &sliding);
  fail_unless_equals_int (sliding.frames, 10);
  fail_unless_equals_int (sliding.total, 10);
  fail_unless_equals_int (sliding.own_segment, 10);
}
GST_END_TEST;

GST_START_TEST (test_sliding_window_reports_every_segment_once)
{
  Messages messages;
  int metas;
  play_golden_clip ("dgsctsync name=s ! dgsctinfer model=" + model_file () + " window-mode=sliding", messages, metas);
  /* 10 segments, window 10: one window, every segment reported, identical to the clip result. */
  fail_unless_equals_int (messages.segments.size (), 10);
  const int expected[10] = { 13, 28, 13, 28, 28, 13, 13, 28, 13, 28 };
  for (int t = 0; t < 10; ++t)
    fail_unless_equals_int (int_field (messages.segments[t], "label"), expected[t]);

  /* With a lookahead the window decides segments 0-6 when it fills; the end of the stream decides
   * the last three from the same window. */
  Messages ahead;
  play_golden_clip ("dgsctsync name=s ! dgsctinfer model=" + model_file () + " window-mode=sliding lookahead=3", ahead,
      metas);
  fail_unless_equals_int (ahead.segments.size (), 10);
  for (int t = 0; t < 10; ++t) {
    fail_unless_equals_uint64 (uint64_field (ahead.segments[t], "index"), t);
    fail_unless_equals_int (int_field (ahead.segments[t], "label"), expected[t]);
  }
}
GST_END_TEST;

GST_START_TEST (test_bin_and_json_lines_agree_with_the_messages)
{
  gchar *json_path = g_build_filename (g_get_tmp_dir (), "dgsct-test-results.jsonl", nullptr);
  Messages messages;
  int metas;
  play_golden_clip ("dgsctbin name=s model=" + model_file () + " window-mode=clip ! dgsctjson scores=true location=" +
      json_path, messages, metas);
  gchar *text;
  fail_unless (g_file_get_contents (json_path, &text, nullptr, nullptr));
  gchar **lines = g_strsplit (text, "\n", -1);
  size_t segment = 0, event = 0;
  for (gchar **line = lines; *line && **line; ++line) {
    JsonParser *parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (parser, *line, -1, nullptr), "not JSON: %s", *line);
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    const std::string type = json_object_get_string_member (o, "type");
    if (type == "segment") {
      fail_unless (segment < messages.segments.size ());
      const GstStructure *m = messages.segments[segment++];
      fail_unless_equals_int (json_object_get_int_member (o, "index"), (gint64) uint64_field (m, "index"));
      fail_unless_equals_int (json_object_get_int_member (o, "label"), int_field (m, "label"));
      fail_unless_equals_string (json_object_get_string_member (o, "label_name"), gst_structure_get_string (m, "label-name"));
      fail_unless_equals_int (json_array_get_length (json_object_get_array_member (o, "scores")), 28);
      JsonObject *rt = json_object_get_object_member (o, "running_time");
      fail_unless_equals_int (json_object_get_int_member (rt, "start"), (gint64) uint64_field (m, "start"));
    } else {
      fail_unless_equals_string (type.c_str (), "event");
      fail_unless (event < messages.events.size ());
      const GstStructure *m = messages.events[event++];
      fail_unless_equals_string (json_object_get_string_member (o, "state"), gst_structure_get_string (m, "state"));
      fail_unless_equals_int (json_object_get_int_member (o, "index"), (gint64) uint64_field (m, "index"));
    }
    g_object_unref (parser);
  }
  fail_unless_equals_int (segment, 10);
  fail_unless_equals_int (event, 8);
  /* The bin prepares the inputs with dgsctmel and dgsctpatch: still the model library's labels. */
  const int expected[10] = { 13, 28, 13, 28, 28, 13, 13, 28, 13, 28 };
  for (int t = 0; t < 10; ++t)
    fail_unless_equals_int (int_field (messages.segments[t], "label"), expected[t]);
  g_strfreev (lines);
  g_free (text);
  g_unlink (json_path);
  g_free (json_path);
}
GST_END_TEST;

GST_START_TEST (test_front_end_from_properties_gives_the_model_labels)
{
  /* dgsctmel and dgsctpatch without a model compute the front end from their properties (the
   * ave-small sizes here); the kernels they compute equal the checkpoint's. */
  const int expected[10] = { 13, 28, 13, 28, 28, 13, 13, 28, 13, 28 };
  Messages messages;
  int metas;
  play_golden_clip ("dgsctsync name=s ! dgsctmel mel-bins=4 ! dgsctpatch size=64 ! dgsctinfer window-mode=clip model=" +
      model_file (), messages, metas);
  fail_unless_equals_int (messages.segments.size (), 10);
  for (int t = 0; t < 10; ++t)
    fail_unless_equals_int (int_field (messages.segments[t], "label"), expected[t]);
}
GST_END_TEST;

GST_START_TEST (test_yuv_video_is_converted_for_the_model)
{
  /* videotestsrc's I420 key frames go through the RGB conversion; 2 s at 5 fps: a window of 10
   * needs 10 segments, so nothing is decided, but every segment is processed without warnings. */
  GstElement *pipeline = gst_parse_launch (("videotestsrc num-buffers=10 ! video/x-raw,format=I420,width=64,height=48,"
          "framerate=5/1 ! s.video audiotestsrc num-buffers=200 samplesperbuffer=320 ! audio/x-raw,rate=32000 ! s.audio "
          "dgsctbin name=s model=" + model_file () + " ! fakesink").c_str (), nullptr);
  fail_unless (pipeline != nullptr);
  GstElement *bin = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 30 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING));
  fail_unless (msg != nullptr && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  guint64 processed = 0;
  g_object_get (bin, "processed", &processed, nullptr);
  fail_unless_equals_uint64 (processed, 2);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bin);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_live_slow_inference_drops_segments_not_frames)
{
  /* Each inference takes 3 s while segments arrive every second: with a queue of one, segment 0
   * runs, segment 1 waits, segment 2 finds the queue full and is dropped. Video is not held up. */
  g_setenv ("DGSCT_DEBUG_INFER_DELAY_MS", "3000", TRUE);
  GstElement *pipeline = gst_parse_launch (("videotestsrc is-live=true num-buffers=90 ! video/x-raw,width=64,height=48,"
          "framerate=30/1 ! s.video audiotestsrc is-live=true samplesperbuffer=320 ! audio/x-raw,rate=32000 ! s.audio "
          "dgsctbin name=s queue-size=1 model=" + model_file () + " ! fakesink name=out signal-handoffs=true sync=true").c_str (), nullptr);
  fail_unless (pipeline != nullptr);
  GstElement *bin = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  int frames = 0;
  g_signal_connect (sink, "handoff", G_CALLBACK (+[](GstElement *, GstBuffer *, GstPad *, gpointer count) {
            ++*static_cast<int *> (count);
          }), &frames);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipeline, nullptr, nullptr, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  GstQuery *latency = gst_query_new_latency ();
  fail_unless (gst_element_query (pipeline, latency));
  gboolean live;
  GstClockTime min;
  gst_query_parse_latency (latency, &live, &min, nullptr);
  gst_query_unref (latency);
  fail_unless (live);
  fail_unless (min >= GST_SECOND, "latency %" GST_TIME_FORMAT " below the segment duration", GST_TIME_ARGS (min));

  int qos = 0;
  bool eos = false;
  GstBus *bus = gst_element_get_bus (pipeline);
  while (!eos) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_QOS));
    fail_unless (msg != nullptr, "no EOS within 30 s");
    fail_unless (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_QOS && GST_MESSAGE_SRC (msg) == GST_OBJECT (gst_bin_get_by_name (GST_BIN (bin), "infer"))) {
      GstFormat format;
      guint64 processed, dropped;
      gst_message_parse_qos_stats (msg, &format, &processed, &dropped);
      fail_unless_equals_int (format, GST_FORMAT_DEFAULT);
      fail_unless (dropped >= 1);
      ++qos;
    }
    eos = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  fail_unless_equals_int (frames, 90);
  guint64 dropped = 0, processed = 0;
  g_object_get (bin, "dropped", &dropped, "processed", &processed, nullptr);
  fail_unless (dropped >= 1, "no segment dropped");
  fail_unless_equals_int (qos, (int) dropped);
  /* 3 s of video: 3 segments, or 4 when live running time does not start on a segment boundary. */
  fail_unless (processed + dropped == 3 || processed + dropped == 4, "%d segments", (int) (processed + dropped));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (bin);
  gst_object_unref (pipeline);
  g_unsetenv ("DGSCT_DEBUG_INFER_DELAY_MS");
}
GST_END_TEST;

GST_START_TEST (test_missing_model_file)
{
  const std::string text = load_error ("/nonexistent/ave.safetensors");
  fail_unless (text.find ("/nonexistent/ave.safetensors") != std::string::npos, "%s", text.c_str ());
}
GST_END_TEST;

GST_START_TEST (test_window_other_than_the_models_is_refused)
{
  const std::string text = load_error (model_file () + " window=5");
  fail_unless (text.find ("window=5 does not fit model") != std::string::npos, "%s", text.c_str ());
  fail_unless (text.find ("exactly 10 segments") != std::string::npos, "%s", text.c_str ());
}
GST_END_TEST;

GST_START_TEST (test_corrupt_model_file)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "dgsct-corrupt-model.safetensors", nullptr);
  fail_unless (g_file_set_contents (path, "\x10\0\0\0\0\0\0\0{not json}      ", 24, nullptr));
  const std::string text = load_error (path);
  fail_unless (text.find (std::string (path) + ": malformed header JSON") != std::string::npos, "%s", text.c_str ());
  g_unlink (path);
  g_free (path);
}
GST_END_TEST;

static Suite *dgsctinfer_suite (void)
{
  Suite *s = suite_create ("dgsctinfer");
  TCase *tc = tcase_create ("pipelines");
  tcase_set_timeout (tc, 180);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_golden_clip_gives_the_model_labels);
  tcase_add_test (tc, test_sliding_window_reports_every_segment_once);
  tcase_add_test (tc, test_hold_frames_puts_results_on_their_own_segment);
  tcase_add_test (tc, test_bin_and_json_lines_agree_with_the_messages);
  tcase_add_test (tc, test_front_end_from_properties_gives_the_model_labels);
  tcase_add_test (tc, test_yuv_video_is_converted_for_the_model);
  tcase_add_test (tc, test_live_slow_inference_drops_segments_not_frames);
  tcase_add_test (tc, test_missing_model_file);
  tcase_add_test (tc, test_corrupt_model_file);
  tcase_add_test (tc, test_window_other_than_the_models_is_refused);
  return s;
}

GST_CHECK_MAIN (dgsctinfer);
