// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/safetensors.h"

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dgsct {
namespace {

// The format caps the header at 100 MB; anything larger is a corrupt length field.
constexpr uint64_t kMaxHeaderBytes = 100u * 1000 * 1000;

struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F16, "F16", 2}, {DType::BF16, "BF16", 2}, {DType::F32, "F32", 4}, {DType::F64, "F64", 8},
    {DType::I64, "I64", 8}, {DType::I32, "I32", 4},   {DType::U8, "U8", 1},   {DType::BOOL, "BOOL", 1},
};

[[noreturn]] void fail(const std::string &path, const std::string &what) { throw FileError(path + ": " + what); }

} // namespace

const char *dtype_name(DType dtype) {
  for (const auto &info : kDTypes)
    if (info.dtype == dtype)
      return info.name;
  return "?";
}

size_t dtype_size(DType dtype) {
  for (const auto &info : kDTypes)
    if (info.dtype == dtype)
      return info.size;
  return 0;
}

int64_t TensorEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string &path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    fail(path, "truncated: " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length");
  }
  void *map = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED)
    fail(path, std::string("cannot map: ") + std::strerror(errno));
  file->map_ = map;
  file->map_size_ = file_size;
  const auto *bytes = static_cast<const uint8_t *>(map);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i)
    header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes || 8 + header_len > file_size)
    fail(path, "truncated or malformed: header length " + std::to_string(header_len) + " exceeds the file size " +
                   std::to_string(file_size));

  nlohmann::ordered_json header;
  try {
    header = nlohmann::ordered_json::parse(bytes + 8, bytes + 8 + header_len);
  } catch (const std::exception &e) {
    fail(path, std::string("malformed header JSON: ") + e.what());
  }
  if (!header.is_object())
    fail(path, "malformed header: not a JSON object");

  const uint8_t *data = bytes + 8 + header_len;
  const uint64_t data_size = file_size - 8 - header_len;
  for (const auto &[name, desc] : header.items()) {
    if (name == "__metadata__") {
      if (!desc.is_object())
        fail(path, "malformed header: __metadata__ is not an object");
      for (const auto &[key, value] : desc.items()) {
        if (!value.is_string())
          fail(path, "malformed header: metadata '" + key + "' is not a string");
        file->metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!desc.is_object() || !desc.contains("dtype") || !desc.contains("shape") || !desc.contains("data_offsets"))
      fail(path, "malformed header: " + where + " lacks dtype, shape or data_offsets");
    TensorEntry entry;
    entry.name = name;
    const auto &dtype = desc["dtype"];
    const DTypeInfo *info = nullptr;
    if (dtype.is_string())
      for (const auto &candidate : kDTypes)
        if (dtype.get<std::string>() == candidate.name)
          info = &candidate;
    if (!info)
      fail(path, where + " has unknown dtype " + dtype.dump());
    entry.dtype = info->dtype;
    if (!desc["shape"].is_array())
      fail(path, "malformed header: " + where + " shape is not an array");
    for (const auto &dim : desc["shape"]) {
      if (!dim.is_number_integer() || dim.get<int64_t>() < 0)
        fail(path, "malformed header: " + where + " has an invalid dimension " + dim.dump());
      entry.shape.push_back(dim.get<int64_t>());
    }
    const auto &offsets = desc["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(path, "malformed header: " + where + " data_offsets must be two non-negative integers");
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size)
      fail(path, "truncated or malformed: " + where + " spans bytes [" + std::to_string(begin) + ", " +
                     std::to_string(end) + ") but the data section has " + std::to_string(data_size));
    const uint64_t expected = static_cast<uint64_t>(entry.numel()) * info->size;
    if (end - begin != expected)
      fail(path, "malformed header: " + where + " holds " + std::to_string(end - begin) + " bytes, its dtype and shape need " +
                     std::to_string(expected));
    entry.data = data + begin;
    entry.nbytes = end - begin;
    file->index_[name] = file->tensors_.size();
    file->tensors_.push_back(std::move(entry));
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_)
    munmap(map_, map_size_);
}

const TensorEntry *SafetensorsFile::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorEntry &SafetensorsFile::at(const std::string &name) const {
  const TensorEntry *entry = find(name);
  if (!entry)
    fail(path_, "missing key '" + name + "'");
  return *entry;
}

void SafetensorsWriter::set_metadata(const std::string &key, const std::string &value) { metadata_[key] = value; }

void SafetensorsWriter::add(const std::string &name, DType dtype, const std::vector<int64_t> &shape, const void *data,
                            size_t nbytes) {
  const auto *p = static_cast<const uint8_t *>(data);
  tensors_.push_back({name, dtype, shape, std::vector<uint8_t>(p, p + nbytes)});
}

void SafetensorsWriter::write(const std::string &path) const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty())
    header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto &t : tensors_) {
    header[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' '); // keep the data 8-byte aligned, as the reference writer does
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      fail(path, "cannot write");
    uint8_t len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = static_cast<uint8_t>((static_cast<uint64_t>(text.size()) >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char *>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto &t : tensors_)
      out.write(reinterpret_cast<const char *>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
    if (!out.flush())
      fail(path, "write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    fail(path, std::string("cannot rename: ") + std::strerror(errno));
}

} // namespace dgsct
