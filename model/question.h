// SPDX-License-Identifier: LGPL-2.1-or-later
// AVQA questions as the official data loader reads them (spec 12, labels/README.md): the question
// string with its template values -> words -> vocabulary ids, padded to a fixed length. The
// vocabulary (model/labels/avqa-question-vocab.txt) is case-sensitive and has no unknown-word
// token, so words outside it are reported for the caller to refuse the question.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dgsct {

class QuestionVocabulary {
public:
  // Line i (0-based) is token i; index 0 must be <pad>. Throws std::runtime_error naming `source`.
  static QuestionVocabulary from_words(std::vector<std::string> words, const std::string &source = "vocabulary");
  static QuestionVocabulary from_file(const std::string &path);

  // The id of `word`, or -1 when it is not in the vocabulary.
  int64_t id(const std::string &word) const;
  const std::vector<std::string> &words() const { return words_; }
  size_t size() const { return words_.size(); }

private:
  std::vector<std::string> words_;
  std::map<std::string, int64_t> ids_;
};

struct TokenizedQuestion {
  std::vector<std::string> words;   // after template substitution, padded with <pad>
  std::vector<int64_t> ids;         // one per word; 0 (<pad>) where a word is unknown
  std::vector<std::string> unknown; // the words not in the vocabulary, in order (the official code raises on them)
  bool ok() const { return unknown.empty(); }
};

// The official tokenisation (dataloader_avst.py:231-245): trailing whitespace stripped, split on
// single spaces, the last character of the last word dropped (the '?'), every word containing '<'
// replaced left to right by the next template value, padded with <pad> to `length` (a longer
// question is kept whole, not truncated). Throws std::invalid_argument when the question has more
// template slots than values.
TokenizedQuestion tokenize_question(const std::string &question, const std::vector<std::string> &template_values,
                                    const QuestionVocabulary &vocabulary, int length);

// The dataset's `templ_values` field, a list literal such as ["before", "violin"] (JSON, or
// Python's single-quoted form). Throws std::invalid_argument when it is not a list of strings.
std::vector<std::string> parse_template_values(const std::string &literal);

} // namespace dgsct
