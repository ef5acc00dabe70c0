// SPDX-License-Identifier: LGPL-2.1-or-later
// The safetensors reader/writer and every loader error, asserting on the message.
#include "dgsct/model.h"
#include "dgsct/safetensors.h"
#include "support.h"

#include <cstring>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>

using dgsct::FileError;
using dgsct::SafetensorsFile;
using dgsct::SafetensorsWriter;
using dgsct::test::reference;
using dgsct::test::scratch;

namespace {

std::string weights_path() { return reference("ave-small") + "/weights.safetensors"; }

void write_bytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string header_file(const std::string &json, const std::string &data = "") {
  std::string bytes(8, '\0');
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes + json + data;
}

// Rewrites the reference weights with `edit` applied to the list of entries.
std::string edited_weights(const std::string &name, const std::function<void(SafetensorsWriter &, const dgsct::TensorEntry &)> &edit) {
  auto file = SafetensorsFile::open(weights_path());
  SafetensorsWriter writer;
  for (const auto &entry : file->tensors())
    edit(writer, entry);
  const std::string path = scratch(name);
  writer.write(path);
  return path;
}

void copy_entry(SafetensorsWriter &writer, const dgsct::TensorEntry &e) { writer.add(e.name, e.dtype, e.shape, e.data, e.nbytes); }

std::string load_error(const std::string &path) {
  try {
    dgsct::Model::from_weights(dgsct::ModelConfig::preset("ave-small"), path, {});
  } catch (const FileError &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(Safetensors, RoundTripKeepsOrderDtypesAndMetadata) {
  SafetensorsWriter writer;
  const float f[3] = {1.5f, -2.0f, 3.25f};
  const int64_t i[2] = {7, -9};
  const uint16_t h[1] = {0x3c00}; // 1.0 in F16
  writer.add("zeta", dgsct::DType::F32, {3}, f, sizeof f);
  writer.add("alpha", dgsct::DType::I64, {2, 1}, i, sizeof i);
  writer.add("half", dgsct::DType::F16, {1}, h, sizeof h);
  writer.add("empty", dgsct::DType::F16, {2, 0}, nullptr, 0);
  writer.set_metadata("note", "hello");
  const std::string path = scratch("roundtrip.safetensors");
  writer.write(path);

  auto file = SafetensorsFile::open(path);
  ASSERT_EQ(file->tensors().size(), 4u);
  EXPECT_EQ(file->tensors()[0].name, "zeta");
  EXPECT_EQ(file->tensors()[1].name, "alpha");
  EXPECT_EQ(file->metadata().at("note"), "hello");
  EXPECT_EQ(file->at("alpha").dtype, dgsct::DType::I64);
  EXPECT_EQ(file->at("alpha").shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(std::memcmp(file->at("zeta").data, f, sizeof f), 0);
  EXPECT_EQ(file->at("empty").numel(), 0);
  EXPECT_THROW(file->at("missing"), FileError);
}

TEST(Safetensors, ReadsTheReferenceWeights) {
  auto file = SafetensorsFile::open(weights_path());
  EXPECT_EQ(file->tensors().size(), 2646u);
  EXPECT_EQ(file->at("htsat.spectrogram_extractor.stft.conv_real.weight").dtype, dgsct::DType::F32);
  EXPECT_EQ(file->at("swin.layers.0.blocks.0.attn.qkv.weight").dtype, dgsct::DType::F16);
}

TEST(Safetensors, MissingFileNamesThePath) {
  try {
    SafetensorsFile::open("/nonexistent/model.safetensors");
    FAIL();
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.safetensors: cannot open"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, TruncatedFile) {
  std::ifstream in(weights_path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string path = scratch("truncated.safetensors");
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  try {
    SafetensorsFile::open(path);
    FAIL();
  } catch (const FileError &e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": truncated", 0), 0u) << msg;
    EXPECT_NE(msg.find("tensor '"), std::string::npos) << msg; // names the first tensor past the end
  }
  write_bytes(path, "abc");
  EXPECT_THROW(SafetensorsFile::open(path), FileError);
}

TEST(Safetensors, MalformedHeader) {
  const std::string path = scratch("malformed.safetensors");
  write_bytes(path, header_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]"));
  try {
    SafetensorsFile::open(path);
    FAIL();
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find(path + ": malformed header JSON"), std::string::npos) << e.what();
  }
  write_bytes(path, header_file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", "abcd"));
  try {
    SafetensorsFile::open(path);
    FAIL();
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'w' holds 4 bytes"), std::string::npos) << e.what();
  }
  std::string huge = header_file("{}");
  huge[7] = 0x7f; // header length far beyond the file
  write_bytes(path, huge);
  EXPECT_THROW(SafetensorsFile::open(path), FileError);
}

TEST(Safetensors, UnknownDtype) {
  const std::string path = scratch("dtype.safetensors");
  write_bytes(path, header_file("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", "x"));
  try {
    SafetensorsFile::open(path);
    FAIL();
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find(path + ": tensor 'w' has unknown dtype \"F8_E4M3\""), std::string::npos) << e.what();
  }
}

TEST(ModelLoading, ShapeMismatchNamesTheKey) {
  const auto path = edited_weights("shape.safetensors", [](SafetensorsWriter &w, const dgsct::TensorEntry &e) {
    if (e.name == "swin.norm.weight") {
      std::vector<uint16_t> half(64, 0x3c00);
      w.add(e.name, dgsct::DType::F16, {64}, half.data(), half.size() * 2);
    } else {
      copy_entry(w, e);
    }
  });
  const auto msg = load_error(path);
  EXPECT_NE(msg.find(path + ": key 'swin.norm.weight' has shape [64], the model expects [128]"), std::string::npos) << msg;
}

TEST(ModelLoading, MissingKeyNamesTheKey) {
  const auto path = edited_weights("missing.safetensors", [](SafetensorsWriter &w, const dgsct::TensorEntry &e) {
    if (e.name != "CMBS.localize_module.classifier.bias")
      copy_entry(w, e);
  });
  const auto msg = load_error(path);
  EXPECT_NE(msg.find(path + ": missing key 'CMBS.localize_module.classifier.bias'"), std::string::npos) << msg;
}

TEST(ModelLoading, UnexpectedKeyNamesTheKey) {
  const auto path = edited_weights("unexpected.safetensors", [](SafetensorsWriter &w, const dgsct::TensorEntry &e) {
    copy_entry(w, e);
    if (e.name == "swin.norm.bias")
      w.add("swin.norm.extra", e.dtype, e.shape, e.data, e.nbytes);
  });
  const auto msg = load_error(path);
  EXPECT_NE(msg.find(path + ": unexpected key 'swin.norm.extra'"), std::string::npos) << msg;
}

TEST(ModelLoading, IntegerDataForAFloatKey) {
  const auto path = edited_weights("intfloat.safetensors", [](SafetensorsWriter &w, const dgsct::TensorEntry &e) {
    if (e.name == "swin.norm.bias") {
      std::vector<int64_t> ints(128, 1);
      w.add(e.name, dgsct::DType::I64, {128}, ints.data(), ints.size() * 8);
    } else {
      copy_entry(w, e);
    }
  });
  const auto msg = load_error(path);
  EXPECT_NE(msg.find("key 'swin.norm.bias' has dtype I64"), std::string::npos) << msg;
}

TEST(ModelLoading, UnusedOfficialKeysAreAcceptedAndListedOnce) {
  auto model = dgsct::Model::from_weights(dgsct::ModelConfig::preset("ave-small"), weights_path(), {});
  const auto &unused = model->unused_keys();
  // The reference README lists 236 unused entries, 97 of them num_batches_tracked buffers that
  // this implementation loads like any other buffer.
  EXPECT_EQ(unused.size(), 236u - 97u);
  std::set<std::string> distinct(unused.begin(), unused.end());
  EXPECT_EQ(distinct.size(), unused.size());
  EXPECT_TRUE(distinct.count("swin.head.weight"));
  EXPECT_TRUE(distinct.count("temporal_attn.video_decoder.decoder.layers.0.self_attn.in_proj_weight"));
  EXPECT_TRUE(distinct.count("CMBS.AVInter.norm1.bias"));
}

TEST(ModelLoading, ModelFileRoundTripIsSelfDescribing) {
  const auto labels = dgsct::Model::read_labels(reference("labels") + "/ave-categories.txt");
  auto model = dgsct::Model::from_weights(dgsct::ModelConfig::preset("ave-small"), weights_path(), labels);
  const std::string path = scratch("ave-small.dgsct.safetensors");
  model->save(path, "F16");
  auto loaded = dgsct::Model::load(path);
  EXPECT_EQ(loaded->config().name, "ave-small");
  EXPECT_EQ(loaded->labels(), labels);
  EXPECT_EQ(loaded->label_name(13), "Motorcycle");
  EXPECT_TRUE(loaded->unused_keys().empty());
  // Not a model file: plain weights lack the metadata.
  try {
    dgsct::Model::load(weights_path());
    FAIL();
  } catch (const FileError &e) {
    EXPECT_NE(std::string(e.what()).find("not a dgsct model file"), std::string::npos) << e.what();
  }
}
