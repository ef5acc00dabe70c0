/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-parsing-meta
 * @title: DgsctParsingMeta
 * @short_description: the audio, visual and audio-visual events of one segment (AVVP models)
 *
 * With an audio-visual video parsing (AVVP) model, dgsctinfer attaches one #DgsctParsingMeta per
 * analysed segment to the video frame that follows the result. Unlike event localisation, several
 * classes can be present at once and each modality is decided on its own: the meta lists the
 * classes heard in the segment (audio events), those seen (visual events) and those both heard and
 * seen (audio-visual events, the classes of both lists), each as ascending class indices, with the
 * per-class probabilities behind the decisions.
 *
 * |[<!-- language="C" -->
 *   gpointer state = NULL;
 *   GstMeta *meta;
 *   while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_PARSING_META_API_TYPE))) {
 *     DgsctParsingMeta *p = (DgsctParsingMeta *) meta;
 *     guint n;
 *     const guint *heard = dgsct_parsing_meta_get_events (p, DGSCT_MODALITY_AUDIO, &n);
 *     for (guint i = 0; i < n; i++)
 *       g_print ("segment %" G_GUINT64_FORMAT ": %s heard (%.2f)\n", p->segment_index,
 *           dgsct_parsing_meta_get_name (p, heard[i]), p->audio_prob[heard[i]]);
 *   }
 * ]|
 *
 * The meta describes a time span, not pixels: copies and every transform (videoconvert, videoscale)
 * keep it unchanged.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * DgsctModality:
 * @DGSCT_MODALITY_AUDIO: the class is heard in the segment ("audio")
 * @DGSCT_MODALITY_VISUAL: the class is seen in the segment ("visual")
 * @DGSCT_MODALITY_AUDIO_VISUAL: the class is both heard and seen in the segment ("audio-visual")
 *
 * The modalities an AVVP model decides separately; their names (dgsct_modality_get_name()) are the
 * values of the `modality` field of dgsctinfer's `dgsct-event` messages.
 */
typedef enum {
  DGSCT_MODALITY_AUDIO = 0,
  DGSCT_MODALITY_VISUAL = 1,
  DGSCT_MODALITY_AUDIO_VISUAL = 2,
} DgsctModality;

/* The number of #DgsctModality values. */
#define DGSCT_N_MODALITIES 3

/* "audio", "visual" or "audio-visual"; NULL for any other value. */
const gchar *dgsct_modality_get_name (DgsctModality modality);
/* The modality of that name; FALSE when @name is none of them. */
gboolean dgsct_modality_from_name (const gchar * name, DgsctModality * modality);

/**
 * DgsctParsingMeta:
 * @meta: parent
 * @segment_index: the #DgsctSegmentMeta index this result is for
 * @start: running time of the segment's start
 * @end: running time of the segment's end
 * @n_classes: the model's number of classes (no background class: absence is the empty list)
 * @class_quarks: @n_classes class names as quarks; owned by the meta
 * @n_events: per #DgsctModality, the length of @events
 * @events: per #DgsctModality, the classes with an event in the segment, ascending; owned by the meta
 * @audio_prob: @n_classes probabilities that the class is heard in the segment; owned by the meta
 * @visual_prob: @n_classes probabilities that the class is seen in the segment; owned by the meta
 * @video_prob: @n_classes probabilities that the class occurs in the segment's window at all (the
 *   model's video-level prediction; an event needs its class there); owned by the meta
 */
typedef struct {
  GstMeta meta;
  guint64 segment_index;
  GstClockTime start, end;
  guint n_classes;
  GQuark *class_quarks;
  guint n_events[DGSCT_N_MODALITIES];
  guint *events[DGSCT_N_MODALITIES];
  gfloat *audio_prob, *visual_prob, *video_prob;
} DgsctParsingMeta;

GType dgsct_parsing_meta_api_get_type (void);
#define DGSCT_PARSING_META_API_TYPE (dgsct_parsing_meta_api_get_type ())
const GstMetaInfo *dgsct_parsing_meta_get_info (void);

/* Attaches a segment's parsing result. @audio, @visual and @audio_visual are @n_classes flags
 * (nonzero = the class has an event in that modality), as the model decides them; the meta keeps
 * the flagged classes as index lists. Copies @class_quarks and the three probability arrays (each
 * @n_classes values). */
DgsctParsingMeta *gst_buffer_add_dgsct_parsing_meta (GstBuffer * buffer, guint64 segment_index, GstClockTime start,
    GstClockTime end, guint n_classes, const GQuark * class_quarks, const guint8 * audio, const guint8 * visual,
    const guint8 * audio_visual, const gfloat * audio_prob, const gfloat * visual_prob, const gfloat * video_prob);

/* The classes with an event of @modality, ascending; their number in @n_events (may be NULL). The
 * array belongs to the meta. */
const guint *dgsct_parsing_meta_get_events (const DgsctParsingMeta * meta, DgsctModality modality, guint * n_events);
/* Whether class @class_index has an event of @modality in the segment. */
gboolean dgsct_parsing_meta_has_event (const DgsctParsingMeta * meta, DgsctModality modality, guint class_index);
/* The name of class @class_index (interned, do not free); NULL when out of range. */
const gchar *dgsct_parsing_meta_get_name (const DgsctParsingMeta * meta, guint class_index);
GQuark dgsct_parsing_meta_get_quark (const DgsctParsingMeta * meta, guint class_index);
/* -1 when @quark is none of the classes. */
gint dgsct_parsing_meta_get_index_by_quark (const DgsctParsingMeta * meta, GQuark quark);

/* Parsing results decided after the last video frame travel as serialised custom downstream events
 * "dgsct-parsing", like results (dgsct_result_event_new). dgsct_parsing_event_parse() adds the
 * result of such an event as a meta to @target and returns TRUE; any other event gives FALSE. */
GstEvent *dgsct_parsing_event_new (const DgsctParsingMeta * meta);
gboolean dgsct_parsing_event_parse (GstEvent * event, GstBuffer * target);

#define gst_buffer_get_dgsct_parsing_meta(b) \
  ((DgsctParsingMeta *) gst_buffer_get_meta ((b), DGSCT_PARSING_META_API_TYPE))

G_END_DECLS
