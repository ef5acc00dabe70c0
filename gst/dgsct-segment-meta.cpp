/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-segment-meta.h"

namespace {

gboolean segment_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
  seg->index = 0;
  seg->start = seg->end = seg->stream_start = seg->stream_end = GST_CLOCK_TIME_NONE;
  seg->audio = nullptr;
  seg->sample_rate = 0;
  seg->key_frame = nullptr;
  seg->key_frame_caps = nullptr;
  seg->flags = DGSCT_SEGMENT_FLAG_NONE;
  return TRUE;
}

void segment_meta_free (GstMeta * meta, GstBuffer *)
{
  auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
  gst_clear_buffer (&seg->audio);
  gst_clear_buffer (&seg->key_frame);
  gst_clear_caps (&seg->key_frame_caps);
}

/* The meta describes a time span and owns its data, so every transform (copy, scale, convert)
 * carries it over unchanged. */
gboolean segment_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
  return gst_buffer_add_dgsct_segment_meta (dest, seg->index, seg->start, seg->end, seg->stream_start,
      seg->stream_end, seg->audio, seg->sample_rate, seg->key_frame, seg->key_frame_caps, seg->flags) != nullptr;
}

}  // namespace

GType dgsct_segment_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctSegmentMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_segment_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_SEGMENT_META_API_TYPE, "DgsctSegmentMeta",
            sizeof (DgsctSegmentMeta), segment_meta_init, segment_meta_free, segment_meta_transform));
  return info;
}

DgsctSegmentMeta *gst_buffer_add_dgsct_segment_meta (GstBuffer * buffer, guint64 index, GstClockTime start,
    GstClockTime end, GstClockTime stream_start, GstClockTime stream_end, GstBuffer * audio, guint sample_rate,
    GstBuffer * key_frame, GstCaps * key_frame_caps, DgsctSegmentFlags flags)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), nullptr);
  auto *seg = reinterpret_cast<DgsctSegmentMeta *> (gst_buffer_add_meta (buffer, DGSCT_SEGMENT_META_INFO, nullptr));
  if (!seg)
    return nullptr;
  seg->index = index;
  seg->start = start;
  seg->end = end;
  seg->stream_start = stream_start;
  seg->stream_end = stream_end;
  seg->audio = audio ? gst_buffer_ref (audio) : nullptr;
  seg->sample_rate = sample_rate;
  seg->key_frame = key_frame ? gst_buffer_ref (key_frame) : nullptr;
  seg->key_frame_caps = key_frame_caps ? gst_caps_ref (key_frame_caps) : nullptr;
  seg->flags = flags;
  return seg;
}
