// SPDX-License-Identifier: LGPL-2.1-or-later
// Reader and writer for the safetensors format (8-byte little-endian header length, a JSON header
// naming every tensor's dtype, shape and byte range, then the raw data). No LibTorch here, so
// GStreamer code can read model metadata cheaply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace dgsct {

enum class DType { F16, BF16, F32, F64, I64, I32, U8, BOOL };

const char *dtype_name(DType dtype);
size_t dtype_size(DType dtype);

// Every problem with a file (I/O, format, validation) is reported as a FileError whose message
// starts with the file's path and names the key involved.
class FileError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct TensorEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t *data; // points into the mapped file
  size_t nbytes;

  int64_t numel() const;
};

class SafetensorsFile {
public:
  // Maps the file and validates the header: every entry's dtype known, shape non-negative, byte
  // range inside the file and matching dtype x shape. Throws FileError.
  static std::shared_ptr<const SafetensorsFile> open(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return path_; }
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  const std::vector<TensorEntry> &tensors() const { return tensors_; }
  const TensorEntry *find(const std::string &name) const;
  const TensorEntry &at(const std::string &name) const; // throws FileError naming the key

private:
  SafetensorsFile() = default;
  std::string path_;
  void *map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<TensorEntry> tensors_;
  std::map<std::string, size_t> index_;
};

class SafetensorsWriter {
public:
  void set_metadata(const std::string &key, const std::string &value);
  // Copies the bytes; tensors are written in the order they were added.
  void add(const std::string &name, DType dtype, const std::vector<int64_t> &shape, const void *data,
           size_t nbytes);
  // Writes to a temporary file and renames it, so a failed write leaves no partial file.
  void write(const std::string &path) const;

private:
  struct Pending {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::map<std::string, std::string> metadata_;
  std::vector<Pending> tensors_;
};

} // namespace dgsct
