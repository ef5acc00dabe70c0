/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:dgsct-answer-meta
 * @title: DgsctAnswerMeta
 * @short_description: the answer to a question over a window of segments (AVQA models)
 *
 * With an audio-visual question answering (AVQA) model and a question (dgsctinfer's `question`
 * property), dgsctinfer answers the question over the window of the latest cached segments and
 * attaches one #DgsctAnswerMeta per answer to the video frame that follows it. An answer is about
 * the whole window, not one segment: the meta carries the question it answers, the answer (an index
 * into the model's answer list and its name), its probability and the five most probable answers,
 * and the window's first and last segment with their running times.
 *
 * |[<!-- language="C" -->
 *   gpointer state = NULL;
 *   GstMeta *meta;
 *   while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state, DGSCT_ANSWER_META_API_TYPE))) {
 *     DgsctAnswerMeta *a = (DgsctAnswerMeta *) meta;
 *     g_print ("%s -> %s (%.2f), segments %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "\n", a->question,
 *         a->answer_name, a->confidence, a->first_index, a->last_index);
 *     for (guint i = 1; i < a->n_top; i++)
 *       g_print ("  or %s (%.2f)\n", a->top_names[i], a->top_probs[i]);
 *   }
 * ]|
 *
 * The meta describes a time span, not pixels: copies and every transform (videoconvert, videoscale)
 * keep it unchanged. dgsct_answer_meta_to_structure() gives it as the `dgsct-answer` structure of
 * dgsctinfer's bus messages and of its `ask` action signal.
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The most probable answers a meta keeps, at most. */
#define DGSCT_ANSWER_TOP 5

/**
 * DgsctAnswerMeta:
 * @meta: parent
 * @question: the question answered; owned by the meta
 * @answer: the answer's index in the model's answer list (@top_answers[0])
 * @answer_name: the answer's name (@top_names[0]); interned, do not free
 * @confidence: the answer's probability (softmax over every answer; @top_probs[0])
 * @n_top: the number of entries of @top_answers, @top_names and @top_probs (1 to #DGSCT_ANSWER_TOP)
 * @top_answers: the most probable answers, most probable first
 * @top_names: their names; interned, do not free
 * @top_probs: their probabilities, descending
 * @first_index: the #DgsctSegmentMeta index of the window's first segment
 * @last_index: the #DgsctSegmentMeta index of the window's last segment
 * @start: running time of the first segment's start
 * @end: running time of the last segment's end
 */
typedef struct {
  GstMeta meta;
  gchar *question;
  gint answer;
  const gchar *answer_name;
  gfloat confidence;
  guint n_top;
  gint top_answers[DGSCT_ANSWER_TOP];
  const gchar *top_names[DGSCT_ANSWER_TOP];
  gfloat top_probs[DGSCT_ANSWER_TOP];
  guint64 first_index, last_index;
  GstClockTime start, end;
} DgsctAnswerMeta;

GType dgsct_answer_meta_api_get_type (void);
#define DGSCT_ANSWER_META_API_TYPE (dgsct_answer_meta_api_get_type ())
const GstMetaInfo *dgsct_answer_meta_get_info (void);

/* Attaches an answer to @question. @top_answers, @top_names and @top_probs are the @n_top (1 to
 * DGSCT_ANSWER_TOP) most probable answers, most probable first: the first is the answer. Copies
 * @question and interns the names. */
DgsctAnswerMeta *gst_buffer_add_dgsct_answer_meta (GstBuffer * buffer, const gchar * question, guint64 first_index,
    guint64 last_index, GstClockTime start, GstClockTime end, guint n_top, const gint * top_answers,
    const gchar * const *top_names, const gfloat * top_probs);

/* The answer as a "dgsct-answer" structure (free with gst_structure_free()): `question` (string),
 * `answer` (gint), `answer-name` (string), `confidence` (gfloat), the most probable answers as three
 * #GstValueArray of equal length, most probable first: `top-answers` (gint), `top-names` (string)
 * and `top-probs` (gfloat); `first-index` and `last-index` (guint64), `start` and `end` (guint64,
 * running time). */
GstStructure *dgsct_answer_meta_to_structure (const DgsctAnswerMeta * meta);

/* Answers decided after the last video frame travel as serialised custom downstream events
 * "dgsct-answer" (the structure of dgsct_answer_meta_to_structure()), like results
 * (dgsct_result_event_new). dgsct_answer_event_parse() adds the answer of such an event as a meta
 * to @target and returns TRUE; any other event gives FALSE. */
GstEvent *dgsct_answer_event_new (const DgsctAnswerMeta * meta);
gboolean dgsct_answer_event_parse (GstEvent * event, GstBuffer * target);

#define gst_buffer_get_dgsct_answer_meta(b) \
  ((DgsctAnswerMeta *) gst_buffer_get_meta ((b), DGSCT_ANSWER_META_API_TYPE))

G_END_DECLS
