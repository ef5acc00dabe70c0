// SPDX-License-Identifier: LGPL-2.1-or-later
// Paths and scratch files shared by the model tests.
#pragma once

#include <string>

namespace dgsct::test {

// A folder of the golden reference, e.g. reference("ave-small") + "/weights.safetensors".
std::string reference(const std::string &folder);
// A fresh file path under the test's temporary directory.
std::string scratch(const std::string &name);

} // namespace dgsct::test
