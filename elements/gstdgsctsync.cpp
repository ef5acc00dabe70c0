/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctsync
 * @title: dgsctsync
 * @short_description: cuts synchronised audio and video into segments for DG-SCT
 *
 * dgsctsync aligns a video stream and an audio stream on running time and cuts it into segments
 * of #GstDgsctSync:segment-duration (1 s by default, the model's unit). Every video frame passes
 * through unchanged (same caps, same timestamps). For each segment it attaches a
 * #DgsctSegmentMeta to the first frame at or after the segment's end, carrying the segment's
 * index, start and end (running and stream time), its audio as mono F32 at
 * #GstDgsctSync:sample-rate (its caps make `audioconvert ! audioresample` upstream convert to it)
 * and its key frame (by default the frame nearest the segment's centre).
 *
 * Audio that never arrives is filled with silence and the segment flagged
 * (%DGSCT_SEGMENT_FLAG_AUDIO_MISSING); a segment without a frame reuses the last frame
 * (%DGSCT_SEGMENT_FLAG_FRAME_REUSED); at EOS a last, incomplete segment is emitted flagged
 * %DGSCT_SEGMENT_FLAG_PARTIAL or dropped (#GstDgsctSync:emit-partial). The element holds back one
 * frame, so that a partial last segment has a frame to ride on, and reports that frame's duration
 * as its latency; in live pipelines it stops waiting for a modality after the aggregator latency.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! video/x-raw,framerate=30/1 ! s.video \
 *     audiotestsrc num-buffers=100 ! audioconvert ! audioresample ! s.audio \
 *     dgsctsync name=s ! fakesink silent=false -v
 * ]|
 */
#include "gstdgsctsync.h"

#include "dgsct-segment-meta.h"

#include <gst/audio/audio.h>
#include <gst/video/video.h>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (dgsct_sync_debug);
#define GST_CAT_DEFAULT dgsct_sync_debug

#define DEFAULT_SEGMENT_DURATION GST_SECOND
#define DEFAULT_SAMPLE_RATE 32000
#define DEFAULT_KEY_FRAME DGSCT_KEY_FRAME_CENTER
#define DEFAULT_EMIT_PARTIAL TRUE

typedef enum {
  DGSCT_KEY_FRAME_CENTER,
  DGSCT_KEY_FRAME_FIRST,
  DGSCT_KEY_FRAME_LAST,
} DgsctKeyFrame;

static GType dgsct_key_frame_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {DGSCT_KEY_FRAME_CENTER, "The frame nearest the segment's centre", "center"},
    {DGSCT_KEY_FRAME_FIRST, "The segment's first frame", "first"},
    {DGSCT_KEY_FRAME_LAST, "The segment's last frame", "last"},
    {0, nullptr, nullptr},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("DgsctKeyFrame", values));
  return type;
}

enum {
  PROP_0,
  PROP_SEGMENT_DURATION,
  PROP_SAMPLE_RATE,
  PROP_KEY_FRAME,
  PROP_EMIT_PARTIAL,
};

/* Streaming-thread state; reset on flush. */
struct SyncState {
  guint64 next_index = 0;
  GstClockTime segment_start = GST_CLOCK_TIME_NONE;  /* running time of the open segment */

  /* Audio since `base_sample` (sample index = running time x rate), with a validity mask. */
  guint64 base_sample = 0;
  bool audio_started = false;
  std::vector<float> samples;
  std::vector<guint8> valid;

  GstBuffer *held = nullptr;            /* the frame not pushed yet */
  GstBuffer *key = nullptr;             /* key frame candidate of the open segment (no metas) */
  GstCaps *key_caps = nullptr;
  GstClockTime key_distance = GST_CLOCK_TIME_NONE;
  GstBuffer *last_frame = nullptr;      /* latest frame (no metas), reused by empty segments */
  GstCaps *last_frame_caps = nullptr;
  GstClockTime video_end = GST_CLOCK_TIME_NONE;  /* running time where the latest frame ends */
  GstCaps *video_caps = nullptr;
  GstSegment video_segment;

  void reset ()
  {
    gst_clear_buffer (&held);
    gst_clear_buffer (&key);
    gst_clear_buffer (&last_frame);
    gst_clear_caps (&key_caps);
    gst_clear_caps (&last_frame_caps);
    gst_clear_caps (&video_caps);
    segment_start = key_distance = video_end = GST_CLOCK_TIME_NONE;
    audio_started = false;
    samples.clear ();
    valid.clear ();
    gst_segment_init (&video_segment, GST_FORMAT_TIME);
  }
};

struct _GstDgsctSync {
  GstAggregator parent;
  GstAggregatorPad *video_pad, *audio_pad;

  /* properties, under the object lock */
  GstClockTime segment_duration;
  gint sample_rate;
  DgsctKeyFrame key_frame;
  gboolean emit_partial;

  SyncState *state;
};

G_DEFINE_TYPE (GstDgsctSync, gst_dgsct_sync, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE (dgsctsync, "dgsctsync", GST_RANK_NONE, GST_TYPE_DGSCT_SYNC);

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) " GST_AUDIO_NE (F32) ", layout = (string) interleaved, "
        "channels = (int) 1, rate = (int) [ 1, MAX ]"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));

/* A frame's data and timestamps without its metas: key frames must not keep older segments alive. */
static GstBuffer *bare_frame (GstBuffer * frame)
{
  return gst_buffer_copy_region (frame, (GstBufferCopyFlags) (GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS |
          GST_BUFFER_COPY_MEMORY), 0, -1);
}

static GstClockTime running_time (GstAggregatorPad * pad, GstClockTime ts)
{
  GST_OBJECT_LOCK (pad);
  GstClockTime rt = gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME, ts);
  GST_OBJECT_UNLOCK (pad);
  return rt;
}

static guint64 sample_at (GstDgsctSync * self, GstClockTime rt)
{
  return gst_util_uint64_scale_round (rt, self->sample_rate, GST_SECOND);
}

static guint64 audio_end_sample (GstDgsctSync * self)
{
  return self->state->base_sample + self->state->samples.size ();
}

static void append_audio (GstDgsctSync * self, GstBuffer * buffer)
{
  SyncState *st = self->state;
  GstClockTime rt = running_time (self->audio_pad, GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (rt) || GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
    return;                     /* missing audio stays marked invalid */
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  const auto *data = reinterpret_cast<const float *> (map.data);
  guint64 n = map.size / sizeof (float), first = sample_at (self, rt);
  if (!st->audio_started) {
    st->audio_started = true;
    st->base_sample = first;
  }
  guint64 end = audio_end_sample (self);
  guint64 skip = 0;
  if (first > end) {            /* a gap: silence, marked missing */
    st->samples.resize (st->samples.size () + (first - end), 0.0f);
    st->valid.resize (st->valid.size () + (first - end), 0);
  } else if (first < end) {     /* overlap or data from before the window: keep what we have */
    skip = MIN (n, end - first);
  }
  st->samples.insert (st->samples.end (), data + skip, data + n);
  st->valid.insert (st->valid.end (), n - skip, 1);
  gst_buffer_unmap (buffer, &map);
}

static GstClockTime stream_time (SyncState * st, GstClockTime rt)
{
  GstClockTime pos = gst_segment_position_from_running_time (&st->video_segment, GST_FORMAT_TIME, rt);
  return gst_segment_to_stream_time (&st->video_segment, GST_FORMAT_TIME, pos);
}

/* Attaches the open segment's meta to `carrier` and opens the next segment. */
static void emit_segment (GstDgsctSync * self, GstBuffer * carrier, DgsctSegmentFlags flags)
{
  SyncState *st = self->state;
  const GstClockTime start = st->segment_start, end = start + self->segment_duration;
  const guint64 first = sample_at (self, start), count = sample_at (self, end) - first;

  GstBuffer *audio = gst_buffer_new_allocate (nullptr, count * sizeof (float), nullptr);
  GstMapInfo map;
  gst_buffer_map (audio, &map, GST_MAP_WRITE);
  auto *out = reinterpret_cast<float *> (map.data);
  bool missing = false;
  for (guint64 i = 0; i < count; ++i) {
    const guint64 s = first + i;
    const bool have = st->audio_started && s >= st->base_sample && s < audio_end_sample (self) &&
        st->valid[s - st->base_sample];
    out[i] = have ? st->samples[s - st->base_sample] : 0.0f;
    missing |= !have;
  }
  gst_buffer_unmap (audio, &map);
  if (missing)
    flags = (DgsctSegmentFlags) (flags | DGSCT_SEGMENT_FLAG_AUDIO_MISSING);

  GstBuffer *key = st->key ? gst_buffer_ref (st->key) : nullptr;
  GstCaps *key_caps = st->key_caps;
  if (!key) {
    key = st->last_frame ? gst_buffer_ref (st->last_frame) : bare_frame (carrier);
    key_caps = st->last_frame ? st->last_frame_caps : st->video_caps;
    flags = (DgsctSegmentFlags) (flags | DGSCT_SEGMENT_FLAG_FRAME_REUSED);
  }
  gst_buffer_add_dgsct_segment_meta (carrier, st->next_index, start, end, stream_time (st, start),
      stream_time (st, end), audio, self->sample_rate, key, key_caps, flags);
  GST_LOG_OBJECT (self, "segment %" G_GUINT64_FORMAT " %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT " flags 0x%x",
      st->next_index, GST_TIME_ARGS (start), GST_TIME_ARGS (end), flags);
  gst_buffer_unref (audio);
  gst_buffer_unref (key);

  st->next_index++;
  st->segment_start = end;
  gst_clear_buffer (&st->key);
  gst_clear_caps (&st->key_caps);
  st->key_distance = GST_CLOCK_TIME_NONE;
  /* Audio before the new segment is no longer needed. */
  const guint64 keep_from = sample_at (self, end);
  if (st->audio_started && keep_from > st->base_sample) {
    const guint64 drop = MIN (keep_from - st->base_sample, (guint64) st->samples.size ());
    st->samples.erase (st->samples.begin (), st->samples.begin () + drop);
    st->valid.erase (st->valid.begin (), st->valid.begin () + drop);
    st->base_sample += drop;
  }
}

static GstFlowReturn push_held (GstDgsctSync * self)
{
  SyncState *st = self->state;
  if (!st->held)
    return GST_FLOW_OK;
  GstBuffer *frame = st->held;
  st->held = nullptr;
  GstAggregatorPad *srcpad = GST_AGGREGATOR_PAD (GST_AGGREGATOR_SRC_PAD (self));
  GST_OBJECT_LOCK (srcpad);
  if (GST_BUFFER_PTS_IS_VALID (frame))
    srcpad->segment.position = GST_BUFFER_PTS (frame) +
        (GST_BUFFER_DURATION_IS_VALID (frame) ? GST_BUFFER_DURATION (frame) : 0);
  GST_OBJECT_UNLOCK (srcpad);
  return gst_aggregator_finish_buffer (GST_AGGREGATOR (self), frame);
}

/* The base class negotiates before the first aggregate: offer the video input's caps, never the
 * unfixed template. */
static GstFlowReturn gst_dgsct_sync_update_src_caps (GstAggregator * agg, GstCaps *, GstCaps ** result)
{
  *result = gst_pad_get_current_caps (GST_PAD (GST_DGSCT_SYNC (agg)->video_pad));
  return *result ? GST_FLOW_OK : GST_AGGREGATOR_FLOW_NEED_DATA;
}

/* Output caps and segment follow the video input. */
static void follow_video_input (GstDgsctSync * self)
{
  SyncState *st = self->state;
  GstCaps *caps = gst_pad_get_current_caps (GST_PAD (self->video_pad));
  if (caps && (!st->video_caps || !gst_caps_is_equal (caps, st->video_caps))) {
    gst_caps_replace (&st->video_caps, caps);
    gst_aggregator_set_src_caps (GST_AGGREGATOR (self), caps);
    GstVideoInfo info;
    if (gst_video_info_from_caps (&info, caps) && info.fps_n > 0) {
      /* One frame is held back; audio can wait as long as upstream allows. */
      GstClockTime frame = gst_util_uint64_scale_int (GST_SECOND, info.fps_d, info.fps_n);
      gst_aggregator_set_latency (GST_AGGREGATOR (self), frame, GST_CLOCK_TIME_NONE);
    }
  }
  if (caps)
    gst_caps_unref (caps);
  GST_OBJECT_LOCK (self->video_pad);
  GstSegment segment = self->video_pad->segment;
  GST_OBJECT_UNLOCK (self->video_pad);
  if (!gst_segment_is_equal (&segment, &st->video_segment)) {
    st->video_segment = segment;
    gst_aggregator_update_segment (GST_AGGREGATOR (self), &segment);
  }
}

static void take_frame (GstDgsctSync * self, GstBuffer * frame, GstClockTime rt)
{
  SyncState *st = self->state;
  const GstClockTime end = rt + (GST_BUFFER_DURATION_IS_VALID (frame) ? GST_BUFFER_DURATION (frame) : 0);
  if (!GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_GAP)) {
    GstClockTime distance;
    switch (self->key_frame) {
      case DGSCT_KEY_FRAME_FIRST:
        distance = st->key ? GST_CLOCK_TIME_NONE : 0;
        break;
      case DGSCT_KEY_FRAME_LAST:
        distance = 0;
        break;
      default:{
        const GstClockTime centre = st->segment_start + self->segment_duration / 2;
        distance = rt > centre ? rt - centre : centre - rt;
      }
    }
    if (distance != GST_CLOCK_TIME_NONE && (!st->key || distance <= st->key_distance)) {
      gst_clear_buffer (&st->key);
      st->key = bare_frame (frame);
      gst_caps_replace (&st->key_caps, st->video_caps);
      st->key_distance = distance;
    }
    gst_clear_buffer (&st->last_frame);
    st->last_frame = bare_frame (frame);
    gst_caps_replace (&st->last_frame_caps, st->video_caps);
  }
  st->video_end = end;
  st->held = frame;
}

/* At video EOS: the segments the last frame still covers, then the one the stream ends inside. */
static void finish_stream (GstDgsctSync * self)
{
  SyncState *st = self->state;
  if (!GST_CLOCK_TIME_IS_VALID (st->segment_start) || !st->held)
    return;
  st->held = gst_buffer_make_writable (st->held);
  /* Frames to within a millisecond of a segment's end complete it. */
  while (st->video_end + GST_MSECOND >= st->segment_start + self->segment_duration)
    emit_segment (self, st->held, DGSCT_SEGMENT_FLAG_NONE);
  if (st->video_end > st->segment_start && self->emit_partial)
    emit_segment (self, st->held, DGSCT_SEGMENT_FLAG_PARTIAL);
}

static GstFlowReturn gst_dgsct_sync_aggregate (GstAggregator * agg, gboolean timeout)
{
  auto *self = GST_DGSCT_SYNC (agg);
  SyncState *st = self->state;

  GstBuffer *audio;
  bool audio_arrived = false;
  while ((audio = gst_aggregator_pad_pop_buffer (self->audio_pad))) {
    append_audio (self, audio);
    gst_buffer_unref (audio);
    audio_arrived = true;
  }
  /* A live timeout means the audio stopped only when none came: behind real time (a sink holding
   * the stream for its latency), the audio pad queues little at a time and refills as it drains. */
  const bool audio_done = gst_aggregator_pad_is_eos (self->audio_pad) || (timeout && !audio_arrived);

  for (;;) {
    GstBuffer *frame = gst_aggregator_pad_peek_buffer (self->video_pad);
    if (!frame) {
      if (!gst_aggregator_pad_is_eos (self->video_pad))
        return GST_FLOW_OK;
      if (!audio_done && st->held && audio_end_sample (self) < sample_at (self, st->video_end))
        return GST_FLOW_OK;     /* the last segment still waits for its audio */
      finish_stream (self);
      GstFlowReturn ret = push_held (self);
      return ret == GST_FLOW_OK ? GST_FLOW_EOS : ret;
    }
    follow_video_input (self);
    const GstClockTime rt = running_time (self->video_pad, GST_BUFFER_PTS (frame));
    if (!GST_CLOCK_TIME_IS_VALID (rt)) {
      gst_buffer_unref (frame);
      gst_aggregator_pad_drop_buffer (self->video_pad);
      GST_WARNING_OBJECT (self, "dropping a video frame without a valid running time");
      continue;
    }
    if (!GST_CLOCK_TIME_IS_VALID (st->segment_start))
      st->segment_start = rt - rt % self->segment_duration;
    /* Segments that ended before this frame need their audio first. */
    if (rt >= st->segment_start + self->segment_duration && !audio_done &&
        audio_end_sample (self) < sample_at (self, rt - (rt - st->segment_start) % self->segment_duration)) {
      gst_buffer_unref (frame);
      return GST_FLOW_OK;
    }
    gst_buffer_unref (frame);
    frame = gst_buffer_make_writable (gst_aggregator_pad_pop_buffer (self->video_pad));
    while (rt >= st->segment_start + self->segment_duration)
      emit_segment (self, frame, DGSCT_SEGMENT_FLAG_NONE);
    GstFlowReturn ret = push_held (self);
    take_frame (self, frame, rt);
    if (ret != GST_FLOW_OK)
      return ret;
  }
}

static gboolean gst_dgsct_sync_sink_query (GstAggregator * agg, GstAggregatorPad * pad, GstQuery * query)
{
  auto *self = GST_DGSCT_SYNC (agg);
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS && pad == self->audio_pad) {
    GstCaps *filter;
    gst_query_parse_caps (query, &filter);
    GST_OBJECT_LOCK (self);
    GstCaps *caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, GST_AUDIO_NE (F32),
        "layout", G_TYPE_STRING, "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT, self->sample_rate,
        nullptr);
    GST_OBJECT_UNLOCK (self);
    if (filter) {
      GstCaps *both = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (caps);
      caps = both;
    }
    gst_query_set_caps_result (query, caps);
    gst_caps_unref (caps);
    return TRUE;
  }
  if ((GST_QUERY_TYPE (query) == GST_QUERY_CAPS || GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) &&
      pad == self->video_pad)
    return gst_pad_peer_query (GST_AGGREGATOR_SRC_PAD (agg), query);  /* frames pass through */
  return GST_AGGREGATOR_CLASS (gst_dgsct_sync_parent_class)->sink_query (agg, pad, query);
}

static GstFlowReturn gst_dgsct_sync_flush (GstAggregator * agg)
{
  auto *self = GST_DGSCT_SYNC (agg);
  const guint64 index = self->state->next_index;
  self->state->reset ();
  self->state->next_index = index;  /* indices keep increasing across seeks */
  return GST_FLOW_OK;
}

static gboolean gst_dgsct_sync_stop (GstAggregator * agg)
{
  auto *self = GST_DGSCT_SYNC (agg);
  self->state->reset ();
  self->state->next_index = 0;
  return TRUE;
}

static void gst_dgsct_sync_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_SYNC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEGMENT_DURATION:
      self->segment_duration = g_value_get_uint64 (value);
      break;
    case PROP_SAMPLE_RATE:
      self->sample_rate = g_value_get_int (value);
      break;
    case PROP_KEY_FRAME:
      self->key_frame = (DgsctKeyFrame) g_value_get_enum (value);
      break;
    case PROP_EMIT_PARTIAL:
      self->emit_partial = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_sync_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_SYNC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEGMENT_DURATION:
      g_value_set_uint64 (value, self->segment_duration);
      break;
    case PROP_SAMPLE_RATE:
      g_value_set_int (value, self->sample_rate);
      break;
    case PROP_KEY_FRAME:
      g_value_set_enum (value, self->key_frame);
      break;
    case PROP_EMIT_PARTIAL:
      g_value_set_boolean (value, self->emit_partial);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_sync_finalize (GObject * object)
{
  auto *self = GST_DGSCT_SYNC (object);
  self->state->reset ();
  delete self->state;
  G_OBJECT_CLASS (gst_dgsct_sync_parent_class)->finalize (object);
}

static void gst_dgsct_sync_class_init (GstDgsctSyncClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *agg_class = GST_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (dgsct_sync_debug, "dgsctsync", 0, "DG-SCT audio-visual segmenter");

  gobject_class->set_property = gst_dgsct_sync_set_property;
  gobject_class->get_property = gst_dgsct_sync_get_property;
  gobject_class->finalize = gst_dgsct_sync_finalize;

  const auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_SEGMENT_DURATION,
      g_param_spec_uint64 ("segment-duration", "Segment duration",
          "Length of one segment in nanoseconds (the model's unit is one second)", 100 * GST_MSECOND,
          60 * GST_SECOND, DEFAULT_SEGMENT_DURATION, flags));
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE,
      g_param_spec_int ("sample-rate", "Sample rate",
          "Audio rate the segments carry (Hz); the audio pad's caps ask upstream for it", 8000, 192000,
          DEFAULT_SAMPLE_RATE, flags));
  g_object_class_install_property (gobject_class, PROP_KEY_FRAME,
      g_param_spec_enum ("key-frame", "Key frame", "Which frame of a segment the model sees",
          dgsct_key_frame_get_type (), DEFAULT_KEY_FRAME, flags));
  g_object_class_install_property (gobject_class, PROP_EMIT_PARTIAL,
      g_param_spec_boolean ("emit-partial", "Emit partial",
          "At EOS, emit the last incomplete segment (flagged partial) instead of dropping it", DEFAULT_EMIT_PARTIAL,
          flags));

  gst_element_class_add_static_pad_template_with_gtype (element_class, &video_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class, &audio_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class, &src_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (element_class, "DG-SCT segmenter", "Filter/Analyzer/Audio/Video",
      "Aligns audio and video on running time and attaches one segment (audio + key frame) per second to the video",
      "dgsct-gst developers");

  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_dgsct_sync_aggregate);
  agg_class->sink_query = GST_DEBUG_FUNCPTR (gst_dgsct_sync_sink_query);
  agg_class->update_src_caps = GST_DEBUG_FUNCPTR (gst_dgsct_sync_update_src_caps);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_dgsct_sync_flush);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_sync_stop);
  agg_class->get_next_time = gst_aggregator_simple_get_next_time;

  gst_type_mark_as_plugin_api (dgsct_key_frame_get_type (), (GstPluginAPIFlags) 0);
}

static void gst_dgsct_sync_init (GstDgsctSync * self)
{
  self->segment_duration = DEFAULT_SEGMENT_DURATION;
  self->sample_rate = DEFAULT_SAMPLE_RATE;
  self->key_frame = DEFAULT_KEY_FRAME;
  self->emit_partial = DEFAULT_EMIT_PARTIAL;
  self->state = new SyncState ();
  self->state->reset ();

  auto *klass = GST_ELEMENT_GET_CLASS (self);
  self->video_pad = GST_AGGREGATOR_PAD (g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", "video", "direction",
          GST_PAD_SINK, "template", gst_element_class_get_pad_template (klass, "video"), nullptr));
  self->audio_pad = GST_AGGREGATOR_PAD (g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", "audio", "direction",
          GST_PAD_SINK, "template", gst_element_class_get_pad_template (klass, "audio"), nullptr));
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (self->video_pad));
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (self->audio_pad));
}
