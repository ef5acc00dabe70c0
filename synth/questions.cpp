// SPDX-License-Identifier: LGPL-2.1-or-later
// Questions about synthetic clips (see questions.h).
#include "questions.h"

#include <optional>
#include <stdexcept>

namespace dgsct::synth {
namespace {

// Clip::random streams, one per choice.
enum Stream : uint64_t { kExistenceAnswer = 1, kExistenceClass, kLocationClass };

const char *const kNumbers[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};

int pick(const Clip &clip, Stream stream, const std::vector<int> &pool) {
  return pool[clip.random(stream) % pool.size()];
}

bool heard(const Clip &clip, int k) {
  for (const auto &scene : clip.scenes())
    if (scene.audible[k])
      return true;
  return false;
}

// The segments where class k's object is both seen and heard.
std::vector<int> sounding_on_screen(const Clip &clip, int k) {
  std::vector<int> segments;
  for (int s = 0; s < clip.segments(); ++s)
    if (clip.scenes()[s].visible[k] && clip.scenes()[s].audible[k])
      segments.push_back(s);
  return segments;
}

Question counting(const Clip &clip) {
  int count = 0;
  for (int k = 0; k < clip.classes(); ++k)
    count += heard(clip, k);
  return {QuestionKind::Counting, "How many instruments are sounding in the video?", {}, kNumbers[count]};
}

Question existence(const Clip &clip) {
  std::vector<int> present, absent;
  for (int k = 0; k < clip.classes(); ++k)
    (heard(clip, k) ? present : absent).push_back(k);
  // A fair coin decides the answer, then the class asked about is drawn among those that give it.
  const bool yes = absent.empty() || (!present.empty() && clip.random(kExistenceAnswer) % 2 == 0);
  const int k = pick(clip, kExistenceClass, yes ? present : absent);
  return {QuestionKind::Existence, "Is there a <Object> sounding in the video?", {instrument_name(k)}, yes ? "yes" : "no"};
}

std::optional<Question> location(const Clip &clip) {
  std::vector<int> candidates;
  for (int k = 0; k < clip.classes(); ++k)
    if (!sounding_on_screen(clip, k).empty())
      candidates.push_back(k);
  if (candidates.empty())
    return std::nullopt;
  const int k = pick(clip, kLocationClass, candidates);
  const auto segments = sounding_on_screen(clip, k);
  double x = 0;
  for (int s : segments)
    x += clip.object_position(k, s + 0.5).x / static_cast<double>(segments.size());
  const char *answer = x < 1.0 / 3 ? "left" : x < 2.0 / 3 ? "middle" : "right";
  return Question{QuestionKind::Location, "Where is the <Object> sounding?", {instrument_name(k)}, answer};
}

} // namespace

const std::string &instrument_name(int k) {
  // Same order as World::class_names(): bell, drum, siren, engine, whistle, buzzer, rattle, horn.
  static const std::vector<std::string> names = {"xylophone", "drum", "violin", "cello", "flute", "bagpipe", "congas", "trumpet"};
  if (k < 0 || k >= static_cast<int>(names.size()) || names.size() != World::class_names().size())
    throw std::invalid_argument("synth: no instrument for class " + std::to_string(k));
  return names[k];
}

std::vector<Question> questions(const Clip &clip) {
  std::vector<Question> out = {counting(clip), existence(clip)};
  if (auto q = location(clip))
    out.push_back(*q);
  return out;
}

} // namespace dgsct::synth
