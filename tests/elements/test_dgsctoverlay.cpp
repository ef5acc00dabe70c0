/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dgsctoverlay with a harness: frames before any result pass byte for byte, a result draws the label
 * box and its timeline cell in its label's colour, results stick to the frames without one, the
 * timeline scrolls, flushes and new streams clear, both formats work and others are refused. A mask
 * is blended where it is set and nowhere else, its boundary opaque, and sticks like results. A parsing
 * result draws its rows box (under the label box when there is one), sticks, and can be switched off;
 * so does an answer (question and answer rows, under both), a new answer redrawing it.
 *
 * With DGSCT_TEST_PNG_DIR set, the drawn frames are also written there as PNG files to look at. */
#include "dgsct-answer-meta.h"
#include "dgsct-mask-meta.h"
#include "dgsct-parsing-meta.h"
#include "dgsct-result-meta.h"
#include "../../elements/palette.h"

#include <cairo.h>
#include <cstdlib>
#include <cstring>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <string>
#include <vector>

namespace {

const int kWidth = 320, kHeight = 240;
const char *kFormats[] = { "BGRx", "BGRA" };
const char *kNames[] = { "Church bell", "Dog", "Horse", "background" };
const gint kBackground = 3;

GQuark *class_quarks ()
{
  static GQuark quarks[4];
  for (int c = 0; c < 4; ++c)
    quarks[c] = g_quark_from_static_string (kNames[c]);
  return quarks;
}

GstHarness *new_overlay (const char *format, const char *properties = "")
{
  GstHarness *h = gst_harness_new_parse ((std::string ("dgsctoverlay ") + properties).c_str ());
  gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,framerate=30/1", format, kWidth, kHeight);
  gst_harness_set_src_caps_str (h, caps);
  g_free (caps);
  return h;
}

/* A frame with a diagonal pattern (opaque), so that every change shows. */
GstBuffer *new_frame (GstHarness * h, guint frame_number)
{
  GstBuffer *buffer = gst_harness_create_buffer (h, kWidth * kHeight * 4);
  GstMapInfo map;
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_WRITE));
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      guint8 *p = map.data + (y * kWidth + x) * 4;
      p[0] = 96 + (x + y) % 64;
      p[1] = 160 - y % 32;
      p[2] = 64 + x % 128;
      p[3] = 255;
    }
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = gst_util_uint64_scale_int (frame_number, GST_SECOND, 30);
  GST_BUFFER_DURATION (buffer) = GST_SECOND / 30;
  return buffer;
}

void add_result (GstBuffer * buffer, guint64 index, gint label, gfloat confidence = 0.87f)
{
  const gfloat scores[3] = { 1.0f, 0.5f, -1.0f };
  fail_unless (gst_buffer_add_dgsct_result_meta (buffer, index, index * GST_SECOND, (index + 1) * GST_SECOND, label,
          kBackground, confidence, label == kBackground ? 1 - confidence : 0.9f, scores, class_quarks (), 3) != nullptr);
}

/* A 4 x 2 mask on the whole frame with its left two columns set: the frame's left half, x < 160. */
void add_left_half_mask (GstBuffer * buffer, guint64 index = 0)
{
  const guint8 pixels[8] = { 255, 255, 0, 0, 255, 255, 0, 0 };
  const GstVideoRectangle frame {0, 0, kWidth, kHeight};
  fail_unless (gst_buffer_add_dgsct_mask_meta (buffer, index, index * GST_SECOND, (index + 1) * GST_SECOND, pixels,
          4, 2, &frame) != nullptr);
}

const dgsct::Rgb kMaskColour {0x00, 0xC8, 0x53};
const int kMaskRight = kWidth / 2 - 1;  /* the mask's last column: its boundary */

/* A frame's pixels, as the harness's output gives them. */
struct Frame {
  std::vector<guint8> bytes;

  dgsct::Rgb at (int x, int y) const
  {
    const guint8 *p = bytes.data () + (y * kWidth + x) * 4;
    return { p[2], p[1], p[0] };
  }
  guint8 alpha (int x, int y) const { return bytes[(y * kWidth + x) * 4 + 3]; }
};

Frame bytes_of (GstBuffer * buffer)
{
  GstMapInfo map;
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, kWidth * kHeight * 4);
  Frame f {std::vector<guint8> (map.data, map.data + map.size)};
  gst_buffer_unmap (buffer, &map);
  return f;
}

void maybe_write_png (const Frame & f, const char *name)
{
  const char *dir = g_getenv ("DGSCT_TEST_PNG_DIR");
  if (!dir)
    return;
  std::vector<guint8> copy = f.bytes;
  cairo_surface_t *surface = cairo_image_surface_create_for_data (copy.data (), CAIRO_FORMAT_RGB24, kWidth, kHeight,
      kWidth * 4);
  gchar *path = g_strdup_printf ("%s/%s.png", dir, name);
  cairo_surface_write_to_png (surface, path);
  g_free (path);
  cairo_surface_destroy (surface);
}

/* Pushes `in` and returns the output frame's pixels. */
Frame push_pull (GstHarness * h, GstBuffer * in)
{
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  GstBuffer *out = gst_harness_pull (h);
  fail_unless (out != nullptr);
  Frame f = bytes_of (out);
  gst_buffer_unref (out);
  return f;
}

/* The timeline's geometry for a 320x240 frame (see draw_timeline): a strip 15 px high, 4 px above
 * the bottom edge and in from the sides, cut into `n` cells. The centre of cell `i`: */
int cell_x (int i, int n = 20)
{
  return 4 + static_cast<int> ((i + 0.5) * (kWidth - 8) / n);
}
const int kCellY = kHeight - 4 - 15 / 2 - 1;

bool same_colour (dgsct::Rgb a, dgsct::Rgb b)
{
  return std::abs (a.r - b.r) <= 1 && std::abs (a.g - b.g) <= 1 && std::abs (a.b - b.b) <= 1;
}

void check_cell (const Frame & f, int cell, gint label, int n = 20)
{
  const dgsct::Rgb got = f.at (cell_x (cell, n), kCellY), want = dgsct::label_colour (label, kBackground);
  fail_unless (same_colour (got, want), "cell %d: (%d, %d, %d), want label %d's (%d, %d, %d)", cell, got.r, got.g,
      got.b, label, want.r, want.g, want.b);
}

void check_unchanged_at (const Frame & f, const Frame & original, int x, int y)
{
  fail_unless (f.at (x, y) == original.at (x, y), "pixel (%d, %d) changed", x, y);
}

/* The label box (top left) is drawn: the picture under its corner is 60 % darker. */
bool label_box_drawn (const Frame & f, const Frame & original)
{
  const dgsct::Rgb in = original.at (7, 7), out = f.at (7, 7);
  return std::abs (out.r - in.r * 0.4) <= 2 && std::abs (out.g - in.g * 0.4) <= 2 && std::abs (out.b - in.b * 0.4) <= 2;
}

/* `got` is `under` with `colour` blended over it at `alpha`. */
bool blended (dgsct::Rgb got, dgsct::Rgb under, dgsct::Rgb colour, double alpha)
{
  auto near = [alpha] (int g, int u, int c) { return std::abs (g - (u + (c - u) * alpha)) <= 2; };
  return near (got.r, under.r, colour.r) && near (got.g, under.g, colour.g) && near (got.b, under.b, colour.b);
}

/* The left-half mask at `alpha`: blended left of its boundary column, that column opaque when
 * `outline`, blended otherwise, the right half untouched. */
void check_left_half_mask (const Frame & f, const Frame & original, double alpha, bool outline)
{
  for (int y = 0; y < kHeight; ++y)
    for (int x = 0; x < kWidth; ++x) {
      const dgsct::Rgb got = f.at (x, y), under = original.at (x, y);
      if (x > kMaskRight)
        fail_unless (got == under, "pixel (%d, %d) right of the mask changed", x, y);
      else if (x == kMaskRight && outline)
        fail_unless (got == kMaskColour, "boundary pixel (%d, %d): (%d, %d, %d)", x, y, got.r, got.g, got.b);
      else
        fail_unless (blended (got, under, kMaskColour, alpha), "pixel (%d, %d): (%d, %d, %d) over (%d, %d, %d)", x, y,
            got.r, got.g, got.b, under.r, under.g, under.b);
    }
}

Frame original_frame (GstHarness * h)
{
  GstBuffer *b = new_frame (h, 0);
  Frame f = bytes_of (b);
  gst_buffer_unref (b);
  return f;
}

/* A parsing result over the four classes: Church bell heard, Dog heard and seen. */
void add_parsing (GstBuffer * buffer, guint64 index)
{
  const guint8 audio[3] = { 1, 1, 0 }, visual[3] = { 0, 1, 0 }, both[3] = { 0, 1, 0 };
  const gfloat prob[3] = { 0.9f, 0.8f, 0.1f };
  fail_unless (gst_buffer_add_dgsct_parsing_meta (buffer, index, index * GST_SECOND, (index + 1) * GST_SECOND, 3,
          class_quarks (), audio, visual, both, prob, prob, prob) != nullptr);
}

/* An answer to a question over the window of segments index - 9 ... index. */
void add_answer (GstBuffer * buffer, guint64 index, const char *answer = "ten", gfloat confidence = 0.41f)
{
  const gint top[2] = { 33, 1 };
  const gchar *names[2] = { answer, "cello" };
  const gfloat probs[2] = { confidence, 0.2f };
  fail_unless (gst_buffer_add_dgsct_answer_meta (buffer, "Which instrument makes sounds before the violin?", index - 9,
          index, (index - 9) * GST_SECOND, (index + 1) * GST_SECOND, 2, top, names, probs) != nullptr);
}

/* Whether pixel (x, y) is the picture darkened by 60 % (under a box). */
bool darkened (const Frame & f, const Frame & original, int x, int y)
{
  const dgsct::Rgb in = original.at (x, y), out = f.at (x, y);
  return std::abs (out.r - in.r * 0.4) <= 2 && std::abs (out.g - in.g * 0.4) <= 2 && std::abs (out.b - in.b * 0.4) <= 2;
}

/* The rows of column x = 7 (the boxes' left padding) under a box, top to bottom, as runs [first, last]. */
std::vector<std::pair<int, int>> boxes_at_left (const Frame & f, const Frame & original)
{
  std::vector<std::pair<int, int>> runs;
  for (int y = 0; y < kHeight; ++y)
    if (darkened (f, original, 7, y)) {
      if (!runs.empty () && runs.back ().second == y - 1)
        runs.back ().second = y;
      else
        runs.emplace_back (y, y);
    }
  return runs;
}

/* A flushing seek's events: flush-start, flush-stop, a new segment. */
void flush (GstHarness * h)
{
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
}

}  // namespace

GST_START_TEST (test_frames_before_any_result_pass_unchanged)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  for (guint n = 0; n < 3; ++n) {
    const Frame out = push_pull (h, new_frame (h, n));
    fail_unless (out.bytes == original.bytes, "frame %u changed without a result", n);
  }
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_result_draws_label_and_timeline_cell)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 3, 1);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, (std::string ("overlay-one-result-") + kFormats[__i__]).c_str ());
  fail_unless (label_box_drawn (out, original), "no label box");
  check_cell (out, 3, 1);
  /* segments without a result stay empty; the middle of the picture is untouched */
  for (int cell : { 0, 2, 4, 19 })
    check_unchanged_at (out, original, cell_x (cell), kCellY);
  check_unchanged_at (out, original, kWidth / 2, kHeight / 2);
  if (g_str_equal (kFormats[__i__], "BGRA"))
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x)
        fail_unless_equals_int (out.alpha (x, y), 255);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_labels_have_distinct_colours)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 0, 0);
  add_result (in, 1, 2);
  add_result (in, 2, kBackground, 0.93f);
  const Frame out = push_pull (h, in);
  check_cell (out, 0, 0);
  check_cell (out, 1, 2);
  check_cell (out, 2, kBackground);
  fail_if (same_colour (out.at (cell_x (0), kCellY), out.at (cell_x (1), kCellY)));
  fail_if (same_colour (out.at (cell_x (0), kCellY), out.at (cell_x (2), kCellY)));
  fail_unless (same_colour (out.at (cell_x (2), kCellY), dgsct::kBackgroundColour));
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_result_sticks_to_following_frames)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 0, 2);
  const Frame first = push_pull (h, in);
  for (guint n = 1; n < 4; ++n) {
    const Frame out = push_pull (h, new_frame (h, n));
    fail_unless (out.bytes == first.bytes, "frame %u differs from the frame that carried the result", n);
    fail_unless (label_box_drawn (out, original));
    check_cell (out, 0, 2);
  }
  /* the next result adds its cell and keeps the first */
  in = new_frame (h, 4);
  add_result (in, 1, 0);
  const Frame next = push_pull (h, in);
  check_cell (next, 0, 2);
  check_cell (next, 1, 0);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_timeline_scrolls_and_keeps_the_first_result)
{
  GstHarness *h = new_overlay ("BGRx", "timeline-segments=5");
  GstBuffer *in = new_frame (h, 0);
  for (guint64 s = 0; s < 4; ++s)
    add_result (in, s, s % 2 ? kBackground : 0);
  add_result (in, 2, 1);  /* a duplicate of segment 2: ignored */
  Frame out = push_pull (h, in);
  check_cell (out, 2, 0, 5);
  in = new_frame (h, 1);
  for (guint64 s = 4; s < 7; ++s)
    add_result (in, s, 2);
  out = push_pull (h, in);
  /* segments 2..6 */
  check_cell (out, 0, 0, 5);
  check_cell (out, 1, kBackground, 5);
  for (int cell = 2; cell < 5; ++cell)
    check_cell (out, cell, 2, 5);

  /* a long timeline, to look at */
  GstElement *overlay = gst_harness_find_element (h, "dgsctoverlay");
  g_object_set (overlay, "timeline-segments", 20, nullptr);
  gst_object_unref (overlay);
  in = new_frame (h, 2);
  const gint labels[] = { 0, 0, 0, 3, 3, 1, 1, 1, 1, 3, 2, 2, 3 };
  for (guint64 s = 0; s < G_N_ELEMENTS (labels); ++s)
    add_result (in, 7 + s, labels[s]);
  out = push_pull (h, in);
  maybe_write_png (out, "overlay-timeline");
  /* segments 0..19: 0..6 as before, then the new ones */
  check_cell (out, 7, 0);
  check_cell (out, 12, 1);
  check_cell (out, 19, kBackground);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_flush_and_new_stream_clear_the_state)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 0, 1);
  fail_unless (label_box_drawn (push_pull (h, in), original));

  flush (h);
  fail_unless (push_pull (h, new_frame (h, 1)).bytes == original.bytes, "a result survived the flush");

  in = new_frame (h, 2);
  add_result (in, 5, 2);
  fail_unless (label_box_drawn (push_pull (h, in), original));
  fail_unless (gst_harness_push_event (h, gst_event_new_stream_start ("another")));
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless (push_pull (h, new_frame (h, 3)).bytes == original.bytes, "a result survived a new stream");
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_result_events_update_the_state)
{
  GstHarness *h = new_overlay ("BGRx");
  const Frame original = original_frame (h);
  GstBuffer *carrier = gst_buffer_new ();
  add_result (carrier, 4, 2);
  GstEvent *event = dgsct_result_event_new (gst_buffer_get_dgsct_result_meta (carrier));
  gst_buffer_unref (carrier);
  fail_unless (gst_harness_push_event (h, event));
  /* the event passes on */
  GstEvent *out_event;
  bool passed = false;
  while ((out_event = gst_harness_try_pull_event (h))) {
    passed |= gst_event_has_name (out_event, "dgsct-result");
    gst_event_unref (out_event);
  }
  fail_unless (passed, "the dgsct-result event did not pass");
  const Frame out = push_pull (h, new_frame (h, 0));
  fail_unless (label_box_drawn (out, original));
  check_cell (out, 4, 2);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_layers_can_be_switched_off)
{
  GstHarness *h = new_overlay ("BGRx", "show-timeline=false");
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 0, 1);
  Frame out = push_pull (h, in);
  fail_unless (label_box_drawn (out, original));
  check_unchanged_at (out, original, cell_x (0), kCellY);
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "show-label=false");
  in = new_frame (h, 0);
  add_result (in, 0, 1);
  out = push_pull (h, in);
  fail_if (label_box_drawn (out, original));
  check_cell (out, 0, 1);
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "show-label=false show-timeline=false");
  in = new_frame (h, 0);
  add_result (in, 0, 1);
  fail_unless (push_pull (h, in).bytes == original.bytes);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_font_size_scales_the_label_box)
{
  /* the box's bottom edge: the last changed row of a column through the box's left padding */
  auto box_bottom = [] (const char *properties) {
    GstHarness *h = new_overlay ("BGRx", properties);
    const Frame original = original_frame (h);
    GstBuffer *in = new_frame (h, 0);
    add_result (in, 0, 0);
    const Frame out = push_pull (h, in);
    gst_harness_teardown (h);
    int bottom = -1;
    for (int y = 0; y < kHeight / 2; ++y)
      if (out.at (21, y) != original.at (21, y))
        bottom = y;
    return bottom;
  };
  const int automatic = box_bottom (""), big = box_bottom ("font-size=40");
  fail_unless (automatic > 12 && automatic < 40, "auto: box ends at %d", automatic);
  fail_unless (big > 2 * automatic, "font-size=40: box ends at %d, auto at %d", big, automatic);
}
GST_END_TEST;

GST_START_TEST (test_other_formats_are_refused)
{
  GstHarness *h = gst_harness_new ("dgsctoverlay");
  GstCaps *i420 = gst_caps_from_string ("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
  fail_if (gst_pad_query_accept_caps (GST_PAD_PEER (h->srcpad), i420));
  gst_harness_set_src_caps (h, i420);
  GstBuffer *buffer = gst_harness_create_buffer (h, 320 * 240 * 3 / 2);
  fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_blends_where_it_is_set)
{
  GstHarness *h = new_overlay (kFormats[__i__], "mask-outline=false");
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_left_half_mask (in);
  check_left_half_mask (push_pull (h, in), original, 0.45, false);
  gst_harness_teardown (h);

  /* the outline: the boundary inside the frame only, not along the frame's edges */
  h = new_overlay (kFormats[__i__]);
  in = new_frame (h, 0);
  add_left_half_mask (in);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, (std::string ("overlay-mask-") + kFormats[__i__]).c_str ());
  check_left_half_mask (out, original, 0.45, true);
  if (g_str_equal (kFormats[__i__], "BGRA"))
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x)
        fail_unless_equals_int (out.alpha (x, y), 255);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_alpha_and_colour)
{
  GstHarness *h = new_overlay ("BGRx", "mask-alpha=0 mask-outline=false");
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_left_half_mask (in);
  fail_unless (push_pull (h, in).bytes == original.bytes, "mask-alpha=0 changed the frame");
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "mask-alpha=0");
  in = new_frame (h, 0);
  add_left_half_mask (in);
  check_left_half_mask (push_pull (h, in), original, 0, true);
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "mask-alpha=1 mask-color=0xff0000 mask-outline=false");
  in = new_frame (h, 0);
  add_left_half_mask (in);
  const Frame out = push_pull (h, in);
  fail_unless (out.at (80, 120) == (dgsct::Rgb {255, 0, 0}));
  check_unchanged_at (out, original, 240, 120);
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "show-mask=false");
  in = new_frame (h, 0);
  add_left_half_mask (in);
  fail_unless (push_pull (h, in).bytes == original.bytes, "show-mask=false drew the mask");
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_sticks_until_a_flush)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_left_half_mask (in);
  const Frame first = push_pull (h, in);
  for (guint n = 1; n < 3; ++n)
    fail_unless (push_pull (h, new_frame (h, n)).bytes == first.bytes, "frame %u lost the mask", n);

  flush (h);
  fail_unless (push_pull (h, new_frame (h, 3)).bytes == original.bytes, "the mask survived the flush");
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_mask_events_and_results_together)
{
  GstHarness *h = new_overlay ("BGRx");
  const Frame original = original_frame (h);
  GstBuffer *carrier = gst_buffer_new ();
  add_left_half_mask (carrier, 2);
  fail_unless (gst_harness_push_event (h, dgsct_mask_event_new (gst_buffer_get_dgsct_mask_meta (carrier))));
  gst_buffer_unref (carrier);
  check_left_half_mask (push_pull (h, new_frame (h, 0)), original, 0.45, true);

  /* a result and a mask on one frame: both drawn, the mask under the label box and timeline */
  GstBuffer *in = new_frame (h, 1);
  add_result (in, 3, 1);
  add_left_half_mask (in, 3);
  const Frame out = push_pull (h, in);
  fail_unless (blended (out.at (80, 120), original.at (80, 120), kMaskColour, 0.45));
  check_unchanged_at (out, original, 240, 120);
  check_cell (out, 3, 1);
  fail_unless (out.at (7, 7) != original.at (7, 7), "no label box");
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_parsing_draws_three_rows)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_parsing (in, 0);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, (std::string ("overlay-parsing-") + kFormats[__i__]).c_str ());
  /* one box from the top-left margin, three rows of text high (a label box is one row) */
  const auto boxes = boxes_at_left (out, original);
  fail_unless_equals_int (boxes.size (), 1);
  fail_unless_equals_int (boxes[0].first, 6);
  fail_unless (boxes[0].second - boxes[0].first > 40, "box rows %d-%d", boxes[0].first, boxes[0].second);
  /* text inside it, the rest untouched; the following frames keep it */
  bool text = false;
  for (int x = 10; x < 100; ++x)
    text |= out.at (x, 14) != original.at (x, 14) && !darkened (out, original, x, 14);
  fail_unless (text, "no text in the first row");
  check_unchanged_at (out, original, kWidth / 2, kHeight / 2);
  check_unchanged_at (out, original, cell_x (0), kCellY);
  fail_unless (push_pull (h, new_frame (h, 1)).bytes == out.bytes, "the rows did not stick");
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_parsing_rows_go_under_the_label_and_can_be_switched_off)
{
  GstHarness *h = new_overlay ("BGRx");
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 0, 1);
  add_parsing (in, 0);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, "overlay-label-and-parsing");
  /* the label box, a gap, the rows box */
  const auto boxes = boxes_at_left (out, original);
  fail_unless_equals_int (boxes.size (), 2);
  fail_unless_equals_int (boxes[0].first, 6);
  fail_unless (boxes[1].first > boxes[0].second + 1);
  fail_unless (boxes[1].second - boxes[1].first > 2 * (boxes[0].second - boxes[0].first));
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "show-parsing=false show-timeline=false show-label=false");
  in = new_frame (h, 0);
  add_result (in, 0, 1);
  add_parsing (in, 0);
  fail_unless (push_pull (h, in).bytes == original.bytes);
  gst_harness_teardown (h);
}
GST_END_TEST;

/* A custom event carrying a result decided after the last frame (@event, named @name) passes
 * downstream, its result is drawn on the next frame in one box, and a flush clears it. */
static void check_event_is_drawn_until_a_flush (GstHarness * h, GstEvent * event, const char *name)
{
  const Frame original = original_frame (h);
  fail_unless (gst_harness_push_event (h, event));
  GstEvent *out_event;
  bool passed = false;
  while ((out_event = gst_harness_try_pull_event (h))) {
    passed |= gst_event_has_name (out_event, name);
    gst_event_unref (out_event);
  }
  fail_unless (passed, "the %s event did not pass", name);
  fail_unless_equals_int (boxes_at_left (push_pull (h, new_frame (h, 0)), original).size (), 1);
  flush (h);
  fail_unless (push_pull (h, new_frame (h, 1)).bytes == original.bytes, "the %s result survived the flush", name);
}

GST_START_TEST (test_parsing_events_update_the_state_and_flushes_clear_it)
{
  GstHarness *h = new_overlay ("BGRx");
  GstBuffer *carrier = gst_buffer_new ();
  add_parsing (carrier, 4);
  check_event_is_drawn_until_a_flush (h, dgsct_parsing_event_new (gst_buffer_get_dgsct_parsing_meta (carrier)),
      "dgsct-parsing");
  gst_buffer_unref (carrier);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_answer_draws_question_and_answer_rows)
{
  GstHarness *h = new_overlay (kFormats[__i__]);
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_answer (in, 9);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, (std::string ("overlay-answer-") + kFormats[__i__]).c_str ());
  /* one box from the top-left margin, with text in its first row; the rest untouched */
  const auto boxes = boxes_at_left (out, original);
  fail_unless_equals_int (boxes.size (), 1);
  fail_unless_equals_int (boxes[0].first, 6);
  bool text = false;
  for (int x = 10; x < 100; ++x)
    text |= out.at (x, 14) != original.at (x, 14) && !darkened (out, original, x, 14);
  fail_unless (text, "no text in the first row");
  check_unchanged_at (out, original, kWidth / 2, kHeight / 2);
  check_unchanged_at (out, original, cell_x (0), kCellY);
  /* it sticks, until a new answer redraws it */
  fail_unless (push_pull (h, new_frame (h, 1)).bytes == out.bytes, "the answer did not stick");
  GstBuffer *next = new_frame (h, 2);
  add_answer (next, 10, "cello", 0.3f);
  const Frame redrawn = push_pull (h, next);
  fail_unless (redrawn.bytes != out.bytes, "a new answer left the drawing as it was");
  fail_unless_equals_int (boxes_at_left (redrawn, original).size (), 1);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_answer_rows_go_under_the_others_and_can_be_switched_off)
{
  GstHarness *h = new_overlay ("BGRx");
  const Frame original = original_frame (h);
  GstBuffer *in = new_frame (h, 0);
  add_result (in, 9, 1);
  add_parsing (in, 9);
  add_answer (in, 9);
  const Frame out = push_pull (h, in);
  maybe_write_png (out, "overlay-label-parsing-answer");
  /* the label box (one row), the parsing rows (three), the answer rows (two), top to bottom */
  const auto boxes = boxes_at_left (out, original);
  fail_unless_equals_int (boxes.size (), 3);
  const auto height = [&] (int i) { return boxes[i].second - boxes[i].first; };
  fail_unless (boxes[2].first > boxes[1].second + 1);
  fail_unless (height (0) < height (2) && height (2) < height (1), "box heights %d, %d, %d", height (0), height (1),
      height (2));
  /* the question is longer than the frame is wide: shortened, the box ends inside the frame */
  check_unchanged_at (out, original, kWidth - 3, (boxes[2].first + boxes[2].second) / 2);
  gst_harness_teardown (h);

  /* show-answer=false: the same frame without the answer rows */
  h = new_overlay ("BGRx", "show-answer=false");
  in = new_frame (h, 0);
  add_result (in, 9, 1);
  add_parsing (in, 9);
  add_answer (in, 9);
  const Frame without = push_pull (h, in);
  fail_unless (without.bytes != out.bytes);
  fail_unless_equals_int (boxes_at_left (without, original).size (), 2);
  gst_harness_teardown (h);

  h = new_overlay ("BGRx", "show-answer=false");
  in = new_frame (h, 0);
  add_answer (in, 9);
  fail_unless (push_pull (h, in).bytes == original.bytes);
  gst_harness_teardown (h);
}
GST_END_TEST;

GST_START_TEST (test_answer_events_update_the_state_and_flushes_clear_it)
{
  GstHarness *h = new_overlay ("BGRx");
  GstBuffer *carrier = gst_buffer_new ();
  add_answer (carrier, 9);
  check_event_is_drawn_until_a_flush (h, dgsct_answer_event_new (gst_buffer_get_dgsct_answer_meta (carrier)),
      "dgsct-answer");
  gst_buffer_unref (carrier);
  gst_harness_teardown (h);
}
GST_END_TEST;

static Suite *dgsctoverlay_suite (void)
{
  Suite *s = suite_create ("dgsctoverlay");
  TCase *tc = tcase_create ("harness");
  suite_add_tcase (s, tc);
  const int formats = G_N_ELEMENTS (kFormats);
  tcase_add_loop_test (tc, test_frames_before_any_result_pass_unchanged, 0, formats);
  tcase_add_loop_test (tc, test_result_draws_label_and_timeline_cell, 0, formats);
  tcase_add_loop_test (tc, test_labels_have_distinct_colours, 0, formats);
  tcase_add_loop_test (tc, test_result_sticks_to_following_frames, 0, formats);
  tcase_add_test (tc, test_timeline_scrolls_and_keeps_the_first_result);
  tcase_add_loop_test (tc, test_flush_and_new_stream_clear_the_state, 0, formats);
  tcase_add_test (tc, test_result_events_update_the_state);
  tcase_add_test (tc, test_layers_can_be_switched_off);
  tcase_add_test (tc, test_font_size_scales_the_label_box);
  tcase_add_test (tc, test_other_formats_are_refused);
  tcase_add_loop_test (tc, test_mask_blends_where_it_is_set, 0, formats);
  tcase_add_test (tc, test_mask_alpha_and_colour);
  tcase_add_loop_test (tc, test_mask_sticks_until_a_flush, 0, formats);
  tcase_add_test (tc, test_mask_events_and_results_together);
  tcase_add_loop_test (tc, test_parsing_draws_three_rows, 0, formats);
  tcase_add_test (tc, test_parsing_rows_go_under_the_label_and_can_be_switched_off);
  tcase_add_test (tc, test_parsing_events_update_the_state_and_flushes_clear_it);
  tcase_add_loop_test (tc, test_answer_draws_question_and_answer_rows, 0, formats);
  tcase_add_test (tc, test_answer_rows_go_under_the_others_and_can_be_switched_off);
  tcase_add_test (tc, test_answer_events_update_the_state_and_flushes_clear_it);
  return s;
}

GST_CHECK_MAIN (dgsctoverlay);
