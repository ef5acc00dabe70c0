// SPDX-License-Identifier: LGPL-2.1-or-later
// Minimal "--name value" / "--flag" argument parsing shared by the command-line tools.
#pragma once

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>

namespace dgsct::cli {

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
  [[noreturn]] void die(const std::string &message) const {
    std::cerr << "error: " << message << "\n\n" << usage_;
    std::exit(2);
  }

private:
  std::string usage_;
  std::map<std::string, std::string> values_;
};

} // namespace dgsct::cli
