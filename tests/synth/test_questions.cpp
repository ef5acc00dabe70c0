// SPDX-License-Identifier: LGPL-2.1-or-later
// Questions about synthetic clips: only official vocabulary words and official answers, answers
// true to the scenes (the location to the rendered mask of the sounding object), deterministic,
// and balanced enough to train on.
#include "synth/questions.h"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>

namespace {

using dgsct::synth::Clip;
using dgsct::synth::Question;
using dgsct::synth::QuestionKind;
using dgsct::synth::World;

std::set<std::string> read_lines(const std::string &name) {
  const char *dir = std::getenv("DGSCT_LABELS_DIR");
  const std::string path = std::string(dir ? dir : "model/labels") + "/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::set<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.insert(line);
  return lines;
}

// The official tokenisation's words (model/question.h): split on spaces, the last character (the
// '?') dropped, <...> slots filled in order.
std::vector<std::string> words(const Question &q) {
  std::vector<std::string> out;
  size_t start = 0, value = 0;
  for (;;) {
    const auto space = q.text.find(' ', start);
    std::string word = q.text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (space == std::string::npos)
      word.pop_back();
    if (word.find('<') != std::string::npos)
      word = value < q.template_values.size() ? q.template_values[value++] : "<missing value>";
    out.push_back(word);
    if (space == std::string::npos)
      break;
    start = space + 1;
  }
  EXPECT_EQ(value, q.template_values.size()) << q.text << " leaves template values unused";
  return out;
}

int class_of(const std::string &instrument) {
  for (int k = 0; k < static_cast<int>(World::class_names().size()); ++k)
    if (dgsct::synth::instrument_name(k) == instrument)
      return k;
  ADD_FAILURE() << instrument << " names no class";
  return 0;
}

bool heard(const Clip &clip, int k) {
  for (const auto &scene : clip.scenes())
    if (scene.audible[k])
      return true;
  return false;
}

// Where the rendered sounding mask lies, on average over the middles of the segments that have one:
// left, middle or right third of the width.
std::string mask_third(const Clip &clip) {
  constexpr int width = 96, height = 72;
  double sum = 0;
  int frames = 0;
  std::vector<uint8_t> mask(width * height);
  for (int s = 0; s < clip.segments(); ++s) {
    clip.render_sounding_mask(s + 0.5, width, height, mask.data());
    double x = 0, n = 0;
    for (int i = 0; i < width * height; ++i)
      if (mask[i]) {
        x += (i % width + 0.5) / width;
        ++n;
      }
    if (n > 0) {
      sum += x / n;
      ++frames;
    }
  }
  const double x = sum / frames;
  return x < 1.0 / 3 ? "left" : x < 2.0 / 3 ? "middle" : "right";
}

} // namespace

TEST(Questions, UseOnlyOfficialWordsAndAnswers) {
  const auto vocabulary = read_lines("avqa-question-vocab.txt"), answers = read_lines("avqa-answers.txt");
  ASSERT_EQ(vocabulary.size(), 93u);
  ASSERT_EQ(answers.size(), 42u);
  std::set<std::string> instruments;
  for (size_t k = 0; k < World::class_names().size(); ++k) {
    const auto &name = dgsct::synth::instrument_name(static_cast<int>(k));
    EXPECT_TRUE(vocabulary.count(name) && answers.count(name)) << name;
    instruments.insert(name);
  }
  EXPECT_EQ(instruments.size(), World::class_names().size()) << "two classes share an instrument";

  dgsct::synth::WorldOptions every_class;
  every_class.classes = static_cast<int>(World::class_names().size());
  const World world(11, every_class);
  for (uint64_t i = 0; i < 200; ++i)
    for (const auto &q : dgsct::synth::questions(world.clip(i))) {
      for (const auto &word : words(q))
        EXPECT_TRUE(vocabulary.count(word)) << "'" << word << "' of '" << q.text << "' is not in the vocabulary";
      EXPECT_TRUE(answers.count(q.answer)) << q.answer;
    }
}

TEST(Questions, AnswersAreTrueToTheScenes) {
  const World world(5);
  int located = 0;
  for (uint64_t i = 0; i < 40; ++i) {
    const Clip clip = world.clip(i);
    int sounding = 0;
    for (int k = 0; k < clip.classes(); ++k)
      sounding += heard(clip, k);
    const auto qs = dgsct::synth::questions(clip);
    ASSERT_GE(qs.size(), 2u);
    for (const auto &q : qs)
      switch (q.kind) {
      case QuestionKind::Counting: {
        const char *numbers[] = {"zero", "one", "two", "three", "four", "five", "six"};
        EXPECT_EQ(q.answer, numbers[sounding]) << "clip " << i;
        break;
      }
      case QuestionKind::Existence:
        ASSERT_EQ(q.template_values.size(), 1u);
        EXPECT_EQ(q.answer, heard(clip, class_of(q.template_values[0])) ? "yes" : "no") << "clip " << i;
        break;
      case QuestionKind::Location:
        // The world shows and plays only its event object at once: the object asked about is the
        // one the sounding mask covers.
        ASSERT_EQ(q.template_values.size(), 1u);
        EXPECT_EQ(class_of(q.template_values[0]), clip.event_class());
        EXPECT_EQ(q.answer, mask_third(clip)) << "clip " << i;
        ++located;
        break;
      }
  }
  EXPECT_GT(located, 30) << "most clips have an event to locate";
}

TEST(Questions, AHandMadeSceneGetsTheObviousAnswers) {
  // Class 1 seen and heard in segments 0-2, class 3 heard only in segment 5, class 4 seen only.
  std::vector<dgsct::synth::SegmentScene> scenes(10, {std::vector<bool>(6, false), std::vector<bool>(6, false)});
  for (int s = 0; s < 3; ++s)
    scenes[s].visible[1] = scenes[s].audible[1] = true;
  scenes[5].audible[3] = true;
  scenes[7].visible[4] = true;
  const Clip clip(99, 1, scenes, 6);
  const auto qs = dgsct::synth::questions(clip);
  ASSERT_EQ(qs.size(), 3u);
  EXPECT_EQ(qs[0].answer, "two");
  EXPECT_EQ(qs[1].answer, heard(clip, class_of(qs[1].template_values[0])) ? "yes" : "no");
  EXPECT_EQ(qs[2].template_values, std::vector<std::string>{"drum"});
  EXPECT_EQ(qs[2].answer, mask_third(clip));
}

TEST(Questions, AreDeterministicAndBalanced) {
  const World world(3), again(3);
  std::map<std::string, int> existence, location, counting;
  constexpr int clips = 400;
  for (uint64_t i = 0; i < clips; ++i) {
    const auto qs = dgsct::synth::questions(world.clip(i)), same = dgsct::synth::questions(again.clip(i));
    ASSERT_EQ(qs.size(), same.size());
    for (size_t j = 0; j < qs.size(); ++j) {
      EXPECT_EQ(qs[j].template_values, same[j].template_values);
      EXPECT_EQ(qs[j].answer, same[j].answer);
      auto &tally = qs[j].kind == QuestionKind::Counting ? counting : qs[j].kind == QuestionKind::Existence ? existence : location;
      ++tally[qs[j].answer];
    }
  }
  std::string summary;
  for (const auto *tally : {&counting, &existence, &location})
    for (const auto &kv : *tally)
      summary += kv.first + " " + std::to_string(kv.second) + "  ";
  std::printf("answers over %d clips: %s\n", clips, summary.c_str());
  EXPECT_NEAR(existence["yes"], clips / 2, clips / 10);
  for (const char *where : {"left", "middle", "right"})
    EXPECT_GT(location[where], clips / 10) << where;
  EXPECT_EQ(counting.size() >= 3, true) << "counting answers should vary";
}
