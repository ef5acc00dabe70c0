/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctmel
 * @title: dgsctmel
 * @short_description: the DG-SCT log-mel front end for each segment
 *
 * For every #DgsctSegmentMeta on a video buffer, dgsctmel computes the model's log-mel spectrogram
 * of the segment's audio (each segment tiled #GstDgsctMel:tiles times, reflect-padded STFT with a
 * periodic Hann window, power, Slaney mel filterbank, 10*log10) and attaches it as a
 * #DgsctTensorMeta named `dgsct/log-mel`, [1, frames, mel bins], which dgsctinfer then uses.
 * Video passes through unchanged.
 *
 * The properties default to the paper's values. With #GstDgsctMel:model the front end is the
 * model file's own (its configuration and its stored STFT kernels and mel matrix, which some
 * tasks fine-tuned) and the other properties are not used.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=90 ! s.video audiotestsrc num-buffers=100 ! audioconvert ! \
 *     audioresample ! s.audio dgsctsync name=s ! dgsctmel ! fakesink
 * ]|
 */
#include "gstdgsctmel.h"

#include "dgsct-segment-meta.h"
#include "dgsct-tensor-meta.h"
#include "dgsct/frontend.h"
#include "support.h"

#include <optional>

GST_DEBUG_CATEGORY_STATIC (dgsct_mel_debug);
#define GST_CAT_DEFAULT dgsct_mel_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SAMPLE_RATE,
  PROP_TILES,
  PROP_N_FFT,
  PROP_HOP,
  PROP_MEL_BINS,
  PROP_FMIN,
  PROP_FMAX,
};

struct MelSettings {
  std::string model;
  int sample_rate = 32000, tiles = 10, n_fft = 1024, hop = 320, mel_bins = 64;
  double fmin = 50, fmax = 14000;
};

struct _GstDgsctMel {
  GstBaseTransform parent;
  MelSettings *settings;  /* under the object lock */
  std::optional<dgsct::LogMel> *log_mel;
};

G_DEFINE_TYPE (GstDgsctMel, gst_dgsct_mel, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE (dgsctmel, "dgsctmel", GST_RANK_NONE, GST_TYPE_DGSCT_MEL);

static GstStaticPadTemplate pad_template_sink = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate pad_template_src = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));

static gboolean gst_dgsct_mel_start (GstBaseTransform * trans)
{
  auto *self = GST_DGSCT_MEL (trans);
  GST_OBJECT_LOCK (self);
  const MelSettings s = *self->settings;
  GST_OBJECT_UNLOCK (self);
  try {
    if (!s.model.empty ()) {
      const std::string path = dgsct::gst::resolve_model (s.model);
      self->log_mel->emplace (dgsct::LogMel::from_model_file (path));
    } else {
      auto [real, imag] = dgsct::stft_kernels (s.n_fft);
      const dgsct::AudioInput audio {s.sample_rate, s.sample_rate, s.tiles};
      self->log_mel->emplace (real, imag, dgsct::slaney_mel_filters (s.sample_rate, s.n_fft, s.mel_bins, s.fmin, s.fmax),
          s.hop, audio);
    }
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not set up the log-mel front end"), ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

static gboolean gst_dgsct_mel_stop (GstBaseTransform * trans)
{
  GST_DGSCT_MEL (trans)->log_mel->reset ();
  return TRUE;
}

static GstFlowReturn gst_dgsct_mel_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  auto *self = GST_DGSCT_MEL (trans);
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_SEGMENT_META_API_TYPE))) {
    auto *seg = reinterpret_cast<DgsctSegmentMeta *> (meta);
    GstMapInfo map;
    if (!gst_buffer_map (seg->audio, &map, GST_MAP_READ))
      continue;
    const int64_t samples = map.size / sizeof (float);
    const dgsct::AudioInput & want = (*self->log_mel)->audio ();
    if ((int) seg->sample_rate != want.sample_rate || samples != want.segment_samples) {
      gst_buffer_unmap (seg->audio, &map);
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("Segment %" G_GUINT64_FORMAT " does not fit the front end", seg->index),
          ("%" G_GINT64_FORMAT " samples at %u Hz, expected %d at %d Hz", samples, seg->sample_rate,
              want.segment_samples, want.sample_rate));
      continue;
    }
    auto wave = torch::from_blob (map.data, {1, samples}, torch::kFloat32);
    auto log_mel = (**self->log_mel) (wave).contiguous ();  /* [1, 1, frames, mels] */
    gst_buffer_unmap (seg->audio, &map);
    GstBuffer *data = gst_buffer_new_memdup (log_mel.data_ptr (), log_mel.nbytes ());
    const gsize dims[3] = { 1, (gsize) log_mel.size (2), (gsize) log_mel.size (3) };
    gst_buffer_add_dgsct_tensor_meta (buffer, seg->index, DGSCT_TENSOR_LOG_MEL, 3, dims, data);
    gst_buffer_unref (data);
  }
  return GST_FLOW_OK;
}

static void gst_dgsct_mel_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_MEL (object);
  GST_OBJECT_LOCK (self);
  MelSettings & s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL:
      s.model = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_SAMPLE_RATE: s.sample_rate = g_value_get_int (value); break;
    case PROP_TILES: s.tiles = g_value_get_int (value); break;
    case PROP_N_FFT: s.n_fft = g_value_get_int (value); break;
    case PROP_HOP: s.hop = g_value_get_int (value); break;
    case PROP_MEL_BINS: s.mel_bins = g_value_get_int (value); break;
    case PROP_FMIN: s.fmin = g_value_get_double (value); break;
    case PROP_FMAX: s.fmax = g_value_get_double (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_mel_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  auto *self = GST_DGSCT_MEL (object);
  GST_OBJECT_LOCK (self);
  const MelSettings & s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, s.model.empty () ? nullptr : s.model.c_str ());
      break;
    case PROP_SAMPLE_RATE: g_value_set_int (value, s.sample_rate); break;
    case PROP_TILES: g_value_set_int (value, s.tiles); break;
    case PROP_N_FFT: g_value_set_int (value, s.n_fft); break;
    case PROP_HOP: g_value_set_int (value, s.hop); break;
    case PROP_MEL_BINS: g_value_set_int (value, s.mel_bins); break;
    case PROP_FMIN: g_value_set_double (value, s.fmin); break;
    case PROP_FMAX: g_value_set_double (value, s.fmax); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK (self);
}

static void gst_dgsct_mel_finalize (GObject * object)
{
  auto *self = GST_DGSCT_MEL (object);
  delete self->settings;
  delete self->log_mel;
  G_OBJECT_CLASS (gst_dgsct_mel_parent_class)->finalize (object);
}

static void gst_dgsct_mel_class_init (GstDgsctMelClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  auto *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GST_DEBUG_CATEGORY_INIT (dgsct_mel_debug, "dgsctmel", 0, "DG-SCT log-mel front end");

  gobject_class->set_property = gst_dgsct_mel_set_property;
  gobject_class->get_property = gst_dgsct_mel_get_property;
  gobject_class->finalize = gst_dgsct_mel_finalize;
  const MelSettings d;
  const auto flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_MODEL, g_param_spec_string ("model", "Model",
          "Take the front end from this model file (or name); the other properties are then not used", nullptr, flags));
  g_object_class_install_property (gobject_class, PROP_SAMPLE_RATE, g_param_spec_int ("sample-rate", "Sample rate",
          "Rate of the segments' audio (Hz); one segment is one second", 8000, 192000, d.sample_rate, flags));
  g_object_class_install_property (gobject_class, PROP_TILES, g_param_spec_int ("tiles", "Tiles",
          "Times each segment is repeated before the STFT (10 for AVE/AVVP/AVQA, 5 for AVS)", 1, 100, d.tiles, flags));
  g_object_class_install_property (gobject_class, PROP_N_FFT, g_param_spec_int ("n-fft", "FFT size",
          "STFT window and FFT length", 64, 16384, d.n_fft, flags));
  g_object_class_install_property (gobject_class, PROP_HOP, g_param_spec_int ("hop", "Hop",
          "STFT hop in samples", 1, 16384, d.hop, flags));
  g_object_class_install_property (gobject_class, PROP_MEL_BINS, g_param_spec_int ("mel-bins", "Mel bins",
          "Mel filterbank size", 1, 512, d.mel_bins, flags));
  g_object_class_install_property (gobject_class, PROP_FMIN, g_param_spec_double ("fmin", "Lowest frequency",
          "Lower edge of the mel filterbank (Hz)", 0, 96000, d.fmin, flags));
  g_object_class_install_property (gobject_class, PROP_FMAX, g_param_spec_double ("fmax", "Highest frequency",
          "Upper edge of the mel filterbank (Hz)", 1, 96000, d.fmax, flags));

  gst_element_class_add_static_pad_template (element_class, &pad_template_sink);
  gst_element_class_add_static_pad_template (element_class, &pad_template_src);
  gst_element_class_set_static_metadata (element_class, "DG-SCT log-mel", "Filter/Analyzer/Audio",
      "Attaches the DG-SCT log-mel spectrogram of each segment's audio", "dgsct-gst developers");
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_dgsct_mel_transform_ip);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_dgsct_mel_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_dgsct_mel_stop);
  trans_class->passthrough_on_same_caps = FALSE;
}

static void gst_dgsct_mel_init (GstDgsctMel * self)
{
  self->settings = new MelSettings ();
  self->log_mel = new std::optional<dgsct::LogMel> ();
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}
