/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-tensor-meta
 * @title: DgsctTensorMeta
 * @short_description: a prepared model input of one segment
 *
 * dgsctmel and dgsctpatch prepare the model's inputs of each segment ahead of dgsctinfer and
 * attach them to the buffer that carries the segment's #DgsctSegmentMeta:
 *
 * - `dgsct/log-mel`: F32 [1, frames, mel bins], the segment's tiled log-mel spectrogram (dB);
 * - `dgsct/frame`: F32 [3, size, size], the key frame resized and normalised.
 *
 * An application may attach the same way:
 *
 * - `dgsct/clip`: F32 [clip feature size] (512 for R(2+1)D-18), the segment's clip feature that an
 *   audio-visual video parsing (AVVP) model needs, computed outside the model (for example the
 *   precomputed features distributed with a dataset, or a model file without a clip encoder).
 *
 * dgsctinfer uses them when present instead of preparing the inputs itself.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define DGSCT_TENSOR_LOG_MEL "dgsct/log-mel"
#define DGSCT_TENSOR_FRAME "dgsct/frame"
#define DGSCT_TENSOR_CLIP "dgsct/clip"

/**
 * DgsctTensorMeta:
 * @meta: parent
 * @segment_index: the #DgsctSegmentMeta this input belongs to
 * @name: what the tensor is, e.g. %DGSCT_TENSOR_LOG_MEL (interned)
 * @n_dims: number of dimensions
 * @dims: sizes, row-major
 * @data: the values, F32 native endianness, contiguous
 */
typedef struct {
  GstMeta meta;
  guint64 segment_index;
  const gchar *name;
  guint n_dims;
  gsize dims[4];
  GstBuffer *data;
} DgsctTensorMeta;

GType dgsct_tensor_meta_api_get_type (void);
#define DGSCT_TENSOR_META_API_TYPE (dgsct_tensor_meta_api_get_type ())
const GstMetaInfo *dgsct_tensor_meta_get_info (void);

/* Takes a new reference to @data. */
DgsctTensorMeta *gst_buffer_add_dgsct_tensor_meta (GstBuffer * buffer, guint64 segment_index, const gchar * name,
    guint n_dims, const gsize * dims, GstBuffer * data);
/* The tensor @name of segment @segment_index on @buffer, or NULL. */
DgsctTensorMeta *dgsct_buffer_find_tensor_meta (GstBuffer * buffer, guint64 segment_index, const gchar * name);

G_END_DECLS
