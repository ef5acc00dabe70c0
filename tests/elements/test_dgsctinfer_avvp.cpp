/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctinfer with an audio-visual video parsing (AVVP) model: the golden AVVP clip (avvp-small: ten
 * 1-s segments) through dgsctsync and dgsctinfer, each segment's clip feature attached as a
 * `dgsct/clip` tensor (the reference's R(2+1)D-18 features), gives per segment what the model library
 * computes for the same segments (the audio, visual and audio-visual events and the probabilities
 * behind them), as DgsctParsingMeta on the frames or as dgsct-parsing events, as dgsct-segment
 * messages and as dgsctjson lines; and per modality and class the event starts and stops these
 * imply, as dgsct-event messages and JSON lines. With a clip encoder in the model file and no
 * features attached, the frames spread over each segment give the library's clip features and
 * result. A model without a clip encoder and segments
 * without clip features fail with an ERROR naming what is missing. The model file is packed by meson
 * from the golden weights (DGSCT_TEST_AVVP_MODEL). */
#include "dgsct-parsing-meta.h"
#include "dgsct-segment-meta.h"
#include "dgsct-tensor-meta.h"
#include "dgsct/model.h"
#include "dgsct/safetensors.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <string>
#include <tuple>
#include <vector>

namespace {

const int kSegments = 10, kClasses = 25;
const char *kModalities[3] = { "audio", "visual", "audio-visual" };

std::string reference (const std::string & file)
{
  return std::string (g_getenv ("DGSCT_REFERENCE_DIR")) + "/avvp-small/" + file;
}

std::string model_file ()
{
  return g_getenv ("DGSCT_TEST_AVVP_MODEL");
}

torch::Tensor tensor_of (const dgsct::TensorEntry & e, torch::ScalarType type)
{
  return torch::from_blob (const_cast<uint8_t *> (e.data), e.shape, type).clone ();
}

/* The golden clip: frames [10, 90, 120, 3] uint8, audio [10, 32000], clip features [10, 512]. */
struct Clip {
  torch::Tensor frames, audio, clip;
};

const Clip & golden_clip ()
{
  static Clip c;
  if (!c.frames.defined ()) {
    auto input = dgsct::SafetensorsFile::open (reference ("input.safetensors"));
    c.frames = tensor_of (input->at ("frames_u8"), torch::kUInt8);
    c.audio = tensor_of (input->at ("audio"), torch::kFloat32);
    c.clip = tensor_of (input->at ("video_st"), torch::kFloat32);
  }
  return c;
}

/* What the model library computes for the clip: the model file loaded, each segment encoded alone
 * with its clip feature, the head over the window; and the model's class names. */
struct Library {
  dgsct::WindowResult result;
  std::vector<std::string> labels;
};

const Library & library ()
{
  static Library lib;
  if (lib.labels.empty ()) {
    const Clip & c = golden_clip ();
    auto model = dgsct::Model::load (model_file ());
    std::vector<dgsct::SegmentFeatures> window;
    for (int s = 0; s < kSegments; ++s) {
      window.push_back (model->encode_segment (c.frames[s], c.audio[s]));
      window.back ().clip = c.clip[s];
    }
    lib.result = model->head (window);
    lib.labels = model->labels ();
  }
  return lib;
}

const dgsct::WindowResult & library_result ()
{
  return library ().result;
}

/* Per modality, the classes with an event in segment t of `w`. */
std::array<std::vector<int>, 3> expected_classes (int t, const dgsct::WindowResult & w = library_result ())
{
  std::array<std::vector<int>, 3> classes;
  const torch::Tensor *rows[3] = { &w.audio_events, &w.visual_events, &w.audio_visual_events };
  for (int m = 0; m < 3; ++m)
    for (int c = 0; c < kClasses; ++c)
      if ((*rows[m])[t][c].item<int> ())
        classes[m].push_back (c);
  return classes;
}

/* (state, modality, label, index) as the element should post them: per segment and modality, the
 * stops then the starts in class order; at the end, the open events stop after the last segment. */
using Change = std::tuple<std::string, std::string, int, guint64>;

std::vector<Change> expected_changes ()
{
  std::vector<Change> changes;
  std::array<std::vector<bool>, 3> open;
  for (auto & o : open)
    o.assign (kClasses, false);
  for (int t = 0; t <= kSegments; ++t) {
    const auto now = t < kSegments ? expected_classes (t) : std::array<std::vector<int>, 3> {};
    for (int m = 0; m < 3; ++m) {
      std::vector<bool> active (kClasses, false);
      for (int c : now[m])
        active[c] = true;
      for (int c = 0; c < kClasses; ++c)
        if (open[m][c] && !active[c])
          changes.emplace_back ("stop", kModalities[m], c, t);
      for (int c = 0; c < kClasses; ++c)
        if (!open[m][c] && active[c])
          changes.emplace_back ("start", kModalities[m], c, t);
      open[m] = active;
    }
  }
  return changes;
}

/* A parsing result as the pipeline delivered it. */
struct Parsed {
  guint64 index;
  GstClockTime start, end;
  std::array<std::vector<int>, 3> classes;
  std::vector<float> audio_prob, visual_prob, video_prob;
  bool on_own_frame;  /* rode on a frame of its own segment (false for events) */
};

struct Output {
  std::vector<GstStructure *> segments, events;
  std::vector<Parsed> metas, from_events;
  int frames = 0;
  std::string error;  /* the ERROR message's text and debug, if any */
  ~Output ()
  {
    for (auto *s : segments)
      gst_structure_free (s);
    for (auto *s : events)
      gst_structure_free (s);
  }
};

Parsed parsed_of (const DgsctParsingMeta * p, bool on_own_frame)
{
  Parsed r {p->segment_index, p->start, p->end, {}, {}, {}, {}, on_own_frame};
  for (int m = 0; m < 3; ++m)
    for (guint i = 0; i < p->n_events[m]; ++i)
      r.classes[m].push_back ((int) p->events[m][i]);
  r.audio_prob.assign (p->audio_prob, p->audio_prob + p->n_classes);
  r.visual_prob.assign (p->visual_prob, p->visual_prob + p->n_classes);
  r.video_prob.assign (p->video_prob, p->video_prob + p->n_classes);
  return r;
}

/* Attaches each segment's golden clip feature as a dgsct/clip tensor, as an application would. */
GstPadProbeReturn attach_clip_features (GstPad *, GstPadProbeInfo * info, gpointer)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!gst_buffer_get_dgsct_segment_meta (buffer))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  std::vector<guint64> indices;
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_SEGMENT_META_API_TYPE)))
    indices.push_back (reinterpret_cast<DgsctSegmentMeta *> (meta)->index);
  for (guint64 index : indices) {
    auto row = golden_clip ().clip[index].contiguous ();
    GstBuffer *data = gst_buffer_new_memdup (row.data_ptr<float> (), row.nbytes ());
    const gsize dims[1] = { (gsize) row.numel () };
    gst_buffer_add_dgsct_tensor_meta (buffer, index, DGSCT_TENSOR_CLIP, 1, dims, data);
    gst_buffer_unref (data);
  }
  return GST_PAD_PROBE_OK;
}

/* Collects the parsing metas on frames and the dgsct-parsing events leaving dgsctinfer. */
GstPadProbeReturn collect_results (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *out = static_cast<Output *> (data);
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    ++out->frames;
    gpointer state = nullptr;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_PARSING_META_API_TYPE))) {
      auto *p = reinterpret_cast<DgsctParsingMeta *> (meta);
      /* the stream starts at 0: PTS is running time */
      out->metas.push_back (parsed_of (p, p->start <= GST_BUFFER_PTS (buffer) && GST_BUFFER_PTS (buffer) < p->end));
    }
  } else {
    GstBuffer *carrier = gst_buffer_new ();
    if (dgsct_parsing_event_parse (GST_PAD_PROBE_INFO_EVENT (info), carrier))
      out->from_events.push_back (parsed_of (gst_buffer_get_dgsct_parsing_meta (carrier), false));
    gst_buffer_unref (carrier);
  }
  return GST_PAD_PROBE_OK;
}

/* Plays the golden clip (10 s of audio; by default its 10 frames at 1 fps, or `frames` [10, F, H, W,
 * 3] at F fps) into `dgsctsync name=s ! dgsctinfer name=infer model=<model> <infer> ! <sink>`,
 * attaching the clip features when `with_clip`. */
void play (const std::string & infer, const std::string & sink, bool with_clip, Output & out,
    torch::Tensor frames = torch::Tensor (), const std::string & model = model_file ())
{
  const Clip & c = golden_clip ();
  if (!frames.defined ())
    frames = c.frames.unsqueeze (1);
  const int fps = frames.size (1), H = frames.size (2), W = frames.size (3);
  const std::string description = "appsrc name=video format=time max-bytes=0 ! s.video "
      "appsrc name=audio format=time max-bytes=0 ! s.audio "
      "dgsctsync name=s ! dgsctinfer name=infer device=cpu model=" + model + " " + infer + " ! " + sink;
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "%s", error ? error->message : "");
  GstElement *vsrc = gst_bin_get_by_name (GST_BIN (pipeline), "video");
  GstElement *asrc = gst_bin_get_by_name (GST_BIN (pipeline), "audio");
  GstElement *element = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  GstPad *sinkpad = gst_element_get_static_pad (element, "sink");
  GstPad *srcpad = gst_element_get_static_pad (element, "src");
  if (with_clip)
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, attach_clip_features, nullptr, nullptr);
  gst_pad_add_probe (srcpad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      collect_results, &out, nullptr);

  GstCaps *vcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, W,
      "height", G_TYPE_INT, H, "framerate", GST_TYPE_FRACTION, fps, 1, nullptr);
  GstCaps *acaps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout", G_TYPE_STRING,
      "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, 32000, nullptr);
  gst_app_src_set_caps (GST_APP_SRC (vsrc), vcaps);
  gst_app_src_set_caps (GST_APP_SRC (asrc), acaps);
  gst_caps_unref (vcaps);
  gst_caps_unref (acaps);
  for (int t = 0; t < kSegments; ++t) {
    for (int f = 0; f < fps; ++f) {
      auto frame = frames[t][f].contiguous ();
      GstBuffer *v = gst_buffer_new_memdup (frame.data_ptr<uint8_t> (), frame.nbytes ());
      GST_BUFFER_PTS (v) = t * GST_SECOND + f * GST_SECOND / fps;
      GST_BUFFER_DURATION (v) = GST_SECOND / fps;
      fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (vsrc), v), GST_FLOW_OK);
    }
    auto audio = c.audio[t].contiguous ();
    GstBuffer *a = gst_buffer_new_memdup (audio.data_ptr<float> (), audio.nbytes ());
    GST_BUFFER_PTS (a) = t * GST_SECOND;
    GST_BUFFER_DURATION (a) = GST_SECOND;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (asrc), a), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (vsrc));
  gst_app_src_end_of_stream (GST_APP_SRC (asrc));

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  GstBus *bus = gst_element_get_bus (pipeline);
  for (bool done = false; !done;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    fail_unless (msg != nullptr, "no EOS within 60 s");
    const GstStructure *s = gst_message_get_structure (msg);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:{
        GError *err;
        gchar *debug;
        gst_message_parse_error (msg, &err, &debug);
        out.error = std::string (err->message) + " | " + (debug ? debug : "");
        g_error_free (err);
        g_free (debug);
        done = true;
        break;
      }
      case GST_MESSAGE_EOS:
        done = true;
        break;
      default:
        if (gst_structure_has_name (s, "dgsct-segment"))
          out.segments.push_back (gst_structure_copy (s));
        else if (gst_structure_has_name (s, "dgsct-event"))
          out.events.push_back (gst_structure_copy (s));
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sinkpad);
  gst_object_unref (srcpad);
  gst_object_unref (element);
  gst_object_unref (vsrc);
  gst_object_unref (asrc);
  gst_object_unref (pipeline);
}

guint64 uint64_field (const GstStructure * s, const char *name)
{
  guint64 v = 0;
  fail_unless (gst_structure_get_uint64 (s, name, &v), "no field %s", name);
  return v;
}

int int_field (const GstStructure * s, const char *name)
{
  gint v = -1;
  fail_unless (gst_structure_get_int (s, name, &v), "no field %s", name);
  return v;
}

/* The values of a GstValueArray field: strings or ints. */
std::vector<std::string> strings_field (const GstStructure * s, const char *name)
{
  const GValue *array = gst_structure_get_value (s, name);
  fail_unless (array != nullptr && GST_VALUE_HOLDS_ARRAY (array), "no array field %s", name);
  std::vector<std::string> values;
  for (guint i = 0; i < gst_value_array_get_size (array); ++i)
    values.push_back (g_value_get_string (gst_value_array_get_value (array, i)));
  return values;
}

std::vector<int> ints_field (const GstStructure * s, const char *name)
{
  const GValue *array = gst_structure_get_value (s, name);
  fail_unless (array != nullptr && GST_VALUE_HOLDS_ARRAY (array), "no array field %s", name);
  std::vector<int> values;
  for (guint i = 0; i < gst_value_array_get_size (array); ++i)
    values.push_back (g_value_get_int (gst_value_array_get_value (array, i)));
  return values;
}

std::vector<std::string> names_of (const std::vector<int> & classes)
{
  std::vector<std::string> out;
  for (int c : classes)
    out.push_back (library ().labels[c]);
  return out;
}

/* The library's result `w` for one segment, against what the pipeline delivered. */
void check_parsed (const Parsed & p, int t, const dgsct::WindowResult & w = library_result ())
{
  fail_unless_equals_uint64 (p.index, t);
  fail_unless_equals_uint64 (p.start, t * GST_SECOND);
  fail_unless_equals_uint64 (p.end, (t + 1) * GST_SECOND);
  const auto classes = expected_classes (t, w);
  for (int m = 0; m < 3; ++m)
    fail_unless (p.classes[m] == classes[m], "segment %d: %s events differ from the library's", t, kModalities[m]);
  fail_unless_equals_int (p.audio_prob.size (), kClasses);
  for (int c = 0; c < kClasses; ++c) {
    fail_unless (std::fabs (p.audio_prob[c] - w.audio_frame_prob[t][c].item<float> ()) < 1e-5, "segment %d class %d: "
        "audio %f, library %f", t, c, p.audio_prob[c], w.audio_frame_prob[t][c].item<float> ());
    fail_unless (std::fabs (p.visual_prob[c] - w.visual_frame_prob[t][c].item<float> ()) < 1e-5);
    fail_unless (std::fabs (p.video_prob[c] - w.video_prob[c].item<float> ()) < 1e-5);
  }
}

void check_segment_messages (const Output & out)
{
  fail_unless_equals_int (out.segments.size (), kSegments);
  for (int t = 0; t < kSegments; ++t) {
    const GstStructure *s = out.segments[t];
    fail_unless_equals_uint64 (uint64_field (s, "index"), t);
    fail_unless_equals_uint64 (uint64_field (s, "start"), t * GST_SECOND);
    fail_unless_equals_uint64 (uint64_field (s, "end"), (t + 1) * GST_SECOND);
    const auto classes = expected_classes (t);
    for (int m = 0; m < 3; ++m) {
      fail_unless (ints_field (s, (std::string (kModalities[m]) + "-labels").c_str ()) == classes[m]);
      fail_unless (strings_field (s, kModalities[m]) == names_of (classes[m]));
    }
  }
}

void check_event_messages (const Output & out)
{
  const auto changes = expected_changes ();
  fail_unless_equals_int (out.events.size (), changes.size ());
  for (size_t i = 0; i < changes.size (); ++i) {
    const GstStructure *s = out.events[i];
    const auto & [state, modality, label, index] = changes[i];
    fail_unless_equals_string (gst_structure_get_string (s, "state"), state.c_str ());
    fail_unless_equals_string (gst_structure_get_string (s, "modality"), modality.c_str ());
    fail_unless_equals_int (int_field (s, "label"), label);
    fail_unless_equals_string (gst_structure_get_string (s, "label-name"), library ().labels[label].c_str ());
    fail_unless_equals_uint64 (uint64_field (s, "index"), index);
    fail_unless_equals_uint64 (uint64_field (s, "start"), index * GST_SECOND);
  }
}

/* The golden model with a clip encoder: torchvision's r2plus1d_18 with seeded random weights
 * (tests/model/clip_encoder_reference.py through Debian's python3-torch, as the model tests make it),
 * packed F16 into a temporary model file. */
std::string model_with_clip_encoder ()
{
  const char *python = g_getenv ("DGSCT_PYTHON"), *script = g_getenv ("DGSCT_CLIP_REFERENCE_SCRIPT");
  fail_unless (python && script, "DGSCT_PYTHON / DGSCT_CLIP_REFERENCE_SCRIPT are not set (run through meson test)");
  const std::string stem = std::string (g_get_tmp_dir ()) + "/dgsct-test-avvp-" + std::to_string (getpid ());
  const std::string weights = stem + "-r2plus1d.safetensors", data = stem + "-clips.safetensors";
  const std::string command = std::string (python) + " " + script + " " + weights + " " + data;
  fail_unless (std::system (command.c_str ()) == 0, "failed: %s", command.c_str ());
  auto model = dgsct::Model::load (model_file ());
  model->load_clip_encoder (weights);
  fail_unless (model->has_clip_encoder ());
  g_unlink (weights.c_str ());  /* 126 MB */
  g_unlink (data.c_str ());
  const std::string path = stem + "-model.safetensors";
  model->save (path, "F16");
  return path;
}

/* The library's result with the clip features of `clip_frames` [10, 8, H, W, 3] (each segment's
 * computed alone, as the element does) and each segment's `key_frames` [10, H, W, 3]; in `key_only`,
 * the result with segment 0's clip feature computed from its key frame alone instead. */
dgsct::WindowResult library_result_with_encoder (const std::string & path, const torch::Tensor & key_frames,
    const torch::Tensor & clip_frames, dgsct::WindowResult & key_only)
{
  auto model = dgsct::Model::load (path);
  std::vector<dgsct::SegmentFeatures> window;
  for (int s = 0; s < kSegments; ++s) {
    window.push_back (model->encode_segment (key_frames[s], golden_clip ().audio[s]));
    window.back ().clip = model->clip_features (clip_frames[s].unsqueeze (0))[0];
  }
  const auto result = model->head (window);
  window[0].clip = model->clip_features (key_frames[0].unsqueeze (0).unsqueeze (0))[0];
  key_only = model->head (window);
  return result;
}

}  // namespace

GST_START_TEST (test_library_reproduces_the_golden_decisions)
{
  /* The reference for the pipeline is the library's result on the model file: it gives the official
   * decisions (decoded.safetensors), and the clip has events in every modality to compare. */
  auto decoded = dgsct::SafetensorsFile::open (reference ("decoded.safetensors"));
  const auto & w = library_result ();
  fail_unless (torch::equal (w.audio_events, tensor_of (decoded->at ("segment_audio"), torch::kUInt8)));
  fail_unless (torch::equal (w.visual_events, tensor_of (decoded->at ("segment_visual"), torch::kUInt8)));
  fail_unless (torch::equal (w.audio_visual_events, tensor_of (decoded->at ("segment_audio_visual"), torch::kUInt8)));
  for (const auto * events : { &w.audio_events, &w.visual_events, &w.audio_visual_events })
    fail_unless (events->sum ().item<int> () > 0);
}
GST_END_TEST;

GST_START_TEST (test_pipeline_equals_library_on_frames)
{
  /* hold-frames: each result rides on a frame of its own segment. */
  Output out;
  play ("window-mode=clip hold-frames=true", "fakesink", true, out);
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  fail_unless_equals_int (out.frames, kSegments);
  fail_unless_equals_int (out.metas.size (), kSegments);
  fail_unless (out.from_events.empty ());
  for (int t = 0; t < kSegments; ++t) {
    check_parsed (out.metas[t], t);
    fail_unless (out.metas[t].on_own_frame, "segment %d's result rides on another segment's frame", t);
  }
  check_segment_messages (out);
  check_event_messages (out);
}
GST_END_TEST;

GST_START_TEST (test_results_after_the_last_frame_travel_as_events)
{
  /* Clip mode without hold-frames decides all ten segments at EOS, after the last frame. */
  Output out;
  play ("window-mode=clip", "fakesink", true, out);
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  fail_unless (out.metas.empty ());
  fail_unless_equals_int (out.from_events.size (), kSegments);
  for (int t = 0; t < kSegments; ++t)
    check_parsed (out.from_events[t], t);
  check_segment_messages (out);
  check_event_messages (out);
}
GST_END_TEST;

GST_START_TEST (test_sliding_window_with_lookahead)
{
  /* One window of ten: the lookahead decides segments 0-6 when it fills and the end of the stream the
   * last three, all from the same window: the clip result. */
  Output out;
  play ("window-mode=sliding lookahead=3 hold-frames=true", "fakesink", true, out);
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  fail_unless_equals_int (out.metas.size (), kSegments);
  for (int t = 0; t < kSegments; ++t)
    check_parsed (out.metas[t], t);
  check_event_messages (out);
}
GST_END_TEST;

GST_START_TEST (test_json_lines_agree_with_the_messages)
{
  gchar *json_path = g_build_filename (g_get_tmp_dir (), "dgsct-test-avvp.jsonl", nullptr);
  Output out;
  play ("window-mode=clip", std::string ("dgsctjson scores=true location=") + json_path + " ! fakesink", true, out);
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  gchar *text;
  fail_unless (g_file_get_contents (json_path, &text, nullptr, nullptr));
  gchar **lines = g_strsplit (text, "\n", -1);
  const auto changes = expected_changes ();
  const char *keys[3] = { "audio", "visual", "audio_visual" };
  size_t segment = 0, event = 0;
  for (gchar **line = lines; *line && **line; ++line) {
    JsonParser *parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (parser, *line, -1, nullptr), "not JSON: %s", *line);
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    const std::string type = json_object_get_string_member (o, "type");
    if (type == "parsing") {
      const int t = segment++;
      fail_unless_equals_int (json_object_get_int_member (o, "index"), t);
      JsonObject *rt = json_object_get_object_member (o, "running_time");
      fail_unless_equals_int (json_object_get_int_member (rt, "start"), t * GST_SECOND);
      fail_unless_equals_int (json_object_get_int_member (rt, "end"), (t + 1) * GST_SECOND);
      const auto classes = expected_classes (t);
      for (int m = 0; m < 3; ++m) {
        JsonArray *names = json_object_get_array_member (o, keys[m]);
        JsonArray *labels = json_object_get_array_member (o, (std::string (keys[m]) + "_labels").c_str ());
        fail_unless_equals_int (json_array_get_length (names), classes[m].size ());
        fail_unless_equals_int (json_array_get_length (labels), classes[m].size ());
        for (size_t i = 0; i < classes[m].size (); ++i) {
          fail_unless_equals_string (json_array_get_string_element (names, i),
              library ().labels[classes[m][i]].c_str ());
          fail_unless_equals_int (json_array_get_int_element (labels, i), classes[m][i]);
        }
      }
      JsonArray *audio_prob = json_object_get_array_member (o, "audio_prob");
      fail_unless_equals_int (json_array_get_length (audio_prob), kClasses);
      for (int c = 0; c < kClasses; ++c)
        fail_unless (std::fabs (json_array_get_double_element (audio_prob, c) -
                library_result ().audio_frame_prob[t][c].item<float> ()) < 1e-5);
      fail_unless_equals_int (json_array_get_length (json_object_get_array_member (o, "visual_prob")), kClasses);
      fail_unless_equals_int (json_array_get_length (json_object_get_array_member (o, "video_prob")), kClasses);
    } else {
      fail_unless_equals_string (type.c_str (), "event");
      fail_unless (event < changes.size ());
      const auto & [state, modality, label, index] = changes[event++];
      fail_unless_equals_string (json_object_get_string_member (o, "state"), state.c_str ());
      fail_unless_equals_string (json_object_get_string_member (o, "modality"), modality.c_str ());
      fail_unless_equals_int (json_object_get_int_member (o, "label"), label);
      fail_unless_equals_int (json_object_get_int_member (o, "index"), index);
      fail_unless_equals_int (json_object_get_int_member (o, "running_time"), index * GST_SECOND);
    }
    g_object_unref (parser);
  }
  fail_unless_equals_int (segment, kSegments);
  fail_unless_equals_int (event, changes.size ());
  g_strfreev (lines);
  g_free (text);
  g_unlink (json_path);
  g_free (json_path);
}
GST_END_TEST;

GST_START_TEST (test_clip_encoder_reads_frames_spread_over_each_segment)
{
  /* Four frames a second, each a differently shifted copy of the segment's golden frame. The element
   * hands the encoder, per segment, the frames nearest to the centres of its eighths (at 1/16,
   * 3/16, ... 15/16 s): frames 0, 1, 1, 2, 2, 3, 3, 3; dgsctsync's key frame is the one nearest the
   * centre, frame 2. */
  const Clip & c = golden_clip ();
  std::vector<torch::Tensor> per_frame;
  for (int f = 0; f < 4; ++f)
    per_frame.push_back (torch::roll (c.frames, {30 * f}, {2}));
  const torch::Tensor frames = torch::stack (per_frame, 1);  /* [10, 4, 90, 120, 3] */
  const torch::Tensor picks = torch::tensor ({0, 1, 1, 2, 2, 3, 3, 3}, torch::kLong);
  const std::string model = model_with_clip_encoder ();
  dgsct::WindowResult key_only;
  const auto expected = library_result_with_encoder (model, frames.select (1, 2), frames.index_select (1, picks),
      key_only);
  Output out;
  play ("window-mode=clip hold-frames=true", "fakesink", false, out, frames, model);
  g_unlink (model.c_str ());  /* 71 MB */

  /* The picks matter: segment 0's key frame alone gives it other probabilities. */
  fail_unless ((expected.visual_frame_prob[0] - key_only.visual_frame_prob[0]).abs ().max ().item<float> () > 1e-4,
      "the clip features hardly change the result: this test could not tell the frames apart");
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  fail_unless_equals_int (out.frames, 4 * kSegments);
  fail_unless_equals_int (out.metas.size (), kSegments);
  for (int t = 0; t < kSegments; ++t)
    check_parsed (out.metas[t], t, expected);
}
GST_END_TEST;

GST_START_TEST (test_missing_clip_features_fail_with_an_error)
{
  /* The packed golden model has no clip encoder: without dgsct/clip tensors the first segment
   * fails, naming the model and what is missing. */
  auto model = dgsct::Model::load (model_file ());
  fail_unless (model->is_parsing ());
  Output out;
  play ("window-mode=clip", "fakesink", false, out);
  fail_unless (out.error.find ("needs the clip feature of every segment") != std::string::npos, "%s",
      out.error.c_str ());
  fail_unless (out.error.find ("segment 0 carries no dgsct/clip tensor of [512] values") != std::string::npos, "%s",
      out.error.c_str ());
  fail_unless (out.segments.empty ());
}
GST_END_TEST;

static Suite *dgsctinfer_avvp_suite (void)
{
  Suite *s = suite_create ("dgsctinfer-avvp");
  TCase *tc = tcase_create ("pipelines");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_library_reproduces_the_golden_decisions);
  tcase_add_test (tc, test_pipeline_equals_library_on_frames);
  tcase_add_test (tc, test_results_after_the_last_frame_travel_as_events);
  tcase_add_test (tc, test_sliding_window_with_lookahead);
  tcase_add_test (tc, test_json_lines_agree_with_the_messages);
  tcase_add_test (tc, test_clip_encoder_reads_frames_spread_over_each_segment);
  tcase_add_test (tc, test_missing_clip_features_fail_with_an_error);
  return s;
}

GST_CHECK_MAIN (dgsctinfer_avvp);
