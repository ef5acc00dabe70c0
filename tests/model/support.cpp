// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace dgsct::test {

std::string reference(const std::string &folder) {
  const char *root = std::getenv("DGSCT_REFERENCE_DIR");
  if (!root)
    throw std::runtime_error("DGSCT_REFERENCE_DIR is not set (run the tests through meson test)");
  return std::string(root) + "/" + folder;
}

std::string scratch(const std::string &name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("dgsct-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return (dir / name).string();
}

} // namespace dgsct::test
