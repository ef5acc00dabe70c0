// SPDX-License-Identifier: LGPL-2.1-or-later
#include "question.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace dgsct {

QuestionVocabulary QuestionVocabulary::from_words(std::vector<std::string> words, const std::string &source) {
  if (words.empty() || words[0] != "<pad>")
    throw std::runtime_error(source + ": the first token must be <pad>");
  QuestionVocabulary v;
  for (size_t i = 0; i < words.size(); ++i)
    if (!v.ids_.emplace(words[i], static_cast<int64_t>(i)).second)
      throw std::runtime_error(source + ": token '" + words[i] + "' appears twice");
  v.words_ = std::move(words);
  return v;
}

QuestionVocabulary QuestionVocabulary::from_file(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open the question vocabulary");
  std::vector<std::string> words;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (!line.empty())
      words.push_back(line);
  }
  return from_words(std::move(words), path);
}

int64_t QuestionVocabulary::id(const std::string &word) const {
  auto it = ids_.find(word);
  return it == ids_.end() ? -1 : it->second;
}

TokenizedQuestion tokenize_question(const std::string &question, const std::vector<std::string> &template_values,
                                    const QuestionVocabulary &vocabulary, int length) {
  // Python's str.rstrip(): every trailing whitespace character.
  const auto end = question.find_last_not_of(" \t\n\r\f\v");
  const std::string text = end == std::string::npos ? "" : question.substr(0, end + 1);
  // str.split(' '): single spaces, so two spaces in a row give an empty word.
  TokenizedQuestion out;
  size_t start = 0;
  for (;;) {
    const auto space = text.find(' ', start);
    out.words.push_back(text.substr(start, space == std::string::npos ? std::string::npos : space - start));
    if (space == std::string::npos)
      break;
    start = space + 1;
  }
  // The last character of the last word goes, whatever it is (the '?').
  if (!out.words.back().empty())
    out.words.back().pop_back();
  size_t next_value = 0;
  for (auto &word : out.words)
    if (word.find('<') != std::string::npos) {
      if (next_value >= template_values.size())
        throw std::invalid_argument("question '" + question + "' has more template slots than the " +
                                    std::to_string(template_values.size()) + " template values");
      word = template_values[next_value++];
    }
  while (out.words.size() < static_cast<size_t>(length))
    out.words.push_back("<pad>");
  for (const auto &word : out.words) {
    const int64_t id = vocabulary.id(word);
    if (id < 0)
      out.unknown.push_back(word);
    out.ids.push_back(id < 0 ? 0 : id);
  }
  return out;
}

std::vector<std::string> parse_template_values(const std::string &literal) {
  // Python's repr of a list of strings uses single quotes; they hold no quotes of their own here.
  std::string text = literal;
  if (text.find('"') == std::string::npos)
    for (auto &c : text)
      if (c == '\'')
        c = '"';
  nlohmann::json list;
  try {
    list = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception &) {
    throw std::invalid_argument("template values '" + literal + "' are not a list literal");
  }
  if (!list.is_array())
    throw std::invalid_argument("template values '" + literal + "' are not a list");
  std::vector<std::string> values;
  for (const auto &v : list) {
    if (!v.is_string())
      throw std::invalid_argument("template values '" + literal + "' hold a value that is not a string");
    values.push_back(v.get<std::string>());
  }
  return values;
}

} // namespace dgsct
