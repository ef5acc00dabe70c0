/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-result-meta
 * @title: DgsctResultMeta
 * @short_description: the model's decision for one segment, as dgsctinfer attaches it
 *
 * dgsctinfer attaches one #DgsctResultMeta per analysed segment to the video frame that follows
 * the result (results arrive after their segment: a segment must end, then be encoded, then the
 * temporal head needs its window). Read them like this:
 *
 * |[<!-- language="C" -->
 *   gpointer state = NULL;
 *   GstMeta *meta;
 *   while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_RESULT_META_API_TYPE))) {
 *     DgsctResultMeta *r = (DgsctResultMeta *) meta;
 *     g_print ("segment %" G_GUINT64_FORMAT ": %s (%.2f)\n", r->segment_index, r->label_name, r->confidence);
 *   }
 * ]|
 *
 * The class distribution is laid out like GStreamer 1.24's classification metadata
 * (GstAnalyticsClsMtd): dgsct_result_meta_get_length(), dgsct_result_meta_get_level(),
 * dgsct_result_meta_get_quark() and dgsct_result_meta_get_index_by_quark() take the same arguments as
 * gst_analytics_cls_mtd_get_length(), _get_level(), _get_quark() and _get_index_by_quark(), so moving
 * to a GstAnalyticsRelationMeta holding one classification per segment is a change of names; the
 * segment's times and index stay with the result.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * DgsctResultMeta:
 * @meta: parent
 * @segment_index: the #DgsctSegmentMeta index this result is for
 * @start: running time of the segment's start
 * @end: running time of the segment's end
 * @label: class index, or @background_label when no event is happening
 * @background_label: the model's background index (its number of classes)
 * @label_name: the class name ("background" for the background label); interned, do not free
 * @confidence: foreground probability x the class's softmax score for events, 1 - foreground probability for background
 * @foreground_prob: sigmoid of the model's is-event logit
 * @n_classes: length of @scores
 * @scores: the window's per-class event scores (logits), owned by the meta
 * @levels: n_classes + 1 confidence levels summing to 1: foreground probability x softmax of @scores
 *   for each class, then 1 - foreground probability for background; owned by the meta
 * @class_quarks: n_classes + 1 class names as quarks, background last; owned by the meta
 */
typedef struct {
  GstMeta meta;
  guint64 segment_index;
  GstClockTime start, end;
  gint label, background_label;
  const gchar *label_name;
  gfloat confidence, foreground_prob;
  guint n_classes;
  gfloat *scores;
  gfloat *levels;
  GQuark *class_quarks;
} DgsctResultMeta;

GType dgsct_result_meta_api_get_type (void);
#define DGSCT_RESULT_META_API_TYPE (dgsct_result_meta_api_get_type ())
const GstMetaInfo *dgsct_result_meta_get_info (void);

/* Copies @scores (n_classes) and @class_quarks (n_classes + 1, background last); computes the levels.
 * The label's name is its quark's. */
DgsctResultMeta *gst_buffer_add_dgsct_result_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, gint label, gint background_label, gfloat confidence, gfloat foreground_prob,
    const gfloat * scores, const GQuark * class_quarks, guint n_classes);

/* The classification view, as GstAnalyticsClsMtd's: n_classes + 1 entries, background last. */
gsize dgsct_result_meta_get_length (const DgsctResultMeta * meta);
gfloat dgsct_result_meta_get_level (const DgsctResultMeta * meta, gsize index);
GQuark dgsct_result_meta_get_quark (const DgsctResultMeta * meta, gsize index);
/* -1 when @quark is none of the classes. */
gint dgsct_result_meta_get_index_by_quark (const DgsctResultMeta * meta, GQuark quark);

/* Results decided after the last video frame (e.g. a clip's window closing at EOS) have no frame
 * to ride on: dgsctinfer sends each as a serialised custom downstream event "dgsct-result" before
 * EOS. dgsct_result_event_parse() adds the result of such an event as a meta to @target and
 * returns TRUE; any other event gives FALSE. */
GstEvent *dgsct_result_event_new (const DgsctResultMeta * result);
gboolean dgsct_result_event_parse (GstEvent * event, GstBuffer * target);

#define gst_buffer_get_dgsct_result_meta(b) \
  ((DgsctResultMeta *) gst_buffer_get_meta ((b), DGSCT_RESULT_META_API_TYPE))

G_END_DECLS
