/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dgsct-tensor-meta.h"

namespace {

gboolean tensor_meta_init (GstMeta * meta, gpointer, GstBuffer *)
{
  auto *t = reinterpret_cast<DgsctTensorMeta *> (meta);
  t->segment_index = 0;
  t->name = nullptr;
  t->n_dims = 0;
  t->data = nullptr;
  return TRUE;
}

void tensor_meta_free (GstMeta * meta, GstBuffer *)
{
  gst_clear_buffer (&reinterpret_cast<DgsctTensorMeta *> (meta)->data);
}

/* The tensor is derived from the segment, not from these pixels: every transform carries it over. */
gboolean tensor_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer *, GQuark, gpointer)
{
  auto *t = reinterpret_cast<DgsctTensorMeta *> (meta);
  return gst_buffer_add_dgsct_tensor_meta (dest, t->segment_index, t->name, t->n_dims, t->dims, t->data) != nullptr;
}

}  // namespace

GType dgsct_tensor_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { nullptr };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, gst_meta_api_type_register ("DgsctTensorMetaAPI", tags));
  return type;
}

const GstMetaInfo *dgsct_tensor_meta_get_info (void)
{
  static const GstMetaInfo *info = nullptr;
  if (g_once_init_enter (&info))
    g_once_init_leave (&info, gst_meta_register (DGSCT_TENSOR_META_API_TYPE, "DgsctTensorMeta",
            sizeof (DgsctTensorMeta), tensor_meta_init, tensor_meta_free, tensor_meta_transform));
  return info;
}

DgsctTensorMeta *gst_buffer_add_dgsct_tensor_meta (GstBuffer * buffer, guint64 segment_index, const gchar * name,
    guint n_dims, const gsize * dims, GstBuffer * data)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer) && n_dims <= 4 && data, nullptr);
  auto *t = reinterpret_cast<DgsctTensorMeta *> (gst_buffer_add_meta (buffer, dgsct_tensor_meta_get_info (), nullptr));
  if (!t)
    return nullptr;
  t->segment_index = segment_index;
  t->name = g_intern_string (name);
  t->n_dims = n_dims;
  for (guint i = 0; i < n_dims; ++i)
    t->dims[i] = dims[i];
  t->data = gst_buffer_ref (data);
  return t;
}

DgsctTensorMeta *dgsct_buffer_find_tensor_meta (GstBuffer * buffer, guint64 segment_index, const gchar * name)
{
  gpointer state = nullptr;
  GstMeta *meta;
  const gchar *interned = g_intern_string (name);
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_TENSOR_META_API_TYPE))) {
    auto *t = reinterpret_cast<DgsctTensorMeta *> (meta);
    if (t->segment_index == segment_index && t->name == interned)
      return t;
  }
  return nullptr;
}
