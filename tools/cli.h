// SPDX-License-Identifier: LGPL-2.1-or-later
// Minimal "--name value" / "--flag" argument parsing shared by the command-line tools.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>

namespace dgsct::cli {

// A printf pattern with exactly one integer conversion (flags and width allowed): "key-%02d.png".
inline bool one_integer_conversion(const std::string &pattern) {
  int conversions = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%')
      continue;
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      ++i;
      continue;
    }
    const size_t end = pattern.find_first_not_of("0123456789-+ #", i + 1);
    if (end == std::string::npos || pattern[end] != 'd')
      return false;
    ++conversions;
    i = end;
  }
  return conversions == 1;
}

class Args {
public:
  // `flags` take no value; every other option takes exactly one. Unknown options are an error.
  Args(int argc, char **argv, const std::set<std::string> &options, const std::set<std::string> &flags,
       const std::string &usage)
      : usage_(usage) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "-h" || arg == "--help") {
        std::cout << usage_;
        std::exit(0);
      }
      if (arg.rfind("--", 0) != 0)
        die("unexpected argument '" + arg + "'");
      const std::string name = arg.substr(2);
      if (flags.count(name)) {
        values_[name] = "1";
      } else if (options.count(name)) {
        if (i + 1 >= argc)
          die("option --" + name + " needs a value");
        values_[name] = argv[++i];
      } else {
        die("unknown option --" + name);
      }
    }
  }
  bool has(const std::string &name) const { return values_.count(name) > 0; }
  std::string get(const std::string &name, const std::string &fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
  }
  std::string require(const std::string &name) const {
    if (!has(name))
      die("missing --" + name);
    return get(name);
  }
  // An integer option in [lo, hi], or a usage error naming it.
  long long integer(const std::string &name, long long fallback, long long lo, long long hi) const {
    const std::string text = get(name, std::to_string(fallback));
    size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception &) {
      used = 0;
    }
    if (text.empty() || used != text.size() || value < lo || value > hi)
      die("--" + name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], not '" +
          text + "'");
    return value;
  }
  // A non-negative integer option of 64 bits (seeds), or a usage error naming it.
  uint64_t unsigned_integer(const std::string &name, const std::string &fallback) const {
    const std::string text = get(name, fallback);
    size_t used = 0;
    uint64_t value = 0;
    try {
      if (!text.empty() && text[0] != '-')
        value = std::stoull(text, &used);
    } catch (const std::exception &) {
      used = 0;
    }
    if (text.empty() || used != text.size())
      die("--" + name + " must be a non-negative integer, not '" + text + "'");
    return value;
  }
  // A non-negative number option, or a usage error naming it.
  double number(const std::string &name, const std::string &fallback) const {
    const std::string text = get(name, fallback);
    size_t used = 0;
    double value = -1;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception &) {
      used = 0;
    }
    if (text.empty() || used != text.size() || value < 0)
      die("--" + name + " must be a non-negative number, not '" + text + "'");
    return value;
  }
  [[noreturn]] void die(const std::string &message) const {
    std::cerr << "error: " << message << "\n\n" << usage_;
    std::exit(2);
  }

private:
  std::string usage_;
  std::map<std::string, std::string> values_;
};

} // namespace dgsct::cli
