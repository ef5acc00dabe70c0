/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-dgsctbin
 * @title: dgsctbin
 * @short_description: dgsctsync + dgsctmel + dgsctpatch + dgsctinfer in one element
 *
 * A bin of `dgsctsync ! dgsctmel ! dgsctpatch ! dgsctinfer` with ghost pads `video`, `audio` and
 * `src`. The common properties are properties of the bin (`model` goes to the three elements that
 * need it, so the front end is the model's own); the others remain reachable as `sync::name`,
 * `mel::name`, `patch::name` and `infer::name` (GstChildProxy). An AVQA model's `question` and
 * `answer-interval` are the bin's too; its `ask` action signal is dgsctinfer's (the child `infer`).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! a.video \
 *     audiotestsrc num-buffers=320 ! audioconvert ! audioresample ! a.audio \
 *     dgsctbin name=a model=ave.safetensors ! dgsctjson ! fdsink
 * ]|
 */
#include "gstdgsctbin.h"

#include <utility>
#include <vector>

#include "gstdgsctinfer.h"
#include "gstdgsctmel.h"
#include "gstdgsctpatch.h"
#include "gstdgsctsync.h"

GST_DEBUG_CATEGORY_STATIC (dgsct_bin_debug);
#define GST_CAT_DEFAULT dgsct_bin_debug

struct _GstDgsctBin {
  GstBin parent;
  GstElement *sync, *mel, *patch, *infer;
};

G_DEFINE_TYPE (GstDgsctBin, gst_dgsct_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (dgsctbin, "dgsctbin", GST_RANK_NONE, GST_TYPE_DGSCT_BIN);

/* The forwarded properties: property id - 1 indexes this table. The first target describes the
 * property and answers reads; writes go to every target. */
enum Target { SYNC = 1, MEL = 2, PATCH = 4, INFER = 8 };
struct Forwarded {
  int targets;
  const char *property;
};
static const Forwarded kForwarded[] = {
  {INFER | MEL | PATCH, "model"}, {INFER, "device"}, {INFER, "precision"}, {INFER, "window"}, {INFER, "window-mode"},
  {INFER, "lookahead"}, {INFER, "post-messages"}, {INFER, "queue-size"}, {INFER, "hold-frames"}, {INFER, "question"},
  {INFER, "answer-interval"}, {INFER, "processed"}, {INFER, "dropped"},
  {SYNC, "segment-duration"}, {SYNC, "key-frame"}, {SYNC, "emit-partial"},
};

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate audio_template = GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/x-raw"));

/* The same property (name, type, range, default, flags) for the bin. */
static GParamSpec *clone_pspec (GParamSpec * p)
{
  const auto flags = (GParamFlags) (p->flags & ~G_PARAM_STATIC_STRINGS);
  const char *name = g_param_spec_get_name (p), *nick = g_param_spec_get_nick (p), *blurb = g_param_spec_get_blurb (p);
  if (G_IS_PARAM_SPEC_STRING (p))
    return g_param_spec_string (name, nick, blurb, G_PARAM_SPEC_STRING (p)->default_value, flags);
  if (G_IS_PARAM_SPEC_BOOLEAN (p))
    return g_param_spec_boolean (name, nick, blurb, G_PARAM_SPEC_BOOLEAN (p)->default_value, flags);
  if (G_IS_PARAM_SPEC_UINT (p)) {
    auto *u = G_PARAM_SPEC_UINT (p);
    return g_param_spec_uint (name, nick, blurb, u->minimum, u->maximum, u->default_value, flags);
  }
  if (G_IS_PARAM_SPEC_UINT64 (p)) {
    auto *u = G_PARAM_SPEC_UINT64 (p);
    return g_param_spec_uint64 (name, nick, blurb, u->minimum, u->maximum, u->default_value, flags);
  }
  if (G_IS_PARAM_SPEC_ENUM (p))
    return g_param_spec_enum (name, nick, blurb, p->value_type, G_PARAM_SPEC_ENUM (p)->default_value, flags);
  g_assert_not_reached ();
  return nullptr;
}

static std::vector<GstElement *> targets (GstDgsctBin * self, guint prop_id)
{
  std::vector<GstElement *> out;
  const int mask = kForwarded[prop_id - 1].targets;
  for (auto [bit, element] : {std::pair<int, GstElement *> {INFER, self->infer}, {SYNC, self->sync}, {MEL, self->mel},
          {PATCH, self->patch}})
    if (mask & bit)
      out.push_back (element);
  return out;
}

static void gst_dgsct_bin_set_property (GObject * object, guint prop_id, const GValue * value, GParamSpec * pspec)
{
  if (prop_id == 0 || prop_id > G_N_ELEMENTS (kForwarded)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  for (GstElement *child : targets (GST_DGSCT_BIN (object), prop_id))
    g_object_set_property (G_OBJECT (child), kForwarded[prop_id - 1].property, value);
}

static void gst_dgsct_bin_get_property (GObject * object, guint prop_id, GValue * value, GParamSpec * pspec)
{
  if (prop_id == 0 || prop_id > G_N_ELEMENTS (kForwarded)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    return;
  }
  g_object_get_property (G_OBJECT (targets (GST_DGSCT_BIN (object), prop_id).front ()), kForwarded[prop_id - 1].property,
      value);
}

static void gst_dgsct_bin_class_init (GstDgsctBinClass * klass)
{
  auto *gobject_class = G_OBJECT_CLASS (klass);
  auto *element_class = GST_ELEMENT_CLASS (klass);
  GST_DEBUG_CATEGORY_INIT (dgsct_bin_debug, "dgsctbin", 0, "DG-SCT bin");

  gobject_class->set_property = gst_dgsct_bin_set_property;
  gobject_class->get_property = gst_dgsct_bin_get_property;
  auto *sync_class = static_cast<GObjectClass *> (g_type_class_ref (GST_TYPE_DGSCT_SYNC));
  auto *infer_class = static_cast<GObjectClass *> (g_type_class_ref (GST_TYPE_DGSCT_INFER));
  for (guint i = 0; i < G_N_ELEMENTS (kForwarded); ++i)
    g_object_class_install_property (gobject_class, i + 1, clone_pspec (g_object_class_find_property (
                (kForwarded[i].targets & INFER) ? infer_class : sync_class, kForwarded[i].property)));
  g_type_class_unref (sync_class);
  g_type_class_unref (infer_class);

  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "DG-SCT analysis bin", "Filter/Analyzer/Audio/Video",
      "Segments audio and video and runs DG-SCT on them (dgsctsync ! dgsctmel ! dgsctpatch ! dgsctinfer)", "dgsct-gst developers");
}

static void ghost (GstDgsctBin * self, const char *name, GstElement * child, const char *child_pad)
{
  GstPad *target = gst_element_get_static_pad (child, child_pad);
  GstPadTemplate *templ = gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), name);
  gst_element_add_pad (GST_ELEMENT (self), gst_ghost_pad_new_from_template (name, target, templ));
  gst_object_unref (target);
}

static void gst_dgsct_bin_init (GstDgsctBin * self)
{
  self->sync = GST_ELEMENT (g_object_new (GST_TYPE_DGSCT_SYNC, "name", "sync", nullptr));
  self->mel = GST_ELEMENT (g_object_new (GST_TYPE_DGSCT_MEL, "name", "mel", nullptr));
  self->patch = GST_ELEMENT (g_object_new (GST_TYPE_DGSCT_PATCH, "name", "patch", nullptr));
  self->infer = GST_ELEMENT (g_object_new (GST_TYPE_DGSCT_INFER, "name", "infer", nullptr));
  gst_bin_add_many (GST_BIN (self), self->sync, self->mel, self->patch, self->infer, nullptr);
  gst_element_link_many (self->sync, self->mel, self->patch, self->infer, nullptr);
  ghost (self, "video", self->sync, "video");
  ghost (self, "audio", self->sync, "audio");
  ghost (self, "src", self->infer, "src");
  /* The children agree from the start: the front end follows dgsctinfer's default model. */
  for (guint i = 0; i < G_N_ELEMENTS (kForwarded); ++i) {
    const auto all = targets (self, i + 1);
    GValue value = G_VALUE_INIT;
    g_object_get_property (G_OBJECT (all.front ()), kForwarded[i].property, &value);
    for (size_t t = 1; t < all.size (); ++t)
      g_object_set_property (G_OBJECT (all[t]), kForwarded[i].property, &value);
    g_value_unset (&value);
  }
}
