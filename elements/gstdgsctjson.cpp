/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctjson
 * @title: dgsctjson
 * @short_description: DG-SCT results as JSON Lines
 *
 * dgsctjson turns the #DgsctResultMeta, #DgsctMaskMeta, #DgsctParsingMeta and #DgsctAnswerMeta on
 * video buffers into JSON Lines (one
 * object per line) on its src pad, for filesink, fdsink or tcpserversink, and, when
 * #GstDgsctJson:location is set, into that file as well. The video itself is consumed.
 *
 * One line per segment:
 * |[
 * {"type":"segment","index":3,"label":13,"label_name":"Motorcycle","confidence":0.41,"foreground_prob":0.98,
 *  "running_time":{"start":3000000000,"end":4000000000},"stream_time":{"start":3000000000,"end":4000000000},
 *  "scores":[...],"wall_time":"2026-11-27T23:59:01.250000Z"}
 * ]|
 * and one per event change (consecutive foreground segments of one label form one event):
 * |[
 * {"type":"event","state":"start","label":13,"label_name":"Motorcycle","index":3,"running_time":3000000000,
 *  "stream_time":3000000000}
 * ]|
 * and, with an audio-visual segmentation model, one per sounding-object mask: its foreground fraction,
 * bounding box and the frame region it covers as [x, y, width, height] in frame pixels, the mask's
 * size as [width, height] and the mask itself as run lengths (dgsct_mask_meta_to_rle(): row-major,
 * alternating unset and set runs, starting with unset):
 * |[
 * {"type":"mask","index":3,"running_time":{"start":3000000000,"end":4000000000},
 *  "stream_time":{"start":3000000000,"end":4000000000},"foreground":0.18,"bbox":[80,60,120,120],
 *  "region":[0,0,320,240],"size":[224,224],"rle":"10125 38 186 ..."}
 * ]|
 * With an audio-visual video parsing (AVVP) model (#DgsctParsingMeta), one line per segment lists the
 * classes heard (`audio`), seen (`visual`) and both heard and seen (`audio_visual`), ascending, by
 * name and by label:
 * |[
 * {"type":"parsing","index":3,"audio":["Speech","Dog"],"audio_labels":[0,3],"visual":["Dog"],"visual_labels":[3],
 *  "audio_visual":["Dog"],"audio_visual_labels":[3],"running_time":{"start":3000000000,"end":4000000000},
 *  "stream_time":{"start":3000000000,"end":4000000000}}
 * ]|
 * and one per event change of one class in one modality, with its `modality` (`audio`, `visual` or
 * `audio-visual`, dgsct_modality_get_name()); a change writes, per modality in that order, the stops
 * and then the starts, each in class order, before the segment's line:
 * |[
 * {"type":"event","state":"start","modality":"audio","label":3,"label_name":"Dog","index":3,
 *  "running_time":3000000000,"stream_time":3000000000}
 * ]|
 * With an audio-visual question answering (AVQA) model (#DgsctAnswerMeta), one line per answer: the
 * question, the answer (its index in the model's answer list, its name and its probability), the
 * most probable answers, most probable first, and the window answered over (its first and last
 * segment and their times):
 * |[
 * {"type":"answer","question":"Which instrument makes sounds before the violin?","answer":33,
 *  "answer_name":"ten","confidence":0.41,"top":[{"answer":33,"answer_name":"ten","prob":0.41},
 *  {"answer":1,"answer_name":"cello","prob":0.2},...],"first_index":3,"last_index":12,
 *  "running_time":{"start":3000000000,"end":13000000000},"stream_time":{"start":3000000000,"end":13000000000}}
 * ]|
 * Results, masks, parsing results and answers decided after the last frame (`dgsct-result`,
 * `dgsct-mask`, `dgsct-parsing` and `dgsct-answer` events) are written when their events arrive; at
 * EOS every open event stops at the end of the last segment. `wall_time` appears on segment,
 * parsing, mask and answer lines with #GstDgsctJson:wall-clock; with #GstDgsctJson:scores, `scores` on segment lines and the per-class
 * probabilities `audio_prob`, `visual_prob` and `video_prob` (the window's video-level one) on
 * parsing lines.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! s.video audiotestsrc num-buffers=320 ! audioconvert ! \
 *     audioresample ! s.audio dgsctsync name=s ! dgsctinfer model=ave.safetensors ! dgsctjson ! fdsink
 * ]|
 */
#include "gstdgsctjson.h"

#include "dgsct-answer-meta.h"
#include "dgsct-mask-meta.h"
#include "dgsct-parsing-meta.h"
#include "dgsct-result-meta.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (dgsct_json_debug);
#define GST_CAT_DEFAULT dgsct_json_debug

#define DEFAULT_LOCATION nullptr
#define DEFAULT_WALL_CLOCK FALSE
#define DEFAULT_SCORES FALSE

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_WALL_CLOCK,
  PROP_SCORES,
};

namespace {

/* AVVP: the open events, per modality and class, and where the latest parsing result ended. */
struct ParsingEvents {
  std::array<std::vector<bool>, DGSCT_N_MODALITIES> open;
  std::vector<GQuark> names;   /* the classes of the latest result */
  guint64 next_index = 0;
  GstClockTime last_end = GST_CLOCK_TIME_NONE;
};

}  // namespace

struct _GstDgsctJson {
  GstBaseTransform parent;
  /* properties, under the object lock */
  gchar *location;
  gboolean wall_clock, scores;
  /* streaming state */
  FILE *file;
  gint event_label;   /* open event, -1 when none */
  const gchar *event_name;  /* its label name (interned) */
  guint64 next_index;
  GstClockTime last_end;
  ParsingEvents *parsing;
};

G_DEFINE_TYPE (GstDgsctJson, gst_dgsct_json, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (dgsctjson, "dgsctjson", GST_RANK_NONE, GST_TYPE_DGSCT_JSON);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-ndjson"));

static GstClockTime to_stream_time (GstDgsctJson * self, GstClockTime rt)
{
  GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  return gst_segment_to_stream_time (segment, GST_FORMAT_TIME,
      gst_segment_position_from_running_time (segment, GST_FORMAT_TIME, rt));
}

static void add_time (JsonBuilder * b, const char *name, GstClockTime t)
{
  json_builder_set_member_name (b, name);
  if (GST_CLOCK_TIME_IS_VALID (t))
    json_builder_add_int_value (b, (gint64) t);
  else
    json_builder_add_null_value (b);
}

/* "running_time" and "stream_time", each {"start", "end"}. */
static void add_span (GstDgsctJson * self, JsonBuilder * b, GstClockTime start, GstClockTime end)
{
  json_builder_set_member_name (b, "running_time");
  json_builder_begin_object (b);
  add_time (b, "start", start);
  add_time (b, "end", end);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "stream_time");
  json_builder_begin_object (b);
  add_time (b, "start", to_stream_time (self, start));
  add_time (b, "end", to_stream_time (self, end));
  json_builder_end_object (b);
}

static void add_wall_time (JsonBuilder * b)
{
  GDateTime *now = g_date_time_new_now_utc ();
  gchar *iso = g_date_time_format_iso8601 (now);
  json_builder_set_member_name (b, "wall_time");
  json_builder_add_string_value (b, iso);
  g_free (iso);
  g_date_time_unref (now);
}

/* [x, y, w, h] */
static void add_rectangle (JsonBuilder * b, const char *name, const GstVideoRectangle & r)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (gint v : { r.x, r.y, r.w, r.h })
    json_builder_add_int_value (b, v);
  json_builder_end_array (b);
}

/* A line's builder with its object opened and its "type" set. */
static JsonBuilder *begin_line (const char *type)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  return b;
}

/* Closes @b's object (after the wall time when asked), appends it to @out as one line and frees it. */
static void end_line (std::string & out, JsonBuilder * b, gboolean wall_clock)
{
  if (wall_clock)
    add_wall_time (b);
  json_builder_end_object (b);
  JsonNode *root = json_builder_get_root (b);
  JsonGenerator *gen = json_generator_new ();
  json_generator_set_root (gen, root);
  gchar *text = json_generator_to_data (gen, nullptr);
  out += text;
  out += '\n';
  g_free (text);
  g_object_unref (gen);
  json_node_unref (root);
  g_object_unref (b);
}

/* @modality: AVVP events only (NULL for AVE). */
static void append_event (GstDgsctJson * self, std::string & out, const char *state, gint label, const char *name,
    guint64 index, GstClockTime at, const char *modality = nullptr)
{
  JsonBuilder *b = begin_line ("event");
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state);
  if (modality) {
    json_builder_set_member_name (b, "modality");
    json_builder_add_string_value (b, modality);
  }
  json_builder_set_member_name (b, "label");
  json_builder_add_int_value (b, label);
  json_builder_set_member_name (b, "label_name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, (gint64) index);
  add_time (b, "running_time", at);
  add_time (b, "stream_time", to_stream_time (self, at));
  end_line (out, b, FALSE);
}

static void append_segment (GstDgsctJson * self, std::string & out, const DgsctResultMeta * r, gboolean wall_clock,
    gboolean scores)
{
  JsonBuilder *b = begin_line ("segment");
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, (gint64) r->segment_index);
  json_builder_set_member_name (b, "label");
  json_builder_add_int_value (b, r->label);
  json_builder_set_member_name (b, "label_name");
  json_builder_add_string_value (b, r->label_name);
  json_builder_set_member_name (b, "confidence");
  json_builder_add_double_value (b, r->confidence);
  json_builder_set_member_name (b, "foreground_prob");
  json_builder_add_double_value (b, r->foreground_prob);
  add_span (self, b, r->start, r->end);
  if (scores) {
    json_builder_set_member_name (b, "scores");
    json_builder_begin_array (b);
    for (guint i = 0; i < r->n_classes; ++i)
      json_builder_add_double_value (b, r->scores[i]);
    json_builder_end_array (b);
  }
  end_line (out, b, wall_clock);
}

static void append_mask (GstDgsctJson * self, std::string & out, const DgsctMaskMeta * m, gboolean wall_clock)
{
  JsonBuilder *b = begin_line ("mask");
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, (gint64) m->segment_index);
  add_span (self, b, m->start, m->end);
  json_builder_set_member_name (b, "foreground");
  json_builder_add_double_value (b, m->foreground);
  add_rectangle (b, "bbox", m->bbox);
  add_rectangle (b, "region", m->region);
  json_builder_set_member_name (b, "size");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, m->width);
  json_builder_add_int_value (b, m->height);
  json_builder_end_array (b);
  gchar *rle = dgsct_mask_meta_to_rle (m);
  json_builder_set_member_name (b, "rle");
  json_builder_add_string_value (b, rle);
  g_free (rle);
  end_line (out, b, wall_clock);
}

static void add_floats (JsonBuilder * b, const char *name, const gfloat * values, guint n)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < n; ++i)
    json_builder_add_double_value (b, values[i]);
  json_builder_end_array (b);
}

static void append_parsing (GstDgsctJson * self, std::string & out, const DgsctParsingMeta * p, gboolean wall_clock,
    gboolean scores)
{
  static const char *const keys[DGSCT_N_MODALITIES] = { "audio", "visual", "audio_visual" };
  JsonBuilder *b = begin_line ("parsing");
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, (gint64) p->segment_index);
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    json_builder_set_member_name (b, keys[m]);
    json_builder_begin_array (b);
    for (guint i = 0; i < p->n_events[m]; ++i)
      json_builder_add_string_value (b, dgsct_parsing_meta_get_name (p, p->events[m][i]));
    json_builder_end_array (b);
    json_builder_set_member_name (b, (std::string (keys[m]) + "_labels").c_str ());
    json_builder_begin_array (b);
    for (guint i = 0; i < p->n_events[m]; ++i)
      json_builder_add_int_value (b, p->events[m][i]);
    json_builder_end_array (b);
  }
  add_span (self, b, p->start, p->end);
  if (scores) {
    add_floats (b, "audio_prob", p->audio_prob, p->n_classes);
    add_floats (b, "visual_prob", p->visual_prob, p->n_classes);
    add_floats (b, "video_prob", p->video_prob, p->n_classes);
  }
  end_line (out, b, wall_clock);
}

static void append_answer (GstDgsctJson * self, std::string & out, const DgsctAnswerMeta * a, gboolean wall_clock)
{
  JsonBuilder *b = begin_line ("answer");
  json_builder_set_member_name (b, "question");
  json_builder_add_string_value (b, a->question);
  json_builder_set_member_name (b, "answer");
  json_builder_add_int_value (b, a->answer);
  json_builder_set_member_name (b, "answer_name");
  json_builder_add_string_value (b, a->answer_name);
  json_builder_set_member_name (b, "confidence");
  json_builder_add_double_value (b, a->confidence);
  json_builder_set_member_name (b, "top");
  json_builder_begin_array (b);
  for (guint i = 0; i < a->n_top; ++i) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "answer");
    json_builder_add_int_value (b, a->top_answers[i]);
    json_builder_set_member_name (b, "answer_name");
    json_builder_add_string_value (b, a->top_names[i]);
    json_builder_set_member_name (b, "prob");
    json_builder_add_double_value (b, a->top_probs[i]);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "first_index");
  json_builder_add_int_value (b, (gint64) a->first_index);
  json_builder_set_member_name (b, "last_index");
  json_builder_add_int_value (b, (gint64) a->last_index);
  add_span (self, b, a->start, a->end);
  end_line (out, b, wall_clock);
}

/* The stop lines of every open AVVP event, at the end of the latest parsing result. */
static void close_parsing_events (GstDgsctJson * self, std::string & out)
{
  ParsingEvents & events = *self->parsing;
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    for (size_t c = 0; c < events.open[m].size (); ++c)
      if (events.open[m][c])
        append_event (self, out, "stop", (gint) c, g_quark_to_string (events.names[c]), events.next_index,
            events.last_end, dgsct_modality_get_name ((DgsctModality) m));
    events.open[m].assign (events.open[m].size (), false);
  }
}

/* Event lines for the changes `p` brings (per modality, stops then starts), then its parsing line. */
static void append_parsing_result (GstDgsctJson * self, std::string & out, const DgsctParsingMeta * p,
    gboolean wall_clock, gboolean scores)
{
  ParsingEvents & events = *self->parsing;
  if (events.names.size () != p->n_classes
      || !std::equal (events.names.begin (), events.names.end (), p->class_quarks)) {
    /* another model's classes: its events end where the new ones begin */
    events.next_index = p->segment_index;
    events.last_end = p->start;
    close_parsing_events (self, out);
    events.names.assign (p->class_quarks, p->class_quarks + p->n_classes);
    for (auto & open : events.open)
      open.assign (p->n_classes, false);
  }
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    const char *modality = dgsct_modality_get_name ((DgsctModality) m);
    std::vector<bool> now (p->n_classes, false);
    for (guint i = 0; i < p->n_events[m]; ++i)
      now[p->events[m][i]] = true;
    for (guint c = 0; c < p->n_classes; ++c)
      if (events.open[m][c] && !now[c])
        append_event (self, out, "stop", c, dgsct_parsing_meta_get_name (p, c), p->segment_index, p->start, modality);
    for (guint c = 0; c < p->n_classes; ++c)
      if (!events.open[m][c] && now[c])
        append_event (self, out, "start", c, dgsct_parsing_meta_get_name (p, c), p->segment_index, p->start, modality);
    events.open[m] = now;
  }
  append_parsing (self, out, p, wall_clock, scores);
  events.next_index = p->segment_index + 1;
  events.last_end = p->end;
}

/* Event lines for the change `r` brings, then its segment line. */
static void append_result (GstDgsctJson * self, std::string & out, const DgsctResultMeta * r, gboolean wall_clock,
    gboolean scores)
{
  const gint event = r->label == r->background_label ? -1 : r->label;
  if (event != self->event_label) {
    if (self->event_label >= 0)
      append_event (self, out, "stop", self->event_label, self->event_name, r->segment_index, r->start);
    if (event >= 0) {
      append_event (self, out, "start", event, r->label_name, r->segment_index, r->start);
      self->event_name = r->label_name;
    }
    self->event_label = event;
  }
  append_segment (self, out, r, wall_clock, scores);
  self->next_index = r->segment_index + 1;
  self->last_end = r->end;
}

static GstFlowReturn emit_text (GstDgsctJson * self, const std::string & text, GstBuffer ** out)
{
  *out = nullptr;
  if (text.empty ())
    return GST_FLOW_OK;
  if (self->file && (fwrite (text.data (), 1, text.size (), self->file) != text.size () || fflush (self->file) != 0)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not write to file \"%s\".", self->location), GST_ERROR_SYSTEM);
    return GST_FLOW_ERROR;
  }
  *out = gst_buffer_new_memdup (text.data (), text.size ());
  return GST_FLOW_OK;
}

static GstFlowReturn gst_dgsct_json_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  auto *self = GST_DGSCT_JSON (trans);
  GstBuffer *in = trans->queued_buf;
  trans->queued_buf = nullptr;
  *outbuf = nullptr;
  if (!in)
    return GST_FLOW_OK;
  GST_OBJECT_LOCK (self);
  const gboolean wall_clock = self->wall_clock, scores = self->scores;
  GST_OBJECT_UNLOCK (self);
  std::string text;
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (in, &state, DGSCT_RESULT_META_API_TYPE)))
    append_result (self, text, reinterpret_cast<DgsctResultMeta *> (meta), wall_clock, scores);
  state = nullptr;
  while ((meta = gst_buffer_iterate_meta_filtered (in, &state, DGSCT_PARSING_META_API_TYPE)))
    append_parsing_result (self, text, reinterpret_cast<DgsctParsingMeta *> (meta), wall_clock, scores);
  state = nullptr;
  while ((meta = gst_buffer_iterate_meta_filtered (in, &state, DGSCT_MASK_META_API_TYPE)))
    append_mask (self, text, reinterpret_cast<DgsctMaskMeta *> (meta), wall_clock);
  state = nullptr;
  while ((meta = gst_buffer_iterate_meta_filtered (in, &state, DGSCT_ANSWER_META_API_TYPE)))
    append_answer (self, text, reinterpret_cast<DgsctAnswerMeta *> (meta), wall_clock);
  GstFlowReturn ret = emit_text (self, text, outbuf);
  if (*outbuf) {
    gst_buffer_copy_into (*outbuf, in, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  } else if (ret == GST_FLOW_OK && GST_BUFFER_PTS_IS_VALID (in)) {
    /* The output is sparse: a gap lets downstream sinks preroll and advance (e.g. behind a tee). */
    gst_pad_push_event (GST_BASE_TRANSFORM_SRC_PAD (trans), gst_event_new_gap (GST_BUFFER_PTS (in),
            GST_BUFFER_DURATION (in)));
  }
  gst_buffer_unref (in);
  return ret;
}

/* Lines for the results and masks in `carrier`'s metas, pushed downstream now. */
static GstFlowReturn push_results (GstDgsctJson * self, GstBuffer * carrier)
{
  gst_buffer_ref (carrier);
  GST_BASE_TRANSFORM (self)->queued_buf = carrier;
  GstBuffer *out = nullptr;
  GstFlowReturn ret = gst_dgsct_json_generate_output (GST_BASE_TRANSFORM (self), &out);
  if (ret == GST_FLOW_OK && out)
    ret = gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), out);
  return ret;
}

static gboolean gst_dgsct_json_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  auto *self = GST_DGSCT_JSON (trans);
  /* Results, masks, parsing results and answers decided after the last frame arrive as events (see
   * dgsct_result_event_new). */
  GstBuffer *carrier = gst_buffer_new ();
  if (dgsct_result_event_parse (event, carrier) || dgsct_mask_event_parse (event, carrier)
      || dgsct_parsing_event_parse (event, carrier) || dgsct_answer_event_parse (event, carrier)) {
    push_results (self, carrier);
    gst_buffer_unref (carrier);
    gst_event_unref (event);
    return TRUE;
  }
  gst_buffer_unref (carrier);
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    std::string text;
    if (self->event_label >= 0)
      append_event (self, text, "stop", self->event_label, self->event_name, self->next_index, self->last_end);
    self->event_label = -1;
    close_parsing_events (self, text);
    GstBuffer *out;
    if (emit_text (self, text, &out) == GST_FLOW_OK && out)
      gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (trans), out);
  }
  return GST_BASE_TRANSFORM_CLASS (gst_dgsct_json_parent_class)->sink_event (trans, event);
}

static GstCaps *gst_dgsct_json_transform_caps (GstBaseTransform *, GstPadDirection direction, GstCaps *, GstCaps * filter)
{
  GstCaps *caps = gst_caps_from_string (direction == GST_PAD_SINK ? "application/x-ndjson" : "video/x-raw");
  if (filter) {
    GstCaps *both = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = both;
  }
  return caps;
}

static gboolean gst_dgsct_json_start (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_JSON (trans);
  self->event_label = -1;
  self->next_index = 0;
  self->last_end = GST_CLOCK_TIME_NONE;
  *self->parsing = ParsingEvents ();
  GST_OBJECT_LOCK (self);
  gchar *location = g_strdup (self->location);
  GST_OBJECT_UNLOCK (self);
  if (location && *location) {
    self->file = g_fopen (location, "w");
    if (!self->file) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Could not open file \"%s\" for writing.", location),
          GST_ERROR_SYSTEM);
      g_free (location);
      return FALSE;
    }
  }
  g_free (location);
  return TRUE;
}

static gboolean gst_dgsct_json_stop (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_JSON (trans);
  if (self->file)
    fclose (self->file);
  self->file = nullptr;
  return TRUE;
}

static void gst_dgsct_json_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_JSON (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_WALL_CLOCK:
      self->wall_clock = g_value_get_boolean (value);
      break;
    case PROP_SCORES:
      self->scores = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_json_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_JSON (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_WALL_CLOCK:
      g_value_set_boolean (value, self->wall_clock);
      break;
    case PROP_SCORES:
      g_value_set_boolean (value, self->scores);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_json_finalize (GObject * object)
{
  g_free (GST_DGSCT_JSON (object)->location);
  delete GST_DGSCT_JSON (object)->parsing;
  G_OBJECT_CLASS (gst_dgsct_json_parent_class)->finalize (object);
}

static void gst_dgsct_json_class_init (GstDgsctJsonClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (dgsct_json_debug, "dgsctjson", 0, "DG-SCT results as JSON Lines");

  gobject_class->set_property = gst_dgsct_json_set_property;
  gobject_class->get_property = gst_dgsct_json_get_property;
  gobject_class->finalize = gst_dgsct_json_finalize;

  const auto ready = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto playing = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location", "Also write the lines to this file (truncated at start)",
          DEFAULT_LOCATION, ready));
  g_object_class_install_property (gobject_class, PROP_WALL_CLOCK,
      g_param_spec_boolean ("wall-clock", "Wall clock", "Add the UTC wall-clock time a segment, parsing, mask or "
          "answer line was written",
          DEFAULT_WALL_CLOCK, playing));
  g_object_class_install_property (gobject_class, PROP_SCORES,
      g_param_spec_boolean ("scores", "Scores", "Add the per-class event scores to segment lines and the per-class "
          "probabilities to parsing lines", DEFAULT_SCORES,
          playing));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DG-SCT JSON Lines", "Formatter/Metadata",
      "Writes DG-SCT segment results, event changes, sounding-object masks, video parsing results and answers as "
      "JSON Lines",
      "dgsct-gst developers");

  trans_class->generate_output = GST_DEBUG_FUNCPTR (gst_dgsct_json_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_dgsct_json_sink_event);
  trans_class->transform_caps = GST_DEBUG_FUNCPTR (gst_dgsct_json_transform_caps);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_dgsct_json_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_json_stop);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void gst_dgsct_json_init (GstDgsctJson * self)
{
  self->location = nullptr;
  self->wall_clock = DEFAULT_WALL_CLOCK;
  self->scores = DEFAULT_SCORES;
  self->file = nullptr;
  self->event_label = -1;
  self->event_name = nullptr;
  self->parsing = new ParsingEvents ();
}
