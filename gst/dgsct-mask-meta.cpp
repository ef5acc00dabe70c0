/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-mask-meta.h"

#include <algorithm>

namespace {

gboolean mask_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *m = reinterpret_cast<DgsctMaskMeta *> (meta);
  m->segment_index = 0;
  m->start = m->end = GST_CLOCK_TIME_NONE;
  m->mask = nullptr;
  m->width = m->height = 0;
  m->region = GstVideoRectangle {0, 0, 0, 0};
  m->foreground = 0;
  m->bbox = GstVideoRectangle {0, 0, 0, 0};
  return TRUE;
}

void mask_meta_free (GstMeta * meta, GstBuffer *)
{
  auto *m = reinterpret_cast<DgsctMaskMeta *> (meta);
  if (m->mask)
    gst_buffer_unref (m->mask);
}

/* The copy shares the (immutable) mask pixels. */
DgsctMaskMeta *add_copy (GstBuffer * dest, const DgsctMaskMeta * m)
{
  auto *copy = reinterpret_cast<DgsctMaskMeta *> (gst_buffer_add_meta (dest, dgsct_mask_meta_get_info (), nullptr));
  if (!copy)
    return nullptr;
  copy->segment_index = m->segment_index;
  copy->start = m->start;
  copy->end = m->end;
  copy->mask = gst_buffer_ref (m->mask);
  copy->width = m->width;
  copy->height = m->height;
  copy->region = m->region;
  copy->foreground = m->foreground;
  copy->bbox = m->bbox;
  return copy;
}

/* Integer division rounding down, for any sign of `a` (b > 0). */
gint64 floor_div (gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* `r` scaled by num_x / den_x and num_y / den_y, in integers so that exact scales stay exact;
 * `outward` rounds to the smallest rectangle containing the scaled one (so that a bounding box
 * still bounds), otherwise the edges go to the nearest pixel. */
GstVideoRectangle scale_rectangle (const GstVideoRectangle & r, gint num_x, gint den_x, gint num_y, gint den_y,
    bool outward)
{
  auto lo = [outward] (gint64 v, gint64 num, gint64 den) {
    return static_cast<gint> (outward ? floor_div (v * num, den) : floor_div (2 * v * num + den, 2 * den));
  };
  auto hi = [outward] (gint64 v, gint64 num, gint64 den) {
    return static_cast<gint> (outward ? -floor_div (-v * num, den) : floor_div (2 * v * num + den, 2 * den));
  };
  const gint x = lo (r.x, num_x, den_x), y = lo (r.y, num_y, den_y);
  return GstVideoRectangle {x, y, hi (r.x + r.w, num_x, den_x) - x, hi (r.y + r.h, num_y, den_y) - y};
}

gboolean mask_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark type, gpointer data)
{
  auto *m = reinterpret_cast<DgsctMaskMeta *> (meta);
  if (GST_META_TRANSFORM_IS_COPY (type))
    return add_copy (dest, m) != nullptr;
  if (GST_VIDEO_META_TRANSFORM_IS_SCALE (type)) {
    auto *trans = static_cast<GstVideoMetaTransform *> (data);
    const gint in_w = GST_VIDEO_INFO_WIDTH (trans->in_info), in_h = GST_VIDEO_INFO_HEIGHT (trans->in_info);
    if (in_w <= 0 || in_h <= 0)
      return FALSE;
    const gint out_w = GST_VIDEO_INFO_WIDTH (trans->out_info), out_h = GST_VIDEO_INFO_HEIGHT (trans->out_info);
    DgsctMaskMeta *copy = add_copy (dest, m);
    if (!copy)
      return FALSE;
    copy->region = scale_rectangle (m->region, out_w, in_w, out_h, in_h, false);
    if (m->bbox.w > 0 && m->bbox.h > 0)
      copy->bbox = scale_rectangle (m->bbox, out_w, in_w, out_h, in_h, true);
    return TRUE;
  }
  /* Other transforms (e.g. crops) would move the region in ways this meta cannot follow. */
  return FALSE;
}

}  // namespace

GType dgsct_mask_meta_api_get_type (void)
{
  static GType type = 0;
  /* The tags tell videoconvert and videoscale that the meta survives colour conversion and that
   * scaling must transform it (they drop metas with other tags). */
  static const gchar *tags[] = { GST_META_TAG_VIDEO_STR, GST_META_TAG_VIDEO_SIZE_STR, nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctMaskMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_mask_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_MASK_META_API_TYPE, "DgsctMaskMeta", sizeof (DgsctMaskMeta),
            mask_meta_init, mask_meta_free, mask_meta_transform));
  return info;
}

DgsctMaskMeta *gst_buffer_add_dgsct_mask_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, const guint8 * pixels, guint width, guint height, const GstVideoRectangle * region)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  g_return_val_if_fail (pixels != nullptr && width > 0 && height > 0, nullptr);
  g_return_val_if_fail (region != nullptr, nullptr);
  auto *m = reinterpret_cast<DgsctMaskMeta *> (gst_buffer_add_meta (buffer, dgsct_mask_meta_get_info (), nullptr));
  if (!m)
    return nullptr;
  m->segment_index = segment_index;
  m->start = start;
  m->end = end;
  m->width = width;
  m->height = height;
  m->region = *region;

  const gsize size = static_cast<gsize> (width) * height;
  guint8 *mask = static_cast<guint8 *> (g_malloc (size));
  gsize set = 0;
  guint min_x = width, min_y = height, max_x = 0, max_y = 0;
  for (guint y = 0; y < height; ++y)
    for (guint x = 0; x < width; ++x) {
      const gsize i = static_cast<gsize> (y) * width + x;
      mask[i] = pixels[i] ? 255 : 0;
      if (!pixels[i])
        continue;
      ++set;
      min_x = std::min (min_x, x);
      max_x = std::max (max_x, x);
      min_y = std::min (min_y, y);
      max_y = std::max (max_y, y);
    }
  m->mask = gst_buffer_new_wrapped (mask, size);
  m->foreground = static_cast<gfloat> (static_cast<double> (set) / size);
  if (set > 0) {
    /* The union of the set pixels' rectangles in the frame, rounded outward. */
    const GstVideoRectangle pixels_box {static_cast<gint> (min_x), static_cast<gint> (min_y),
        static_cast<gint> (max_x - min_x + 1), static_cast<gint> (max_y - min_y + 1)};
    m->bbox = scale_rectangle (pixels_box, region->w, static_cast<gint> (width), region->h, static_cast<gint> (height),
        true);
    m->bbox.x += region->x;
    m->bbox.y += region->y;
  }
  return m;
}

gchar *dgsct_mask_meta_to_rle (const DgsctMaskMeta * meta)
{
  g_return_val_if_fail (meta != nullptr && meta->mask != nullptr, nullptr);
  GstMapInfo map;
  if (!gst_buffer_map (meta->mask, &map, GST_MAP_READ))
    return nullptr;
  GString *rle = g_string_new (nullptr);
  bool set = false;
  gsize run = 0;
  for (gsize i = 0; i < map.size; ++i) {
    if ((map.data[i] != 0) != set) {
      g_string_append_printf (rle, "%s%" G_GSIZE_FORMAT, rle->len ? " " : "", run);
      set = !set;
      run = 0;
    }
    ++run;
  }
  g_string_append_printf (rle, "%s%" G_GSIZE_FORMAT, rle->len ? " " : "", run);
  gst_buffer_unmap (meta->mask, &map);
  return g_string_free (rle, FALSE);
}

GstEvent *dgsct_mask_event_new (const DgsctMaskMeta * m)
{
  g_return_val_if_fail (m != nullptr && m->mask != nullptr, nullptr);
  GstStructure *s = gst_structure_new ("dgsct-mask", "index", G_TYPE_UINT64, m->segment_index,
      "start", G_TYPE_UINT64, m->start, "end", G_TYPE_UINT64, m->end, "width", G_TYPE_UINT, m->width,
      "height", G_TYPE_UINT, m->height, "region-x", G_TYPE_INT, m->region.x, "region-y", G_TYPE_INT, m->region.y,
      "region-w", G_TYPE_INT, m->region.w, "region-h", G_TYPE_INT, m->region.h, "mask", GST_TYPE_BUFFER, m->mask,
      nullptr);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

gboolean dgsct_mask_event_parse (GstEvent * event, GstBuffer * target)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM || !gst_event_has_name (event, "dgsct-mask"))
    return FALSE;
  const GstStructure *s = gst_event_get_structure (event);
  guint64 index, start, end;
  guint width, height;
  GstVideoRectangle region;
  GstBuffer *mask = nullptr;
  if (!gst_structure_get (s, "index", G_TYPE_UINT64, &index, "start", G_TYPE_UINT64, &start, "end", G_TYPE_UINT64, &end,
          "width", G_TYPE_UINT, &width, "height", G_TYPE_UINT, &height, "region-x", G_TYPE_INT, &region.x,
          "region-y", G_TYPE_INT, &region.y, "region-w", G_TYPE_INT, &region.w, "region-h", G_TYPE_INT, &region.h,
          "mask", GST_TYPE_BUFFER, &mask, nullptr))
    return FALSE;
  GstMapInfo map;
  gst_buffer_map (mask, &map, GST_MAP_READ);
  const gboolean valid = width > 0 && height > 0 && map.size == static_cast<gsize> (width) * height;
  if (valid)
    gst_buffer_add_dgsct_mask_meta (target, index, start, end, map.data, width, height, &region);
  gst_buffer_unmap (mask, &map);
  gst_buffer_unref (mask);
  return valid;
}
