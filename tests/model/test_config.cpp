// SPDX-License-Identifier: LGPL-2.1-or-later
// Presets: derived geometry against the reference configs, and the paper presets' key lists.
#include "ave_net.h"
#include "avqa_net.h"
#include "avs_net.h"
#include "avvp_net.h"
#include "dgsct/flops.h"
#include "support.h"
#include "weights.h"

#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

using dgsct::ModelConfig;
using dgsct::test::reference;

namespace {

nlohmann::json read_json(const std::string &path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

void expect_stages(const std::vector<dgsct::StageGeometry> &ours, const nlohmann::json &ref, const std::string &what) {
  ASSERT_EQ(ours.size(), ref.size()) << what;
  for (size_t s = 0; s < ours.size(); ++s) {
    const auto &r = ref[s];
    SCOPED_TRACE(what + " stage " + std::to_string(s));
    EXPECT_EQ(ours[s].dim, r["dim"].get<int>());
    EXPECT_EQ(ours[s].grid, r["resolution"][0].get<int>());
    EXPECT_EQ(ours[s].depth, r["depth"].get<int>());
    EXPECT_EQ(ours[s].heads, r["heads"].get<int>());
    EXPECT_EQ(ours[s].window, r["window"][0].get<int>());
    EXPECT_EQ(ours[s].shift, r["shift_odd_blocks"][0].get<int>());
    EXPECT_EQ(ours[s].merge_after, r["downsample_after"].get<bool>());
  }
}

void expect_matches_reference(const ModelConfig &config, const std::string &folder) {
  const auto ref = read_json(reference(folder) + "/config.json");
  expect_stages(config.swin.stages(), ref["swin"]["stages"], folder + " swin");
  expect_stages(config.htsat.stages(), ref["htsat"]["stages"], folder + " htsat");
  const auto slots = config.slots();
  const auto &ref_slots = ref["adapter"]["slots"];
  ASSERT_EQ(slots.size(), ref_slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    EXPECT_EQ(slots[i].stage, ref_slots[i]["stage"].get<int>()) << "slot " << i;
    EXPECT_EQ(slots[i].swin_block, ref_slots[i]["swin_block"].get<int>()) << "slot " << i;
    EXPECT_EQ(slots[i].htsat_block, ref_slots[i]["htsat_block"].get<int>()) << "slot " << i;
  }
  EXPECT_EQ(config.audio.segment_samples * config.audio.tiles, ref["audio_preprocess"]["samples_after_tiling"].get<int>());
  EXPECT_EQ(config.htsat.frames(config.audio.segment_samples * config.audio.tiles), ref["htsat"]["num_frames"].get<int>());
  EXPECT_EQ(config.htsat.freq_ratio(), ref["htsat"]["freq_ratio"].get<int>());
  EXPECT_EQ(config.adapter.tokens, ref["adapter"]["num_tokens"].get<int>());
  EXPECT_EQ(config.temporal.d_model, ref["temporal_attention"]["d_model"].get<int>());
  if (config.is_segmentation()) {
    EXPECT_EQ(config.segments, ref["num_segments"].get<int>());
    EXPECT_EQ(config.adapter.alpha, ref["adapter"]["alpha"].get<double>());
    EXPECT_EQ(config.adapter.beta, ref["adapter"]["beta"].get<double>());
    EXPECT_EQ(config.temporal.gamma, ref["temporal_attention"]["gamma"].get<double>());
    EXPECT_EQ(config.segmentation.channel, ref["decoder"]["channel"].get<int>());
    EXPECT_EQ(config.segmentation.map_sizes, ref["decoder"]["decoder_sizes"].get<std::vector<int>>());
    EXPECT_EQ(config.segmentation.mask_size(), ref["decoder"]["output_size"][0].get<int>());
    EXPECT_EQ(config.segmentation.tpavi_inter, ref["tpavi"]["inter_channels"].get<int>());
  } else {
    EXPECT_EQ(config.classes, ref["num_classes"].get<int>());
  }
}

std::string shape_text(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s;
}

// Our module's keys plus the keys we accept as unused must be exactly the official list (keys.tsv),
// except those starting with `dropped_prefix` (the converter drops them). Returns the official count.
size_t expect_official_keys(const torch::nn::Module &net, const ModelConfig &config, const std::string &folder,
                            const std::string &dropped_prefix = "") {
  std::map<std::string, std::pair<std::string, std::string>> ours;
  for (const auto &kv : dgsct::state_dict(net))
    ours[kv.first] = {shape_text(kv.second.sizes().vec()), dgsct::dtype_name(dgsct::dtype_of(kv.second.scalar_type()))};
  for (const auto &spec : dgsct::unused_keys(config)) {
    EXPECT_FALSE(ours.count(spec.name)) << "unused key also in the module: " << spec.name;
    ours[spec.name] = {shape_text(spec.shape), dgsct::dtype_name(spec.dtype)};
  }
  std::ifstream in(reference(folder) + "/keys.tsv");
  EXPECT_TRUE(in.good());
  size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    std::stringstream ss(line);
    std::string name, shape, dtype;
    std::getline(ss, name, '\t');
    std::getline(ss, shape, '\t');
    std::getline(ss, dtype, '\t');
    ++count;
    if (!dropped_prefix.empty() && name.rfind(dropped_prefix, 0) == 0)
      continue;
    auto it = ours.find(name);
    if (it == ours.end()) {
      ADD_FAILURE() << "official key missing: " << name;
      continue;
    }
    EXPECT_EQ(it->second.first, shape) << name;
    EXPECT_EQ(it->second.second, dtype) << name;
    ours.erase(it);
  }
  for (const auto &kv : ours)
    ADD_FAILURE() << "key not in the official model: " << kv.first;
  return count;
}

} // namespace

TEST(Presets, SmallGeometryMatchesTheReference) { expect_matches_reference(ModelConfig::preset("ave-small"), "ave-small"); }

TEST(Presets, PaperGeometryMatchesTheReference) { expect_matches_reference(ModelConfig::preset("ave-paper"), "ave-full"); }

TEST(Presets, PaperModelHasExactlyTheOfficialKeys) {
  const auto config = ModelConfig::preset("ave-paper");
  dgsct::AveNetImpl net(config);
  EXPECT_EQ(expect_official_keys(net, config, "ave-full"), 2646u);
}

TEST(Presets, AvsSmallGeometryMatchesTheReference) {
  expect_matches_reference(ModelConfig::preset("avs-s4-small"), "avs-s4-small");
  expect_matches_reference(ModelConfig::preset("avs-ms3-small"), "avs-ms3-small");
}

TEST(Presets, AvsPaperGeometryMatchesTheReference) {
  expect_matches_reference(ModelConfig::preset("avs-s4-paper"), "avs-s4-full");
  expect_matches_reference(ModelConfig::preset("avs-ms3-paper"), "avs-ms3-full");
}

// The AVS checkpoints also hold a PVT-v2-b5 that never runs; the converter drops it.
TEST(Presets, AvsPaperModelsHaveExactlyTheOfficialKeys) {
  for (const auto &[preset, folder] : {std::pair{"avs-s4-paper", "avs-s4-full"}, std::pair{"avs-ms3-paper", "avs-ms3-full"}}) {
    SCOPED_TRACE(preset);
    const auto config = ModelConfig::preset(preset);
    dgsct::AvsNetImpl net(config);
    EXPECT_EQ(expect_official_keys(net, config, folder, "encoder_backbone."), 3867u);
  }
}

namespace {

// The AVVP and AVQA references describe each backbone per stage (windows and shifts as a pair for
// Swin-V2, as a number for HTS-AT).
void expect_backbone_stages(const std::vector<dgsct::StageGeometry> &ours, const nlohmann::json &stages) {
  ASSERT_EQ(ours.size(), stages.size());
  for (size_t s = 0; s < ours.size(); ++s) {
    const auto &r = stages[s];
    const auto &shift = r["shift_per_block"][1];
    EXPECT_EQ(ours[s].grid, r["resolution"][0].get<int>()) << "stage " << s;
    EXPECT_EQ(ours[s].dim, r["dim"].get<int>()) << "stage " << s;
    EXPECT_EQ(ours[s].depth, r["depth"].get<int>()) << "stage " << s;
    EXPECT_EQ(ours[s].heads, r["heads"].get<int>()) << "stage " << s;
    EXPECT_EQ(ours[s].window, r["window"].is_array() ? r["window"][0].get<int>() : r["window"].get<int>()) << "stage " << s;
    EXPECT_EQ(ours[s].shift, shift.is_array() ? shift[0].get<int>() : shift.get<int>()) << "stage " << s;
  }
}

// The AVVP references: backbone stages, the block pairing and the head.
void expect_matches_avvp_reference(const ModelConfig &config, const std::string &folder) {
  SCOPED_TRACE(folder);
  const auto ref = read_json(reference(folder) + "/config.json");
  expect_backbone_stages(config.swin.stages(), ref["visual_backbone"]["stages"]);
  expect_backbone_stages(config.htsat.stages(), ref["audio_backbone"]["stages"]);
  const auto slots = config.slots();
  const auto &pairing = ref["block_pairing"];
  ASSERT_EQ(slots.size(), pairing.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    const auto &slot = slots[i];
    EXPECT_EQ(pairing[i]["swin_block"].get<std::string>(),
              "swin.layers." + std::to_string(slot.stage) + ".blocks." + std::to_string(slot.swin_block));
    EXPECT_EQ(pairing[i]["htsat_block"].get<std::string>(),
              "htsat.layers." + std::to_string(slot.stage) + ".blocks." + std::to_string(slot.htsat_block));
  }
  const auto &head = ref["head"];
  EXPECT_EQ(config.parsing.dim, head["dim"].get<int>());
  EXPECT_EQ(config.parsing.clip_feature_dim, head["fc_st"][0].get<int>());
  EXPECT_EQ(config.classes, head["num_classes"].get<int>());
  EXPECT_EQ(config.temporal.d_model, head["temporal_attention"]["d_model"].get<int>());
  EXPECT_EQ(config.temporal.feedforward, head["temporal_attention"]["feedforward"].get<int>());
  EXPECT_EQ(config.temporal.gamma, head["temporal_attention"]["gamma"].get<double>());
  EXPECT_EQ(config.parsing.depth_audio, head["grouping"]["depth_aud"].get<int>());
  EXPECT_EQ(config.parsing.depth_visual, head["grouping"]["depth_vis"].get<int>());
  EXPECT_EQ(config.parsing.depth_cross, head["grouping"]["depth_av"].get<int>());
  EXPECT_EQ(config.parsing.heads, head["grouping"]["num_heads"].get<int>());
  EXPECT_EQ(config.parsing.assign_eps, head["grouping"]["assign_eps"].get<double>());
  EXPECT_EQ(config.adapter.reduction, ref["adapters"]["reduction_factor"].get<int>());
  EXPECT_EQ(config.adapter.tokens, ref["adapters"]["num_tokens"].get<int>());
}

} // namespace

TEST(Presets, AvvpGeometryMatchesTheReference) {
  expect_matches_avvp_reference(ModelConfig::preset("avvp-small"), "avvp-small");
  expect_matches_avvp_reference(ModelConfig::preset("avvp-paper"), "avvp-full");
}

TEST(Presets, AvvpPaperModelHasExactlyTheOfficialKeys) {
  const auto config = ModelConfig::preset("avvp-paper");
  dgsct::AvvpNetImpl net(config);
  EXPECT_EQ(expect_official_keys(net, config, "avvp-full"), 3064u);
}

namespace {

// The AVQA references: backbone stages, adapter variant, head widths.
void expect_matches_avqa_reference(const ModelConfig &config, const std::string &folder) {
  SCOPED_TRACE(folder);
  const auto ref = read_json(reference(folder) + "/config.json");
  expect_backbone_stages(config.swin.stages(), ref["visual_backbone"]["stages"]);
  expect_backbone_stages(config.htsat.stages(), ref["audio_backbone"]["stages"]);
  const auto &adapters = ref["adapters"];
  EXPECT_EQ(config.slots().size(), adapters["num_pairs"].get<size_t>());
  EXPECT_EQ(config.adapter.tokens, adapters["num_tokens"].get<int>());
  EXPECT_EQ(config.adapter.reduction, adapters["reduction_factor"].get<int>());
  EXPECT_EQ(config.adapter.groups, adapters["num_conv_group"].get<int>());
  EXPECT_EQ(config.adapter.batch_norm, adapters["use_bn"].get<bool>());
  EXPECT_EQ(config.adapter.audio_gate, adapters["audio_gate"].get<bool>());
  EXPECT_EQ(config.adapter.visual_gate, adapters["visual_gate"].get<bool>());
  EXPECT_EQ(config.adapter.ln_before, adapters["ln_before"].get<bool>());
  EXPECT_EQ(config.adapter.alpha, adapters["alpha"].get<double>());
  EXPECT_EQ(config.adapter.beta, adapters["beta"].get<double>());
  EXPECT_EQ(config.segments, ref["segments"].get<int>());
  EXPECT_EQ(config.video.size, ref["visual_frontend"]["resize"][0].get<int>());
  const auto &head = ref["head"], &question = ref["question"];
  EXPECT_EQ(config.question.width, head["width"].get<int>());
  EXPECT_EQ(config.question.heads, head["attn_heads"].get<int>());
  EXPECT_EQ(config.question.vocabulary, head["qst_encoder"]["vocab"].get<int>());
  EXPECT_EQ(config.question.vocabulary, question["vocab_size"].get<int>());
  EXPECT_EQ(config.question.question_length, question["max_len"].get<int>());
  EXPECT_EQ(config.classes, question["answers"].get<int>());
  EXPECT_EQ(config.classes, head["fc_ans"][1].get<int>());
  auto mlp = head["match_mlp"].get<std::vector<int>>();
  EXPECT_EQ(config.question.match_hidden, std::vector<int>(mlp.begin() + 1, mlp.end() - 1));
}

} // namespace

TEST(Presets, AvqaGeometryMatchesTheReference) {
  expect_matches_avqa_reference(ModelConfig::preset("avqa-small"), "avqa-small");
  expect_matches_avqa_reference(ModelConfig::preset("avqa-paper"), "avqa-full");
}

// keys.tsv lists the unwrapped model's names; the official checkpoint (saved from nn.DataParallel)
// prefixes every key with `module.`, which dgsct-convert strips before the keys are checked.
TEST(Presets, AvqaPaperModelHasExactlyTheOfficialKeys) {
  const auto config = ModelConfig::preset("avqa-paper");
  dgsct::AvqaNetImpl net(config);
  EXPECT_EQ(expect_official_keys(net, config, "avqa-full"), 1950u);
  // In the official order, too (state-dict order; the unused keys left out).
  std::vector<std::string> official, ours;
  std::ifstream in(reference("avqa-full") + "/keys.tsv");
  std::set<std::string> unused;
  for (const auto &spec : dgsct::unused_keys(config))
    unused.insert(spec.name);
  for (std::string line; std::getline(in, line);)
    if (auto name = line.substr(0, line.find('\t')); !unused.count(name))
      official.push_back(name);
  for (const auto &kv : dgsct::state_dict(net))
    ours.push_back(kv.first);
  EXPECT_EQ(ours, official);
}

TEST(Presets, PaperEncoderCostMatchesTheSpec) {
  // Spec 10.2: Swin 25.97 GMAC, HTS-AT without front end 6.99 - 1.09 + patch embed, adapters 2 x (6.143 + 4.586).
  const auto macs = dgsct::encoder_macs(ModelConfig::preset("ave-paper"));
  EXPECT_NEAR(macs.swin / 1e9, 25.96, 0.05);
  EXPECT_NEAR(macs.adapters / 1e9, 2 * (6.143 + 4.586), 0.05);
  EXPECT_LT(macs.frontend / 1e9, 0.2); // periodic STFT: ~0.11 G instead of 1.05 G
}

TEST(Presets, ErrorsNameTheSourceAndField) {
  try {
    ModelConfig::parse(R"({"name": "x", "task": "ave"})", "inline.json");
    FAIL();
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()), "inline.json: missing field 'segments'");
  }
  try {
    ModelConfig::preset("no-such-preset");
    FAIL();
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("preset 'no-such-preset' not found"), std::string::npos);
  }
}

TEST(Presets, ClipEncoderIsTorchvisionsUnlessConfigured) {
  const auto paper = ModelConfig::preset("avvp-paper").parsing.clip_encoder;
  EXPECT_EQ(paper.widths, (std::vector<int>{64, 128, 256, 512}));
  EXPECT_EQ(paper.stem_width, 45);
  EXPECT_EQ(paper.frames, 8);
  EXPECT_EQ(paper.size, 112);
  const auto demo = ModelConfig::preset("avvp-demo");
  EXPECT_EQ(demo.parsing.clip_encoder.widths.back(), demo.parsing.clip_feature_dim);
  EXPECT_EQ(demo.parsing.clip_encoder.size, 32);
  // The feature width is the encoder's last width, stated once in each place: they must agree.
  auto json = nlohmann::json::parse(demo.source_json);
  json["parsing"]["clip_feature_dim"] = 512;
  try {
    ModelConfig::parse(json.dump(), "mismatch.json");
    FAIL();
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("mismatch.json.parsing: clip_feature_dim must equal the clip encoder's last width (64)"),
              std::string::npos) << e.what();
  }
}

TEST(Presets, AbsolutePositionIsOptInAndAddedToEveryPatch) {
  // Off in the paper's models (the official key lists have no swin.absolute_pos_embed) and in the
  // demos, except avqa-demo, whose visual encoder learns where things are (docs/demo-model.md).
  for (const char *name : {"ave-paper", "ave-demo", "avvp-demo", "avs-demo"})
    EXPECT_FALSE(ModelConfig::preset(name).swin.absolute_position) << name;
  const auto config = ModelConfig::preset("avqa-demo");
  ASSERT_TRUE(config.swin.absolute_position);
  auto json = nlohmann::json::parse(config.source_json);

  dgsct::AvqaNet net(config);
  auto params = net->named_parameters();
  ASSERT_TRUE(params.contains("swin.absolute_pos_embed"));
  const int64_t side = config.swin.img_size / config.swin.patch_size;
  EXPECT_EQ(params["swin.absolute_pos_embed"].sizes(), (std::vector<int64_t>{1, side * side, config.swin.embed_dim}));
  json["swin"]["absolute_position"] = false;
  EXPECT_FALSE(dgsct::AvqaNet(ModelConfig::parse(json.dump(), "no-ape.json"))->named_parameters().contains("swin.absolute_pos_embed"));

  // timm's order: the embedding is added to the patch tokens, the same vector at the same position
  // of every frame.
  torch::NoGradGuard no_grad;
  torch::manual_seed(3);
  auto &swin = *net->encoder.swin;
  swin.absolute_pos_embed.normal_();
  auto frames = torch::randn({2, 3, config.swin.img_size, config.swin.img_size});
  auto added = swin.embed(frames) - swin.patch_embed(frames);
  EXPECT_TRUE(torch::allclose(added, swin.absolute_pos_embed.expand_as(added), 1e-5, 1e-5));

  json["swin"]["absolute_position"] = "yes";
  try {
    ModelConfig::parse(json.dump(), "ape.json");
    FAIL();
  } catch (const std::runtime_error &e) {
    EXPECT_EQ(std::string(e.what()), "ape.json.swin: field 'absolute_position' has the wrong type");
  }
}
