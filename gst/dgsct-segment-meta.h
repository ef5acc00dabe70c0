/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-segment-meta
 * @title: DgsctSegmentMeta
 * @short_description: one audio-visual segment, as cut by dgsctsync
 *
 * dgsctsync cuts the running time into segments of `segment-duration` and attaches one
 * #DgsctSegmentMeta per segment to the first video frame at or after the segment's end. The meta
 * carries the segment's audio (mono F32 at the model's rate) and its key frame, so the elements
 * downstream (and applications) can analyse the segment without any other state:
 *
 * |[<!-- language="C" -->
 *   gpointer state = NULL;
 *   GstMeta *meta;
 *   while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_SEGMENT_META_API_TYPE))) {
 *     DgsctSegmentMeta *seg = (DgsctSegmentMeta *) meta;
 *     g_print ("segment %" G_GUINT64_FORMAT ": %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT "%s\n",
 *         seg->index, GST_TIME_ARGS (seg->start), GST_TIME_ARGS (seg->end),
 *         (seg->flags & DGSCT_SEGMENT_FLAG_AUDIO_MISSING) ? " (silence filled)" : "");
 *   }
 * ]|
 *
 * The meta has no tags: it survives videoconvert, videoscale and copies unchanged (the key frame
 * it references is its own buffer).
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * DgsctSegmentFlags:
 * @DGSCT_SEGMENT_FLAG_NONE: a complete segment with audio and at least one frame
 * @DGSCT_SEGMENT_FLAG_AUDIO_MISSING: some of the segment's audio never arrived and was filled with silence
 * @DGSCT_SEGMENT_FLAG_FRAME_REUSED: no frame fell inside the segment; the key frame is the last frame before it
 * @DGSCT_SEGMENT_FLAG_PARTIAL: the stream ended inside the segment (last segment at EOS)
 */
typedef enum {
  DGSCT_SEGMENT_FLAG_NONE = 0,
  DGSCT_SEGMENT_FLAG_AUDIO_MISSING = 1 << 0,
  DGSCT_SEGMENT_FLAG_FRAME_REUSED = 1 << 1,
  DGSCT_SEGMENT_FLAG_PARTIAL = 1 << 2,
} DgsctSegmentFlags;

/**
 * DgsctSegmentMeta:
 * @meta: parent
 * @index: segment number since the stream (or the last flush) started
 * @start: running time of the segment's start
 * @end: running time of the segment's end (start + segment-duration)
 * @stream_start: stream time of the start (GST_CLOCK_TIME_NONE when unknown)
 * @stream_end: stream time of the end
 * @audio: the segment's audio, interleaved mono F32 (native endianness), @sample_rate Hz
 * @sample_rate: rate of @audio
 * @key_frame: the segment's key frame (a reference to a frame that passed through)
 * @key_frame_caps: caps of @key_frame
 * @flags: #DgsctSegmentFlags
 */
typedef struct {
  GstMeta meta;
  guint64 index;
  GstClockTime start, end;
  GstClockTime stream_start, stream_end;
  GstBuffer *audio;
  guint sample_rate;
  GstBuffer *key_frame;
  GstCaps *key_frame_caps;
  DgsctSegmentFlags flags;
} DgsctSegmentMeta;

GType dgsct_segment_meta_api_get_type (void);
#define DGSCT_SEGMENT_META_API_TYPE (dgsct_segment_meta_api_get_type ())

const GstMetaInfo *dgsct_segment_meta_get_info (void);
#define DGSCT_SEGMENT_META_INFO (dgsct_segment_meta_get_info ())

/* Takes new references to @audio, @key_frame and @key_frame_caps. */
DgsctSegmentMeta *gst_buffer_add_dgsct_segment_meta (GstBuffer * buffer, guint64 index,
    GstClockTime start, GstClockTime end, GstClockTime stream_start, GstClockTime stream_end,
    GstBuffer * audio, guint sample_rate, GstBuffer * key_frame, GstCaps * key_frame_caps,
    DgsctSegmentFlags flags);

/* The first segment meta of @buffer, or NULL; use gst_buffer_iterate_meta_filtered() for all. */
#define gst_buffer_get_dgsct_segment_meta(b) \
  ((DgsctSegmentMeta *) gst_buffer_get_meta ((b), DGSCT_SEGMENT_META_API_TYPE))

G_END_DECLS
