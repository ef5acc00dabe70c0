/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctoverlay
 * @title: dgsctoverlay
 * @short_description: draws the current DG-SCT result and sounding-object mask onto the video
 *
 * dgsctoverlay reads the #DgsctResultMeta, #DgsctMaskMeta, #DgsctParsingMeta and #DgsctAnswerMeta
 * that dgsctinfer attaches to video frames and draws, in place with cairo:
 *
 * - the sounding object's mask (from an audio-visual segmentation model), under the other layers:
 *   scaled to its region of the frame (nearest neighbour) and blended in #GstDgsctOverlay:mask-color
 *   with #GstDgsctOverlay:mask-alpha, its boundary pixels (set, with an unset neighbour left, right,
 *   above or below) opaque (#GstDgsctOverlay:mask-outline; with mask-alpha=0 only the outline shows)
 *   (#GstDgsctOverlay:show-mask);
 * - a label box in the top-left corner: the current segment's label and its confidence
 *   ("Church bell 0.87", "background 0.93") in white on a semi-transparent dark box, after a swatch
 *   of the label's colour (#GstDgsctOverlay:show-label, #GstDgsctOverlay:font-size);
 * - with an audio-visual video parsing model, a box of three labelled rows under it (or in its
 *   place): the classes heard ("heard: Speech, Dog"), seen ("seen: Dog") and both heard and seen
 *   ("both: Dog") in the current segment, "-" where there is none, in white on a semi-transparent
 *   dark box (#GstDgsctOverlay:show-parsing, #GstDgsctOverlay:font-size);
 * - with an audio-visual question answering model, a box of two labelled rows under those (or in
 *   their place): the question ("Q: Which instrument makes sounds before the violin?") and its answer
 *   with the answer's probability ("A: ten (0.41)"), in white on a semi-transparent dark box; rows
 *   wider than the frame end in an ellipsis (#GstDgsctOverlay:show-answer, #GstDgsctOverlay:font-size);
 * - a timeline strip along the bottom: the last #GstDgsctOverlay:timeline-segments segments up to
 *   the current one, one cell per segment filled with its label's colour (background grey; segments
 *   without a result stay empty), the current segment outlined in white
 *   (#GstDgsctOverlay:show-timeline). Each class index has a fixed colour, the same as in
 *   dgsct-report's timelines.
 *
 * The current result is the newest one (largest segment index) on the last frame that carried
 * results, and it stays on the following frames until the next result arrives (results come once
 * per segment, frames many times a second). Every result is also kept by segment index for the
 * timeline; a segment's first result wins. The current mask, parsing result and answer (the one over
 * the latest window) are chosen and kept the same way, apart from the results: a chain with an event
 * model and a segmentation, parsing or question answering model draws both. A flush (flushing seek)
 * or a new stream (stream-start) clears all of it, and frames before the first result, mask, parsing
 * result or answer pass unchanged. Results, masks, parsing results and answers that arrive after the
 * last frame as `dgsct-result`, `dgsct-mask`, `dgsct-parsing` and `dgsct-answer` events update the
 * state too; the events pass on. A result is drawn
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

#include "dgsct-answer-meta.h"
#include "dgsct-mask-meta.h"
#include "dgsct-parsing-meta.h"
#include "dgsct-result-meta.h"
#include "palette.h"

#include <algorithm>
#include <array>
#include <cairo.h>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY_STATIC (dgsct_overlay_debug);
#define GST_CAT_DEFAULT dgsct_overlay_debug

#define DEFAULT_SHOW_LABEL TRUE
#define DEFAULT_SHOW_TIMELINE TRUE
#define DEFAULT_TIMELINE_SEGMENTS 20
#define MAX_TIMELINE_SEGMENTS 600
#define DEFAULT_FONT_SIZE 0.0
#define MAX_FONT_SIZE 200.0
#define DEFAULT_SHOW_MASK TRUE
#define DEFAULT_MASK_COLOR 0x00C853
#define DEFAULT_MASK_ALPHA 0.45
#define DEFAULT_MASK_OUTLINE TRUE
#define DEFAULT_SHOW_PARSING TRUE
#define DEFAULT_SHOW_ANSWER TRUE

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
  PROP_SHOW_MASK,
  PROP_MASK_COLOR,
  PROP_MASK_ALPHA,
  PROP_MASK_OUTLINE,
  PROP_SHOW_PARSING,
  PROP_SHOW_ANSWER,
};

namespace {

/* The result the label box shows. */
struct Current {
  guint64 index;
  gint label, background_label;
  std::string name;
  gfloat confidence;
};

/* The parsing result the rows show: per modality (DgsctModality), the class names, comma-separated. */
struct Parsing {
  guint64 index;
  std::array<std::string, DGSCT_N_MODALITIES> names;
};

/* The answer the rows show: the question and "answer (confidence)", for the window ending at
 * segment `index`. */
struct Answer {
  guint64 index;
  std::string question, answer;
};

/* A timeline cell: one segment's label. */
struct Cell {
  gint label, background_label;
};

/* The mask drawn, and its rendering for frames of one size, made when first drawn. */
struct Mask {
  GstBuffer *pixels = nullptr;  /* the meta's, shared; null when there is no mask */
  guint width = 0, height = 0;
  GstVideoRectangle region {};
  cairo_surface_t *fill = nullptr;  /* A8, frame size: 255 on the mask */
  cairo_surface_t *outline = nullptr;  /* A8, frame size: 255 on the mask's boundary */

  void set (const DgsctMaskMeta & m)
  {
    drop ();
    pixels = gst_buffer_ref (m.mask);
    width = m.width;
    height = m.height;
    region = m.region;
  }
  void drop_rendering ()
  {
    if (fill)
      cairo_surface_destroy (fill);
    if (outline)
      cairo_surface_destroy (outline);
    fill = outline = nullptr;
  }
  void drop ()
  {
    drop_rendering ();
    if (pixels)
      gst_buffer_unref (pixels);
    pixels = nullptr;
  }
};

/* Streaming state; the lock orders the streaming thread against flushes. */
struct OverlayState {
  std::mutex lock;
  bool has_current = false;
  Current current;
  std::map<guint64, Cell> history;  /* by segment index, at most MAX_TIMELINE_SEGMENTS */
  Mask mask;
  bool has_parsing = false;
  Parsing parsing;
  bool has_answer = false;
  Answer answer;

  ~OverlayState () { mask.drop (); }
  void clear ()
  {
    has_current = false;
    history.clear ();
    mask.drop ();
    has_parsing = false;
    has_answer = false;
  }
};

/* What to draw: the properties, copied once per frame. */
struct Style {
  gboolean show_label, show_timeline;
  guint timeline_segments;
  gdouble font_size;
  gboolean show_mask;
  guint mask_color;
  gdouble mask_alpha;
  gboolean mask_outline;
  gboolean show_parsing;
  gboolean show_answer;
};

}  // namespace

struct _GstDgsctOverlay {
  GstVideoFilter parent;
  Style style;                 /* the properties, under the object lock */
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

/* Takes the newest mask on `buffer` (largest segment index) as the current one. */
static void ingest_masks (OverlayState & state, GstBuffer * buffer)
{
  const DgsctMaskMeta *newest = nullptr;
  gpointer iter = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter, DGSCT_MASK_META_API_TYPE))) {
    const auto *m = reinterpret_cast<const DgsctMaskMeta *> (meta);
    if (!newest || m->segment_index > newest->segment_index)
      newest = m;
  }
  if (newest)
    state.mask.set (*newest);
}

/* Takes the newest parsing result on `buffer` (largest segment index) as the current one. */
static void ingest_parsing (OverlayState & state, GstBuffer * buffer)
{
  const DgsctParsingMeta *newest = nullptr;
  gpointer iter = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter, DGSCT_PARSING_META_API_TYPE))) {
    const auto *p = reinterpret_cast<const DgsctParsingMeta *> (meta);
    if (!newest || p->segment_index > newest->segment_index)
      newest = p;
  }
  if (!newest)
    return;
  state.parsing.index = newest->segment_index;
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m) {
    std::string & names = state.parsing.names[m];
    names.clear ();
    for (guint i = 0; i < newest->n_events[m]; ++i)
      names += (i ? ", " : "") + std::string (dgsct_parsing_meta_get_name (newest, newest->events[m][i]));
  }
  state.has_parsing = true;
}

/* Takes the newest answer on `buffer` (the latest window's) as the current one. */
static void ingest_answers (OverlayState & state, GstBuffer * buffer)
{
  const DgsctAnswerMeta *newest = nullptr;
  gpointer iter = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &iter, DGSCT_ANSWER_META_API_TYPE))) {
    const auto *a = reinterpret_cast<const DgsctAnswerMeta *> (meta);
    if (!newest || a->last_index >= newest->last_index)
      newest = a;
  }
  if (!newest)
    return;
  gchar *answer = g_strdup_printf ("%s (%.2f)", newest->answer_name, newest->confidence);
  state.answer = Answer {newest->last_index, newest->question, answer};
  g_free (answer);
  state.has_answer = true;
}

static void ingest (OverlayState & state, GstBuffer * buffer)
{
  ingest_results (state, buffer);
  ingest_masks (state, buffer);
  ingest_parsing (state, buffer);
  ingest_answers (state, buffer);
}

/* ---- drawing: one function per layer, from the bottom up ---- */

/* Renders `mask` for frames of width x height, unless it already is: a frame pixel is on the mask
 * when its centre falls on a set mask pixel (nearest neighbour). FALSE when cairo cannot. */
static bool render_mask (Mask & mask, int width, int height)
{
  if (mask.fill && cairo_image_surface_get_width (mask.fill) == width
      && cairo_image_surface_get_height (mask.fill) == height)
    return true;
  mask.drop_rendering ();
  mask.fill = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  mask.outline = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  if (cairo_surface_status (mask.fill) != CAIRO_STATUS_SUCCESS
      || cairo_surface_status (mask.outline) != CAIRO_STATUS_SUCCESS) {
    mask.drop_rendering ();
    return false;
  }
  /* New image surfaces are cleared, so only the region's pixels need writing. */
  unsigned char *fill = cairo_image_surface_get_data (mask.fill);
  unsigned char *outline = cairo_image_surface_get_data (mask.outline);
  const int stride = cairo_image_surface_get_stride (mask.fill);
  const GstVideoRectangle & r = mask.region;
  GstMapInfo map;
  if (r.w > 0 && r.h > 0 && gst_buffer_map (mask.pixels, &map, GST_MAP_READ)) {
    for (int y = std::max (0, r.y); y < std::min (height, r.y + r.h); ++y) {
      const gint64 my = ((2 * static_cast<gint64> (y - r.y) + 1) * mask.height) / (2 * r.h);
      const guint8 *row = map.data + my * mask.width;
      for (int x = std::max (0, r.x); x < std::min (width, r.x + r.w); ++x)
        fill[y * stride + x] = row[((2 * static_cast<gint64> (x - r.x) + 1) * mask.width) / (2 * r.w)] ? 255 : 0;
    }
    gst_buffer_unmap (mask.pixels, &map);
  }
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const unsigned char *p = fill + y * stride + x;
      if (*p && ((x > 0 && !p[-1]) || (x + 1 < width && !p[1]) || (y > 0 && !p[-stride])
              || (y + 1 < height && !p[stride])))
        outline[y * stride + x] = 255;
    }
  cairo_surface_mark_dirty (mask.fill);
  cairo_surface_mark_dirty (mask.outline);
  return true;
}

/* The mask blended in the mask colour, its boundary opaque. */
static void draw_mask (cairo_t * cr, Mask & mask, const Style & style, int width, int height)
{
  if (!render_mask (mask, width, height))
    return;
  const double red = ((style.mask_color >> 16) & 0xff) / 255.0, green = ((style.mask_color >> 8) & 0xff) / 255.0,
      blue = (style.mask_color & 0xff) / 255.0;
  if (style.mask_alpha > 0) {
    cairo_set_source_rgba (cr, red, green, blue, style.mask_alpha);
    cairo_mask_surface (cr, mask.fill, 0, 0);
  }
  if (style.mask_outline) {
    cairo_set_source_rgb (cr, red, green, blue);
    cairo_mask_surface (cr, mask.outline, 0, 0);
  }
}

static void set_source (cairo_t * cr, dgsct::Rgb colour)
{
  cairo_set_source_rgb (cr, colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
}

static double auto_font_size (int height)
{
  return std::max (8.0, std::round (height / 20.0));
}

/* Top-left: a colour swatch, the label name and its confidence on a semi-transparent dark box.
 * Returns the box's bottom edge. */
static double draw_label (cairo_t * cr, const Current & r, double font_size)
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
  return margin + height;
}

/* `text`, shortened with an ellipsis at a character boundary until it is at most `width` wide. */
static std::string fit_text (cairo_t * cr, const std::string & text, double width)
{
  std::string fitted = text;
  cairo_text_extents_t extents;
  cairo_text_extents (cr, fitted.c_str (), &extents);
  std::string head = text;
  while (extents.x_advance > width && !head.empty ()) {
    const char *previous = g_utf8_find_prev_char (head.c_str (), head.c_str () + head.size ());
    head.resize (previous ? previous - head.c_str () : 0);
    fitted = head + "\u2026";
    cairo_text_extents (cr, fitted.c_str (), &extents);
  }
  return fitted;
}

/* Top-left, from `top` down: `n` rows, each a grey label and a white text (shortened to fit the
 * frame's width), on a semi-transparent dark box. Returns the box's bottom edge. */
static double draw_rows (cairo_t * cr, const char *const *labels, const std::string * given, int n, double font_size,
    double top, int frame_width)
{
  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, font_size);
  cairo_font_extents_t font;
  cairo_font_extents (cr, &font);
  const double margin = std::round (font_size * 0.5), pad = std::round (font_size * 0.35);
  const double line = std::ceil (font.ascent + font.descent);
  double label_width = 0, text_width = 0;
  for (int i = 0; i < n; ++i) {
    cairo_text_extents_t extents;
    cairo_text_extents (cr, labels[i], &extents);
    label_width = std::max (label_width, extents.x_advance);
  }
  label_width = std::ceil (label_width + pad);
  std::vector<std::string> texts;
  for (int i = 0; i < n; ++i) {
    texts.push_back (fit_text (cr, given[i], frame_width - 2 * margin - 2 * pad - label_width));
    cairo_text_extents_t extents;
    cairo_text_extents (cr, texts.back ().c_str (), &extents);
    text_width = std::max (text_width, extents.x_advance);
  }
  const double y0 = top + margin, height = n * line + 2 * pad;
  cairo_rectangle (cr, margin, y0, std::ceil (pad + label_width + text_width + pad), height);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_fill (cr);
  for (int i = 0; i < n; ++i) {
    const double baseline = y0 + pad + i * line + std::round (font.ascent);
    cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
    cairo_move_to (cr, margin + pad, baseline);
    cairo_show_text (cr, labels[i]);
    cairo_set_source_rgb (cr, 1, 1, 1);
    cairo_move_to (cr, margin + pad + label_width, baseline);
    cairo_show_text (cr, texts[i].c_str ());
  }
  return y0 + height;
}

/* The classes heard, seen and both, one labelled row each ("-" for none). Returns the bottom edge. */
static double draw_parsing (cairo_t * cr, const Parsing & p, double font_size, double top, int frame_width)
{
  static const char *const labels[DGSCT_N_MODALITIES] = { "heard:", "seen:", "both:" };
  std::string texts[DGSCT_N_MODALITIES];
  for (int m = 0; m < DGSCT_N_MODALITIES; ++m)
    texts[m] = p.names[m].empty () ? "-" : p.names[m];
  return draw_rows (cr, labels, texts, DGSCT_N_MODALITIES, font_size, top, frame_width);
}

/* The question and its answer, one labelled row each. */
static void draw_answer (cairo_t * cr, const Answer & a, double font_size, double top, int frame_width)
{
  static const char *const labels[2] = { "Q:", "A:" };
  const std::string texts[2] = { a.question, a.answer };
  draw_rows (cr, labels, texts, 2, font_size, top, frame_width);
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

static void draw_frame (GstDgsctOverlay * self, GstVideoFrame * frame, OverlayState & state, const Style & style)
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
  if (style.show_mask && state.mask.pixels)
    draw_mask (cr, state.mask, style, width, height);
  if (style.show_timeline && state.has_current)
    draw_timeline (cr, state.history, state.current.index, style.timeline_segments, width, height);
  const double font_size = style.font_size > 0 ? style.font_size : auto_font_size (height);
  double top = 0;
  if (style.show_label && state.has_current)
    top = draw_label (cr, state.current, font_size);
  if (style.show_parsing && state.has_parsing)
    top = draw_parsing (cr, state.parsing, font_size, top, width);
  if (style.show_answer && state.has_answer)
    draw_answer (cr, state.answer, font_size, top, width);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  cairo_surface_destroy (surface);
}

static GstFlowReturn gst_dgsct_overlay_transform_frame_ip (GstVideoFilter * filter, GstVideoFrame * frame)
{
  auto *self = GST_DGSCT_OVERLAY (filter);
  GST_OBJECT_LOCK (self);
  const Style style = self->style;
  GST_OBJECT_UNLOCK (self);
  std::lock_guard<std::mutex> guard (self->state->lock);
  ingest (*self->state, frame->buffer);
  const bool results = self->state->has_current && (style.show_label || style.show_timeline);
  const bool mask = self->state->mask.pixels && style.show_mask;
  const bool parsing = self->state->has_parsing && style.show_parsing;
  const bool answer = self->state->has_answer && style.show_answer;
  if (results || mask || parsing || answer) {
    GST_LOG_OBJECT (self, "drawing %s%s on %" GST_TIME_FORMAT, results ? self->state->current.name.c_str () : "",
        mask ? " mask" : "", GST_TIME_ARGS (GST_BUFFER_PTS (frame->buffer)));
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
      GST_DEBUG_OBJECT (self, "%s: clearing the results and the mask", GST_EVENT_TYPE_NAME (event));
      clear_state (self);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      GstBuffer *carrier = gst_buffer_new ();
      if (dgsct_result_event_parse (event, carrier) || dgsct_mask_event_parse (event, carrier)
          || dgsct_parsing_event_parse (event, carrier) || dgsct_answer_event_parse (event, carrier)) {
        std::lock_guard<std::mutex> guard (self->state->lock);
        ingest (*self->state, carrier);
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
      self->style.show_label = g_value_get_boolean (value);
      break;
    case PROP_SHOW_TIMELINE:
      self->style.show_timeline = g_value_get_boolean (value);
      break;
    case PROP_TIMELINE_SEGMENTS:
      self->style.timeline_segments = g_value_get_uint (value);
      break;
    case PROP_FONT_SIZE:
      self->style.font_size = g_value_get_double (value);
      break;
    case PROP_SHOW_MASK:
      self->style.show_mask = g_value_get_boolean (value);
      break;
    case PROP_MASK_COLOR:
      self->style.mask_color = g_value_get_uint (value);
      break;
    case PROP_MASK_ALPHA:
      self->style.mask_alpha = g_value_get_double (value);
      break;
    case PROP_MASK_OUTLINE:
      self->style.mask_outline = g_value_get_boolean (value);
      break;
    case PROP_SHOW_PARSING:
      self->style.show_parsing = g_value_get_boolean (value);
      break;
    case PROP_SHOW_ANSWER:
      self->style.show_answer = g_value_get_boolean (value);
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
      g_value_set_boolean (value, self->style.show_label);
      break;
    case PROP_SHOW_TIMELINE:
      g_value_set_boolean (value, self->style.show_timeline);
      break;
    case PROP_TIMELINE_SEGMENTS:
      g_value_set_uint (value, self->style.timeline_segments);
      break;
    case PROP_FONT_SIZE:
      g_value_set_double (value, self->style.font_size);
      break;
    case PROP_SHOW_MASK:
      g_value_set_boolean (value, self->style.show_mask);
      break;
    case PROP_MASK_COLOR:
      g_value_set_uint (value, self->style.mask_color);
      break;
    case PROP_MASK_ALPHA:
      g_value_set_double (value, self->style.mask_alpha);
      break;
    case PROP_MASK_OUTLINE:
      g_value_set_boolean (value, self->style.mask_outline);
      break;
    case PROP_SHOW_PARSING:
      g_value_set_boolean (value, self->style.show_parsing);
      break;
    case PROP_SHOW_ANSWER:
      g_value_set_boolean (value, self->style.show_answer);
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
  g_object_class_install_property (gobject_class, PROP_SHOW_MASK,
      g_param_spec_boolean ("show-mask", "Show mask", "Draw the sounding object's mask under the other layers",
          DEFAULT_SHOW_MASK, playing));
  g_object_class_install_property (gobject_class, PROP_MASK_COLOR,
      g_param_spec_uint ("mask-color", "Mask color", "Colour of the mask as 0xRRGGBB", 0, 0xFFFFFF,
          DEFAULT_MASK_COLOR, playing));
  g_object_class_install_property (gobject_class, PROP_MASK_ALPHA,
      g_param_spec_double ("mask-alpha", "Mask alpha", "Opacity of the mask's fill (0 = outline only, if drawn)", 0, 1,
          DEFAULT_MASK_ALPHA, playing));
  g_object_class_install_property (gobject_class, PROP_MASK_OUTLINE,
      g_param_spec_boolean ("mask-outline", "Mask outline", "Draw the mask's boundary pixels opaque",
          DEFAULT_MASK_OUTLINE, playing));
  g_object_class_install_property (gobject_class, PROP_SHOW_PARSING,
      g_param_spec_boolean ("show-parsing", "Show parsing",
          "Draw the current segment's video parsing result (AVVP models) as three rows at the top left, under the "
          "label: the classes heard, seen, and both heard and seen", DEFAULT_SHOW_PARSING, playing));
  g_object_class_install_property (gobject_class, PROP_SHOW_ANSWER,
      g_param_spec_boolean ("show-answer", "Show answer",
          "Draw the latest answer (AVQA models) as two rows at the top left, under the label and the parsing rows: "
          "the question, and the answer with its probability", DEFAULT_SHOW_ANSWER, playing));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DG-SCT overlay", "Filter/Editor/Video",
      "Draws the current DG-SCT label, a timeline of the recent segments' labels, the sounding object's mask, the "
      "classes heard and seen, and the answer to a question onto the video",
      "dgsct-gst developers");

  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_stop);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR (gst_dgsct_overlay_transform_frame_ip);
}

static void gst_dgsct_overlay_init (GstDgsctOverlay * self)
{
  self->style.show_label = DEFAULT_SHOW_LABEL;
  self->style.show_timeline = DEFAULT_SHOW_TIMELINE;
  self->style.timeline_segments = DEFAULT_TIMELINE_SEGMENTS;
  self->style.font_size = DEFAULT_FONT_SIZE;
  self->style.show_mask = DEFAULT_SHOW_MASK;
  self->style.mask_color = DEFAULT_MASK_COLOR;
  self->style.mask_alpha = DEFAULT_MASK_ALPHA;
  self->style.mask_outline = DEFAULT_MASK_OUTLINE;
  self->style.show_parsing = DEFAULT_SHOW_PARSING;
  self->style.show_answer = DEFAULT_SHOW_ANSWER;
  self->state = new OverlayState ();
}
