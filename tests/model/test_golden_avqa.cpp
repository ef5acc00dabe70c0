// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden parity of the AVQA model on ../shared/reference/avqa-small: every tap within its budget
// (the training-only match branch included), the answer identical, the head alone on the
// reference's own encoder outputs, the streaming split equal to the whole-clip run, and the
// official question tokenisation.
#include "avqa_net.h"
#include "dgsct/frontend.h"
#include "dgsct/golden.h"
#include "dgsct/model.h"
#include "question.h"
#include "support.h"
#include "weights.h"

#include <algorithm>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using dgsct::test::reference;

namespace {

const char *kFolder = "avqa-small";

std::shared_ptr<const dgsct::SafetensorsFile> reference_file(const std::string &name) {
  return dgsct::SafetensorsFile::open(reference(kFolder) + "/" + name);
}

torch::Tensor input(const std::string &key) { return dgsct::to_tensor(reference_file("input.safetensors")->at(key)); }

double rel(const torch::Tensor &a, const torch::Tensor &b) { return ((a - b).abs().max() / b.abs().max()).item<double>(); }

dgsct::AvqaNet load_net() {
  const auto config = dgsct::ModelConfig::preset(kFolder);
  dgsct::AvqaNet net(config);
  dgsct::load_state(*net, *reference_file("weights.safetensors"), dgsct::unused_keys(config));
  net->place(torch::kCPU, torch::kFloat32);
  return net;
}

struct Run {
  dgsct::AvqaNet net{nullptr};
  torch::Tensor frames, audio, question;
  dgsct::Taps taps;
  dgsct::QaSegments segments;
  dgsct::AnswerOutputs out;
};

// One fp32 run of the official forward's every branch, shared by the tests.
Run &run() {
  static std::unique_ptr<Run> r;
  if (!r) {
    r = std::make_unique<Run>();
    r->net = load_net();
    r->frames = input("frames_u8");
    r->audio = input("audio");
    r->question = input("question");
    torch::NoGradGuard no_grad;
    r->segments = r->net->encode(r->frames, r->audio, &r->taps);
    auto q = r->net->encode_question(r->question, &r->taps);
    r->out = r->net->head(r->segments.audio.unsqueeze(0), r->segments.grounded.unsqueeze(0), q, &r->taps);
    r->net->match(r->segments, &r->taps);
    const auto negative = dgsct::normalize_frames(input("frames_neg_u8"), r->net->config.video, torch::kCPU);
    r->net->match_negative(negative, r->segments.audio, &r->taps);
  }
  return *r;
}

std::string label_dir() {
  const char *presets = std::getenv("DGSCT_PRESET_PATH");
  return std::string(presets ? presets : ".") + "/../labels";
}

} // namespace

TEST(AvqaGolden, EveryTapWithinItsBudget) {
  auto &r = run();
  const auto dir = reference(kFolder);
  auto report = dgsct::compare_taps(r.taps.values(), *reference_file("taps.safetensors"),
                                    dgsct::read_budgets(dir + "/tolerances.json"));
  EXPECT_EQ(report.taps.size(), 368u);
  int passed = 0;
  const dgsct::TapCheck *closest = nullptr;
  for (const auto &tap : report.taps) {
    EXPECT_TRUE(tap.skipped.empty()) << tap.name << ": " << tap.skipped;
    EXPECT_TRUE(tap.produced) << tap.name << " not produced";
    EXPECT_TRUE(!tap.produced || tap.ok) << tap.name << ": " << tap.error << " > " << tap.budget;
    passed += tap.ok;
    if (tap.produced && !tap.exact && (!closest || tap.error / tap.budget > closest->error / closest->budget))
      closest = &tap;
  }
  ASSERT_NE(closest, nullptr);
  std::printf("avqa-small: %d of %zu taps within budget; closest to its budget: %s (%.3g of %.3g, %.0f%%)\n", passed,
              report.taps.size(), closest->name.c_str(), closest->error, closest->budget, 100 * closest->error / closest->budget);
}

TEST(AvqaGolden, AnswerIdentical) {
  auto &r = run();
  auto expected = dgsct::to_tensor(reference_file("decoded.safetensors")->at("answer_index"));
  EXPECT_TRUE(torch::equal(r.out.answer, expected)) << r.out.answer << " vs " << expected;
  std::ifstream in(label_dir() + "/avqa-answers.txt");
  std::vector<std::string> answers;
  for (std::string line; std::getline(in, line);)
    answers.push_back(line);
  ASSERT_EQ(answers.size(), 42u);
  EXPECT_EQ(answers.at(r.out.answer.item<int64_t>()), "ten");
}

TEST(AvqaGolden, HeadAloneOnTheReferenceEncoderOutputs) {
  // The reference's own final visual tokens and pooled audio through our head: every tap from there
  // on within its budget, independently of the encoder.
  auto net = load_net();
  auto taps_file = reference_file("taps.safetensors");
  const auto tap = [&](const std::string &name) { return dgsct::to_tensor(taps_file->at(name)); };
  dgsct::Taps taps;
  torch::NoGradGuard no_grad;
  auto segments = net->project(tap("fwd.f_v@L500"), tap("fwd.f_a@L515"), &taps);
  auto q = net->encode_question(input("question"), &taps);
  net->head(segments.audio.unsqueeze(0), segments.grounded.unsqueeze(0), q, &taps);
  net->match(segments, &taps);
  auto report = dgsct::compare_taps(taps.values(), *taps_file, dgsct::read_budgets(reference(kFolder) + "/tolerances.json"));
  int compared = 0;
  for (const auto &check : report.taps) {
    if (!check.produced)
      continue;
    ++compared;
    EXPECT_TRUE(check.ok) << check.name << ": " << check.error << " > " << check.budget;
  }
  EXPECT_EQ(compared, 53); // 15 grounding, 3 audio projection, 10 question, 19 head, 6 match
}

TEST(AvqaGolden, StreamingSplitEqualsWholeClip) {
  // Each segment encoded alone, the question once, then the head on the window (spec 9.1).
  auto &r = run();
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> audio, grounded;
  for (int64_t s = 0; s < r.frames.size(0); ++s) {
    auto one = r.net->encode(r.frames.narrow(0, s, 1), r.audio.narrow(0, s, 1));
    audio.push_back(one.audio);
    grounded.push_back(one.grounded);
  }
  auto q = r.net->encode_question(r.question);
  auto out = r.net->head(torch::cat(audio).unsqueeze(0), torch::cat(grounded).unsqueeze(0), q);
  const auto budgets = dgsct::read_budgets(reference(kFolder) + "/tolerances.json");
  EXPECT_LE(rel(out.logits, r.out.logits), budgets.at("output.out_qa") / 10);
  EXPECT_TRUE(torch::equal(out.answer, r.out.answer));
  // The head is a set function of its segments: their order does not matter.
  auto order = torch::tensor(std::vector<int64_t>{3, 9, 0, 5, 1, 8, 2, 7, 4, 6});
  auto shuffled = r.net->head(torch::cat(audio).index_select(0, order).unsqueeze(0),
                              torch::cat(grounded).index_select(0, order).unsqueeze(0), q);
  EXPECT_LE(rel(shuffled.logits, r.out.logits), budgets.at("output.out_qa") / 10);
  // A batch of two questions over the same window answers each as alone.
  auto two = r.net->head(torch::cat(audio).unsqueeze(0).expand({2, -1, -1}), torch::cat(grounded).unsqueeze(0).expand({2, -1, -1}),
                         torch::cat({q, q}));
  EXPECT_LE(rel(two.logits[1], r.out.logits[0]), budgets.at("output.out_qa") / 10);
  EXPECT_THROW(r.net->head(torch::cat(audio), torch::cat(grounded), q), std::invalid_argument);
}

TEST(AvqaGolden, LoadsWithExactlyTheUnusedKeysOfTheReadme) {
  const auto config = dgsct::ModelConfig::preset(kFolder);
  dgsct::AvqaNetImpl net(config);
  auto accepted = dgsct::load_state(net, *reference_file("weights.safetensors"), dgsct::unused_keys(config));
  std::sort(accepted.begin(), accepted.end());
  EXPECT_EQ(accepted, (std::vector<std::string>{"fc_a1_pure.bias", "fc_a1_pure.weight", "fc_a2_pure.bias", "fc_a2_pure.weight",
                                                "htsat.norm.bias", "htsat.norm.weight", "norm3.bias", "norm3.weight"}));
  // Our keys come in the official order (the file's order without the unused keys).
  std::vector<std::string> official;
  auto file = reference_file("weights.safetensors");
  for (const auto &entry : file->tensors())
    if (!std::binary_search(accepted.begin(), accepted.end(), entry.name))
      official.push_back(entry.name);
  std::vector<std::string> ours;
  for (const auto &kv : dgsct::state_dict(net))
    ours.push_back(kv.first);
  EXPECT_EQ(ours, official);
}

TEST(AvqaQuestion, TheReferenceQuestionTokenisesToItsIds) {
  auto vocabulary = dgsct::QuestionVocabulary::from_file(label_dir() + "/avqa-question-vocab.txt");
  EXPECT_EQ(vocabulary.size(), 93u);
  auto file = reference_file("input.safetensors");
  const auto &meta = file->metadata();
  auto values = dgsct::parse_template_values(meta.at("templ_values"));
  EXPECT_EQ(values, (std::vector<std::string>{"before", "violin"}));
  auto q = dgsct::tokenize_question(meta.at("question_text"), values, vocabulary, 14);
  EXPECT_TRUE(q.ok());
  EXPECT_EQ(q.words, nlohmann::json::parse(meta.at("question_words")).get<std::vector<std::string>>());
  EXPECT_EQ(q.ids, (std::vector<int64_t>{45, 12, 83, 47, 84, 7, 41, 0, 0, 0, 0, 0, 0, 0}));
  auto ids = input("question");
  EXPECT_TRUE(torch::equal(torch::tensor(q.ids).unsqueeze(0), ids));
  // The shipped vocabulary is the reference's.
  auto shipped = dgsct::QuestionVocabulary::from_file(reference("labels") + "/avqa-question-vocab.txt");
  EXPECT_EQ(vocabulary.words(), shipped.words());
}

TEST(AvqaQuestion, OfficialQuirksAndUnknownWords) {
  auto vocabulary = dgsct::QuestionVocabulary::from_file(label_dir() + "/avqa-question-vocab.txt");
  // Case-sensitive, no punctuation handling but the last character; a final template slot keeps its
  // substitution; trailing whitespace goes first.
  auto q = dgsct::tokenize_question("Is the <Object> louder than the <Object>? \n", {"violin", "piano"}, vocabulary, 14);
  EXPECT_EQ(q.words[2], "violin");
  EXPECT_EQ(q.words[6], "piano");
  EXPECT_EQ(q.words.size(), 14u);
  EXPECT_TRUE(q.ok()) << q.unknown.front();
  // Unknown words are reported in order (and given the <pad> id).
  auto bad = dgsct::tokenize_question("Is the zither louder than the theremin?", {}, vocabulary, 14);
  EXPECT_EQ(bad.unknown, (std::vector<std::string>{"zither", "theremin"}));
  EXPECT_EQ(bad.ids[2], 0);
  // Split on single spaces: a double space gives an empty word, which is not in the vocabulary.
  auto spaced = dgsct::tokenize_question("Is the  violin playing?", {}, vocabulary, 14);
  EXPECT_EQ(spaced.unknown, std::vector<std::string>{""});
  // Longer questions are kept whole.
  auto longer = dgsct::tokenize_question("How many How many How many How many How many How many How many How?", {}, vocabulary, 14);
  EXPECT_EQ(longer.ids.size(), 15u);
  EXPECT_THROW(dgsct::tokenize_question("Is the <Object> louder than the <Object>?", {"violin"}, vocabulary, 14),
               std::invalid_argument);
  EXPECT_EQ(dgsct::parse_template_values("['acoustic_guitar', 'left']"), (std::vector<std::string>{"acoustic_guitar", "left"}));
  EXPECT_EQ(dgsct::parse_template_values("[]"), std::vector<std::string>{});
  EXPECT_THROW(dgsct::parse_template_values("violin"), std::invalid_argument);
}

TEST(AvqaModel, AnswersTheReferenceQuestionThroughThePublicApi) {
  // Model (weights, vocabulary, question text) equals the reference's answer; a question with words
  // outside the vocabulary is refused naming them; the model file keeps the vocabulary.
  auto model = dgsct::Model::from_weights(dgsct::ModelConfig::preset("avqa-small"), reference("avqa-small") + "/weights.safetensors",
                                          dgsct::Model::read_labels(label_dir() + "/avqa-answers.txt"));
  model->set_question_vocabulary(dgsct::Model::read_labels(label_dir() + "/avqa-question-vocab.txt"));
  auto window = model->encode(input("frames_u8"), input("audio"));
  const std::string question = "Which instrument makes sounds <BA> the <Object>?";
  auto result = model->answer(window, question, {"before", "violin"});
  auto decoded = dgsct::to_tensor(dgsct::SafetensorsFile::open(reference("avqa-small") + "/decoded.safetensors")->at("answer_index"));
  EXPECT_EQ(result.answer, decoded.item<int64_t>());
  EXPECT_EQ(model->label_name(result.answer), "ten");
  ASSERT_EQ(result.answer_probs.size(), 42u);
  EXPECT_NEAR(std::accumulate(result.answer_probs.begin(), result.answer_probs.end(), 0.0), 1.0, 1e-5);

  EXPECT_EQ(model->unknown_words("Is the zebra louder than the robot?"), (std::vector<std::string>{"zebra", "robot"}));
  EXPECT_TRUE(model->unknown_words("Is the tuba louder than the piano?").empty());
  try {
    model->answer(window, "Is the zebra playing?");
    FAIL() << "an unknown word was accepted";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("'zebra'"), std::string::npos) << e.what();
  }

  const auto path = dgsct::test::scratch("avqa-small.safetensors");
  model->save(path);
  auto loaded = dgsct::Model::load(path);
  std::remove(path.c_str());
  EXPECT_EQ(loaded->question_vocabulary(), model->question_vocabulary());
  EXPECT_EQ(loaded->answer(loaded->encode(input("frames_u8"), input("audio")), question, {"before", "violin"}).answer, result.answer);
}
