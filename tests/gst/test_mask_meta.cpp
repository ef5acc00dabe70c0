/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DgsctMaskMeta: foreground and bounding box, the RLE, copies through buffer copies, the round trip
 * through a "dgsct-mask" event, and videoconvert ! videoscale rescaling the region and bbox. */
#include "dgsct-mask-meta.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <cmath>
#include <vector>

namespace {

/* 8 x 4 with a 3 x 2 block at (2, 1); any nonzero byte counts as set. */
const guint kWidth = 8, kHeight = 4;
std::vector<guint8> block_mask ()
{
  std::vector<guint8> pixels (kWidth * kHeight, 0);
  for (guint y = 1; y < 3; ++y)
    for (guint x = 2; x < 5; ++x)
      pixels[y * kWidth + x] = y == 1 ? 1 : 255;
  return pixels;
}

void check_rectangle (const GstVideoRectangle & r, gint x, gint y, gint w, gint h)
{
  fail_unless (r.x == x && r.y == y && r.w == w && r.h == h, "(%d, %d, %d, %d), want (%d, %d, %d, %d)", r.x, r.y,
      r.w, r.h, x, y, w, h);
}

/* The block mask on a 320 x 240 frame: mask pixels are 40 x 60 frame pixels. */
const GstVideoRectangle kFrame {0, 0, 320, 240};

DgsctMaskMeta *add_block (GstBuffer * buffer)
{
  const std::vector<guint8> pixels = block_mask ();
  return gst_buffer_add_dgsct_mask_meta (buffer, 5, 5 * GST_SECOND, 6 * GST_SECOND, pixels.data (), kWidth, kHeight,
      &kFrame);
}

void check_block (const DgsctMaskMeta * m)
{
  fail_unless (m != nullptr);
  fail_unless_equals_uint64 (m->segment_index, 5);
  fail_unless_equals_uint64 (m->start, 5 * GST_SECOND);
  fail_unless_equals_uint64 (m->end, 6 * GST_SECOND);
  fail_unless_equals_int (m->width, kWidth);
  fail_unless_equals_int (m->height, kHeight);
  check_rectangle (m->region, 0, 0, 320, 240);
  fail_unless (std::fabs (m->foreground - 6.0f / 32) < 1e-6);
  check_rectangle (m->bbox, 80, 60, 120, 120);
  GstMapInfo map;
  fail_unless (gst_buffer_map (m->mask, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, kWidth * kHeight);
  const std::vector<guint8> pixels = block_mask ();
  for (gsize i = 0; i < map.size; ++i)
    fail_unless_equals_int (map.data[i], pixels[i] ? 255 : 0);
  gst_buffer_unmap (m->mask, &map);
}

}  // namespace

GST_START_TEST (test_foreground_and_bbox)
{
  GstBuffer *buffer = gst_buffer_new ();
  check_block (add_block (buffer));

  /* An offset region whose scale is not whole: (1, 1)..(2, 1) of a 3 x 3 mask on 100 x 50 at
   * (10, 20) covers x 10 + 33.3..100, y 20 + 16.7..33.3: rounded outward. */
  const guint8 corner[9] = { 0, 0, 0, 0, 1, 1, 0, 0, 0 };
  const GstVideoRectangle region {10, 20, 100, 50};
  DgsctMaskMeta *m = gst_buffer_add_dgsct_mask_meta (buffer, 6, 0, 1, corner, 3, 3, &region);
  fail_unless (std::fabs (m->foreground - 2.0f / 9) < 1e-6);
  check_rectangle (m->bbox, 43, 36, 67, 18);

  const std::vector<guint8> empty (kWidth * kHeight, 0);
  m = gst_buffer_add_dgsct_mask_meta (buffer, 7, 0, 1, empty.data (), kWidth, kHeight, &kFrame);
  fail_unless_equals_float (m->foreground, 0.0f);
  check_rectangle (m->bbox, 0, 0, 0, 0);
  gchar *rle = dgsct_mask_meta_to_rle (m);
  fail_unless_equals_string (rle, "32");
  g_free (rle);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_rle_alternates_unset_and_set_runs)
{
  GstBuffer *buffer = gst_buffer_new ();
  gchar *rle = dgsct_mask_meta_to_rle (add_block (buffer));
  /* row 0 and the first 2 of row 1 unset, 3 set, 5 + 2 unset, 3 set, 3 + row 3 unset */
  fail_unless_equals_string (rle, "10 3 5 3 11");
  g_free (rle);

  const guint8 starts_set[4] = { 255, 255, 0, 255 };
  DgsctMaskMeta *m = gst_buffer_add_dgsct_mask_meta (buffer, 0, 0, 1, starts_set, 2, 2, &kFrame);
  rle = dgsct_mask_meta_to_rle (m);
  fail_unless_equals_string (rle, "0 2 1 1");
  g_free (rle);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_copies_and_events_carry_the_whole_mask)
{
  GstBuffer *buffer = gst_buffer_new ();
  DgsctMaskMeta *m = add_block (buffer);
  GstBuffer *copy = gst_buffer_copy (buffer);
  check_block (gst_buffer_get_dgsct_mask_meta (copy));
  fail_unless (gst_buffer_get_dgsct_mask_meta (copy)->mask == m->mask, "the copy should share the mask pixels");

  GstEvent *event = dgsct_mask_event_new (m);
  fail_unless (GST_EVENT_IS_SERIALIZED (event));
  GstBuffer *target = gst_buffer_new ();
  fail_unless (dgsct_mask_event_parse (event, target));
  check_block (gst_buffer_get_dgsct_mask_meta (target));
  GstEvent *eos = gst_event_new_eos ();
  GstEvent *result = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new_empty ("dgsct-result"));
  fail_if (dgsct_mask_event_parse (eos, target));
  fail_if (dgsct_mask_event_parse (result, target));
  fail_unless_equals_int (gst_buffer_get_n_meta (target, DGSCT_MASK_META_API_TYPE), 1);

  gst_event_unref (result);
  gst_event_unref (eos);
  gst_event_unref (event);
  gst_buffer_unref (target);
  gst_buffer_unref (copy);
  gst_buffer_unref (buffer);
}
GST_END_TEST;

GST_START_TEST (test_videoscale_rescales_region_and_bbox)
{
  GstElement *pipeline = gst_parse_launch ("appsrc name=src format=time caps=video/x-raw,format=RGB,width=320,"
      "height=240,framerate=30/1 ! videoconvert ! videoscale ! video/x-raw,width=160,height=120 ! appsink name=sink",
      nullptr);
  fail_unless (pipeline != nullptr);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_ASYNC);

  GstBuffer *frame = gst_buffer_new_allocate (nullptr, 320 * 240 * 3, nullptr);
  gst_buffer_memset (frame, 0, 128, 320 * 240 * 3);
  GST_BUFFER_PTS (frame) = 0;
  GST_BUFFER_DURATION (frame) = GST_SECOND / 30;
  add_block (frame);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src), frame), GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  fail_unless (sample != nullptr);
  GstBuffer *out = gst_sample_get_buffer (sample);
  fail_unless_equals_int (gst_buffer_get_size (out), 160 * 120 * 3);
  const DgsctMaskMeta *m = gst_buffer_get_dgsct_mask_meta (out);
  fail_unless (m != nullptr, "videoconvert ! videoscale dropped the mask");
  fail_unless_equals_int (gst_buffer_get_n_meta (out, DGSCT_MASK_META_API_TYPE), 1);
  check_rectangle (m->region, 0, 0, 160, 120);
  check_rectangle (m->bbox, 40, 30, 60, 60);
  fail_unless_equals_int (m->width, kWidth);
  fail_unless (std::fabs (m->foreground - 6.0f / 32) < 1e-6);
  gst_sample_unref (sample);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}
GST_END_TEST;

static Suite *mask_meta_suite (void)
{
  Suite *s = suite_create ("dgsct-mask-meta");
  TCase *tc = tcase_create ("meta");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_foreground_and_bbox);
  tcase_add_test (tc, test_rle_alternates_unset_and_set_runs);
  tcase_add_test (tc, test_copies_and_events_carry_the_whole_mask);
  tcase_add_test (tc, test_videoscale_rescales_region_and_bbox);
  return s;
}

GST_CHECK_MAIN (mask_meta);
