// SPDX-License-Identifier: LGPL-2.1-or-later
// Packs a state dict under the official key names, its preset and its label names into one
// self-describing model file.
#include "cli.h"
#include "dgsct/model.h"

#include <cstdio>

static const char *kUsage =
    "usage: dgsct-pack --preset NAME|FILE --weights FILE --labels FILE [--clip-encoder FILE] [--vocabulary FILE]\n"
    "                  (--output FILE [--dtype F32|F16|BF16] | --check)\n"
    "Validates the weights against the preset (every key, shape and dtype) and writes a model file\n"
    "whose metadata carries the preset and the labels, so a path is all a user passes. Official keys\n"
    "that never influence an output are dropped. --check validates and reports without writing.\n"
    "AVVP: --clip-encoder adds torchvision's r2plus1d_18 weights (safetensors; dgsct-convert turns\n"
    "its .pth into one), so the model computes its clip features from frames. AVQA: --vocabulary is\n"
    "the question vocabulary, one token per line (model/labels/avqa-question-vocab.txt).\n";

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv, {"preset", "weights", "labels", "clip-encoder", "vocabulary", "output", "dtype"}, {"check"}, kUsage);
  try {
    if (args.has("check") == args.has("output"))
      args.die("give exactly one of --output and --check");
    const auto config = dgsct::ModelConfig::preset(args.require("preset"));
    auto model = dgsct::Model::from_weights(config, args.require("weights"), dgsct::Model::read_labels(args.require("labels")));
    std::printf("%s: every key of preset %s present with the right shape\n", args.get("weights").c_str(), config.name.c_str());
    if (model->is_question_answering()) {
      if (!args.has("vocabulary"))
        args.die("an AVQA model needs --vocabulary (model/labels/avqa-question-vocab.txt)");
      model->set_question_vocabulary(dgsct::Model::read_labels(args.get("vocabulary")));
    }
    if (args.has("clip-encoder")) {
      model->load_clip_encoder(args.get("clip-encoder"));
      std::printf("%s: R(2+1)D-18 clip encoder added\n", args.get("clip-encoder").c_str());
    }
    if (!model->unused_keys().empty())
      std::printf("%zu official keys never influence an output and are dropped (first: %s)\n", model->unused_keys().size(),
                  model->unused_keys().front().c_str());
    if (args.has("check"))
      return 0;
    model->save(args.require("output"), args.get("dtype", "F32"));
    std::printf("wrote %s (%s, %zu labels)\n", args.get("output").c_str(), config.name.c_str(), model->labels().size());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
