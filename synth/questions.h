// SPDX-License-Identifier: LGPL-2.1-or-later
// Audio-visual questions about synthetic clips, with their true answers, for AVQA models.
//
// Questions take the official AVQA form (a template with <Object> slots and the values that fill
// them) and use only words of the official question vocabulary
// (model/labels/avqa-question-vocab.txt); answers are words of the official answer list
// (model/labels/avqa-answers.txt). Each class stands for an instrument of both lists with a
// similar sound (instrument_name):
//
//   bell -> xylophone  drum -> drum     siren -> violin   engine -> cello
//   whistle -> flute   buzzer -> bagpipe  rattle -> congas  horn -> trumpet
//
// Three kinds, answered from the clip's scenes:
//   counting   "How many instruments are sounding in the video?"  zero, one, two, ...: the classes
//              audible in at least one segment
//   existence  "Is there a <Object> sounding in the video?"  yes / no: whether the class is audible
//              in at least one segment; the class asked about is chosen so that yes and no are
//              equally likely
//   location   "Where is the <Object> sounding?"  left / middle / right: the third of the frame's
//              width holding the object's mean centre at the middle of the segments where it is
//              seen and heard (asked only when some object is)
//
//   dgsct::synth::World world(7);
//   auto clip = world.clip(3);
//   for (const auto &q : dgsct::synth::questions(clip))
//     ... q.text, q.template_values, q.answer ...
#pragma once

#include "world.h"

#include <string>
#include <vector>

namespace dgsct::synth {

enum class QuestionKind { Counting, Existence, Location };

struct Question {
  QuestionKind kind;
  std::string text;                         // the template, e.g. "Is there a <Object> sounding in the video?"
  std::vector<std::string> template_values; // one per <...> slot of the text, in order
  std::string answer;                       // a word of the official answer list
};

// The instrument that class `k` of World::class_names() stands for in questions and answers.
const std::string &instrument_name(int k);

// Questions about `clip`, with their true answers: a counting and an existence question, and a
// location question when some object is seen while it sounds. Deterministic in the clip, so in
// the world's seed and the clip's index.
std::vector<Question> questions(const Clip &clip);

} // namespace dgsct::synth
