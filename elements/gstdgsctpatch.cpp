/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctpatch
 * @title: dgsctpatch
 * @short_description: the DG-SCT input tensor of each segment's key frame
 *
 * For every #DgsctSegmentMeta on a video buffer, dgsctpatch turns the segment's key frame into the
 * model's visual input: RGB, squashed to #GstDgsctPatch:size x size (bicubic, no antialiasing, as
 * the official code), divided by 255 and normalised with #GstDgsctPatch:mean and
 * #GstDgsctPatch:std. It attaches the result as a #DgsctTensorMeta named `dgsct/frame`,
 * [3, size, size], which dgsctinfer then uses. Video passes through unchanged. With
 * #GstDgsctPatch:model, size, mean and std are the model file's.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! s.video audiotestsrc num-buffers=100 ! audioconvert ! \
 *     audioresample ! s.audio dgsctsync name=s ! dgsctpatch size=192 ! fakesink
 * ]|
 */
#include "gstdgsctpatch.h"

#include "dgsct-segment-meta.h"
#include "dgsct-tensor-meta.h"
#include "dgsct/frontend.h"
#include "dgsct/safetensors.h"
#include "support.h"

GST_DEBUG_CATEGORY_STATIC (dgsct_patch_debug);
#define GST_CAT_DEFAULT dgsct_patch_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SIZE,
  PROP_MEAN,
  PROP_STD,
};

struct PatchSettings {
  std::string model;
  dgsct::VideoInput video {192, {0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
};

struct _GstDgsctPatch {
  GstBaseTransform parent;
  PatchSettings *settings;  /* under the object lock */
  dgsct::VideoInput *video; /* in use while started */
};

G_DEFINE_TYPE (GstDgsctPatch, gst_dgsct_patch, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (dgsctpatch, "dgsctpatch", GST_RANK_NONE, GST_TYPE_DGSCT_PATCH);

static GstStaticPadTemplate pad_template_sink = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate pad_template_src = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));

static gboolean gst_dgsct_patch_start (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_PATCH (trans);
  GST_OBJECT_LOCK (self);
  const PatchSettings s = *self->settings;
  GST_OBJECT_UNLOCK (self);
  *self->video = s.video;
  if (s.model.empty ())
    return TRUE;
  try {
    const std::string path = dgsct::gst::resolve_model (s.model);
    auto file = dgsct::SafetensorsFile::open (path);
    auto config = file->metadata ().find ("dgsct.config");
    if (config == file->metadata ().end ())
      throw dgsct::FileError (path + ": not a dgsct model file (metadata 'dgsct.config' missing)");
    *self->video = dgsct::ModelConfig::parse (config->second, path).video;
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not read the model's frame settings"), ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static GstFlowReturn gst_dgsct_patch_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  auto *self = GST_DGSCT_PATCH (trans);
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_SEGMENT_META_API_TYPE))) {
    auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
    torch::Tensor frame;
    try {
      frame = dgsct::gst::key_frame_rgb (seg->key_frame, seg->key_frame_caps);
    } catch (const std::exception & e) {
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Segment %" G_GUINT64_FORMAT " has no usable key frame", seg->index),
          ("%s", e.what ()));
      continue;
    }
    auto input = dgsct::normalize_frames (frame.unsqueeze (0), *self->video, torch::kCPU).contiguous ();
    GstBuffer *data = gst_buffer_new_memdup (input.data_ptr (), input.nbytes ());
    const gsize dims[3] = { 3, (gsize) self->video->size, (gsize) self->video->size };
    gst_buffer_add_dgsct_tensor_meta (buffer, seg->index, DGSCT_TENSOR_FRAME, 3, dims, data);
    gst_buffer_unref (data);
  }
  return GST_FLOW_OK;
}

static void set_triple (std::vector<double> & out, const GValue * array)
{
  std::vector<double> values;
  for (guint i = 0; i < gst_value_array_get_size (array); ++i)
    values.push_back (g_value_get_double (gst_value_array_get_value (array, i)));
  if (values.size () == 3)
    out = values;
  else
    g_warning ("dgsctpatch: mean and std need 3 values (R, G, B); got %zu", values.size ());
}

static void get_triple (const std::vector<double> & in, GValue * array)
{
  for (double v : in) {
    GValue item = G_VALUE_INIT;
    g_value_init (&item, G_TYPE_DOUBLE);
    g_value_set_double (&item, v);
    gst_value_array_append_value (array, &item);
    g_value_unset (&item);
  }
}

static void gst_dgsct_patch_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_PATCH (object);
  GST_OBJECT_LOCK (self);
  PatchSettings & s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL:
      s.model = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_SIZE: s.video.size = g_value_get_int (value); break;
    case PROP_MEAN: set_triple (s.video.mean, value); break;
    case PROP_STD: set_triple (s.video.std, value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_patch_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_PATCH (object);
  GST_OBJECT_LOCK (self);
  const PatchSettings & s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, s.model.empty () ? nullptr : s.model.c_str ());
      break;
    case PROP_SIZE: g_value_set_int (value, s.video.size); break;
    case PROP_MEAN: get_triple (s.video.mean, value); break;
    case PROP_STD: get_triple (s.video.std, value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_patch_finalize (GObject * object)
{
  auto *self = GST_DGSCT_PATCH (object);
  delete self->settings;
  delete self->video;
  G_OBJECT_CLASS (gst_dgsct_patch_parent_class)->finalize (object);
}

static void gst_dgsct_patch_class_init (GstDgsctPatchClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GST_DEBUG_CATEGORY_INIT (dgsct_patch_debug, "dgsctpatch", 0, "DG-SCT frame input");

  gobject_class->set_property = gst_dgsct_patch_set_property;
  gobject_class->get_property = gst_dgsct_patch_get_property;
  gobject_class->finalize = gst_dgsct_patch_finalize;
  const auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_MODEL, g_param_spec_string ("model", "Model",
          "Take size, mean and std from this model file (or name); the other properties are then not used", nullptr,
          flags));
  g_object_class_install_property (gobject_class, PROP_SIZE, g_param_spec_int ("size", "Size",
          "Side of the square input the key frame is squashed to", 16, 4096, 192, flags));
  g_object_class_install_property (gobject_class, PROP_MEAN, gst_param_spec_array ("mean", "Mean",
          "Per-channel (R, G, B) mean subtracted after /255, e.g. \"<0.485, 0.456, 0.406>\"",
          g_param_spec_double ("value", "Value", "A channel's value", -10, 10, 0, G_PARAM_READWRITE), flags));
  g_object_class_install_property (gobject_class, PROP_STD, gst_param_spec_array ("std", "Standard deviation",
          "Per-channel (R, G, B) divisor after the mean, e.g. \"<0.229, 0.224, 0.225>\"",
          g_param_spec_double ("value", "Value", "A channel's value", 1e-6, 10, 1, G_PARAM_READWRITE), flags));

  gst_element_class_add_static_pad_template (element_class, &pad_template_sink);
  gst_element_class_add_static_pad_template (element_class, &pad_template_src);
  gst_element_class_set_static_metadata (element_class, "DG-SCT frame input", "Filter/Analyzer/Video",
      "Attaches the DG-SCT input tensor of each segment's key frame", "dgsct-gst developers");
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_dgsct_patch_transform_ip);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_dgsct_patch_start);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void gst_dgsct_patch_init (GstDgsctPatch * self)
{
  self->settings = new PatchSettings ();
  self->video = new dgsct::VideoInput ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
