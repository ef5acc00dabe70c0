/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctinfer with an audio-visual question answering (AVQA) model: a 16-s clip (the golden avqa-small
 * clip and six more segments made from it) through dgsctsync and dgsctinfer answers the `question`
 * over every window of ten segments as the model library answers it on the same segments: as
 * DgsctAnswerMeta on the frames or as dgsct-answer events, as dgsct-answer messages and as dgsctjson
 * lines. A question changed while playing is answered from the next window on; one with words
 * outside the vocabulary is refused with a WARNING naming them and the previous question stays
 * (before the start: an ERROR). `answer-interval` spaces the answers; the `ask` action signal
 * answers over the cached window at once. Other models ignore the question; dgsctbin forwards it.
 * The model file is packed
 * by meson from the golden weights (DGSCT_TEST_AVQA_MODEL). */
#include "dgsct-answer-meta.h"
#include "dgsct/model.h"
#include "dgsct/safetensors.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <map>
#include <string>
#include <vector>

namespace {

const int kSegments = 16, kWindow = 10;
/* The reference's question (its template slots filled) and another one in the vocabulary. */
const char *kQuestion = "Which instrument makes sounds before the violin?";
const char *kOther = "How many instruments are sounding in the video?";
const char *kUnknown = "Is the zebra louder than the theremin?";

std::string reference (const std::string & file)
{
  return std::string (g_getenv ("DGSCT_REFERENCE_DIR")) + "/avqa-small/" + file;
}

std::string model_file ()
{
  return g_getenv ("DGSCT_TEST_AVQA_MODEL");
}

torch::Tensor tensor_of (const dgsct::TensorEntry & e, torch::ScalarType type)
{
  return torch::from_blob (const_cast<uint8_t *> (e.data), e.shape, type).clone ();
}

/* The clip: the golden ten segments, then six more, each a golden frame shifted sideways with
 * another golden second of audio. frames [16, 90, 120, 3] uint8, audio [16, 32000]. */
struct Clip {
  torch::Tensor frames, audio;
};

const Clip & clip ()
{
  static Clip c;
  if (!c.frames.defined ()) {
    auto input = dgsct::SafetensorsFile::open (reference ("input.safetensors"));
    const auto frames = tensor_of (input->at ("frames_u8"), torch::kUInt8);
    const auto audio = tensor_of (input->at ("audio"), torch::kFloat32);
    std::vector<torch::Tensor> f, a;
    for (int t = 0; t < kSegments; ++t) {
      f.push_back (t < kWindow ? frames[t] : torch::roll (frames[t - kWindow], {40}, {1}));
      a.push_back (audio[t < kWindow ? t : (7 * t) % kWindow]);
    }
    c.frames = torch::stack (f);
    c.audio = torch::stack (a);
  }
  return c;
}

/* The model library on the clip: the model file loaded, each segment encoded alone. */
struct Library {
  std::unique_ptr<dgsct::Model> model;
  std::vector<dgsct::SegmentFeatures> segments;
  std::map<std::pair<std::string, int>, dgsct::WindowResult> answers;

  /* The answer to `question` over the window ending at segment `last`. */
  const dgsct::WindowResult & answer (const std::string & question, int last)
  {
    auto it = answers.find ({question, last});
    if (it == answers.end ()) {
      const std::vector<dgsct::SegmentFeatures> window (segments.begin () + last - kWindow + 1,
          segments.begin () + last + 1);
      it = answers.emplace (std::make_pair (question, last), model->answer (window, question)).first;
    }
    return it->second;
  }
};

Library & library ()
{
  static Library lib;
  if (!lib.model) {
    lib.model = dgsct::Model::load (model_file ());
    for (int t = 0; t < kSegments; ++t)
      lib.segments.push_back (lib.model->encode_segment (clip ().frames[t], clip ().audio[t]));
  }
  return lib;
}

/* An answer as the pipeline delivered it (meta, event, message, signal or JSON line). */
struct Seen {
  std::string question, name;
  int answer = -1;
  float confidence = 0;
  std::vector<int> top;
  std::vector<std::string> top_names;
  std::vector<float> top_probs;
  guint64 first = 0, last = 0, start = 0, end = 0;
};

Seen seen_of (const DgsctAnswerMeta * a)
{
  Seen s {a->question, a->answer_name, a->answer, a->confidence, {}, {}, {}, a->first_index, a->last_index, a->start,
    a->end};
  for (guint i = 0; i < a->n_top; ++i) {
    s.top.push_back (a->top_answers[i]);
    s.top_names.push_back (a->top_names[i]);
    s.top_probs.push_back (a->top_probs[i]);
  }
  return s;
}

const GValue *array_field (const GstStructure * s, const char *name)
{
  const GValue *v = gst_structure_get_value (s, name);
  fail_unless (v != nullptr && GST_VALUE_HOLDS_ARRAY (v), "no array field %s", name);
  return v;
}

Seen seen_of (const GstStructure * st)
{
  Seen s;
  fail_unless (gst_structure_has_name (st, "dgsct-answer"));
  s.question = gst_structure_get_string (st, "question");
  s.name = gst_structure_get_string (st, "answer-name");
  fail_unless (gst_structure_get (st, "answer", G_TYPE_INT, &s.answer, "confidence", G_TYPE_FLOAT, &s.confidence,
          "first-index", G_TYPE_UINT64, &s.first, "last-index", G_TYPE_UINT64, &s.last, "start", G_TYPE_UINT64, &s.start,
          "end", G_TYPE_UINT64, &s.end, nullptr), "fields missing: %" GST_PTR_FORMAT, st);
  const GValue *top = array_field (st, "top-answers"), *names = array_field (st, "top-names");
  const GValue *probs = array_field (st, "top-probs");
  for (guint i = 0; i < gst_value_array_get_size (top); ++i)
    s.top.push_back (g_value_get_int (gst_value_array_get_value (top, i)));
  for (guint i = 0; i < gst_value_array_get_size (names); ++i)
    s.top_names.push_back (g_value_get_string (gst_value_array_get_value (names, i)));
  for (guint i = 0; i < gst_value_array_get_size (probs); ++i)
    s.top_probs.push_back (g_value_get_float (gst_value_array_get_value (probs, i)));
  return s;
}

/* `s` is the library's answer to `question` over the window ending at segment `last`: the answer,
 * its probability, the five most probable answers (the answer first, then by probability) and the
 * window. */
void check_seen (const Seen & s, const std::string & question, int last)
{
  const auto & w = library ().answer (question, last);
  const auto & labels = library ().model->labels ();
  fail_unless_equals_string (s.question.c_str (), question.c_str ());
  fail_unless_equals_int (s.answer, w.answer);
  fail_unless_equals_string (s.name.c_str (), labels[w.answer].c_str ());
  fail_unless (std::fabs (s.confidence - w.answer_probs[w.answer]) < 1e-5, "window %d: confidence %f, library %f", last,
      s.confidence, w.answer_probs[w.answer]);
  std::vector<int> order (w.answer_probs.size ());
  for (size_t a = 0; a < order.size (); ++a)
    order[a] = (int) a;
  std::stable_sort (order.begin (), order.end (), [&] (int a, int b) {
    return w.answer_probs[a] > w.answer_probs[b];
  });
  fail_unless_equals_int (order[0], w.answer);
  fail_unless_equals_int (s.top.size (), 5);
  fail_unless_equals_int (s.top_names.size (), 5);
  fail_unless_equals_int (s.top_probs.size (), 5);
  for (int i = 0; i < 5; ++i) {
    fail_unless_equals_int (s.top[i], order[i]);
    fail_unless_equals_string (s.top_names[i].c_str (), labels[order[i]].c_str ());
    fail_unless (std::fabs (s.top_probs[i] - w.answer_probs[order[i]]) < 1e-5);
  }
  fail_unless_equals_uint64 (s.first, last - kWindow + 1);
  fail_unless_equals_uint64 (s.last, last);
  fail_unless_equals_uint64 (s.start, (last - kWindow + 1) * GST_SECOND);
  fail_unless_equals_uint64 (s.end, (last + 1) * GST_SECOND);
}

/* Called from the bus's sync handler, in the thread that posts the dgsct-answer message (the
 * worker's, between two windows): `infer`, the answer. */
using AnswerHook = std::function<void (GstElement *, const GstStructure *)>;

struct Output {
  std::vector<Seen> messages, answers;  /* messages; metas on frames and events, by window */
  std::vector<std::string> warnings;    /* text | debug */
  std::string error;
  int frames = 0;
  AnswerHook on_answer;
  GstElement *infer = nullptr;
};

GstPadProbeReturn collect_answers (GstPad *, GstPadProbeInfo * info, gpointer data)
{
  auto *out = static_cast<Output *> (data);
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    ++out->frames;
    gpointer state = nullptr;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered (GST_PAD_PROBE_INFO_BUFFER (info), &state,
                DGSCT_ANSWER_META_API_TYPE)))
      out->answers.push_back (seen_of (reinterpret_cast<DgsctAnswerMeta *> (meta)));
  } else {
    GstBuffer *carrier = gst_buffer_new ();
    if (dgsct_answer_event_parse (GST_PAD_PROBE_INFO_EVENT (info), carrier))
      out->answers.push_back (seen_of (gst_buffer_get_dgsct_answer_meta (carrier)));
    gst_buffer_unref (carrier);
  }
  return GST_PAD_PROBE_OK;
}

GstBusSyncReply on_message (GstBus *, GstMessage * msg, gpointer data)
{
  auto *out = static_cast<Output *> (data);
  if (out->on_answer && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_structure_has_name (gst_message_get_structure (msg), "dgsct-answer"))
    out->on_answer (out->infer, gst_message_get_structure (msg));
  return GST_BUS_PASS;
}

std::string error_text (GstMessage * msg)
{
  GError *err;
  gchar *debug;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else
    gst_message_parse_warning (msg, &err, &debug);
  std::string text = std::string (err->message) + " | " + (debug ? debug : "");
  g_error_free (err);
  g_free (debug);
  return text;
}

/* Plays the clip (1 fps, 16 s) into `dgsctsync name=s ! dgsctinfer name=infer model=<AVQA>
 * <infer> ! <sink>`, with `setup` applied to dgsctinfer before it starts. */
void play (const std::string & infer, const std::string & sink, Output & out,
    const std::function<void (GstElement *)> & setup = nullptr)
{
  const Clip & c = clip ();
  const int H = c.frames.size (1), W = c.frames.size (2);
  const std::string description = "appsrc name=video format=time max-bytes=0 ! s.video "
      "appsrc name=audio format=time max-bytes=0 ! s.audio "
      "dgsctsync name=s ! dgsctinfer name=infer device=cpu model=" + model_file () + " " + infer + " ! " + sink;
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "%s", error ? error->message : "");
  GstElement *vsrc = gst_bin_get_by_name (GST_BIN (pipeline), "video");
  GstElement *asrc = gst_bin_get_by_name (GST_BIN (pipeline), "audio");
  out.infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer");
  if (setup)
    setup (out.infer);
  GstPad *srcpad = gst_element_get_static_pad (out.infer, "src");
  gst_pad_add_probe (srcpad, (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      collect_answers, &out, nullptr);
  GstBus *bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, on_message, &out, nullptr);

  GstCaps *vcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, W,
      "height", G_TYPE_INT, H, "framerate", GST_TYPE_FRACTION, 1, 1, nullptr);
  GstCaps *acaps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout", G_TYPE_STRING,
      "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, 32000, nullptr);
  gst_app_src_set_caps (GST_APP_SRC (vsrc), vcaps);
  gst_app_src_set_caps (GST_APP_SRC (asrc), acaps);
  gst_caps_unref (vcaps);
  gst_caps_unref (acaps);
  for (int t = 0; t < kSegments; ++t) {
    auto frame = c.frames[t].contiguous ();
    GstBuffer *v = gst_buffer_new_memdup (frame.data_ptr<uint8_t> (), frame.nbytes ());
    GST_BUFFER_PTS (v) = t * GST_SECOND;
    GST_BUFFER_DURATION (v) = GST_SECOND;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (vsrc), v), GST_FLOW_OK);
    auto audio = c.audio[t].contiguous ();
    GstBuffer *a = gst_buffer_new_memdup (audio.data_ptr<float> (), audio.nbytes ());
    GST_BUFFER_PTS (a) = t * GST_SECOND;
    GST_BUFFER_DURATION (a) = GST_SECOND;
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (asrc), a), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (vsrc));
  gst_app_src_end_of_stream (GST_APP_SRC (asrc));

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    out.error = "the state change failed";
  for (bool done = false; !done;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    fail_unless (msg != nullptr, "no EOS within 60 s");
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        out.error = error_text (msg);
        done = true;
        break;
      case GST_MESSAGE_WARNING:
        out.warnings.push_back (error_text (msg));
        break;
      case GST_MESSAGE_EOS:
        done = true;
        break;
      default:
        if (gst_structure_has_name (gst_message_get_structure (msg), "dgsct-answer"))
          out.messages.push_back (seen_of (gst_message_get_structure (msg)));
    }
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  std::stable_sort (out.answers.begin (), out.answers.end (), [] (const Seen & a, const Seen & b) {
    return a.last < b.last;
  });
  gst_bus_set_sync_handler (bus, nullptr, nullptr, nullptr);
  gst_object_unref (bus);
  gst_object_unref (srcpad);
  gst_object_unref (vsrc);
  gst_object_unref (asrc);
  gst_object_unref (pipeline);
}

/* Releases the element `play` kept. */
void release (Output & out)
{
  gst_clear_object (&out.infer);
}

std::string string_property (GstElement * element, const char *name)
{
  gchar *value = nullptr;
  g_object_get (element, name, &value, nullptr);
  std::string s = value ? value : "";
  g_free (value);
  return s;
}

/* (Through a local string: the check macros keep the pointer they are given.) */
void check_question (GstElement * infer, const char *expected)
{
  const std::string question = string_property (infer, "question");
  fail_unless_equals_string (question.c_str (), expected);
}

void set_question (GstElement * infer, const char *question)
{
  g_object_set (infer, "question", question, nullptr);
}

/* Both the messages and the metas/events are, in window order, the library's answers to
 * `questions[i]` over the windows ending at `lasts[i]`. */
void check_answers (const Output & out, const std::vector<int> & lasts, const std::vector<std::string> & questions)
{
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  fail_unless_equals_int (out.messages.size (), lasts.size ());
  fail_unless_equals_int (out.answers.size (), lasts.size ());
  for (size_t i = 0; i < lasts.size (); ++i) {
    check_seen (out.messages[i], questions[i], lasts[i]);
    check_seen (out.answers[i], questions[i], lasts[i]);
  }
}

std::vector<int> every_window ()
{
  std::vector<int> lasts;
  for (int t = kWindow - 1; t < kSegments; ++t)
    lasts.push_back (t);
  return lasts;
}

}  // namespace

GST_START_TEST (test_library_answers_the_golden_question)
{
  /* The reference for the pipeline is the library on the model file: on the golden window it gives
   * the official answer. The random model hardly listens to the question, but the two questions'
   * probabilities differ by far more than the checks' tolerance (1e-5), and their answers over the
   * last window differ: the answers tell which question they answer. */
  auto decoded = dgsct::SafetensorsFile::open (reference ("decoded.safetensors"));
  const auto & w = library ().answer (kQuestion, kWindow - 1);
  fail_unless_equals_int (w.answer, tensor_of (decoded->at ("answer_index"), torch::kInt64).item<int64_t> ());
  fail_unless_equals_string (library ().model->label_name (w.answer).c_str (), "ten");
  for (int last : every_window ()) {
    const auto & a = library ().answer (kQuestion, last), &b = library ().answer (kOther, last);
    float difference = 0;
    for (size_t i = 0; i < a.answer_probs.size (); ++i)
      difference = std::max (difference, std::fabs (a.answer_probs[i] - b.answer_probs[i]));
    fail_unless (difference > 2e-4, "window %d: the two questions give the same probabilities", last);
  }
  fail_unless (library ().answer (kQuestion, kSegments - 1).answer != library ().answer (kOther, kSegments - 1).answer);
  fail_unless_equals_int (library ().model->unknown_words (kUnknown).size (), 2);
}
GST_END_TEST;

GST_START_TEST (test_pipeline_equals_library)
{
  /* An answer for every new segment once ten are cached: windows ending at 9 ... 15. */
  Output out;
  play ("", "fakesink", out, [] (GstElement * infer) { set_question (infer, kQuestion); });
  fail_unless (out.warnings.empty (), "%s", out.warnings.empty () ? "" : out.warnings[0].c_str ());
  fail_unless_equals_int (out.frames, kSegments);
  check_answers (out, every_window (), std::vector<std::string> (every_window ().size (), kQuestion));
  release (out);

  /* Without a question, nothing is answered. */
  Output none;
  play ("", "fakesink", none);
  fail_unless (none.error.empty (), "%s", none.error.c_str ());
  fail_unless (none.messages.empty () && none.answers.empty ());
  fail_unless_equals_int (none.frames, kSegments);
  release (none);
}
GST_END_TEST;

GST_START_TEST (test_question_changed_while_playing)
{
  /* Set when the answer over segments 1-10 is posted: the windows from 2-11 on answer the new one. */
  Output out;
  out.on_answer = [] (GstElement * infer, const GstStructure * answer) {
    guint64 last;
    gst_structure_get_uint64 (answer, "last-index", &last);
    if (last == 10)
      set_question (infer, kOther);
  };
  play ("", "fakesink", out, [] (GstElement * infer) { set_question (infer, kQuestion); });
  fail_unless (out.warnings.empty ());
  check_answers (out, every_window (), {kQuestion, kQuestion, kOther, kOther, kOther, kOther, kOther});
  check_question (out.infer, kOther);
  release (out);
}
GST_END_TEST;

GST_START_TEST (test_unknown_words_are_refused_and_the_question_stays)
{
  Output out;
  std::string kept;
  out.on_answer = [&kept] (GstElement * infer, const GstStructure * answer) {
    guint64 last;
    gst_structure_get_uint64 (answer, "last-index", &last);
    if (last == 10) {
      set_question (infer, kUnknown);
      kept = string_property (infer, "question");
    }
  };
  play ("", "fakesink", out, [] (GstElement * infer) { set_question (infer, kQuestion); });
  fail_unless_equals_string (kept.c_str (), kQuestion);
  fail_unless_equals_int (out.warnings.size (), 1);
  const std::string & warning = out.warnings[0];
  fail_unless (warning.find ("'zebra', 'theremin'") != std::string::npos, "%s", warning.c_str ());
  fail_unless (warning.find (kUnknown) != std::string::npos, "%s", warning.c_str ());
  fail_unless (warning.find (std::string ("stays '") + kQuestion + "'") != std::string::npos, "%s", warning.c_str ());
  /* every window still answered, the previous question */
  check_answers (out, every_window (), std::vector<std::string> (every_window ().size (), kQuestion));
  check_question (out.infer, kQuestion);
  release (out);
}
GST_END_TEST;

GST_START_TEST (test_unknown_words_before_the_start_fail_it)
{
  /* No model yet: the question is taken, and refused when the model is loaded. */
  Output out;
  play ("", "fakesink", out, [] (GstElement * infer) {
    set_question (infer, kUnknown);
    check_question (infer, kUnknown);
  });
  fail_unless (out.error.find ("'zebra', 'theremin'") != std::string::npos, "%s", out.error.c_str ());
  fail_unless (out.error.find ("set the 'question' property") != std::string::npos, "%s", out.error.c_str ());
  fail_unless (out.messages.empty () && out.answers.empty ());
  release (out);
}
GST_END_TEST;

GST_START_TEST (test_ask_answers_over_the_cached_window)
{
  Output out;
  GstStructure *asked = nullptr, *unknown = nullptr, *early = nullptr;
  bool asked_early = false;
  out.on_answer = [&] (GstElement * infer, const GstStructure * answer) {
    guint64 last;
    gst_structure_get_uint64 (answer, "last-index", &last);
    if (last == 12) {
      /* the worker is between windows: the cached window is segments 3-12 */
      g_signal_emit_by_name (infer, "ask", kOther, &asked);
      g_signal_emit_by_name (infer, "ask", kUnknown, &unknown);
    }
  };
  play ("", "fakesink", out, [&] (GstElement * infer) {
    set_question (infer, kQuestion);
    /* the first frame leaves dgsctinfer before a window can be cached */
    GstPad *src = gst_element_get_static_pad (infer, "src");
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, [] (GstPad * pad, GstPadProbeInfo *, gpointer data) {
      auto *result = static_cast<GstStructure **> (data);
      GstElement *element = gst_pad_get_parent_element (pad);
      g_signal_emit_by_name (element, "ask", kQuestion, result);
      gst_object_unref (element);
      return GST_PAD_PROBE_REMOVE;
    }, &early, nullptr);
    gst_object_unref (src);
    asked_early = true;
  });
  fail_unless (asked_early);
  fail_unless (asked != nullptr, "ask returned NULL over a full window");
  check_seen (seen_of (asked), kOther, 12);
  fail_unless (unknown == nullptr);
  fail_unless (early == nullptr);
  /* the question property and the answers are untouched */
  check_answers (out, every_window (), std::vector<std::string> (every_window ().size (), kQuestion));
  fail_unless_equals_int (out.warnings.size (), 2);
  bool too_few = false, words = false;
  for (const auto & w : out.warnings) {
    too_few |= w.find ("of the 10 segments of a window are cached") != std::string::npos;
    words |= w.find ("'zebra', 'theremin'") != std::string::npos;
  }
  fail_unless (too_few && words, "%s / %s", out.warnings[0].c_str (), out.warnings[1].c_str ());
  gst_structure_free (asked);
  release (out);

  /* Not started: no model to ask. */
  GstElement *idle = gst_element_factory_make ("dgsctinfer", nullptr);
  GstStructure *none = nullptr;
  g_signal_emit_by_name (idle, "ask", kQuestion, &none);
  fail_unless (none == nullptr);
  gst_object_unref (idle);
}
GST_END_TEST;

GST_START_TEST (test_other_models_ignore_the_question)
{
  /* An AVE model: the question is taken (and ignored), ask answers nothing and says why. */
  GstElement *pipeline = gst_pipeline_new (nullptr);
  GstElement *infer = gst_element_factory_make ("dgsctinfer", nullptr);
  g_object_set (infer, "model", g_getenv ("DGSCT_TEST_MODEL"), "device", "cpu", "question", kQuestion, nullptr);
  gst_bin_add (GST_BIN (pipeline), infer);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  set_question (infer, kOther);
  check_question (infer, kOther);
  GstStructure *answer = nullptr;
  g_signal_emit_by_name (infer, "ask", kQuestion, &answer);
  fail_unless (answer == nullptr);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg = gst_bus_pop_filtered (bus, (GstMessageType) (GST_MESSAGE_WARNING | GST_MESSAGE_ERROR));
  fail_unless (msg != nullptr && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING);
  const std::string warning = error_text (msg);
  fail_unless (warning.find ("does not answer questions") != std::string::npos, "%s", warning.c_str ());
  gst_message_unref (msg);
  fail_unless (gst_bus_pop_filtered (bus, (GstMessageType) (GST_MESSAGE_WARNING | GST_MESSAGE_ERROR)) == nullptr);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_dgsctbin_forwards_the_question)
{
  GstElement *bin = gst_element_factory_make ("dgsctbin", nullptr);
  g_object_set (bin, "question", kQuestion, "answer-interval", 5, nullptr);
  GstElement *infer = gst_bin_get_by_name (GST_BIN (bin), "infer");
  check_question (infer, kQuestion);
  guint interval = 0;
  g_object_get (infer, "answer-interval", &interval, nullptr);
  fail_unless_equals_int (interval, 5);
  check_question (bin, kQuestion);
  GParamSpec *spec = g_object_class_find_property (G_OBJECT_GET_CLASS (bin), "question");
  fail_unless (spec != nullptr && (spec->flags & GST_PARAM_MUTABLE_PLAYING));
  gst_object_unref (infer);
  gst_object_unref (bin);
}
GST_END_TEST;

GST_START_TEST (test_answer_interval)
{
  /* Every three seconds: windows ending at 9, 12 and 15. */
  Output out;
  play ("answer-interval=3", "fakesink", out, [] (GstElement * infer) { set_question (infer, kQuestion); });
  check_answers (out, {9, 12, 15}, {kQuestion, kQuestion, kQuestion});
  release (out);

  /* A new question is answered at the next window, then every three seconds from there. */
  Output changed;
  changed.on_answer = [] (GstElement * infer, const GstStructure * answer) {
    guint64 last;
    gst_structure_get_uint64 (answer, "last-index", &last);
    if (last == 9)
      set_question (infer, kOther);
  };
  play ("answer-interval=3", "fakesink", changed, [] (GstElement * infer) { set_question (infer, kQuestion); });
  check_answers (changed, {9, 10, 13}, {kQuestion, kOther, kOther});
  release (changed);
}
GST_END_TEST;

GST_START_TEST (test_json_lines_are_the_answers)
{
  gchar *json_path = g_build_filename (g_get_tmp_dir (), "dgsct-test-avqa.jsonl", nullptr);
  Output out;
  play ("", std::string ("dgsctjson location=") + json_path + " ! fakesink", out,
      [] (GstElement * infer) { set_question (infer, kQuestion); });
  fail_unless (out.error.empty (), "%s", out.error.c_str ());
  gchar *text;
  fail_unless (g_file_get_contents (json_path, &text, nullptr, nullptr));
  gchar **lines = g_strsplit (text, "\n", -1);
  std::vector<Seen> answers;
  for (gchar **line = lines; *line && **line; ++line) {
    JsonParser *parser = json_parser_new ();
    fail_unless (json_parser_load_from_data (parser, *line, -1, nullptr), "not JSON: %s", *line);
    JsonObject *o = json_node_get_object (json_parser_get_root (parser));
    fail_unless_equals_string (json_object_get_string_member (o, "type"), "answer");
    Seen s;
    s.question = json_object_get_string_member (o, "question");
    s.answer = json_object_get_int_member (o, "answer");
    s.name = json_object_get_string_member (o, "answer_name");
    s.confidence = json_object_get_double_member (o, "confidence");
    JsonArray *top = json_object_get_array_member (o, "top");
    for (guint i = 0; i < json_array_get_length (top); ++i) {
      JsonObject *entry = json_array_get_object_element (top, i);
      s.top.push_back (json_object_get_int_member (entry, "answer"));
      s.top_names.push_back (json_object_get_string_member (entry, "answer_name"));
      s.top_probs.push_back (json_object_get_double_member (entry, "prob"));
    }
    s.first = json_object_get_int_member (o, "first_index");
    s.last = json_object_get_int_member (o, "last_index");
    JsonObject *rt = json_object_get_object_member (o, "running_time");
    s.start = json_object_get_int_member (rt, "start");
    s.end = json_object_get_int_member (rt, "end");
    fail_unless_equals_int (json_object_get_int_member (json_object_get_object_member (o, "stream_time"), "end"),
        s.end);
    answers.push_back (s);
    g_object_unref (parser);
  }
  const auto lasts = every_window ();
  fail_unless_equals_int (answers.size (), lasts.size ());
  for (size_t i = 0; i < lasts.size (); ++i)
    check_seen (answers[i], kQuestion, lasts[i]);
  g_strfreev (lines);
  g_free (text);
  g_unlink (json_path);
  g_free (json_path);
  release (out);
}
GST_END_TEST;

static Suite *dgsctinfer_avqa_suite (void)
{
  Suite *s = suite_create ("dgsctinfer-avqa");
  TCase *tc = tcase_create ("pipelines");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_library_answers_the_golden_question);
  tcase_add_test (tc, test_pipeline_equals_library);
  tcase_add_test (tc, test_question_changed_while_playing);
  tcase_add_test (tc, test_unknown_words_are_refused_and_the_question_stays);
  tcase_add_test (tc, test_unknown_words_before_the_start_fail_it);
  tcase_add_test (tc, test_ask_answers_over_the_cached_window);
  tcase_add_test (tc, test_other_models_ignore_the_question);
  tcase_add_test (tc, test_dgsctbin_forwards_the_question);
  tcase_add_test (tc, test_answer_interval);
  tcase_add_test (tc, test_json_lines_are_the_answers);
  return s;
}

GST_CHECK_MAIN (dgsctinfer_avqa);
