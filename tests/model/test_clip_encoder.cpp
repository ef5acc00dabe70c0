// SPDX-License-Identifier: LGPL-2.1-or-later
// The R(2+1)D-18 clip encoder against Debian's torchvision r2plus1d_18 on random weights
// (clip_encoder_reference.py writes the reference).
#include "clip_encoder.h"
#include "dgsct/model.h"
#include "dgsct/safetensors.h"
#include "support.h"
#include "weights.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>

namespace {

struct Reference {
  std::shared_ptr<const dgsct::SafetensorsFile> data;
  dgsct::ClipEncoder net{dgsct::ClipEncoderConfig{}};
};

// Runs the Python generator once ($DGSCT_PYTHON $DGSCT_CLIP_REFERENCE_SCRIPT, set by meson).
Reference &reference() {
  static std::unique_ptr<Reference> r;
  if (!r) {
    const char *python = std::getenv("DGSCT_PYTHON"), *script = std::getenv("DGSCT_CLIP_REFERENCE_SCRIPT");
    if (!python || !script)
      throw std::runtime_error("DGSCT_PYTHON / DGSCT_CLIP_REFERENCE_SCRIPT are not set (run the test through meson test)");
    const auto weights = dgsct::test::scratch("r2plus1d_18.safetensors"), data = dgsct::test::scratch("clips.safetensors");
    const std::string command = std::string(python) + " " + script + " " + weights + " " + data;
    if (std::system(command.c_str()) != 0)
      throw std::runtime_error("failed: " + command);
    r = std::make_unique<Reference>();
    r->data = dgsct::SafetensorsFile::open(data);
    // torchvision's file holds the classifier too, which the clip encoder does not use.
    const std::vector<dgsct::KeySpec> classifier = {{"fc.weight", {400, 512}, dgsct::DType::F32},
                                                    {"fc.bias", {400}, dgsct::DType::F32}};
    dgsct::load_state(*r->net, *dgsct::SafetensorsFile::open(weights), classifier);
    std::remove(weights.c_str()); // 126 MB
  }
  return *r;
}

torch::Tensor tensor(const std::string &name) { return dgsct::to_tensor(reference().data->at(name)); }

double rel(const torch::Tensor &a, const torch::Tensor &b) { return ((a - b).abs().max() / b.abs().max()).item<double>(); }

} // namespace

TEST(ClipEncoder, FeaturesEqualTorchvision) {
  auto &r = reference();
  torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  auto features = r.net->forward(tensor("prepared"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double error = rel(features, tensor("features"));
  std::printf("R(2+1)D-18 features: rel error %.2e; %.0f ms per 8 x 112 x 112 clip (fp32, %d threads)\n", error,
              1000 * seconds / features.size(0), torch::get_num_threads());
  EXPECT_EQ(features.sizes(), tensor("features").sizes());
  EXPECT_LE(error, 1e-4);
}

TEST(ClipEncoder, PreparationMatchesPilWithinOneGreyLevel) {
  // Our resize is torch's antialiased bilinear (PIL's filter), rounded to 8 bits like PIL's output.
  // PIL computes in fixed point and rounds some pixels the other way: one grey level at most.
  auto ours = dgsct::prepare_clips(tensor("frames"), {}, torch::kCPU);
  auto theirs = tensor("prepared");
  ASSERT_EQ(ours.sizes(), theirs.sizes());
  const double one_level = 1.0 / 255 / 0.216989;
  auto diff = (ours - theirs).abs();
  EXPECT_LE(diff.max().item<double>(), one_level * 1.001);
  torch::NoGradGuard no_grad;
  const double feature_error = rel(reference().net->forward(ours), tensor("features"));
  std::printf("preparation: %.1f %% of values one grey level off PIL; features from ours: rel error %.2e\n",
              100 * (diff > 1e-5).to(torch::kFloat64).mean().item<double>(), feature_error);
  EXPECT_LE(feature_error, 1e-2);
}

TEST(ClipEncoder, RefusesMalformedFrames) {
  EXPECT_THROW(dgsct::prepare_clips(torch::zeros({2, 8, 10, 10}, torch::kUInt8), {}, torch::kCPU), std::invalid_argument);
  EXPECT_THROW(dgsct::prepare_clips(torch::zeros({2, 0, 10, 10, 3}, torch::kUInt8), {}, torch::kCPU), std::invalid_argument);
  EXPECT_THROW(dgsct::prepare_clips(torch::zeros({2, 8, 10, 10, 3}), {}, torch::kCPU), std::invalid_argument);
}

TEST(ClipEncoder, AvvpModelFileCarriesIt) {
  // avvp-small with the clip encoder added, saved and loaded again: the file keeps it, and the
  // model's clip features are the encoder's on our preparation of the frames.
  auto &r = reference();
  auto model = dgsct::Model::from_weights(dgsct::ModelConfig::preset("avvp-small"),
                                          std::string(std::getenv("DGSCT_REFERENCE_DIR")) + "/avvp-small/weights.safetensors", {});
  EXPECT_FALSE(model->has_clip_encoder());
  EXPECT_THROW(model->clip_features(tensor("frames")), std::invalid_argument);
  const auto weights = dgsct::test::scratch("r2plus1d_18-copy.safetensors");
  {
    dgsct::SafetensorsWriter writer;
    for (const auto &kv : dgsct::state_dict(*r.net))
      writer.add(kv.first, dgsct::dtype_of(kv.second.scalar_type()), kv.second.sizes().vec(), kv.second.contiguous().data_ptr(),
                 kv.second.nbytes());
    writer.write(weights);
  }
  model->load_clip_encoder(weights);
  std::remove(weights.c_str());
  const auto path = dgsct::test::scratch("avvp-with-clip-encoder.safetensors");
  model->save(path);
  auto loaded = dgsct::Model::load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(loaded->has_clip_encoder());
  torch::NoGradGuard no_grad;
  auto expected = r.net->forward(dgsct::prepare_clips(tensor("frames"), {}, torch::kCPU));
  EXPECT_LE(rel(loaded->clip_features(tensor("frames")), expected), 1e-6);
}

TEST(ClipEncoder, NarrowVariantFromTheConfiguration) {
  // avvp-demo's encoder: 32 x 32 clips, stage widths 8..64; an untrained one (torchvision's
  // initialisation) still tells different clips apart.
  const auto config = dgsct::ModelConfig::preset("avvp-demo").parsing.clip_encoder;
  dgsct::ClipEncoder net(config);
  torch::manual_seed(3);
  auto frames = torch::randint(0, 256, {2, 5, 40, 50, 3}, torch::kUInt8);
  auto clips = dgsct::prepare_clips(frames, config, torch::kCPU);
  EXPECT_EQ(clips.sizes(), (std::vector<int64_t>{2, 3, 8, 32, 32}));
  torch::NoGradGuard no_grad;
  auto features = net->forward(clips);
  EXPECT_EQ(features.sizes(), (std::vector<int64_t>{2, 64}));
  EXPECT_GT((features[0] - features[1]).abs().max().item<float>(), 1e-3 * features.abs().max().item<float>());
  EXPECT_GT(features.abs().max().item<float>(), 0.0f);
}
