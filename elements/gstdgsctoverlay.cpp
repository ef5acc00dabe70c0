/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctoverlay
 * @title: dgsctoverlay
 * @short_description: draws the current DG-SCT result onto the video
 *
 * dgsctoverlay reads the #DgsctResultMeta that dgsctinfer attaches to video frames and draws, in
 * place with cairo:
 *
 * - a label box in the top-left corner: the current segment's label and its confidence
 *   ("Church bell 0.87", "background 0.93") in white on a semi-transparent dark box, after a swatch
 *   of the label's colour (#GstDgsctOverlay:show-label, #GstDgsctOverlay:font-size);
 * - a timeline strip along the bottom: the last #GstDgsctOverlay:timeline-segments segments up to
 *   the current one, one cell per segment filled with its label's colour (background grey; segments
 *   without a result stay empty), the current segment outlined in white
 *   (#GstDgsctOverlay:show-timeline). Each class index has a fixed colour, the same as in
 *   dgsct-report's timelines.
 *
 * The current result is the newest one (largest segment index) on the last frame that carried
 * results, and it stays on the following frames until the next result arrives (results come once
 * per segment, frames many times a second). Every result is also kept by segment index for the
 * timeline; a segment's first result wins. A flush (flushing seek) or a new stream (stream-start)
 * clears both, and frames before the first result pass unchanged. Results that arrive after the
 * last frame as `dgsct-result` events update the state too; the events pass on. A result is drawn
 * from the frame that carries it, which is later than its segment by the model's latency (in a
 * pipeline running faster than real time, e.g. to a sink with sync=false, most of a short clip may
 * pass before the first result).
 *
 * The video must be BGRx or BGRA (xRGB or ARGB on big-endian machines), the layouts cairo draws
 * into directly, so put `videoconvert` before the element. BGRA is drawn on as cairo's premultiplied
 * ARGB32: exact for opaque video.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=900 ! s.video audiotestsrc num-buffers=1300 ! audioconvert ! \
 *     audioresample ! s.audio dgsctsync name=s ! dgsctinfer model=ave.safetensors ! videoconvert ! \
 *     dgsctoverlay timeline-segments=10 ! videoconvert ! autovideosink
 * ]|
 */
#include "gstdgsctoverlay.h"

#include "dgsct-result-meta.h"
#include "palette.h"

#include <algorithm>
#include <cairo.h>
#include <cmath>
#include <map>
#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_STATIC (dgsct_overlay_debug);
#define GST_CAT_DEFAULT dgsct_overlay_debug

#define DEFAULT_SHOW_LABEL TRUE
#define DEFAULT_SHOW_TIMELINE TRUE
#define DEFAULT_TIMELINE_SEGMENTS 20
#define MAX_TIMELINE_SEGMENTS 600
#define DEFAULT_FONT_SIZE 0.0
#define MAX_FONT_SIZE 200.0

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define OVERLAY_CAPS GST_VIDEO_CAPS_MAKE ("{ BGRx, BGRA }")
#else
#define OVERLAY_CAPS GST_VIDEO_CAPS_MAKE ("{ xRGB, ARGB }")
#endif

enum {
  PROP_0,
  PROP_SHOW_LABEL,
  PROP_SHOW_TIMELINE,
  PROP_TIMELINE_SEGMENTS,
  PROP_FONT_SIZE,
};

namespace {

/* The result the label box shows. */
struct Current {
  guint64 index;
  gint label, background_label;
  std::string name;
  gfloat confidence;
};

/* A timeline cell: one segment's label. */
struct Cell {
  gint label, background_label;
};

/* Streaming state; the lock orders the streaming thread against flushes. */
struct OverlayState {
  std::mutex lock;
  bool has_current = false;
  Current current;
  std::map<guint64, Cell> history;  /* by segment index, at most MAX_TIMELINE_SEGMENTS */

  void clear ()
  {
    has_current = false;
    history.clear ();
  }
};

/* What to draw, copied from the properties once per frame. */
struct Style {
  gboolean show_label, show_timeline;
  guint timeline_segments;
  gdouble font_size;
};

}  // namespace

struct _GstDgsctOverlay {
  GstVideoFilter parent;
  /* properties, under the object lock */
  gboolean show_label, show_timeline;
  guint timeline_segments;
  gdouble font_size;
  OverlayState *state;
};

G_DEFINE_TYPE (GstDgsctOverlay, gst_dgsct_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (dgsctoverlay, "dgsctoverlay", GST_RANK_NONE, GST_TYPE_DGSCT_OVERLAY);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (OVERLAY_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (OVERLAY_CAPS));

/* Takes the results on `buffer` into the state: all into the history, the newest as current. */
static void ingest_results (OverlayState & state, GstBuffer * buffer)
{
  const DgsctResultMeta *newest = nullptr;
  gpointer iter = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter, DGSCT_RESULT_META_API_TYPE))) {
    const auto *r = reinterpret_cast<const DgsctResultMeta *> (meta);
    state.history.emplace (r->segment_index, Cell {r->label, r->background_label});
    if (!newest || r->segment_index > newest->segment_index)
      newest = r;
  }
  if (!newest)
    return;
  state.current = Current {newest->segment_index, newest->label, newest->background_label,
      newest->label_name ? newest->label_name : "", newest->confidence};
  state.has_current = true;
  while (state.history.size () > MAX_TIMELINE_SEGMENTS)
    state.history.erase (state.history.begin ());
}

/* ---- drawing: one function per layer; a sounding-object mask layer would go below the others ---- */

static void set_source (cairo_t * cr, dgsct::Rgb colour)
{
  cairo_set_source_rgb (cr, colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
}

static double auto_font_size (int height)
{
  return std::max (8.0, std::round (height / 20.0));
}

/* Top-left: a colour swatch, the label name and its confidence on a semi-transparent dark box. */
static void draw_label (cairo_t * cr, const Current & r, double font_size)
{
  gchar *text = g_strdup_printf ("%s %.2f", r.name.c_str (), r.confidence);
  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, font_size);
  cairo_font_extents_t font;
  cairo_font_extents (cr, &font);
  cairo_text_extents_t extents;
  cairo_text_extents (cr, text, &extents);

  const double margin = std::round (font_size * 0.5), pad = std::round (font_size * 0.35);
  const double swatch = std::round (font.ascent * 0.75);
  const double width = std::ceil (pad + swatch + pad + extents.x_advance + pad);
  const double height = std::ceil (font.ascent + font.descent) + 2 * pad;
  cairo_rectangle (cr, margin, margin, width, height);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_fill (cr);

  set_source (cr, dgsct::label_colour (r.label, r.background_label));
  cairo_rectangle (cr, margin + pad, margin + std::round ((height - swatch) / 2), swatch, swatch);
  cairo_fill (cr);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, margin + pad + swatch + pad, margin + pad + std::round (font.ascent));
  cairo_show_text (cr, text);
  g_free (text);
}

/* The first segment of a timeline of `n` segments ending at `current`. */
static guint64 timeline_first (guint64 current, guint n)
{
  return current + 1 >= n ? current + 1 - n : 0;
}

/* Bottom: `n` cells, the segments up to `current` (or the first n), coloured by label. */
static void draw_timeline (cairo_t * cr, const std::map<guint64, Cell> & history, guint64 current, guint n,
    int frame_width, int frame_height)
{
  const double margin = std::max (2.0, std::round (frame_height / 60.0));
  const double height = std::max (4.0, std::round (frame_height / 16.0));
  const double x0 = margin, y0 = frame_height - margin - height, width = frame_width - 2 * margin;
  if (width <= 0 || y0 < 0)
    return;
  const guint64 first = timeline_first (current, n);
  auto cell_x = [&] (guint64 i) { return x0 + std::round (width * i / n); };

  /* The strip's frame, so that an empty timeline is still visible. */
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x0 - 0.5, y0 - 0.5, width + 1, height + 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  cairo_stroke (cr);

  for (auto it = history.lower_bound (first); it != history.end () && it->first < first + n; ++it) {
    const double x = cell_x (it->first - first), w = cell_x (it->first - first + 1) - x;
    set_source (cr, dgsct::label_colour (it->second.label, it->second.background_label));
    cairo_rectangle (cr, x, y0, w >= 6 ? w - 1 : w, height);  /* a hairline between wide cells */
    cairo_fill (cr);
  }

  /* The current segment: a white outline just outside its cell. */
  const double x = cell_x (current - first), w = cell_x (current - first + 1) - x;
  const double line = std::max (2.0, std::round (height / 8));
  cairo_set_line_width (cr, line);
  cairo_rectangle (cr, x - line / 2, y0 - line / 2, (w >= 6 ? w - 1 : w) + line, height + line);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_stroke (cr);
}

static void draw_frame (GstDgsctOverlay * self, GstVideoFrame * frame, const OverlayState & state, const Style & style)
{
  const int width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);
  const cairo_format_t format = GST_VIDEO_INFO_HAS_ALPHA (&frame->info) ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24;
  cairo_surface_t *surface = cairo_image_surface_create_for_data (
      static_cast<unsigned char *> (GST_VIDEO_FRAME_PLANE_DATA (frame, 0)), format, width, height,
      GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0));
  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS) {
    GST_WARNING_OBJECT (self, "cairo cannot draw on this frame: %s",
        cairo_status_to_string (cairo_surface_status (surface)));
    cairo_surface_destroy (surface);
    return;
  }
  cairo_t *cr = cairo_create (surface);
  if (style.show_timeline)
    draw_timeline (cr, state.history, state.current.index, style.timeline_segments, width, height);
  if (style.show_label)
    draw_label (cr, state.current, style.font_size > 0 ? style.font_size : auto_font_size (height));
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
}

static GstFlowReturn gst_dgsct_overlay_transform_frame_ip (GstVideoFilter * filter, GstVideoFrame * frame)
{
  auto *self = GST_DGSCT_OVERLAY (filter);
  GST_OBJECT_LOCK (self);
  const Style style {self->show_label, self->show_timeline, self->timeline_segments, self->font_size};
  GST_OBJECT_UNLOCK (self);
  std::lock_guard<std::mutex> guard (self->state->lock);
  ingest_results (*self->state, frame->buffer);
  if (self->state->has_current && (style.show_label || style.show_timeline)) {
    GST_LOG_OBJECT (self, "drawing segment %" G_GUINT64_FORMAT " (%s) on %" GST_TIME_FORMAT,
        self->state->current.index, self->state->current.name.c_str (), GST_TIME_ARGS (GST_BUFFER_PTS (frame->buffer)));
    draw_frame (self, frame, *self->state, style);
  }
  return GST_FLOW_OK;
}

static void clear_state (GstDgsctOverlay * self)
{
  std::lock_guard<std::mutex> guard (self->state->lock);
  self->state->clear ();
}

static gboolean gst_dgsct_overlay_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  auto *self = GST_DGSCT_OVERLAY (trans);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
    case GST_EVENT_STREAM_START:
      GST_DEBUG_OBJECT (self, "%s: clearing the results", GST_EVENT_TYPE_NAME (event));
      clear_state (self);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      GstBuffer *carrier = gst_buffer_new ();
      if (dgsct_result_event_parse (event, carrier)) {
        std::lock_guard<std::mutex> guard (self->state->lock);
        ingest_results (*self->state, carrier);
      }
      gst_buffer_unref (carrier);
      break;
    }
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_dgsct_overlay_parent_class)->sink_event (trans, event);
}

static gboolean gst_dgsct_overlay_stop (GstBaseTransform * trans)
{
  clear_state (GST_DGSCT_OVERLAY (trans));
  return TRUE;
}

static void gst_dgsct_overlay_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_OVERLAY (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SHOW_LABEL:
      self->show_label = g_value_get_boolean (value);
      break;
    case PROP_SHOW_TIMELINE:
      self->show_timeline = g_value_get_boolean (value);
      break;
    case PROP_TIMELINE_SEGMENTS:
      self->timeline_segments = g_value_get_uint (value);
      break;
    case PROP_FONT_SIZE:
      self->font_size = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_overlay_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_OVERLAY (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SHOW_LABEL:
      g_value_set_boolean (value, self->show_label);
      break;
    case PROP_SHOW_TIMELINE:
      g_value_set_boolean (value, self->show_timeline);
      break;
    case PROP_TIMELINE_SEGMENTS:
      g_value_set_uint (value, self->timeline_segments);
      break;
    case PROP_FONT_SIZE:
      g_value_set_double (value, self->font_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_overlay_finalize (GObject * object)
{
  delete GST_DGSCT_OVERLAY (object)->state;
  G_OBJECT_CLASS (gst_dgsct_overlay_parent_class)->finalize (object);
}

static void gst_dgsct_overlay_class_init (GstDgsctOverlayClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  auto *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (dgsct_overlay_debug, "dgsctoverlay", 0, "DG-SCT result overlay");

  gobject_class->set_property = gst_dgsct_overlay_set_property;
  gobject_class->get_property = gst_dgsct_overlay_get_property;
  gobject_class->finalize = gst_dgsct_overlay_finalize;

  const auto playing = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property (gobject_class, PROP_SHOW_LABEL,
      g_param_spec_boolean ("show-label", "Show label",
          "Draw the current label and its confidence in a box at the top left", DEFAULT_SHOW_LABEL, playing));
  g_object_class_install_property (gobject_class, PROP_SHOW_TIMELINE,
      g_param_spec_boolean ("show-timeline", "Show timeline",
          "Draw the recent segments' labels as coloured cells along the bottom", DEFAULT_SHOW_TIMELINE, playing));
  g_object_class_install_property (gobject_class, PROP_TIMELINE_SEGMENTS,
      g_param_spec_uint ("timeline-segments", "Timeline segments",
          "Segments shown on the timeline, up to the current one", 1, MAX_TIMELINE_SEGMENTS,
          DEFAULT_TIMELINE_SEGMENTS, playing));
  g_object_class_install_property (gobject_class, PROP_FONT_SIZE,
      g_param_spec_double ("font-size", "Font size",
          "Label font size in pixels; 0 = a twentieth of the frame height (at least 8)", 0, MAX_FONT_SIZE,
          DEFAULT_FONT_SIZE, playing));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DG-SCT overlay", "Filter/Editor/Video",
      "Draws the current DG-SCT label and a timeline of the recent segments' labels onto the video",
      "dgsct-gst developers");

  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_stop);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_transform_frame_ip);
}

static void gst_dgsct_overlay_init (GstDgsctOverlay * self)
{
  self->show_label = DEFAULT_SHOW_LABEL;
  self->show_timeline = DEFAULT_SHOW_TIMELINE;
  self->timeline_segments = DEFAULT_TIMELINE_SEGMENTS;
  self->font_size = DEFAULT_FONT_SIZE;
  self->state = new OverlayState ();
}
