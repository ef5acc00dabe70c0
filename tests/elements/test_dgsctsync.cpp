/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctsync in real pipelines: segment count, timing and content, EOS mid-segment, missing audio,
 * resampled audio, empty segments, and the meta surviving videoscale/videoconvert. */
#include "dgsct-segment-meta.h"

#include <cmath>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <string>
#include <vector>

namespace {

struct Segment {
  guint64 index;
  GstClockTime start, end, carrier_pts, key_pts;
  guint flags;
  std::vector<float> audio;
  int key_width;
};

struct Run {
  std::vector<GstClockTime> frame_pts;
  std::vector<Segment> segments;
};

/* Runs `description` (its sink is an appsink named "out") to EOS and collects frames and segments. */
Run run_pipeline (const std::string & description)
{
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "pipeline '%s': %s", description.c_str (), error ? error->message : "");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  fail_unless (sink != nullptr);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);
  Run run;
  GstSample *sample;
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 20 * GST_SECOND))) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    run.frame_pts.push_back (GST_BUFFER_PTS (buffer));
    gpointer state = nullptr;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_SEGMENT_META_API_TYPE))) {
      auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
      GstVideoInfo info;
      fail_unless (gst_video_info_from_caps (&info, seg->key_frame_caps));
      Segment s {seg->index, seg->start, seg->end, GST_BUFFER_PTS (buffer), GST_BUFFER_PTS (seg->key_frame),
          seg->flags, {}, GST_VIDEO_INFO_WIDTH (&info)};
      GstMapInfo map;
      fail_unless (gst_buffer_map (seg->audio, &map, GST_MAP_READ));
      const auto *f = reinterpret_cast<const float *> (map.data);
      s.audio.assign (f, f + map.size / sizeof (float));
      gst_buffer_unmap (seg->audio, &map);
      fail_unless_equals_int (seg->sample_rate, 32000);
      fail_unless (seg->key_frame_caps != nullptr);
      run.segments.push_back (std::move (s));
    }
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)), "no EOS within 20 s");
  GstMessage *msg = gst_bus_poll (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR, 0);
  fail_unless (msg == nullptr, "pipeline posted an error");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return run;
}

const char *kVideo = "videotestsrc num-buffers=%d ! video/x-raw,width=64,height=48,framerate=%s ! s.video ";
const char *kAudio = "audiotestsrc num-buffers=%d samplesperbuffer=%d ! audio/x-raw,rate=%d ! audioconvert ! audioresample ! s.audio ";

std::string pipeline (int frames, const char *fps, int audio_buffers, int samples_per_buffer, int rate,
    const std::string & sync_props = "", const std::string & tail = "")
{
  char buf[1024];
  std::string d;
  g_snprintf (buf, sizeof buf, kVideo, frames, fps);
  d += buf;
  g_snprintf (buf, sizeof buf, kAudio, audio_buffers, samples_per_buffer, rate);
  d += buf;
  return d + "dgsctsync name=s " + sync_props + " ! " + tail + "appsink name=out sync=false";
}

double rms (const std::vector<float> & v)
{
  double sum = 0;
  for (float x : v)
    sum += x * x;
  return std::sqrt (sum / v.size ());
}

}  // namespace

GST_START_TEST (test_three_seconds_make_three_segments)
{
  /* 3 s of 30 fps video, exactly 3 s of 32 kHz audio. */
  Run run = run_pipeline (pipeline (90, "30/1", 300, 320, 32000));
  fail_unless_equals_int (run.frame_pts.size (), 90);
  for (size_t i = 0; i < run.frame_pts.size (); ++i)
    fail_unless_equals_uint64 (run.frame_pts[i], gst_util_uint64_scale_int (i, GST_SECOND, 30));
  fail_unless_equals_int (run.segments.size (), 3);
  for (guint64 k = 0; k < 3; ++k) {
    const Segment & s = run.segments[k];
    fail_unless_equals_uint64 (s.index, k);
    fail_unless_equals_uint64 (s.start, k * GST_SECOND);
    fail_unless_equals_uint64 (s.end, (k + 1) * GST_SECOND);
    fail_unless_equals_int (s.flags, DGSCT_SEGMENT_FLAG_NONE);
    fail_unless_equals_int (s.audio.size (), 32000);
    /* audiotestsrc: a 0.8 sine, RMS 0.8 / sqrt(2) */
    fail_unless (std::fabs (rms (s.audio) - 0.8 / std::sqrt (2.0)) < 0.01, "segment %d rms %f", (int) k, rms (s.audio));
    fail_unless_equals_uint64 (s.key_pts, k * GST_SECOND + GST_SECOND / 2);
  }
  /* Each meta rides on the first frame at or after its segment's end; the last on the last frame. */
  fail_unless_equals_uint64 (run.segments[0].carrier_pts, GST_SECOND);
  fail_unless_equals_uint64 (run.segments[1].carrier_pts, 2 * GST_SECOND);
  fail_unless_equals_uint64 (run.segments[2].carrier_pts, run.frame_pts.back ());
}
GST_END_TEST;

GST_START_TEST (test_output_caps_are_always_fixed)
{
  /* The base class used to announce the bare template caps "video/x-raw" before the video's: an
   * encoder downstream then produced nothing. One caps event leaves dgsctsync: the video's. */
  std::string description = pipeline (30, "30/1", 100, 320, 32000);
  description.replace (description.find ("appsink"), std::string::npos, "fakesink");
  GstElement *pipeline = gst_parse_launch (description.c_str (), nullptr);
  fail_unless (pipeline != nullptr);
  GstElement *sync = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  GstPad *src = gst_element_get_static_pad (sync, "src");
  int caps_events = 0;
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, [](GstPad *, GstPadProbeInfo * info, gpointer count) {
        GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
        if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
          GstCaps *caps;
          gst_event_parse_caps (event, &caps);
          const bool video = gst_structure_has_field (gst_caps_get_structure (caps, 0), "width");
          *static_cast<int *> (count) += video ? 1 : 1000;
        }
        return GST_PAD_PROBE_OK;
      }, &caps_events, nullptr);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 20 * GST_SECOND,
      (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  fail_unless (msg != nullptr && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless_equals_int (caps_events, 1);
  gst_object_unref (src);
  gst_object_unref (sync);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_eos_mid_segment)
{
  Run emitted = run_pipeline (pipeline (75, "30/1", 250, 320, 32000));
  fail_unless_equals_int (emitted.frame_pts.size (), 75);
  fail_unless_equals_int (emitted.segments.size (), 3);
  fail_unless_equals_int (emitted.segments[2].flags, DGSCT_SEGMENT_FLAG_PARTIAL | DGSCT_SEGMENT_FLAG_AUDIO_MISSING);
  fail_unless_equals_int (emitted.segments[1].flags, DGSCT_SEGMENT_FLAG_NONE);

  Run dropped = run_pipeline (pipeline (75, "30/1", 250, 320, 32000, "emit-partial=false"));
  fail_unless_equals_int (dropped.frame_pts.size (), 75);
  fail_unless_equals_int (dropped.segments.size (), 2);
}
GST_END_TEST;

GST_START_TEST (test_missing_audio_is_silence_flagged)
{
  Run run = run_pipeline (pipeline (60, "30/1", 0, 320, 32000));
  fail_unless_equals_int (run.frame_pts.size (), 60);
  fail_unless_equals_int (run.segments.size (), 2);
  for (const Segment & s : run.segments) {
    fail_unless_equals_int (s.flags, DGSCT_SEGMENT_FLAG_AUDIO_MISSING);
    fail_unless_equals_int (s.audio.size (), 32000);
    fail_unless (rms (s.audio) == 0.0);
  }
}
GST_END_TEST;

GST_START_TEST (test_audio_is_resampled_to_the_model_rate)
{
  /* 2 s at 44.1 kHz arrive as 2 x 32000 samples. */
  Run run = run_pipeline (pipeline (60, "30/1", 90, 1000, 44100));
  fail_unless_equals_int (run.segments.size (), 2);
  for (const Segment & s : run.segments) {
    fail_unless_equals_int (s.audio.size (), 32000);
    fail_unless_equals_int (s.flags, DGSCT_SEGMENT_FLAG_NONE);
  }
}
GST_END_TEST;

GST_START_TEST (test_segment_without_frame_reuses_the_last)
{
  /* One frame every 2 s: segments 1 and 3 have no frame of their own. */
  Run run = run_pipeline (pipeline (2, "1/2", 400, 320, 32000));
  fail_unless_equals_int (run.frame_pts.size (), 2);
  fail_unless_equals_int (run.segments.size (), 4);
  fail_unless_equals_int (run.segments[0].flags, DGSCT_SEGMENT_FLAG_NONE);
  fail_unless_equals_int (run.segments[1].flags, DGSCT_SEGMENT_FLAG_FRAME_REUSED);
  fail_unless_equals_uint64 (run.segments[1].key_pts, 0);
  fail_unless_equals_uint64 (run.segments[2].key_pts, 2 * GST_SECOND);
  fail_unless_equals_int (run.segments[3].flags, DGSCT_SEGMENT_FLAG_FRAME_REUSED);
}
GST_END_TEST;

GST_START_TEST (test_meta_survives_scale_and_convert)
{
  Run run = run_pipeline (pipeline (60, "30/1", 200, 320, 32000, "",
          "videoscale ! video/x-raw,width=32,height=24 ! videoconvert ! video/x-raw,format=I420 ! "));
  fail_unless_equals_int (run.frame_pts.size (), 60);
  fail_unless_equals_int (run.segments.size (), 2);
}
GST_END_TEST;

GST_START_TEST (test_flushing_seek_restarts_the_segments)
{
  /* Seek to 5 s (stop at 8 s) before playing: segments keep their stream time, restart in running time. */
  GstElement *pipeline = gst_parse_launch ("videotestsrc ! video/x-raw,width=64,height=48,framerate=10/1 ! s.video "
      "audiotestsrc samplesperbuffer=320 ! audio/x-raw,rate=32000 ! s.audio dgsctsync name=s ! appsink name=out sync=false",
      nullptr);
  fail_unless (pipeline != nullptr);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  fail_unless_equals_int (gst_element_get_state (pipeline, nullptr, nullptr, 10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_seek (pipeline, 1.0, GST_FORMAT_TIME, (GstSeekFlags) (GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE),
          GST_SEEK_TYPE_SET, 5 * GST_SECOND, GST_SEEK_TYPE_SET, 8 * GST_SECOND));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  std::vector<DgsctSegmentMeta> segments;
  int frames = 0;
  GstSample *sample;
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 20 * GST_SECOND))) {
    ++frames;
    gpointer state = nullptr;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered (gst_sample_get_buffer (sample), &state, DGSCT_SEGMENT_META_API_TYPE)))
      segments.push_back (*reinterpret_cast<DgsctSegmentMeta *> (meta));  /* plain fields only are read below */
    gst_sample_unref (sample);
  }
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  fail_unless_equals_int (frames, 30);
  fail_unless_equals_int (segments.size (), 3);
  for (guint64 k = 0; k < 3; ++k) {
    fail_unless_equals_uint64 (segments[k].start, k * GST_SECOND);
    fail_unless_equals_uint64 (segments[k].stream_start, (5 + k) * GST_SECOND);
    fail_unless_equals_uint64 (segments[k].stream_end, (6 + k) * GST_SECOND);
    fail_unless_equals_int (segments[k].flags, DGSCT_SEGMENT_FLAG_NONE);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_video_caps_change_mid_stream)
{
  /* 1 s at 64x48, then 1 s at 32x24: every frame passes, each segment's key frame has its own caps. */
  Run run = run_pipeline ("concat name=c ! s.video "
      "videotestsrc num-buffers=30 ! video/x-raw,width=64,height=48,framerate=30/1 ! c. "
      "videotestsrc num-buffers=30 ! video/x-raw,width=32,height=24,framerate=30/1 ! c. "
      "audiotestsrc num-buffers=200 samplesperbuffer=320 ! audio/x-raw,rate=32000 ! s.audio "
      "dgsctsync name=s ! appsink name=out sync=false");
  fail_unless_equals_int (run.frame_pts.size (), 60);
  fail_unless_equals_int (run.segments.size (), 2);
  fail_unless_equals_int (run.segments[0].key_width, 64);
  fail_unless_equals_int (run.segments[1].key_width, 32);
  fail_unless_equals_int (run.segments[1].flags, DGSCT_SEGMENT_FLAG_NONE);
}
GST_END_TEST;

GST_START_TEST (test_live_audio_never_fed)
{
  /* A live microphone that never delivers: after the aggregator's timeout the segments go out with
   * silence, flagged, and every video frame passes. */
  Run run = run_pipeline ("videotestsrc is-live=true num-buffers=60 ! video/x-raw,width=64,height=48,framerate=30/1 ! s.video "
      "appsrc is-live=true format=time min-latency=0 max-latency=1000000000 "
      "caps=audio/x-raw,format=F32LE,layout=interleaved,channels=1,rate=32000 ! s.audio "
      "dgsctsync name=s latency=100000000 ! appsink name=out sync=false");
  fail_unless_equals_int (run.frame_pts.size (), 60);
  fail_unless (run.segments.size () == 2 || run.segments.size () == 3);
  for (const Segment & s : run.segments)
    fail_unless (s.flags & DGSCT_SEGMENT_FLAG_AUDIO_MISSING);
}
GST_END_TEST;

static Suite *dgsctsync_suite (void)
{
  Suite *s = suite_create ("dgsctsync");
  TCase *tc = tcase_create ("pipelines");
  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_three_seconds_make_three_segments);
  tcase_add_test (tc, test_output_caps_are_always_fixed);
  tcase_add_test (tc, test_eos_mid_segment);
  tcase_add_test (tc, test_missing_audio_is_silence_flagged);
  tcase_add_test (tc, test_audio_is_resampled_to_the_model_rate);
  tcase_add_test (tc, test_segment_without_frame_reuses_the_last);
  tcase_add_test (tc, test_meta_survives_scale_and_convert);
  tcase_add_test (tc, test_flushing_seek_restarts_the_segments);
  tcase_add_test (tc, test_video_caps_change_mid_stream);
  tcase_add_test (tc, test_live_audio_never_fed);
  return s;
}

GST_CHECK_MAIN (dgsctsync);
