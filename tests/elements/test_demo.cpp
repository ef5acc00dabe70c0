/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundled demo models end to end: clips of the synthetic world from seeds never used in
 * training go through the pipeline as a 10 fps RGB video and 32 kHz audio.
 * AVE (dgsctbin's default model): the pipeline's labels equal the model library's on the same key
 * frames and audio, the segment accuracy is at least 90 %, and the same clip streamed live gives the
 * same events within one segment.
 * AVS (avs-demo): the pipeline's masks equal the library's, their mean IoU against the true
 * sounding objects is at least 0.7, bf16 decides like fp32, and a live stream whose analysis is
 * slower than real time passes every video frame while dropping analysis.
 * AVVP (avvp-demo): the pipeline's audio, visual and audio-visual events equal the library's on the
 * same key frames, clip frames and audio, and their segment-level F1 against the classes heard and
 * seen is at least 0.8 for each modality.
 * AVQA (avqa-demo): the pipeline's answers to the world's counting, existence and location questions
 * equal the library's, with the same confidence, and at least 80 % of them are right. */
#include "dgsct/metrics.h"
#include "dgsct/model.h"
#include "synth/questions.h"
#include "synth/world.h"

#include <array>
#include <map>

#include <algorithm>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWidth = 160, kHeight = 120, kFps = 10, kRate = 32000;
constexpr uint64_t kTestSeed = 777; /* training used world seed 1, its evaluation 1000 */

struct Event {
  int label;
  guint64 start, stop; /* segment indices, stop exclusive */
};

struct Analysis {
  std::vector<int> labels;       /* per segment, from dgsct-segment messages */
  std::vector<float> foreground;
  std::vector<Event> events;     /* from dgsct-event messages */
  std::map<guint64, std::vector<uint8_t>> masks; /* by segment, 0/1, from dgsct-mask messages */
  std::map<guint64, std::array<std::vector<int>, 3>> parsing; /* by segment: audio, visual, audio-visual classes */
  std::vector<std::pair<int, float>> answers; /* answer and confidence, from dgsct-answer messages */
  guint frames = 0;              /* video frames that reached the sink */
  guint64 dropped = 0;           /* dgsctinfer's counter at EOS */
};

GstPadProbeReturn count_frame (GstPad *, GstPadProbeInfo *, gpointer frames)
{
  g_atomic_int_inc (static_cast<gint *> (frames));
  return GST_PAD_PROBE_OK;
}

/* Pushes the clip into the pipeline's appsrcs; live: at the pace of the clock. */
void feed (const dgsct::synth::Clip & clip, GstAppSrc * video, GstAppSrc * audio, bool live)
{
  const int T = clip.segments ();
  const auto start = std::chrono::steady_clock::now ();
  const GstClockTime step = GST_SECOND / kFps;
  for (int f = 0; f < T * kFps; ++f) {
    const GstClockTime pts = f * step;
    if (live)
      std::this_thread::sleep_until (start + std::chrono::nanoseconds (pts));
    GstBuffer *frame = gst_buffer_new_allocate (nullptr, kWidth * kHeight * 3, nullptr);
    GstMapInfo map;
    gst_buffer_map (frame, &map, GST_MAP_WRITE);
    clip.render_frame (pts / 1e9, kWidth, kHeight, map.data);
    gst_buffer_unmap (frame, &map);
    GST_BUFFER_PTS (frame) = pts;
    GST_BUFFER_DURATION (frame) = step;
    fail_unless_equals_int (gst_app_src_push_buffer (video, frame), GST_FLOW_OK);

    const int samples = kRate / kFps;
    GstBuffer *pcm = gst_buffer_new_allocate (nullptr, samples * sizeof (float), nullptr);
    gst_buffer_map (pcm, &map, GST_MAP_WRITE);
    clip.render_audio (pts / 1e9, samples, kRate, reinterpret_cast<float *> (map.data));
    gst_buffer_unmap (pcm, &map);
    GST_BUFFER_PTS (pcm) = pts;
    GST_BUFFER_DURATION (pcm) = step;
    fail_unless_equals_int (gst_app_src_push_buffer (audio, pcm), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (video);
  gst_app_src_end_of_stream (audio);
}

/* @analysis: what runs between the sources (pads a.video, a.audio) and the sink; its dgsctinfer
 * is named `infer` where the drop counter is read. */
Analysis run_pipeline (const dgsct::synth::Clip & clip, bool live,
    const std::string & analysis = "dgsctbin name=a window-mode=clip")
{
  const std::string is_live = live ? "true" : "false";
  const std::string description = "appsrc name=video format=time max-bytes=0 is-live=" + is_live + " ! a.video "
      "appsrc name=audio format=time max-bytes=0 is-live=" + is_live + " ! a.audio " + analysis +
      " ! queue max-size-time=30000000000 max-size-buffers=0 max-size-bytes=0 ! fakesink name=sink sync=" + is_live;
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch (description.c_str (), &error);
  fail_unless (pipeline != nullptr, "%s", error ? error->message : "");
  auto *video = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (pipeline), "video"));
  auto *audio = GST_APP_SRC (gst_bin_get_by_name (GST_BIN (pipeline), "audio"));
  GstCaps *vcaps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, kWidth,
      "height", G_TYPE_INT, kHeight, "framerate", GST_TYPE_FRACTION, kFps, 1, nullptr);
  GstCaps *acaps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout", G_TYPE_STRING,
      "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, kRate, nullptr);
  gst_app_src_set_caps (video, vcaps);
  gst_app_src_set_caps (audio, acaps);
  gst_caps_unref (vcaps);
  gst_caps_unref (acaps);
  Analysis out;
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, &out.frames, nullptr);
  gst_object_unref (sink_pad);
  gst_object_unref (sink);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  std::thread feeder (feed, std::cref (clip), video, audio, live);

  GstBus *bus = gst_element_get_bus (pipeline);
  for (bool done = false; !done;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND,
        (GstMessageType) (GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
    fail_unless (msg != nullptr, "no EOS within 120 s");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err;
      gst_message_parse_error (msg, &err, nullptr);
      fail ("pipeline error: %s", err->message);
    }
    done = GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
    const GstStructure *s = gst_message_get_structure (msg);
    gint label = -1;
    guint64 index = 0;
    gfloat foreground = 0;
    if (s && gst_structure_has_name (s, "dgsct-segment") && gst_structure_has_field (s, "audio-labels")) {
      fail_unless (gst_structure_get_uint64 (s, "index", &index));
      static const char *fields[] = {"audio-labels", "visual-labels", "audio-visual-labels"};
      auto & classes = out.parsing[index]; /* a segment without events still counts */
      for (int m = 0; m < 3; ++m) {
        const GValue *list = gst_structure_get_value (s, fields[m]);
        for (guint k = 0; k < gst_value_array_get_size (list); ++k)
          classes[m].push_back (g_value_get_int (gst_value_array_get_value (list, k)));
      }
    } else if (s && gst_structure_has_name (s, "dgsct-segment") && gst_structure_get (s, "label", G_TYPE_INT, &label,
            "index", G_TYPE_UINT64, &index, "foreground-prob", G_TYPE_FLOAT, &foreground, nullptr)) {
      fail_unless_equals_uint64 (index, out.labels.size ());
      out.labels.push_back (label);
      out.foreground.push_back (foreground);
    } else if (s && gst_structure_has_name (s, "dgsct-event") && gst_structure_get (s, "label", G_TYPE_INT, &label,
            "index", G_TYPE_UINT64, &index, nullptr)) {
      if (g_str_equal (gst_structure_get_string (s, "state"), "start"))
        out.events.push_back ({label, index, 0});
      else
        out.events.back ().stop = index;
    } else if (s && gst_structure_has_name (s, "dgsct-mask")) {
      guint width = 0, height = 0;
      fail_unless (gst_structure_get (s, "index", G_TYPE_UINT64, &index, "width", G_TYPE_UINT, &width, "height",
              G_TYPE_UINT, &height, nullptr));
      out.masks[index] = dgsct::mask_from_rle (gst_structure_get_string (s, "rle"), (size_t) width * height);
    } else if (s && gst_structure_has_name (s, "dgsct-answer")) {
      gint answer = -1;
      gfloat confidence = 0;
      fail_unless (gst_structure_get (s, "answer", G_TYPE_INT, &answer, "confidence", G_TYPE_FLOAT, &confidence, nullptr));
      out.answers.emplace_back (answer, confidence);
    }
    gst_message_unref (msg);
  }
  feeder.join ();
  if (GstElement * infer = gst_bin_get_by_name (GST_BIN (pipeline), "infer")) {
    g_object_get (infer, "dropped", &out.dropped, nullptr);
    gst_object_unref (infer);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (video);
  gst_object_unref (audio);
  gst_object_unref (pipeline);
  return out;
}

/* The frames dgsctsync picks (nearest each segment's centre, [T, H, W, 3]) and each segment's
 * audio ([T, kRate]). */
std::pair<torch::Tensor, torch::Tensor> key_frames_and_audio (const dgsct::synth::Clip & clip)
{
  const int T = clip.segments ();
  auto frames = torch::empty ({T, kHeight, kWidth, 3}, torch::kUInt8);
  auto audio = torch::empty ({T, kRate}, torch::kFloat32);
  for (int t = 0; t < T; ++t) {
    clip.render_frame (t + 0.5, kWidth, kHeight, frames[t].data_ptr<uint8_t> ());
    clip.render_audio (t, kRate, kRate, audio[t].data_ptr<float> ());
  }
  return {frames, audio};
}

/* The model library on the key frames and audio: one window of the whole clip (AVE), or
 * consecutive windows of the model's length (AVS masks). */
dgsct::WindowResult run_library (const dgsct::Model & model, const dgsct::synth::Clip & clip)
{
  const int T = clip.segments ();
  const auto [frames, audio] = key_frames_and_audio (clip);
  if (!model.is_segmentation ())
    return model.run_clip (frames, audio);
  const int W = model.config ().segments;
  std::vector<torch::Tensor> masks;
  for (int w = 0; w + W <= T; w += W)
    masks.push_back (model.run_clip (frames.narrow (0, w, W), audio.narrow (0, w, W)).masks);
  dgsct::WindowResult result;
  result.masks = torch::cat (masks);
  return result;
}

/* The sounding objects at segment @t's key frame, at the model's mask size. */
std::vector<uint8_t> true_mask (const dgsct::synth::Clip & clip, int t, int size)
{
  std::vector<uint8_t> mask ((size_t) size * size);
  clip.render_sounding_mask (t + 0.5, size, size, mask.data ());
  for (auto & v : mask)
    v = v != 0;
  return mask;
}

/* AVVP: the frames dgsctinfer hands the clip encoder: of the frames at kFps, those nearest the
 * centres of 8 equal parts of each segment. [T, 8, H, W, 3] */
torch::Tensor clip_frames (const dgsct::synth::Clip & clip)
{
  constexpr int kClipFrames = 8;
  auto frames = torch::empty ({clip.segments (), kClipFrames, kHeight, kWidth, 3}, torch::kUInt8);
  for (int t = 0; t < clip.segments (); ++t)
    for (int k = 0; k < kClipFrames; ++k) {
      const double target = (2 * k + 1) / (2.0 * kClipFrames);
      const int frame = std::min (kFps - 1, (int) std::lround (target * kFps));
      clip.render_frame (t + (double) frame / kFps, kWidth, kHeight, frames[t][k].data_ptr<uint8_t> ());
    }
  return frames;
}

/* AVVP: the classes of @events [T, classes] (uint8) per segment. */
std::vector<std::vector<int>> classes_per_segment (const torch::Tensor & events)
{
  std::vector<std::vector<int>> out (events.size (0));
  for (int64_t t = 0; t < events.size (0); ++t)
    for (int64_t c = 0; c < events.size (1); ++c)
      if (events[t][c].item<int> ())
        out[t].push_back ((int) c);
  return out;
}

dgsct::synth::World test_world ()
{
  return dgsct::synth::World (kTestSeed);
}

}  // namespace

GST_START_TEST (test_pipeline_equals_library_and_is_accurate)
{
  auto model = dgsct::Model::load (g_getenv ("DGSCT_DEMO_MODEL"));
  const auto world = test_world ();
  int correct = 0, total = 0;
  for (int i = 0; i < 10; ++i) {
    const auto clip = world.clip (i);
    const auto truth = clip.labels ();
    const auto pipeline = run_pipeline (clip, false);
    const auto library = run_library (*model, clip);
    fail_unless_equals_int (pipeline.labels.size (), truth.size ());
    for (size_t t = 0; t < truth.size (); ++t) {
      fail_unless_equals_int (pipeline.labels[t], library.labels[t]);
      fail_unless (std::fabs (pipeline.foreground[t] - library.foreground_prob[t]) < 1e-4, "clip %d segment %zu: %f vs %f",
          i, t, pipeline.foreground[t], library.foreground_prob[t]);
      correct += pipeline.labels[t] == truth[t];
      ++total;
    }
  }
  const double accuracy = static_cast<double> (correct) / total;
  GST_INFO ("demo model segment accuracy on unseen clips: %.3f (%d/%d)", accuracy, correct, total);
  fail_unless (accuracy >= 0.9, "segment accuracy %.3f (%d/%d) below 0.9", accuracy, correct, total);
}
GST_END_TEST;

GST_START_TEST (test_live_stream_gives_the_same_events)
{
  /* the first clip with an event */
  const auto world = test_world ();
  uint64_t index = 0;
  while (world.clip (index).labels () == std::vector<int> (10, world.clip (index).classes ()))
    ++index;
  const auto clip = world.clip (index);
  const auto offline = run_pipeline (clip, false);
  const auto live = run_pipeline (clip, true);
  fail_unless (!offline.events.empty ());
  fail_unless_equals_int (live.events.size (), offline.events.size ());
  for (size_t e = 0; e < live.events.size (); ++e) {
    fail_unless_equals_int (live.events[e].label, offline.events[e].label);
    fail_unless (std::llabs ((long long) live.events[e].start - (long long) offline.events[e].start) <= 1);
    fail_unless (std::llabs ((long long) live.events[e].stop - (long long) offline.events[e].stop) <= 1);
  }
}
GST_END_TEST;

static const char *kAvsAnalysis = "dgsctsync name=a ! dgsctinfer name=infer model=avs-demo window-mode=clip";

GST_START_TEST (test_avs_pipeline_equals_library_and_finds_the_sounding_object)
{
  auto model = dgsct::Model::load (g_getenv ("DGSCT_DEMO_AVS_MODEL"));
  const int size = model->config ().segmentation.mask_size ();
  const auto world = test_world ();
  double iou_sum = 0, object_iou_sum = 0;
  int frames = 0, object_frames = 0;
  for (int i = 0; i < 6; ++i) {
    const auto clip = world.clip (i);
    const auto pipeline = run_pipeline (clip, false, kAvsAnalysis);
    const auto library = run_library (*model, clip).masks.contiguous ();
    fail_unless_equals_int (pipeline.masks.size (), clip.segments ());
    for (int t = 0; t < clip.segments (); ++t) {
      const auto & mask = pipeline.masks.at (t);
      const uint8_t *expected = library[t].data_ptr<uint8_t> ();
      fail_unless (std::equal (mask.begin (), mask.end (), expected), "clip %d segment %d: the pipeline's mask differs "
          "from the library's", i, t);
      const auto truth = true_mask (clip, t, size);
      const double iou = dgsct::mask_iou (mask.data (), truth.data (), mask.size ());
      iou_sum += iou;
      ++frames;
      if (std::count (truth.begin (), truth.end (), 1) > 0) {
        object_iou_sum += iou;
        ++object_frames;
      }
    }
  }
  const double miou = iou_sum / frames;
  /* AVSBench's rule scores frames without a sounding object by the pixels left unset; the frames
   * with one tell how well the object is outlined. */
  GST_INFO ("AVS demo model mean mask IoU on unseen clips: %.3f (%d frames); %.3f on the %d frames with a sounding "
      "object", miou, frames, object_iou_sum / object_frames, object_frames);
  fail_unless (miou >= 0.7, "mean mask IoU %.3f (%d frames) below 0.7", miou, frames);
}
GST_END_TEST;

GST_START_TEST (test_avs_bf16_decides_like_fp32)
{
  auto fp32 = dgsct::Model::load (g_getenv ("DGSCT_DEMO_AVS_MODEL"));
  auto bf16 = dgsct::Model::load (g_getenv ("DGSCT_DEMO_AVS_MODEL"), {"cpu", dgsct::Precision::BF16});
  const auto world = test_world ();
  double agree = 0;
  int clips = 0;
  for (int i = 0; i < 4; ++i, ++clips)
    agree += (run_library (*fp32, world.clip (i)).masks == run_library (*bf16, world.clip (i)).masks)
        .to (torch::kFloat64).mean ().item<double> ();
  GST_INFO ("AVS demo model: bf16 and fp32 masks agree on %.4f of the pixels", agree / clips);
  fail_unless (agree / clips >= 0.99, "bf16 and fp32 masks agree on only %.4f of the pixels", agree / clips);
}
GST_END_TEST;

GST_START_TEST (test_avs_live_passes_every_frame_when_analysis_is_slow)
{
  /* Each segment's analysis takes 1.5 s longer than real time allows. */
  g_setenv ("DGSCT_DEBUG_INFER_DELAY_MS", "1500", TRUE);
  const auto clip = test_world ().clip (0);
  const auto live = run_pipeline (clip, true, std::string (kAvsAnalysis) + " queue-size=1");
  g_unsetenv ("DGSCT_DEBUG_INFER_DELAY_MS");
  fail_unless_equals_int (live.frames, clip.segments () * kFps);
  fail_unless (live.dropped > 0, "no segment was dropped although inference is slower than real time");
}
GST_END_TEST;

static const char *kAvvpAnalysis = "dgsctsync name=a ! dgsctinfer name=infer model=avvp-demo window-mode=clip";

GST_START_TEST (test_avvp_pipeline_equals_library_and_parses_heard_and_seen_events)
{
  auto model = dgsct::Model::load (g_getenv ("DGSCT_DEMO_AVVP_MODEL"));
  const auto world = test_world ();
  int64_t tp[3] = {0, 0, 0}, fp[3] = {0, 0, 0}, fn[3] = {0, 0, 0};
  for (int i = 0; i < 20; ++i) {
    const auto clip = world.clip (i);
    const int T = clip.segments ();
    const auto pipeline = run_pipeline (clip, false, kAvvpAnalysis);
    const auto [frames, audio] = key_frames_and_audio (clip);
    const auto library = model->run_clip (frames, audio, model->clip_features (clip_frames (clip)));
    const std::vector<std::vector<int>> decided[3] = {classes_per_segment (library.audio_events),
        classes_per_segment (library.visual_events), classes_per_segment (library.audio_visual_events)};
    fail_unless_equals_int (pipeline.parsing.size (), T);
    for (int t = 0; t < T; ++t) {
      const auto & scene = clip.scenes ()[t];
      for (int m = 0; m < 3; ++m) {
        const auto & ours = pipeline.parsing.at (t)[m];
        fail_unless (ours == decided[m][t], "clip %d segment %d modality %d: the pipeline's events differ from the "
            "library's", i, t, m);
        for (int c = 0; c < clip.classes (); ++c) {
          const bool truth = m == 0 ? scene.audible[c] : m == 1 ? scene.visible[c] : scene.audible[c] && scene.visible[c];
          const bool found = std::find (ours.begin (), ours.end (), c) != ours.end ();
          tp[m] += found && truth;
          fp[m] += found && !truth;
          fn[m] += !found && truth;
        }
      }
    }
  }
  static const char *names[] = {"audio", "visual", "audio-visual"};
  for (int m = 0; m < 3; ++m) {
    const double f1 = 2.0 * tp[m] / (2.0 * tp[m] + fp[m] + fn[m]);
    GST_INFO ("AVVP demo model, %s events on unseen clips: F1 %.3f (tp %" G_GINT64_FORMAT ", fp %" G_GINT64_FORMAT
        ", fn %" G_GINT64_FORMAT ")", names[m], f1, tp[m], fp[m], fn[m]);
    fail_unless (f1 >= 0.8, "%s segment-level F1 %.3f below 0.8", names[m], f1);
  }
}
GST_END_TEST;

/* A synthetic question with its <Object> slot filled, as a user asks it. */
std::string asked (const dgsct::synth::Question & q)
{
  std::string text = q.text;
  for (const auto & value : q.template_values) {
    const size_t slot = text.find ('<');
    text.replace (slot, text.find ('>', slot) - slot + 1, value);
  }
  return text;
}

GST_START_TEST (test_avqa_pipeline_equals_library_and_answers_questions)
{
  auto model = dgsct::Model::load (g_getenv ("DGSCT_DEMO_AVQA_MODEL"));
  const auto world = test_world ();
  int correct = 0, total = 0;
  std::map<dgsct::synth::QuestionKind, std::pair<int, int>> by_kind; /* right, asked */
  for (int i = 0; i < 20; ++i) {
    const auto clip = world.clip (i);
    const auto [frames, audio] = key_frames_and_audio (clip);
    const auto window = model->encode (frames, audio);
    for (const auto & q : dgsct::synth::questions (clip)) {
      const std::string question = asked (q);
      const auto pipeline = run_pipeline (clip, false,
          "dgsctsync name=a ! dgsctinfer name=infer model=avqa-demo window-mode=clip question=\"" + question + "\"");
      const auto library = model->answer (window, question);
      fail_unless_equals_int (pipeline.answers.size (), 1);
      fail_unless_equals_int (pipeline.answers[0].first, library.answer);
      fail_unless (std::fabs (pipeline.answers[0].second - library.answer_probs[library.answer]) < 1e-4,
          "clip %d, '%s': confidence %f vs %f", i, question.c_str (), pipeline.answers[0].second,
          library.answer_probs[library.answer]);
      const bool right = model->labels ()[library.answer] == q.answer;
      correct += right;
      ++total;
      by_kind[q.kind].first += right;
      ++by_kind[q.kind].second;
    }
  }
  const double accuracy = static_cast<double> (correct) / total;
  GST_INFO ("AVQA demo model on unseen clips: %.3f of %d answers right (counting %d/%d, existence %d/%d, "
      "location %d/%d)", accuracy, total, by_kind[dgsct::synth::QuestionKind::Counting].first,
      by_kind[dgsct::synth::QuestionKind::Counting].second, by_kind[dgsct::synth::QuestionKind::Existence].first,
      by_kind[dgsct::synth::QuestionKind::Existence].second, by_kind[dgsct::synth::QuestionKind::Location].first,
      by_kind[dgsct::synth::QuestionKind::Location].second);
  fail_unless (accuracy >= 0.8, "answer accuracy %.3f (%d/%d) below 0.8", accuracy, correct, total);
}
GST_END_TEST;

static Suite *demo_suite (void)
{
  Suite *s = suite_create ("demo");
  TCase *tc = tcase_create ("demo-model");
  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pipeline_equals_library_and_is_accurate);
  tcase_add_test (tc, test_live_stream_gives_the_same_events);
  tcase_add_test (tc, test_avs_pipeline_equals_library_and_finds_the_sounding_object);
  tcase_add_test (tc, test_avs_bf16_decides_like_fp32);
  tcase_add_test (tc, test_avs_live_passes_every_frame_when_analysis_is_slow);
  tcase_add_test (tc, test_avvp_pipeline_equals_library_and_parses_heard_and_seen_events);
  tcase_add_test (tc, test_avqa_pipeline_equals_library_and_answers_questions);
  return s;
}

GST_CHECK_MAIN (demo);
