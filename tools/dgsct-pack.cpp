// SPDX-License-Identifier: LGPL-2.1-or-later
// Packs a state dict under the official key names, its preset and its label names into one
// self-describing model file.
#include "cli.h"
#include "dgsct/model.h"

#include <cstdio>

static const char *kUsage =
    "usage: dgsct-pack --preset NAME|FILE --weights FILE --labels FILE --output FILE [--dtype F32|F16|BF16]\n"
    "Validates the weights against the preset (every key, shape and dtype) and writes a model file\n"
    "whose metadata carries the preset and the labels, so a path is all a user passes.\n";

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv, {"preset", "weights", "labels", "output", "dtype"}, {}, kUsage);
  try {
    const auto config = dgsct::ModelConfig::preset(args.require("preset"));
    auto model = dgsct::Model::from_weights(config, args.require("weights"), dgsct::Model::read_labels(args.require("labels")));
    if (!model->unused_keys().empty())
      std::printf("dropped %zu official keys that never influence an output (first: %s)\n", model->unused_keys().size(),
                  model->unused_keys().front().c_str());
    model->save(args.require("output"), args.get("dtype", "F32"));
    std::printf("wrote %s (%s, %zu labels)\n", args.get("output").c_str(), config.name.c_str(), model->labels().size());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
