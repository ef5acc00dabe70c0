/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctinfer
 * @title: dgsctinfer
 * @short_description: runs DG-SCT on the segments cut by dgsctsync
 *
 * dgsctinfer reads the #DgsctSegmentMeta that dgsctsync attaches to the video, encodes each
 * segment once (its key frame and its audio) on a worker thread, runs the model's temporal head
 * over a window of cached segments and publishes the decisions. Video flows through unchanged.
 * What is published depends on the model's task (read from the model file):
 *
 * - event localisation (AVE): a #DgsctResultMeta on the video frames that follow the result, an
 *   element message `dgsct-segment` per segment, and element messages `dgsct-event` (`state` =
 *   `start` or `stop`) when a labelled event begins or ends (consecutive foreground segments of one
 *   label form one event);
 * - sounding-object segmentation (AVS): a #DgsctMaskMeta (the mask of the segment's key frame,
 *   covering the whole frame) on the video frames that follow the result, and an element message
 *   `dgsct-mask` per segment. The decoder runs only for the frames whose masks are published;
 * - audio-visual video parsing (AVVP): a #DgsctParsingMeta (the classes heard, seen, and both
 *   heard and seen in the segment, with their probabilities) on the video frames that follow the
 *   result, an element message `dgsct-segment` per segment listing the three, and element messages
 *   `dgsct-event` with a `modality` field when an event of one class in one modality begins or ends
 *   (several classes, and each modality, have their events at once);
 * - audio-visual question answering (AVQA): the answer to #GstDgsctInfer:question over the window of
 *   the latest segments as a #DgsctAnswerMeta on the video frames that follow it, and an element
 *   message `dgsct-answer` per answer.
 *
 * An AVVP model also needs each segment's clip feature (R(2+1)D-18, from the frames spread over the
 * segment). A `dgsct/clip` tensor meta that the application attaches to the buffer carrying the
 * segment (dgsct-tensor-meta.h) is used when present; otherwise the model's clip encoder computes
 * it (model files packed with `dgsct-pack --clip-encoder`), and a model file without one fails with
 * an ERROR at the first segment. For the encoder the element keeps a few recent frames: at most 16
 * per segment duration (a frame at least a sixteenth of a segment after the last one kept) are
 * converted to RGB and scaled down to 128 pixels on the shorter side (aspect kept; smaller frames are
 * only converted; the encoder reads 112 x 112), a copy that never holds an upstream buffer; of those
 * inside the segment, the ones nearest to the centres of 8 equal parts of it are handed to the
 * encoder (repeated when fewer exist; a segment without a frame repeats the last one before it). Every
 * other frame costs one comparison.
 *
 * Two dgsctinfer elements in one chain (say an AVE and an AVS model) each read the segments and add
 * their own metadata.
 *
 * #GstDgsctInfer:window-mode `clip` analyses non-overlapping windows of the model's length exactly
 * like the paper's evaluation (results every window); `sliding` produces a result for every new
 * segment from the window that ends #GstDgsctInfer:lookahead segments after it (at the end of the
 * stream, the last segments take the last window's result).
 *
 * An AVQA model answers #GstDgsctInfer:question, a question in the model's vocabulary (plain text,
 * e.g. `Which instrument makes sounds before the violin?`; its last character, the question mark, is
 * dropped as the official tokenisation does). Once the model's window of segments is cached, a
 * question is answered over the latest segments, then every #GstDgsctInfer:answer-interval seconds
 * (the window's end nearest to it): the head is a set function of its segments, so any window of
 * cached seconds can be asked, and #GstDgsctInfer:window-mode, #GstDgsctInfer:lookahead and
 * #GstDgsctInfer:hold-frames do not apply (an answer is about a window, not a frame, and rides on the
 * frames that follow it). The question can change while playing: a new one is answered at once from
 * the next segment's window on. A question with words outside the vocabulary is refused: while a
 * model is loaded with a WARNING naming the words, the property keeping its previous question; a
 * question set before the model is loaded is checked when it is, and fails the start with an ERROR
 * naming the words. An empty question (the default) gives no answers; other models ignore the
 * question. The `ask` action signal answers a question of the application's at once over the cached
 * window (#GstDgsctInfer::ask).
 *
 * For tests, the environment variable `DGSCT_DEBUG_INFER_DELAY_MS` adds that many milliseconds to
 * every segment's inference, to simulate a model slower than real time.
 *
 * A result is decided after its segment (and the lookahead or the rest of the clip window) has
 * passed, so by default it rides on a later frame. In non-live pipelines #GstDgsctInfer:hold-frames
 * holds the video instead, so that each result rides on the first frame of its own segment: what
 * an overlay draws is then in step with the picture (pipelines/annotate-file.pipeline).
 *
 * In non-live pipelines no segment is dropped: when the queue is full the streaming thread waits,
 * so file analysis is deterministic. In live pipelines a segment arriving at a full queue is
 * dropped, counted (#GstDgsctInfer:dropped) and reported with a QoS message; video never waits.
 *
 * The latency the element reports (a segment, the lookahead or the rest of the clip window, and the
 * inference time) makes live sinks show each frame that much later. Put a queue that holds that
 * much video after the analysis (`queue max-size-time=20000000000 max-size-buffers=0
 * max-size-bytes=0`), so that the sinks' waiting does not hold up the sources.
 *
 * The `dgsct-segment` message carries `index` (guint64), `start` and `end` (running time, guint64),
 * `label` (gint), `label-name` (string), `confidence` and `foreground-prob` (gfloat).
 * The `dgsct-event` message carries `state`, `label`, `label-name`, and where the change happens:
 * `index` (the first segment of the event, or the first segment after it for `stop`) and `start`
 * (that segment's start, running time). At EOS an open event stops at the end of the last segment.
 * The `dgsct-mask` message carries `index`, `start`, `end`, `foreground` (gfloat, the fraction of
 * the mask that is set), the bounding box `bbox-x`, `bbox-y`, `bbox-width`, `bbox-height` (guint,
 * frame pixels; zero size when nothing is set), the mask size `width` and `height`, and `rle`
 * (string, dgsct_mask_meta_to_rle()).
 *
 * With an AVVP model, the `dgsct-segment` message carries `index`, `start` and `end`, and per
 * modality the classes with an event in the segment, ascending: their names in `audio`, `visual`
 * and `audio-visual` and their labels in `audio-labels`, `visual-labels` and `audio-visual-labels`
 * (#GstValueArray of strings and of gint; empty when there is none), e.g.
 * `dgsct-segment, index=(guint64)3, ..., audio=(string)< Speech, Dog >, audio-labels=(int)< 0, 3 >,
 * visual=(string)< Dog >, ..., audio-visual=(string)< Dog >, ...`. Its `dgsct-event` messages carry
 * `modality` (string: `audio`, `visual` or `audio-visual`, dgsct_modality_get_name()) besides the
 * fields above; a change posts, per modality in that order, the stops and then the starts, each in
 * class order. At EOS every open event stops at the end of the last segment. Results decided after
 * the last frame travel downstream as `dgsct-result`, `dgsct-mask`, `dgsct-parsing` or `dgsct-answer`
 * events (dgsct_result_event_new(), dgsct_mask_event_new(), dgsct_parsing_event_new(),
 * dgsct_answer_event_new()).
 *
 * With an AVQA model, the `dgsct-answer` message carries `question` (string), `answer` (gint, the
 * index in the model's answer list), `answer-name` (string), `confidence` (gfloat, the answer's
 * probability), the five most probable answers as three #GstValueArray of equal length, most
 * probable first: `top-answers` (gint), `top-names` (string) and `top-probs` (gfloat), and the window:
 * `first-index` and `last-index` (guint64, its first and last segment) and `start` and `end`
 * (guint64, running time), e.g. `dgsct-answer, question=(string)"Which instrument makes sounds before
 * the violin?", answer=(int)33, answer-name=(string)ten, confidence=(float)0.04, top-answers=(int)< 33,
 * 12, ... >, top-names=(string)< ten, ... >, top-probs=(float)< 0.04, ... >, first-index=(guint64)3,
 * last-index=(guint64)12, ...` (dgsct_answer_meta_to_structure()).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=clip.mkv ! matroskademux name=d \
 *     d. ! queue ! videoconvert ! s.video  d. ! queue ! audioconvert ! audioresample ! s.audio \
 *     dgsctsync name=s ! dgsctinfer model=ave.safetensors ! fakesink -m
 * ]|
 * Events and masks together, drawn by dgsctoverlay:
 * |[
 * gst-launch-1.0 filesrc location=clip.mkv ! decodebin name=d \
 *     d. ! queue ! videoconvert ! s.video  d. ! queue ! audioconvert ! audioresample ! s.audio \
 *     dgsctsync name=s ! dgsctinfer ! dgsctinfer model=avs-demo ! videoconvert ! dgsctoverlay ! videoconvert ! autovideosink
 * ]|
 * A question answered every 5 seconds by an AVQA model (avqa-demo knows counting, existence and
 * location questions about the synthetic world's instruments), the answers as JSON Lines and on the bus:
 * |[
 * gst-launch-1.0 -m filesrc location=clip.mkv ! decodebin name=d \
 *     d. ! queue ! videoconvert ! s.video  d. ! queue ! audioconvert ! audioresample ! s.audio \
 *     dgsctsync name=s ! dgsctinfer model=avqa-demo answer-interval=5 \
 *     question="Where is the violin sounding?" ! dgsctjson ! fdsink
 * ]|
 */
#include "gstdgsctinfer.h"

#include "dgsct-answer-meta.h"
#include "dgsct-mask-meta.h"
#include "dgsct-parsing-meta.h"
#include "dgsct-result-meta.h"
#include "dgsct-segment-meta.h"
#include "dgsct-tensor-meta.h"
#include "dgsct/frontend.h"
#include "dgsct/model.h"
#include "support.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <cstdlib>
#include <deque>
#include <gst/video/video.h>
#include <mutex>
#include <sstream>
#include <thread>

GST_DEBUG_CATEGORY_STATIC (dgsct_infer_debug);
#define GST_CAT_DEFAULT dgsct_infer_debug

typedef enum {
  DGSCT_WINDOW_SLIDING,
  DGSCT_WINDOW_CLIP,
} DgsctWindowMode;

#define DEFAULT_MODEL "ave-demo"
#define DEFAULT_DEVICE "auto"
#define DEFAULT_PRECISION "fp32"
#define DEFAULT_WINDOW_MODE DGSCT_WINDOW_SLIDING
#define DEFAULT_LOOKAHEAD 0
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_QUEUE_SIZE 4
#define DEFAULT_HOLD_FRAMES FALSE
#define DEFAULT_QUESTION nullptr
#define DEFAULT_ANSWER_INTERVAL 1
#define MAX_ANSWER_INTERVAL 3600

enum {
  PROP_0,
  PROP_MODEL,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_WINDOW,
  PROP_WINDOW_MODE,
  PROP_LOOKAHEAD,
  PROP_POST_MESSAGES,
  PROP_QUEUE_SIZE,
  PROP_HOLD_FRAMES,
  PROP_QUESTION,
  PROP_ANSWER_INTERVAL,
  PROP_PROCESSED,
  PROP_DROPPED,
};

static GType dgsct_window_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {DGSCT_WINDOW_SLIDING, "A result for every new segment, from the window ending lookahead segments later", "sliding"},
    {DGSCT_WINDOW_CLIP, "Non-overlapping windows of the model's length, as the paper evaluates", "clip"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("DgsctWindowMode", values));
  return type;
}

namespace {

/* A segment to analyse: prepared inputs (from dgsctpatch / dgsctmel) or the raw ones. */
struct Job {
  guint64 index;
  GstClockTime start, end;
  torch::Tensor frame_norm, log_mel;  /* [3, size, size], [1, frames, mels]; or undefined */
  torch::Tensor frame, audio;         /* [H, W, 3] uint8, [samples]; when not prepared */
  /* AVVP: the segment's clip feature [clip_feature_dim] from a dgsct/clip tensor, or else the
   * frames [CLIP_FRAMES, h, w, 3] uint8 the model's clip encoder computes it from */
  torch::Tensor clip, clip_frames;
};

torch::Tensor tensor_of (DgsctTensorMeta * meta)
{
  std::vector<int64_t> dims (meta->dims, meta->dims + meta->n_dims);
  GstMapInfo map;
  if (!gst_buffer_map (meta->data, &map, GST_MAP_READ))
    throw std::runtime_error (std::string ("cannot map tensor ") + meta->name);
  auto t = torch::empty (dims, torch::kFloat32);
  if (map.size != t.nbytes ()) {
    gst_buffer_unmap (meta->data, &map);
    throw std::runtime_error (std::string ("tensor ") + meta->name + " holds " + std::to_string (map.size) +
        " bytes, its dims need " + std::to_string (t.nbytes ()));
  }
  std::memcpy (t.data_ptr (), map.data, map.size);
  gst_buffer_unmap (meta->data, &map);
  return t;
}

bool tensor_dims_are (const DgsctTensorMeta * meta, std::initializer_list<int64_t> dims)
{
  if (meta->n_dims != dims.size ())
    return false;
  guint i = 0;
  for (int64_t d : dims)
    if ((int64_t) meta->dims[i++] != d)
      return false;
  return true;
}

struct Cached {
  guint64 index;
  GstClockTime start, end;
  dgsct::SegmentFeatures features;
};

enum class Kind { EVENT, MASK, PARSING, ANSWER };

struct Result {
  Kind kind = Kind::EVENT;
  guint64 index;
  GstClockTime start, end;
  /* events */
  int label;
  std::string name;
  float confidence, foreground;
  std::vector<float> scores;
  /* masks: 0/255 pixels, mask_size x mask_size; empty for events */
  std::vector<guint8> mask;
  guint mask_size = 0;
  /* parsing: per modality (DgsctModality), per class 0/1; per class the audio and visual frame
   * probabilities and the window's video-level probability */
  std::array<std::vector<guint8>, DGSCT_N_MODALITIES> events;
  std::vector<float> audio_prob, visual_prob, video_prob;
  /* answers: the question, the window's first segment (index, start: the last one's), the most
   * probable answers, the model's answer first */
  std::string question;
  guint64 first_index = 0;
  std::vector<gint> top_answers;
  std::vector<std::string> top_names;
  std::vector<gfloat> top_probs;
};

/* AVVP: the frames a segment's clip feature is computed from, picked from a small ring of recent
 * frames converted to RGB at a reduced size (never references to upstream buffers). At most
 * CLIP_FRAMES_PER_SEGMENT frames are converted per segment duration, so the per-frame cost is one
 * running-time comparison and, at most that often, one conversion to a small frame. */
#define CLIP_FRAMES 8                  /* frames per segment handed to the clip encoder */
#define CLIP_FRAMES_PER_SEGMENT 16     /* conversions per segment duration, at most */
#define CLIP_FRAME_SHORT_SIDE 128      /* larger frames are scaled down to this shorter side (the encoder: 112 x 112) */
#define CLIP_RING_SIZE 64              /* frames kept, at most */

struct ClipFrame {
  GstClockTime time;                   /* running time */
  torch::Tensor rgb;                   /* [h, w, 3] uint8 */
};

struct ClipCollector {
  GstVideoInfo in, out;
  GstVideoConverter *converter = nullptr;
  GstBuffer *scratch = nullptr;        /* the converter's output, copied into each frame's tensor */
  std::deque<ClipFrame> ring;          /* ascending running time */

  ~ClipCollector () { clear_caps (); }
  void clear_caps ()
  {
    if (converter)
      gst_video_converter_free (converter);
    converter = nullptr;
    gst_clear_buffer (&scratch);
  }
};

}  // namespace

struct InferState {
  /* Changed by start and stop only; the worker reads it freely while it runs, others (the
   * question property, the ask signal) under model_lock. */
  std::unique_ptr<dgsct::Model> model;
  std::mutex model_lock;
  bool answers = false;            /* an AVQA model */
  std::vector<GQuark> class_quarks; /* the model's class names, background last */
  bool collect_clip_frames = false; /* an AVVP model with a clip encoder */
  std::thread worker;
  std::mutex lock;
  std::condition_variable wake;    /* jobs or stop for the worker */
  std::condition_variable settled; /* queue space or idleness for the streaming thread */
  std::deque<Job> jobs;
  std::deque<Result> results;      /* waiting for a frame to ride on */
  bool stopping = false, busy = false;
  bool live = false, live_known = false;
  guint64 processed = 0, dropped = 0;
  guint debug_delay_ms = 0;        /* $DGSCT_DEBUG_INFER_DELAY_MS: simulates a slow model */
  GstClockTime inference_time = 0; /* the slowest encode + head so far: part of the latency */
  GstClockTime segment_duration = GST_SECOND;
  GstVideoRectangle frame_region = {0, 0, 0, 0}; /* the whole frame: what a mask covers */
  /* streaming thread only: hold-frames */
  std::deque<GstBuffer *> held;    /* frames waiting for their segment's results */
  std::deque<Result> decided;      /* results waiting for their segment's first held frame */
  GstClockTime decided_end = 0;    /* end of the latest decided segment */
  /* streaming thread only: AVVP clip frames */
  ClipCollector clip;
  /* written by the worker only; changed under lock (the ask signal reads it) */
  std::deque<Cached> window;
  /* worker only */
  guint answered_serial = 0;        /* AVQA: the question serial and the window end of the latest */
  GstClockTime answered_end = GST_CLOCK_TIME_NONE;  /* answer */
  guint64 clip_fill = 0;
  bool first_window_done = false;
  std::vector<Cached> last_window;  /* sliding: the latest full window and its result, whose */
  dgsct::WindowResult last_result;  /* lookahead positions the end of the stream decides */
  int event_label = -1;
  std::array<std::vector<bool>, DGSCT_N_MODALITIES> open_events;  /* AVVP: per modality and class */
  guint64 next_index = 0;          /* the segment after the latest published one */
  GstClockTime published_end = GST_CLOCK_TIME_NONE;
};

struct _GstDgsctInfer {
  GstBaseTransform parent;
  /* properties, under the object lock */
  gchar *model_location, *device, *precision;
  DgsctWindowMode window_mode;
  guint window, lookahead, queue_size;
  gboolean post_messages, hold_frames;
  gchar *question;
  guint question_serial;   /* counts question changes: a new one is answered at once */
  guint answer_interval;
  InferState *state;
};

G_DEFINE_TYPE (GstDgsctInfer, gst_dgsct_infer, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (dgsctinfer, "dgsctinfer", GST_RANK_NONE, GST_TYPE_DGSCT_INFER);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));

static void post_segment (GstDgsctInfer * self, const Result & r)
{
  GstStructure *s = gst_structure_new ("dgsct-segment", "index", G_TYPE_UINT64, r.index, "start", G_TYPE_UINT64, r.start,
      "end", G_TYPE_UINT64, r.end, "label", G_TYPE_INT, r.label, "label-name", G_TYPE_STRING, r.name.c_str (),
      "confidence", G_TYPE_FLOAT, r.confidence, "foreground-prob", G_TYPE_FLOAT, r.foreground, nullptr);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* @modality: AVVP events only (NULL for AVE). */
static void post_event (GstDgsctInfer * self, const char *state, int label, const std::string & name, guint64 index,
    GstClockTime start, const char *modality = nullptr)
{
  GstStructure *s = gst_structure_new ("dgsct-event", "state", G_TYPE_STRING, state, "label", G_TYPE_INT, label,
      "label-name", G_TYPE_STRING, name.c_str (), "index", G_TYPE_UINT64, index, "start", G_TYPE_UINT64, start, nullptr);
  if (modality)
    gst_structure_set (s, "modality", G_TYPE_STRING, modality, nullptr);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* AVVP: per modality, the names and the labels of the classes with an event, as arrays. */
static void post_parsing_segment (GstDgsctInfer * self, const dgsct::Model & model, const Result & r)
{
  GstStructure *s = gst_structure_new ("dgsct-segment", "index", G_TYPE_UINT64, r.index, "start", G_TYPE_UINT64,
      r.start, "end", G_TYPE_UINT64, r.end, nullptr);
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    GValue names = G_VALUE_INIT, labels = G_VALUE_INIT, v = G_VALUE_INIT;
    gst_value_array_init (&names, 4);
    gst_value_array_init (&labels, 4);
    for (size_t c = 0; c < r.events[m].size (); ++c) {
      if (!r.events[m][c])
        continue;
      g_value_init (&v, G_TYPE_STRING);
      g_value_set_string (&v, model.label_name ((int) c).c_str ());
      gst_value_array_append_and_take_value (&names, &v);
      g_value_init (&v, G_TYPE_INT);
      g_value_set_int (&v, (int) c);
      gst_value_array_append_and_take_value (&labels, &v);
    }
    const std::string modality = dgsct_modality_get_name ((DgsctModality) m);
    gst_structure_take_value (s, modality.c_str (), &names);
    gst_structure_take_value (s, (modality + "-labels").c_str (), &labels);
  }
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Attaches a decided mask to @buffer. */
static DgsctMaskMeta *add_mask_meta (InferState * st, GstBuffer * buffer, const Result & r)
{
  GstVideoRectangle region;
  {
    std::lock_guard<std::mutex> guard (st->lock);
    region = st->frame_region;
  }
  return gst_buffer_add_dgsct_mask_meta (buffer, r.index, r.start, r.end, r.mask.data (), r.mask_size, r.mask_size, &region);
}

static void post_mask (GstDgsctInfer * self, InferState * st, const Result & r)
{
  GstBuffer *carrier = gst_buffer_new ();
  DgsctMaskMeta *m = add_mask_meta (st, carrier, r);
  gchar *rle = dgsct_mask_meta_to_rle (m);
  GstStructure *s = gst_structure_new ("dgsct-mask", "index", G_TYPE_UINT64, r.index, "start", G_TYPE_UINT64, r.start,
      "end", G_TYPE_UINT64, r.end, "foreground", G_TYPE_FLOAT, m->foreground, "bbox-x", G_TYPE_UINT, (guint) m->bbox.x,
      "bbox-y", G_TYPE_UINT, (guint) m->bbox.y, "bbox-width", G_TYPE_UINT, (guint) m->bbox.w, "bbox-height", G_TYPE_UINT,
      (guint) m->bbox.h, "width", G_TYPE_UINT, m->width, "height", G_TYPE_UINT, m->height, "rle", G_TYPE_STRING, rle,
      nullptr);
  g_free (rle);
  gst_buffer_unref (carrier);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Publishes the mask of window position @t (one of w.mask_frames). */
static void publish_mask (GstDgsctInfer * self, InferState * st, const Cached & seg, const dgsct::WindowResult & w, int t,
    bool post)
{
  Result r;
  r.kind = Kind::MASK;
  r.index = seg.index;
  r.start = seg.start;
  r.end = seg.end;
  const auto row = std::find (w.mask_frames.begin (), w.mask_frames.end (), t) - w.mask_frames.begin ();
  auto mask = (w.masks[row] * 255).contiguous ();
  r.mask_size = (guint) mask.size (0);
  r.mask.assign (mask.data_ptr<guint8> (), mask.data_ptr<guint8> () + mask.numel ());
  if (post)
    post_mask (self, st, r);
  st->next_index = r.index + 1;
  st->published_end = r.end;
  std::lock_guard<std::mutex> guard (st->lock);
  st->results.push_back (std::move (r));
}

/* Publishes the parsing result of window position @t: queue it, post its messages and, per modality
 * and class, the starts and stops of events (per modality, the stops before the starts, each in
 * class order). */
static void publish_parsing (GstDgsctInfer * self, InferState * st, const Cached & seg, const dgsct::WindowResult & w,
    int t, bool post)
{
  const dgsct::Model & model = *st->model;
  const int classes = model.config ().classes;
  Result r;
  r.kind = Kind::PARSING;
  r.index = seg.index;
  r.start = seg.start;
  r.end = seg.end;
  const auto flags = [&] (const torch::Tensor & x) {
    auto row = x[t].to (torch::kUInt8).contiguous ();
    return std::vector<guint8> (row.data_ptr<guint8> (), row.data_ptr<guint8> () + classes);
  };
  const auto values = [&] (const torch::Tensor & x) {
    auto row = x.to (torch::kFloat32).contiguous ();
    return std::vector<float> (row.data_ptr<float> (), row.data_ptr<float> () + classes);
  };
  r.events = {flags (w.audio_events), flags (w.visual_events), flags (w.audio_visual_events)};
  r.audio_prob = values (w.audio_frame_prob[t]);
  r.visual_prob = values (w.visual_frame_prob[t]);
  r.video_prob = values (w.video_prob);
  if (post) {
    post_parsing_segment (self, model, r);
    for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
      auto & open = st->open_events[m];
      open.resize (classes, false);
      const char *modality = dgsct_modality_get_name ((DgsctModality) m);
      for (int c = 0; c < classes; ++c)
        if (open[c] && !r.events[m][c])
          post_event (self, "stop", c, model.label_name (c), r.index, r.start, modality);
      for (int c = 0; c < classes; ++c)
        if (!open[c] && r.events[m][c])
          post_event (self, "start", c, model.label_name (c), r.index, r.start, modality);
      for (int c = 0; c < classes; ++c)
        open[c] = r.events[m][c] != 0;
    }
  }
  st->next_index = r.index + 1;
  st->published_end = r.end;
  std::lock_guard<std::mutex> guard (st->lock);
  st->results.push_back (std::move (r));
}

/* Publishes one decided segment: queue it for the next frame, post its messages, track events. */
static void publish (GstDgsctInfer * self, InferState * st, const Cached & seg, const dgsct::WindowResult & w, int t,
    bool post)
{
  const dgsct::Model & model = *st->model;
  if (model.is_segmentation ()) {
    publish_mask (self, st, seg, w, t, post);
    return;
  }
  if (model.is_parsing ()) {
    publish_parsing (self, st, seg, w, t, post);
    return;
  }
  Result r;
  r.index = seg.index;
  r.start = seg.start;
  r.end = seg.end;
  r.label = w.labels[t];
  r.name = model.label_name (r.label);
  r.foreground = w.foreground_prob[t];
  r.scores = w.event_scores;
  if (r.label == model.background_class ()) {
    r.confidence = 1.0f - r.foreground;
  } else {
    auto softmax = torch::softmax (w.event_scores_raw, 0);
    r.confidence = r.foreground * softmax[r.label].item<float> ();
  }
  if (post) {
    post_segment (self, r);
    const int event = r.label == model.background_class () ? -1 : r.label;
    if (event != st->event_label) {
      if (st->event_label >= 0)
        post_event (self, "stop", st->event_label, model.label_name (st->event_label), r.index, r.start);
      if (event >= 0)
        post_event (self, "start", event, r.name, r.index, r.start);
      st->event_label = event;
    }
  }
  st->next_index = r.index + 1;
  st->published_end = r.end;
  std::lock_guard<std::mutex> guard (st->lock);
  st->results.push_back (std::move (r));
}

static DgsctAnswerMeta *add_answer_meta (GstBuffer * buffer, const Result & r)
{
  std::vector<const gchar *> names;
  for (const auto & name : r.top_names)
    names.push_back (name.c_str ());
  return gst_buffer_add_dgsct_answer_meta (buffer, r.question.c_str (), r.first_index, r.index, r.start, r.end,
      r.top_answers.size (), r.top_answers.data (), names.data (), r.top_probs.data ());
}

/* The answer as the `dgsct-answer` message and the ask signal give it. */
static GstStructure *answer_structure (const Result & r)
{
  GstBuffer *carrier = gst_buffer_new ();
  GstStructure *s = dgsct_answer_meta_to_structure (add_answer_meta (carrier, r));
  gst_buffer_unref (carrier);
  return s;
}

/* AVQA: why @model cannot be asked @question (the words outside its vocabulary), or "" when it can. */
static std::string question_problem (const dgsct::Model & model, const std::string & question)
{
  try {
    std::string words;
    for (const auto & word : model.unknown_words (question))
      words += (words.empty () ? "'" : ", '") + word + "'";
    return words.empty () ? "" : "words outside the vocabulary of model '" + model.config ().name + "': " + words;
  } catch (const std::exception & e) {
    /* e.g. a <slot> of the dataset's templates, which has no value here */
    return e.what ();
  }
}

/* AVQA: the answer to @question over @window (the model's window of segments, oldest first), with
 * the most probable answers: the model's answer first, then the others by descending probability. */
static Result answer_over (const dgsct::Model & model, const std::deque<Cached> & window, const std::string & question)
{
  std::vector<dgsct::SegmentFeatures> features;
  for (const auto & c : window)
    features.push_back (c.features);
  const auto w = model.answer (features, question);
  std::vector<gint> order (w.answer_probs.size ());
  for (size_t a = 0; a < order.size (); ++a)
    order[a] = (gint) a;
  std::stable_sort (order.begin (), order.end (), [&] (gint a, gint b) {
    return a != b && (a == w.answer || (b != w.answer && w.answer_probs[a] > w.answer_probs[b]));
  });
  Result r;
  r.kind = Kind::ANSWER;
  r.question = question;
  r.first_index = window.front ().index;
  r.index = window.back ().index;
  r.start = window.front ().start;
  r.end = window.back ().end;
  for (size_t i = 0; i < MIN (order.size (), (size_t) DGSCT_ANSWER_TOP); ++i) {
    r.top_answers.push_back (order[i]);
    r.top_names.push_back (model.label_name (order[i]));
    r.top_probs.push_back (w.answer_probs[order[i]]);
  }
  return r;
}

/* AVQA: answers the question over the latest segments when an answer is due: at the first full
 * window, then at the window whose end is nearest to answer-interval after the previous answer's,
 * and at once for a new question. */
static void run_answer (GstDgsctInfer * self, InferState * st)
{
  const dgsct::Model & model = *st->model;
  {
    std::lock_guard<std::mutex> guard (st->lock);
    while (st->window.size () > (size_t) model.config ().segments)
      st->window.pop_front ();
  }
  GST_OBJECT_LOCK (self);
  const std::string question = self->question ? self->question : "";
  const guint serial = self->question_serial;
  const GstClockTime interval = self->answer_interval * GST_SECOND;
  const bool post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (question.empty () || st->window.size () < (size_t) model.config ().segments)
    return;
  const Cached & newest = st->window.back ();
  if (serial == st->answered_serial && GST_CLOCK_TIME_IS_VALID (st->answered_end)
      && newest.end + (newest.end - newest.start) / 2 < st->answered_end + interval)
    return;
  Result r = answer_over (model, st->window, question);
  st->answered_serial = serial;
  st->answered_end = newest.end;
  GST_DEBUG_OBJECT (self, "segments %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT ": '%s' -> %s (%.3f)", r.first_index,
      r.index, question.c_str (), r.top_names[0].c_str (), r.top_probs[0]);
  if (post)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), answer_structure (r)));
  std::lock_guard<std::mutex> guard (st->lock);
  st->results.push_back (std::move (r));
}

static void run_head (GstDgsctInfer * self, InferState * st)
{
  if (st->answers) {
    run_answer (self, st);
    return;
  }
  GST_OBJECT_LOCK (self);
  const DgsctWindowMode mode = self->window_mode;
  const int lookahead = MIN ((int) self->lookahead, st->model->config ().segments - 1);
  const bool post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  const size_t T = st->model->config ().segments;
  if (st->window.size () < T)
    return;
  std::vector<dgsct::SegmentFeatures> features;
  for (const auto & c : st->window)
    features.push_back (c.features);
  /* Sliding: the segment lookahead places before the newest; the first window reports every
   * position up to it, so no segment goes without a result. */
  const int newest = mode == DGSCT_WINDOW_CLIP ? (int) T - 1 : (int) T - 1 - lookahead;
  std::vector<int> positions;
  for (int t = (mode == DGSCT_WINDOW_SLIDING && st->first_window_done) ? newest : 0; t <= newest; ++t)
    positions.push_back (t);
  /* Masks are decoded only where they are published. */
  const auto result = st->model->head (features, st->model->is_segmentation () ? positions : std::vector<int> ());
  for (int t : positions)
    publish (self, st, st->window[t], result, t, post);
  std::lock_guard<std::mutex> guard (st->lock);
  if (mode == DGSCT_WINDOW_CLIP) {
    st->window.clear ();
    return;
  }
  st->first_window_done = true;
  st->last_window.assign (st->window.begin (), st->window.end ());
  st->last_result = result;
  st->window.pop_front ();
}

/* At the end of a stream in sliding mode, no later window will come: the segments after the last
 * window's newest decided one take that window's result. Called with the worker idle. */
static void finish_sliding (GstDgsctInfer * self, InferState * st)
{
  GST_OBJECT_LOCK (self);
  const bool sliding = self->window_mode == DGSCT_WINDOW_SLIDING;
  const bool post = self->post_messages;
  GST_OBJECT_UNLOCK (self);
  if (!sliding || st->last_window.empty ())
    return;
  std::vector<int> positions;
  for (size_t t = 0; t < st->last_window.size (); ++t)
    if (st->last_window[t].index >= st->next_index)
      positions.push_back ((int) t);
  if (!positions.empty () && st->model->is_segmentation ()) {
    std::vector<dgsct::SegmentFeatures> features;
    for (const auto & c : st->last_window)
      features.push_back (c.features);
    try {
      st->last_result = st->model->head (features, positions);
    } catch (const std::exception & e) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("DG-SCT inference failed at the end of the stream"), ("%s", e.what ()));
      positions.clear ();
    }
  }
  for (int t : positions)
    publish (self, st, st->last_window[t], st->last_result, t, post);
  st->last_window.clear ();
}

static void worker_loop (GstDgsctInfer * self, InferState * st)
{
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> guard (st->lock);
      st->wake.wait (guard, [&] { return st->stopping || !st->jobs.empty (); });
      if (st->stopping)
        return;
      job = std::move (st->jobs.front ());
      st->jobs.pop_front ();
      st->busy = true;
      st->settled.notify_all ();
    }
    const auto begin = std::chrono::steady_clock::now ();
    if (st->debug_delay_ms)
      std::this_thread::sleep_for (std::chrono::milliseconds (st->debug_delay_ms));
    try {
      const dgsct::Model & model = *st->model;
      auto frame_norm = job.frame_norm.defined () ? job.frame_norm.unsqueeze (0) :
          dgsct::normalize_frames (job.frame.unsqueeze (0), model.config ().video, model.device ());
      auto log_mel = job.log_mel.defined () ? job.log_mel.unsqueeze (0) : model.log_mel (job.audio.unsqueeze (0));
      auto features = model.encode_prepared (frame_norm, log_mel).front ();
      if (model.is_parsing ())
        features.clip = job.clip.defined () ? job.clip : model.clip_features (job.clip_frames.unsqueeze (0))[0];
      {
        std::lock_guard<std::mutex> guard (st->lock);
        st->window.push_back ({job.index, job.start, job.end, std::move (features)});
      }
      run_head (self, st);
    } catch (const std::exception & e) {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("DG-SCT inference failed on segment %" G_GUINT64_FORMAT, job.index),
          ("%s", e.what ()));
    }
    const auto elapsed = std::chrono::duration_cast < std::chrono::nanoseconds > (std::chrono::steady_clock::now () - begin);
    bool grew;
    {
      std::lock_guard<std::mutex> guard (st->lock);
      /* Re-announce the latency when inference got more than 10 % slower than announced. */
      grew = (GstClockTime) elapsed.count () > st->inference_time + st->inference_time / 10;
      if (grew)
        st->inference_time = elapsed.count ();
      st->processed++;
      st->busy = false;
      st->settled.notify_all ();
    }
    if (grew)
      gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
  }
}

static bool pipeline_is_live (GstDgsctInfer * self)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;
  if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), query))
    gst_query_parse_latency (query, &live, nullptr, nullptr);
  gst_query_unref (query);
  return live;
}

/* The segment's audio, checked against what the model needs. */
static torch::Tensor segment_audio (const dgsct::Model & model, DgsctSegmentMeta * seg)
{
  GstMapInfo map;
  if (!gst_buffer_map (seg->audio, &map, GST_MAP_READ))
    throw std::runtime_error ("cannot map the segment's audio");
  auto audio = torch::from_blob (map.data, {(int64_t) (map.size / sizeof (float))}, torch::kFloat32).clone ();
  gst_buffer_unmap (seg->audio, &map);
  const auto & cfg = model.config ().audio;
  if (seg->sample_rate != (guint) cfg.sample_rate || audio.size (0) != cfg.segment_samples)
    throw std::runtime_error ("segment audio is " + std::to_string (audio.size (0)) + " samples at " +
        std::to_string (seg->sample_rate) + " Hz; the model needs " + std::to_string (cfg.segment_samples) + " at " +
        std::to_string (cfg.sample_rate) + " Hz (set dgsctsync sample-rate and segment-duration)");
  return audio;
}

/* AVVP: prepares the conversion of frames of @info into the clip frames: RGB, scaled down to
 * CLIP_FRAME_SHORT_SIDE pixels on the shorter side when larger (aspect kept), bilinear. New caps
 * start the ring afresh (its frames would no longer stack with the new ones). */
static bool clip_set_caps (ClipCollector & clip, const GstVideoInfo & info)
{
  clip.clear_caps ();
  clip.ring.clear ();
  clip.in = info;
  gint width = GST_VIDEO_INFO_WIDTH (&info), height = GST_VIDEO_INFO_HEIGHT (&info);
  const gint shorter = MIN (width, height);
  if (shorter > CLIP_FRAME_SHORT_SIDE) {
    width = MAX (1, (gint) gst_util_uint64_scale_int_round (width, CLIP_FRAME_SHORT_SIDE, shorter));
    height = MAX (1, (gint) gst_util_uint64_scale_int_round (height, CLIP_FRAME_SHORT_SIDE, shorter));
  }
  gst_video_info_set_interlaced_format (&clip.out, GST_VIDEO_FORMAT_RGB, GST_VIDEO_INFO_INTERLACE_MODE (&info), width,
      height);
  clip.out.fps_n = info.fps_n;  /* the converter insists on equal rates */
  clip.out.fps_d = info.fps_d;
  clip.out.par_n = info.par_n;
  clip.out.par_d = info.par_d;
  GstStructure *options = gst_structure_new ("options",
      GST_VIDEO_CONVERTER_OPT_RESAMPLER_METHOD, GST_TYPE_VIDEO_RESAMPLER_METHOD, GST_VIDEO_RESAMPLER_METHOD_LINEAR,
      GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE, nullptr);
  clip.converter = gst_video_converter_new (&clip.in, &clip.out, options);
  if (!clip.converter)
    return false;
  clip.scratch = gst_buffer_new_allocate (nullptr, GST_VIDEO_INFO_SIZE (&clip.out), nullptr);
  return true;
}

/* AVVP: keeps a converted copy of @buffer (running time @time) when it comes at least a
 * CLIP_FRAMES_PER_SEGMENT-th of a segment after the last frame kept. */
static void collect_clip_frame (GstDgsctInfer * self, InferState * st, GstBuffer * buffer, GstClockTime time)
{
  ClipCollector & clip = st->clip;
  if (!clip.converter || !GST_CLOCK_TIME_IS_VALID (time) || GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
    return;
  GstClockTime duration;
  {
    std::lock_guard<std::mutex> guard (st->lock);
    duration = st->segment_duration;
  }
  if (!clip.ring.empty () && time < clip.ring.back ().time + duration / CLIP_FRAMES_PER_SEGMENT)
    return;
  GstVideoFrame src, dst;
  if (!gst_video_frame_map (&src, &clip.in, buffer, GST_MAP_READ)) {
    GST_WARNING_OBJECT (self, "cannot map the frame at %" GST_TIME_FORMAT " for the clip feature",
        GST_TIME_ARGS (time));
    return;
  }
  if (!gst_video_frame_map (&dst, &clip.out, clip.scratch, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&src);
    return;
  }
  gst_video_converter_frame (clip.converter, &src, &dst);
  gst_video_frame_unmap (&src);
  const gint width = GST_VIDEO_FRAME_WIDTH (&dst), height = GST_VIDEO_FRAME_HEIGHT (&dst);
  auto rgb = torch::empty ({height, width, 3}, torch::kUInt8);
  const auto *data = static_cast<const guint8 *> (GST_VIDEO_FRAME_PLANE_DATA (&dst, 0));
  const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&dst, 0);
  for (gint y = 0; y < height; ++y)
    std::memcpy (rgb.data_ptr<guint8> () + (gsize) y * width * 3, data + (gsize) y * stride, (gsize) width * 3);
  gst_video_frame_unmap (&dst);
  clip.ring.push_back ({time, std::move (rgb)});
  while (clip.ring.size () > CLIP_RING_SIZE)
    clip.ring.pop_front ();
}

/* AVVP: the CLIP_FRAMES kept frames nearest to evenly spaced times in the segment (the centres of
 * CLIP_FRAMES equal parts), repeated when fewer exist; a segment without a kept frame repeats the
 * last one before it, or else its key frame. [CLIP_FRAMES, h, w, 3] uint8. */
static torch::Tensor pick_clip_frames (const ClipCollector & clip, DgsctSegmentMeta * seg)
{
  std::vector<const ClipFrame *> inside;
  const ClipFrame *before = nullptr;
  for (const auto & f : clip.ring) {
    if (f.time < seg->start)
      before = &f;
    else if (f.time < seg->end)
      inside.push_back (&f);
  }
  std::vector<torch::Tensor> picked;
  for (int k = 0; k < CLIP_FRAMES && !inside.empty (); ++k) {
    const GstClockTime target = seg->start + gst_util_uint64_scale (seg->end - seg->start, 2 * k + 1, 2 * CLIP_FRAMES);
    const auto distance = [target] (const ClipFrame * f) {
      return f->time > target ? f->time - target : target - f->time;
    };
    const auto nearest = std::min_element (inside.begin (), inside.end (),
        [&] (const ClipFrame * a, const ClipFrame * b) { return distance (a) < distance (b); });
    picked.push_back ((*nearest)->rgb);
  }
  if (picked.empty ())
    picked.assign (CLIP_FRAMES, before ? before->rgb : dgsct::gst::key_frame_rgb (seg->key_frame, seg->key_frame_caps));
  return torch::stack (picked);
}

/* AVVP: after the segments ending at @end, only the last kept frame before it is still needed (a
 * segment without frames repeats it). */
static void prune_clip_frames (ClipCollector & clip, GstClockTime end)
{
  while (clip.ring.size () >= 2 && clip.ring[1].time < end)
    clip.ring.pop_front ();
}

/* Queues @seg for the worker. GST_FLOW_ERROR when the model cannot analyse it at all. */
static GstFlowReturn enqueue_segment (GstDgsctInfer * self, InferState * st, GstBuffer * buffer, DgsctSegmentMeta * seg)
{
  Job job;
  job.index = seg->index;
  job.start = seg->start;
  job.end = seg->end;
  const auto & config = st->model->config ();
  const int64_t size = config.video.size;
  const int64_t frames = config.htsat.frames (config.audio.segment_samples * config.audio.tiles);
  try {
    /* Prepared tensors are used when they fit this model: another model in the chain may have
     * asked dgsctpatch / dgsctmel for other sizes. */
    auto *frame = dgsct_buffer_find_tensor_meta (buffer, seg->index, DGSCT_TENSOR_FRAME);
    if (frame && tensor_dims_are (frame, {3, size, size}))
      job.frame_norm = tensor_of (frame);
    else
      job.frame = dgsct::gst::key_frame_rgb (seg->key_frame, seg->key_frame_caps);
    auto *log_mel = dgsct_buffer_find_tensor_meta (buffer, seg->index, DGSCT_TENSOR_LOG_MEL);
    if (log_mel && tensor_dims_are (log_mel, {1, frames, config.htsat.mel_bins}))
      job.log_mel = tensor_of (log_mel);
    else
      job.audio = segment_audio (*st->model, seg);
    if (config.is_parsing ()) {
      auto *clip = dgsct_buffer_find_tensor_meta (buffer, seg->index, DGSCT_TENSOR_CLIP);
      if (clip && tensor_dims_are (clip, {config.parsing.clip_feature_dim})) {
        job.clip = tensor_of (clip);
      } else if (st->collect_clip_frames) {
        job.clip_frames = pick_clip_frames (st->clip, seg);
      } else {
        GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Model '%s' needs the clip feature of every segment",
                config.name.c_str ()), ("it has no clip encoder, and segment %" G_GUINT64_FORMAT " carries no "
                DGSCT_TENSOR_CLIP " tensor of [%d] values: pack the model with one (dgsct-pack --clip-encoder), or "
                "attach the features (dgsct-tensor-meta.h)", seg->index, config.parsing.clip_feature_dim));
        return GST_FLOW_ERROR;
      }
    }
  } catch (const std::exception & e) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Skipping segment %" G_GUINT64_FORMAT, seg->index), ("%s", e.what ()));
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  const guint capacity = self->queue_size;
  GST_OBJECT_UNLOCK (self);
  std::unique_lock<std::mutex> guard (st->lock);
  st->segment_duration = seg->end - seg->start;
  if (st->jobs.size () >= capacity) {
    if (st->live) {
      st->dropped++;
      const guint64 processed = st->processed, dropped = st->dropped;
      guard.unlock ();
      GST_INFO_OBJECT (self, "inference is behind: dropping segment %" G_GUINT64_FORMAT, seg->index);
      GstMessage *qos = gst_message_new_qos (GST_OBJECT (self), TRUE, seg->start, GST_CLOCK_TIME_NONE, seg->start,
          seg->end - seg->start);
      gst_message_set_qos_stats (qos, GST_FORMAT_DEFAULT, processed, dropped);
      gst_element_post_message (GST_ELEMENT (self), qos);
      return GST_FLOW_OK;
    }
    st->settled.wait (guard, [&] { return st->stopping || st->jobs.size () < capacity; });
  }
  st->jobs.push_back (std::move (job));
  st->wake.notify_one ();
  return GST_FLOW_OK;
}

static DgsctParsingMeta *add_parsing_meta (InferState * st, GstBuffer * buffer, const Result & r)
{
  return gst_buffer_add_dgsct_parsing_meta (buffer, r.index, r.start, r.end, r.audio_prob.size (),
      st->class_quarks.data (), r.events[DGSCT_MODALITY_AUDIO].data (), r.events[DGSCT_MODALITY_VISUAL].data (),
      r.events[DGSCT_MODALITY_AUDIO_VISUAL].data (), r.audio_prob.data (), r.visual_prob.data (), r.video_prob.data ());
}

static DgsctResultMeta *add_result_meta (InferState * st, GstBuffer * buffer, const Result & r)
{
  return gst_buffer_add_dgsct_result_meta (buffer, r.index, r.start, r.end, r.label, st->model->background_class (),
      r.confidence, r.foreground, r.scores.data (), st->class_quarks.data (), r.scores.size ());
}

static void attach (InferState * st, GstBuffer * buffer, const Result & r)
{
  switch (r.kind) {
    case Kind::MASK:
      add_mask_meta (st, buffer, r);
      break;
    case Kind::PARSING:
      add_parsing_meta (st, buffer, r);
      break;
    case Kind::ANSWER:
      add_answer_meta (buffer, r);
      break;
    case Kind::EVENT:
      add_result_meta (st, buffer, r);
      break;
  }
}

static std::deque<Result> take_results (InferState * st)
{
  std::deque<Result> ready;
  std::lock_guard<std::mutex> guard (st->lock);
  ready.swap (st->results);
  return ready;
}

static GstClockTime running_time_of (GstBaseTransform * trans, GstBuffer * buffer)
{
  return gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
}

/* hold-frames: pushes the held frames whose segments are decided (all of them with @all), each with
 * the results of the segments that start at or before it. */
static GstFlowReturn release_held (GstBaseTransform * trans, InferState * st, bool all)
{
  for (auto & r : take_results (st)) {
    st->decided_end = MAX (st->decided_end, r.end);
    st->decided.push_back (std::move (r));
  }
  GstFlowReturn flow = GST_FLOW_OK;
  while (!st->held.empty () && flow == GST_FLOW_OK) {
    const GstClockTime t = running_time_of (trans, st->held.front ());
    if (!all && GST_CLOCK_TIME_IS_VALID (t) && t >= st->decided_end)
      break;
    GstBuffer *frame = gst_buffer_make_writable (st->held.front ());
    st->held.pop_front ();
    while (!st->decided.empty () && (!GST_CLOCK_TIME_IS_VALID (t) || st->decided.front ().start <= t)) {
      attach (st, frame, st->decided.front ());
      st->decided.pop_front ();
    }
    flow = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), frame);
  }
  /* Results whose segment had no frame left go out with the next results, or as events at EOS. */
  std::lock_guard<std::mutex> guard (st->lock);
  if (all)
    while (!st->decided.empty ()) {
      st->results.push_front (std::move (st->decided.back ()));
      st->decided.pop_back ();
    }
  return flow;
}

static void drop_held (InferState * st)
{
  for (GstBuffer *frame : st->held)
    gst_buffer_unref (frame);
  st->held.clear ();
  st->decided.clear ();
  st->decided_end = 0;
}

static GstFlowReturn gst_dgsct_infer_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  auto *self = GST_DGSCT_INFER (trans);
  InferState *st = self->state;
  if (!st->live_known) {
    st->live = pipeline_is_live (self);
    st->live_known = true;
  }
  GST_OBJECT_LOCK (self);
  /* an answer is about a window, not a frame: nothing to hold frames for */
  const bool hold = self->hold_frames && !st->live && !st->answers;
  GST_OBJECT_UNLOCK (self);

  /* AVVP: this frame may belong to a segment whose meta it carries (the last, partial one). */
  if (st->collect_clip_frames)
    collect_clip_frame (self, st, buffer, running_time_of (trans, buffer));
  gpointer iter = nullptr;
  GstMeta *meta;
  GstClockTime segments_end = GST_CLOCK_TIME_NONE;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter, DGSCT_SEGMENT_META_API_TYPE))) {
    auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
    if (enqueue_segment (self, st, buffer, seg) != GST_FLOW_OK)
      return GST_FLOW_ERROR;
    segments_end = GST_CLOCK_TIME_IS_VALID (segments_end) ? MAX (segments_end, seg->end) : seg->end;
  }
  if (st->collect_clip_frames && GST_CLOCK_TIME_IS_VALID (segments_end))
    prune_clip_frames (st->clip, segments_end);

  if (hold) {
    st->held.push_back (gst_buffer_ref (buffer));
    const GstFlowReturn flow = release_held (trans, st, false);
    return flow == GST_FLOW_OK ? GST_BASE_TRANSFORM_FLOW_DROPPED : flow;
  }
  /* Results that are ready ride on this frame. */
  for (const auto & r : take_results (st))
    attach (st, buffer, r);
  return GST_FLOW_OK;
}

static gboolean gst_dgsct_infer_set_caps (GstBaseTransform * trans, GstCaps * incaps, GstCaps *)
{
  auto *self = GST_DGSCT_INFER (trans);
  GstVideoInfo info;
  if (!gst_video_info_from_caps (&info, incaps)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Unusable caps on the sink pad"), ("%" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  if (self->state->collect_clip_frames && !clip_set_caps (self->state->clip, info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Cannot convert the video for the clip feature"),
        ("%" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  std::lock_guard<std::mutex> guard (self->state->lock);
  self->state->frame_region = {0, 0, GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info)};
  return TRUE;
}

/* Waits until every queued segment is analysed (EOS). */
static void drain (InferState * st)
{
  std::unique_lock<std::mutex> guard (st->lock);
  st->settled.wait (guard, [&] { return st->stopping || (st->jobs.empty () && !st->busy); });
}

static void stop_worker (InferState * st)
{
  {
    std::lock_guard<std::mutex> guard (st->lock);
    st->stopping = true;
  }
  st->wake.notify_all ();
  st->settled.notify_all ();
  if (st->worker.joinable ())
    st->worker.join ();
}

static void reset_stream (InferState * st)
{
  std::lock_guard<std::mutex> guard (st->lock);
  st->jobs.clear ();
  st->results.clear ();
  st->window.clear ();
  st->last_window.clear ();
  st->first_window_done = false;
  st->answered_end = GST_CLOCK_TIME_NONE;
}

static gboolean gst_dgsct_infer_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  auto *self = GST_DGSCT_INFER (trans);
  InferState *st = self->state;
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:{
      drain (st);
      finish_sliding (self, st);
      release_held (trans, st, true);
      /* Results decided after the last frame travel as events (dgsct_result_event_new). */
      for (const auto & r : take_results (st)) {
        GstBuffer *carrier = gst_buffer_new ();
        GstEvent *carried = nullptr;
        switch (r.kind) {
          case Kind::MASK:
            carried = dgsct_mask_event_new (add_mask_meta (st, carrier, r));
            break;
          case Kind::PARSING:
            carried = dgsct_parsing_event_new (add_parsing_meta (st, carrier, r));
            break;
          case Kind::ANSWER:
            carried = dgsct_answer_event_new (add_answer_meta (carrier, r));
            break;
          case Kind::EVENT:
            carried = dgsct_result_event_new (add_result_meta (st, carrier, r));
            break;
        }
        gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (trans), carried);
        gst_buffer_unref (carrier);
      }
      /* Open events stop at the end of the last segment. */
      if (st->event_label >= 0 && self->post_messages) {
        post_event (self, "stop", st->event_label, st->model->label_name (st->event_label), st->next_index,
            st->published_end);
        st->event_label = -1;
      }
      for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
        auto & open = st->open_events[m];
        for (size_t c = 0; c < open.size () && self->post_messages; ++c)
          if (open[c])
            post_event (self, "stop", (int) c, st->model->label_name ((int) c), st->next_index, st->published_end,
                dgsct_modality_get_name ((DgsctModality) m));
        open.assign (open.size (), false);
      }
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      /* the worker may still finish the segment in hand; its result is dropped with the rest */
      drain (st);
      reset_stream (st);
      drop_held (st);
      st->clip.ring.clear ();
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_dgsct_infer_parent_class)->sink_event (trans, event);
}

static gboolean gst_dgsct_infer_src_query (GstBaseTransform * trans, GstPadDirection direction, GstQuery * query)
{
  auto *self = GST_DGSCT_INFER (trans);
  if (direction == GST_PAD_SRC && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (trans), query))
      return FALSE;
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency (query, &live, &min, &max);
    InferState *st = self->state;
    GST_OBJECT_LOCK (self);
    const guint lookahead = self->lookahead;
    const bool clip = self->window_mode == DGSCT_WINDOW_CLIP;
    GST_OBJECT_UNLOCK (self);
    std::lock_guard<std::mutex> guard (st->lock);
    const int T = st->model ? st->model->config ().segments : 1;
    /* A result exists once its segment, the lookahead (or the rest of the clip) and the inference are
     * done; an answer once the newest segment of its window and the inference are. */
    const int segments = st->answers ? 1 : clip ? T : 1 + (int) lookahead;
    const GstClockTime ours = st->segment_duration * segments + st->inference_time;
    gst_query_set_latency (query, live, min + ours, GST_CLOCK_TIME_IS_VALID (max) ? max + ours : max);
    return TRUE;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_dgsct_infer_parent_class)->query (trans, direction, query);
}

static gboolean gst_dgsct_infer_start (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_INFER (trans);
  InferState *st = self->state;
  GST_OBJECT_LOCK (self);
  const std::string location = self->model_location ? self->model_location : "";
  std::string device = self->device;
  const std::string precision = self->precision;
  const guint window = self->window;
  GST_OBJECT_UNLOCK (self);
  if (location.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No model given"), ("set the 'model' property"));
    return FALSE;
  }
  if (device == "auto") {
    device = torch::cuda::is_available () ? "cuda" : "cpu";
    GST_INFO_OBJECT (self, "device auto: using %s", device.c_str ());
  } else if (device.rfind ("cuda", 0) == 0 && !torch::cuda::is_available ()) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Device '%s' is not available, using the CPU", device.c_str ()),
        ("this LibTorch has no usable CUDA device"));
    device = "cpu";
  }
  const std::string path = dgsct::gst::resolve_model (location);
  std::unique_ptr<dgsct::Model> model;
  try {
    model = dgsct::Model::load (path, {device, dgsct::parse_precision (precision)});
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not load model '%s'", path.c_str ()), ("%s", e.what ()));
    return FALSE;
  }
  if (window != 0 && (int) window != model->config ().segments) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("window=%u does not fit model '%s'", window, path.c_str ()),
        ("its temporal head needs windows of exactly %d segments", model->config ().segments));
    return FALSE;
  }
  /* The question set before the model was known is checked now; a later one when it is set. */
  std::string question, refusal;
  {
    std::lock_guard<std::mutex> model_guard (st->model_lock);
    GST_OBJECT_LOCK (self);
    question = self->question ? self->question : "";
    GST_OBJECT_UNLOCK (self);
    if (model->is_question_answering () && !question.empty ())
      refusal = question_problem (*model, question);
    if (refusal.empty ())
      st->model = std::move (model);
  }
  if (!refusal.empty ()) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("Question '%s' cannot be asked: %s", question.c_str (),
            refusal.c_str ()), ("set the 'question' property to a question in the model's vocabulary"));
    return FALSE;
  }
  if (!question.empty () && !st->model->is_question_answering ())
    GST_INFO_OBJECT (self, "model '%s' does not answer questions: ignoring the question",
        st->model->config ().name.c_str ());
  st->class_quarks.clear ();
  for (int c = 0; c <= st->model->background_class (); ++c)
    st->class_quarks.push_back (g_quark_from_string (st->model->label_name (c).c_str ()));
  GST_INFO_OBJECT (self, "loaded %s (%s) on %s, %s", path.c_str (), st->model->config ().name.c_str (),
      st->model->device ().str ().c_str (), dgsct::precision_name (st->model->precision ()));
  st->stopping = false;
  st->live_known = false;
  const char *delay = g_getenv ("DGSCT_DEBUG_INFER_DELAY_MS");
  st->debug_delay_ms = delay ? (guint) g_ascii_strtoull (delay, nullptr, 10) : 0;
  st->processed = st->dropped = 0;
  st->inference_time = 0;
  st->event_label = -1;
  for (auto & open : st->open_events)
    open.clear ();
  st->collect_clip_frames = st->model->is_parsing () && st->model->has_clip_encoder ();
  st->answers = st->model->is_question_answering ();
  reset_stream (st);
  st->worker = std::thread (worker_loop, self, st);
  return TRUE;
}

static gboolean gst_dgsct_infer_stop (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_INFER (trans);
  stop_worker (self->state);
  reset_stream (self->state);
  drop_held (self->state);
  self->state->clip.clear_caps ();
  self->state->clip.ring.clear ();
  self->state->collect_clip_frames = false;
  self->state->answers = false;
  std::lock_guard<std::mutex> model_guard (self->state->model_lock);
  self->state->model.reset ();
  return TRUE;
}

/* The question property: checked against a loaded model's vocabulary; a refused one leaves the
 * previous question. */
static void set_question (GstDgsctInfer * self, const gchar * value)
{
  InferState *st = self->state;
  const std::string question = value ? value : "";
  std::string refusal, previous, ignoring;
  {
    std::lock_guard<std::mutex> model_guard (st->model_lock);
    if (st->model && !question.empty ()) {
      if (st->model->is_question_answering ())
        refusal = question_problem (*st->model, question);
      else
        ignoring = st->model->config ().name;
    }
    GST_OBJECT_LOCK (self);
    if (refusal.empty () && g_strcmp0 (self->question, value) != 0) {
      g_free (self->question);
      self->question = g_strdup (value);
      self->question_serial++;
    }
    previous = self->question ? self->question : "";
    GST_OBJECT_UNLOCK (self);
  }
  /* messages after the locks: a bus sync handler may set the property again */
  if (!refusal.empty ())
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS, ("Question '%s' refused: %s", question.c_str (), refusal.c_str ()),
        ("the question stays '%s'", previous.c_str ()));
  else if (!ignoring.empty ())
    GST_INFO_OBJECT (self, "model '%s' does not answer questions: ignoring '%s'", ignoring.c_str (), question.c_str ());
  else
    GST_DEBUG_OBJECT (self, "question: '%s'", question.c_str ());
}

/* The ask action signal: the answer to @question over the cached window, now. */
static GstStructure *gst_dgsct_infer_ask (GstDgsctInfer * self, const gchar * question)
{
  InferState *st = self->state;
  const std::string text = question ? question : "";
  std::string refusal;
  Result r;
  {
    std::lock_guard<std::mutex> model_guard (st->model_lock);
    if (!st->model) {
      refusal = "no model is loaded (the element is not started)";
    } else if (!st->model->is_question_answering ()) {
      refusal = "model '" + st->model->config ().name + "' does not answer questions";
    } else if (text.empty ()) {
      refusal = "the question is empty";
    } else if ((refusal = question_problem (*st->model, text)).empty ()) {
      const size_t T = st->model->config ().segments;
      std::deque<Cached> window;
      {
        std::lock_guard<std::mutex> guard (st->lock);
        /* the latest T: the worker may have added a segment and not yet dropped the oldest */
        window.assign (st->window.size () > T ? st->window.end () - T : st->window.begin (), st->window.end ());
      }
      if (window.size () < T) {
        refusal = std::to_string (window.size ()) + " of the " + std::to_string (T) + " segments of a window are "
            "cached";
      } else {
        try {
          r = answer_over (*st->model, window, text);
        } catch (const std::exception & e) {
          refusal = e.what ();
        }
      }
    }
  }
  if (!refusal.empty ()) {
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS, ("Cannot answer '%s': %s", text.c_str (), refusal.c_str ()),
        ("the ask signal returns NULL"));
    return nullptr;
  }
  return answer_structure (r);
}

static void gst_dgsct_infer_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_INFER (object);
  if (prop_id == PROP_QUESTION) {
    set_question (self, g_value_get_string (value));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_location);
      self->model_location = g_value_dup_string (value);
      break;
    case PROP_DEVICE:
      g_free (self->device);
      self->device = g_value_dup_string (value);
      break;
    case PROP_PRECISION:
      g_free (self->precision);
      self->precision = g_value_dup_string (value);
      break;
    case PROP_WINDOW:
      self->window = g_value_get_uint (value);
      break;
    case PROP_WINDOW_MODE:
      self->window_mode = (DgsctWindowMode) g_value_get_enum (value);
      break;
    case PROP_LOOKAHEAD:
      self->lookahead = g_value_get_uint (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_QUEUE_SIZE:
      self->queue_size = g_value_get_uint (value);
      break;
    case PROP_HOLD_FRAMES:
      self->hold_frames = g_value_get_boolean (value);
      break;
    case PROP_ANSWER_INTERVAL:
      self->answer_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_infer_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_INFER (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_location);
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device);
      break;
    case PROP_PRECISION:
      g_value_set_string (value, self->precision);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, self->window);
      break;
    case PROP_WINDOW_MODE:
      g_value_set_enum (value, self->window_mode);
      break;
    case PROP_LOOKAHEAD:
      g_value_set_uint (value, self->lookahead);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_QUEUE_SIZE:
      g_value_set_uint (value, self->queue_size);
      break;
    case PROP_HOLD_FRAMES:
      g_value_set_boolean (value, self->hold_frames);
      break;
    case PROP_QUESTION:
      g_value_set_string (value, self->question);
      break;
    case PROP_ANSWER_INTERVAL:
      g_value_set_uint (value, self->answer_interval);
      break;
    case PROP_PROCESSED:{
      std::lock_guard<std::mutex> guard (self->state->lock);
      g_value_set_uint64 (value, self->state->processed);
      break;
    }
    case PROP_DROPPED:{
      std::lock_guard<std::mutex> guard (self->state->lock);
      g_value_set_uint64 (value, self->state->dropped);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_infer_finalize (GObject * object)
{
  auto *self = GST_DGSCT_INFER (object);
  stop_worker (self->state);
  delete self->state;
  g_free (self->model_location);
  g_free (self->device);
  g_free (self->precision);
  g_free (self->question);
  G_OBJECT_CLASS (gst_dgsct_infer_parent_class)->finalize (object);
}

static void gst_dgsct_infer_class_init (GstDgsctInferClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (dgsct_infer_debug, "dgsctinfer", 0, "DG-SCT inference");

  gobject_class->set_property = gst_dgsct_infer_set_property;
  gobject_class->get_property = gst_dgsct_infer_get_property;
  gobject_class->finalize = gst_dgsct_infer_finalize;

  const auto ready = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto playing = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto counter = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model", "Model file, or a model name looked up as NAME.safetensors in "
          "$DGSCT_MODEL_PATH and the models folder; the default is the bundled demo model", DEFAULT_MODEL, ready));
  g_object_class_install_property (gobject_class, PROP_DEVICE,
      g_param_spec_string ("device", "Device", "auto, cpu, cuda or cuda:N; auto picks CUDA when available, an "
          "unavailable CUDA device falls back to the CPU with a warning", DEFAULT_DEVICE, ready));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_string ("precision", "Precision", "fp32, bf16 (mixed: bf16 matrix products) or fp16 (CUDA)",
          DEFAULT_PRECISION, ready));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_uint ("window", "Window", "Segments of temporal context per decision; 0 = the model's. The "
          "official heads are sized for their window (AVE, AVVP: 10, AVS: 5), so another value is refused", 0, 1000, 0,
          ready));
  g_object_class_install_property (gobject_class, PROP_WINDOW_MODE,
      g_param_spec_enum ("window-mode", "Window mode", "How windows of segments are formed for the temporal head",
          dgsct_window_mode_get_type (), DEFAULT_WINDOW_MODE, ready));
  g_object_class_install_property (gobject_class, PROP_LOOKAHEAD,
      g_param_spec_uint ("lookahead", "Lookahead", "Sliding mode: segments of future context a result waits for",
          0, 64, DEFAULT_LOOKAHEAD, ready));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post dgsct-segment, dgsct-event, dgsct-mask and dgsct-answer element messages",
          DEFAULT_POST_MESSAGES, playing));
  g_object_class_install_property (gobject_class, PROP_QUEUE_SIZE,
      g_param_spec_uint ("queue-size", "Queue size", "Segments waiting for inference before back-pressure "
          "(non-live) or dropping (live)", 1, 1000, DEFAULT_QUEUE_SIZE, ready));
  g_object_class_install_property (gobject_class, PROP_HOLD_FRAMES,
      g_param_spec_boolean ("hold-frames", "Hold frames", "Non-live pipelines: hold each video frame until its "
          "segment is decided, so that results and masks ride on the frames of their own segment (an overlay "
          "then draws them in step with the picture); costs the memory of the frames of the lookahead (clip mode: "
          "the window) and the inference. Ignored in live pipelines, where video never waits, and with AVQA models (an "
          "answer is about a window, not a frame)",
          DEFAULT_HOLD_FRAMES, ready));
  g_object_class_install_property (gobject_class, PROP_QUESTION,
      g_param_spec_string ("question", "Question", "AVQA models: the question answered over the window of the latest "
          "segments, in the model's vocabulary; a question with other words is refused with a warning naming them "
          "(the previous one stays; before the model is loaded: an error at start). A new question is answered from "
          "the next segment on. Empty = no answers; other models ignore it", DEFAULT_QUESTION, playing));
  g_object_class_install_property (gobject_class, PROP_ANSWER_INTERVAL,
      g_param_spec_uint ("answer-interval", "Answer interval", "AVQA models: seconds of stream between answers "
          "(1 = an answer for every new segment once the model's window of segments is cached)", 1,
          MAX_ANSWER_INTERVAL, DEFAULT_ANSWER_INTERVAL, playing));
  g_object_class_install_property (gobject_class, PROP_PROCESSED,
      g_param_spec_uint64 ("processed", "Processed", "Segments analysed", 0, G_MAXUINT64, 0, counter));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped", "Segments dropped because inference was behind (live only)", 0,
          G_MAXUINT64, 0, counter));

  /**
   * GstDgsctInfer::ask:
   * @infer: the element
   * @question: a question in the model's vocabulary
   *
   * Answers @question at once over the window of the latest cached segments (AVQA models), from any
   * thread while the element runs; #GstDgsctInfer:question is unchanged.
   *
   * Returns: (transfer full) (nullable): the answer as a `dgsct-answer` structure (the fields of the
   * `dgsct-answer` message), or NULL, with a WARNING saying why, when the model does not answer
   * questions, fewer segments than a window are cached, or the question has words outside the
   * vocabulary.
   */
  g_signal_new_class_handler ("ask", G_TYPE_FROM_CLASS (klass), (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK (gst_dgsct_infer_ask), nullptr, nullptr, nullptr, GST_TYPE_STRUCTURE, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DG-SCT inference", "Filter/Analyzer/Audio/Video",
      "Audio-visual event localisation, sounding-object segmentation, audio-visual video parsing and question "
      "answering with DG-SCT on the segments of dgsctsync",
      "dgsct-gst developers");

  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_dgsct_infer_transform_ip);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_dgsct_infer_sink_event);
  trans_class->set_caps = GST_DEBUG_FUNCPTR (gst_dgsct_infer_set_caps);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_dgsct_infer_src_query);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_dgsct_infer_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_infer_stop);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  gst_type_mark_as_plugin_api (dgsct_window_mode_get_type (), (GstPluginAPIFlags) 0);
}

static void gst_dgsct_infer_init (GstDgsctInfer * self)
{
  self->model_location = g_strdup (DEFAULT_MODEL);
  self->device = g_strdup (DEFAULT_DEVICE);
  self->precision = g_strdup (DEFAULT_PRECISION);
  self->window = 0;
  self->window_mode = DEFAULT_WINDOW_MODE;
  self->lookahead = DEFAULT_LOOKAHEAD;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->queue_size = DEFAULT_QUEUE_SIZE;
  self->hold_frames = DEFAULT_HOLD_FRAMES;
  self->question = g_strdup (DEFAULT_QUESTION);
  self->question_serial = 0;
  self->answer_interval = DEFAULT_ANSWER_INTERVAL;
  self->state = new InferState ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
