/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-mask-meta
 * @title: DgsctMaskMeta
 * @short_description: the sounding object's mask for one segment, as dgsctinfer attaches it with an AVS model
 *
 * With an audio-visual segmentation (AVS) model, dgsctinfer attaches one #DgsctMaskMeta per analysed
 * segment to the video frame that follows the result. It is shaped like GStreamer's segmentation
 * metadata: a GRAY8 mask buffer with its own size (the model's output, e.g. 224 x 224), the
 * rectangle of the frame it maps to (the whole frame: the model squashes frames without cropping),
 * the foreground fraction and the foreground's bounding box in frame pixels. Scaling elements
 * (videoscale, videoconvertscale) rescale @region and @bbox; the mask buffer is left as it is.
 *
 * |[<!-- language="C" -->
 *   DgsctMaskMeta *m = gst_buffer_get_dgsct_mask_meta (buffer);
 *   if (m) {
 *     GstMapInfo map;
 *     gst_buffer_map (m->mask, &map, GST_MAP_READ);
 *     // map.data[y * m->width + x] is 255 where the sounding object is, 0 elsewhere;
 *     // mask pixel (x, y) covers frame pixel (region.x + x * region.w / width, region.y + y * region.h / height)
 *     gst_buffer_unmap (m->mask, &map);
 *   }
 * ]|
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * DgsctMaskMeta:
 * @meta: parent
 * @segment_index: the #DgsctSegmentMeta index this mask is for
 * @start: running time of the segment's start
 * @end: running time of the segment's end
 * @mask: GRAY8 pixels, @width x @height, rows packed (stride = @width); 255 = sounding object, 0 = not
 * @width: mask width
 * @height: mask height
 * @region: the rectangle of the frame, in frame pixels, that the mask covers
 * @foreground: fraction of mask pixels that are set
 * @bbox: bounding box of the set pixels, in frame pixels (w = h = 0 when none is set)
 */
typedef struct {
  GstMeta meta;
  guint64 segment_index;
  GstClockTime start, end;
  GstBuffer *mask;
  guint width, height;
  GstVideoRectangle region;
  gfloat foreground;
  GstVideoRectangle bbox;
} DgsctMaskMeta;

GType dgsct_mask_meta_api_get_type (void);
#define DGSCT_MASK_META_API_TYPE (dgsct_mask_meta_api_get_type ())
const GstMetaInfo *dgsct_mask_meta_get_info (void);

/* Attaches a mask made from @pixels (@width x @height bytes, nonzero = set) covering @region of the
 * frame; computes @foreground and @bbox. */
DgsctMaskMeta *gst_buffer_add_dgsct_mask_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, const guint8 * pixels, guint width, guint height, const GstVideoRectangle * region);

/* Run-length encoding of the mask in row-major order, alternating runs of unset and set pixels and
 * starting with unset (the first run may be 0), like COCO's uncompressed RLE but row-major:
 * "0 5 3 ..." for 0 unset, 5 set, 3 unset... Free with g_free(). */
gchar *dgsct_mask_meta_to_rle (const DgsctMaskMeta * meta);

/* Masks decided after the last video frame travel as serialised custom downstream events
 * "dgsct-mask", like results (dgsct_result_event_new). dgsct_mask_event_parse() adds the mask of
 * such an event as a meta to @target and returns TRUE; any other event gives FALSE. */
GstEvent *dgsct_mask_event_new (const DgsctMaskMeta * meta);
gboolean dgsct_mask_event_parse (GstEvent * event, GstBuffer * target);

#define gst_buffer_get_dgsct_mask_meta(b) \
  ((DgsctMaskMeta *) gst_buffer_get_meta ((b), DGSCT_MASK_META_API_TYPE))

G_END_DECLS
