// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace dgsct {
namespace {

using nlohmann::json;

class Reader {
public:
  Reader(const json &node, std::string where) : node_(node), where_(std::move(where)) {}

  const json &field(const std::string &key) const {
    if (!node_.is_object() || !node_.contains(key))
      throw std::runtime_error(where_ + ": missing field '" + key + "'");
    return node_.at(key);
  }
  template <typename T> T get(const std::string &key) const {
    try {
      return field(key).get<T>();
    } catch (const json::exception &) {
      throw std::runtime_error(where_ + ": field '" + key + "' has the wrong type");
    }
  }
  int positive(const std::string &key) const {
    int v = get<int>(key);
    if (v <= 0)
      throw std::runtime_error(where_ + ": field '" + key + "' must be positive");
    return v;
  }
  Reader child(const std::string &key) const { return Reader(field(key), where_ + "." + key); }
  bool has(const std::string &key) const { return node_.is_object() && node_.contains(key); }

private:
  const json &node_;
  std::string where_;
};

std::vector<StageGeometry> stage_geometry(int dim0, int grid0, const std::vector<int> &depths,
                                          const std::vector<int> &heads, int window) {
  std::vector<StageGeometry> stages;
  int dim = dim0, grid = grid0;
  for (size_t s = 0; s < depths.size(); ++s) {
    // A window as large as the grid covers it whole: clamp it and drop the shift.
    const bool clamped = grid <= window;
    const int w = clamped ? grid : window;
    stages.push_back({dim, grid, depths[s], heads[s], w, clamped ? 0 : w / 2, s + 1 < depths.size()});
    dim *= 2;
    grid /= 2;
  }
  return stages;
}

std::string read_text(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool file_exists(const std::string &path) { return std::ifstream(path).good(); }

} // namespace

std::vector<StageGeometry> SwinConfig::stages() const {
  return stage_geometry(embed_dim, img_size / patch_size, depths, heads, window);
}

std::vector<StageGeometry> HtsatConfig::stages() const {
  return stage_geometry(embed_dim, spec_size / patch_size, depths, heads, window);
}

std::vector<SlotPairing> ModelConfig::slots() const {
  std::vector<SlotPairing> slots;
  for (size_t s = 0; s < swin.depths.size(); ++s) {
    const int vis = swin.depths[s], aud = htsat.depths[s];
    const int stride = vis / aud; // 1, or 3 in the 18-vs-6 stage
    for (int j = 0; j < aud; ++j)
      slots.push_back({static_cast<int>(slots.size()), static_cast<int>(s), j * stride + stride - 1, j});
  }
  return slots;
}

ModelConfig ModelConfig::parse(const std::string &json_text, const std::string &source) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json_text);
  } catch (const std::exception &e) {
    throw std::runtime_error(source + ": malformed JSON: " + e.what());
  }
  Reader r(root, source);
  ModelConfig c;
  c.source_json = json_text;
  c.name = r.get<std::string>("name");
  c.task = r.get<std::string>("task");
  if (c.task != "ave" && c.task != "avs" && c.task != "avvp" && c.task != "avqa")
    throw std::runtime_error(source + ": task '" + c.task + "' is not supported (supported: ave, avs, avvp, avqa)");
  c.segments = r.positive("segments");
  c.classes = c.is_segmentation() ? 1 : r.positive("classes");

  Reader v = r.child("video");
  c.video = {v.positive("size"), v.get<std::vector<double>>("mean"), v.get<std::vector<double>>("std")};
  if (c.video.mean.size() != 3 || c.video.std.size() != 3)
    throw std::runtime_error(source + ".video: mean and std need 3 values");

  Reader a = r.child("audio");
  c.audio = {a.positive("sample_rate"), a.positive("segment_samples"), a.positive("tiles")};

  Reader s = r.child("swin");
  c.swin = {s.positive("img_size"),   s.positive("patch_size"),          s.positive("in_chans"),
            s.positive("embed_dim"),  s.get<std::vector<int>>("depths"), s.get<std::vector<int>>("heads"),
            s.positive("window"),     s.get<double>("mlp_ratio"),        s.positive("cpb_hidden"),
            s.positive("head_classes")};
  if (s.has("absolute_position"))
    c.swin.absolute_position = s.get<bool>("absolute_position");

  Reader h = r.child("htsat");
  c.htsat = {h.positive("n_fft"),      h.positive("hop"),        h.positive("mel_bins"),
             h.positive("spec_size"),  h.positive("patch_size"), h.positive("embed_dim"),
             h.get<std::vector<int>>("depths"), h.get<std::vector<int>>("heads"), h.positive("window"),
             h.get<double>("mlp_ratio"), h.positive("num_classes")};

  Reader ad = r.child("adapter");
  c.adapter = {ad.positive("tokens"),          ad.positive("reduction"),     ad.positive("groups"),
               ad.get<bool>("batch_norm"),     ad.get<bool>("audio_gate"),   ad.get<bool>("visual_gate"),
               ad.get<bool>("ln_before"),      ad.get<bool>("gate_before_ln"), ad.get<double>("alpha"),
               ad.get<double>("beta"),         ad.get<std::string>("resample")};
  if (c.adapter.resample != "token_conv" && c.adapter.resample != "interpolate")
    throw std::runtime_error(source + ".adapter: resample must be 'token_conv' or 'interpolate'");

  const bool event_head = c.task == "ave";
  c.temporal = {};
  if (!c.is_question_answering()) {
    Reader t = r.child("temporal");
    c.temporal = {c.is_parsing() ? 0 : t.positive("video_fc"), event_head ? t.positive("audio_fc") : 0, t.positive("d_model"),
                  t.positive("feedforward"),       t.positive("heads"),             t.positive("encoder_layers"),
                  t.positive("audio_lstm_hidden"), t.positive("video_lstm_hidden"), t.get<double>("gamma")};
  }

  if (c.is_segmentation()) {
    Reader sg = r.child("segmentation");
    c.segmentation = {sg.positive("channel"), sg.positive("audio_dim"), sg.get<std::vector<int>>("map_sizes"),
                      sg.positive("tpavi_inter"), sg.get<std::vector<int>>("output_hidden")};
  } else if (c.is_parsing()) {
    Reader p = r.child("parsing");
    c.parsing = {p.positive("dim"),           p.positive("clip_feature_dim"),  p.positive("depth_audio"),
                 p.positive("depth_visual"),  p.positive("depth_cross"),       p.positive("heads"),
                 p.get<double>("mlp_ratio"),  p.get<double>("token_mlp_ratio"), p.get<double>("channel_mlp_ratio"),
                 p.get<double>("assign_eps"), ClipEncoderConfig{}};
    if (c.parsing.dim % c.parsing.heads)
      throw std::runtime_error(source + ".parsing: dim must divide by heads");
    // The audio gate's bidirectional LSTMs read and write the head's width.
    if (2 * c.temporal.audio_lstm_hidden != c.parsing.dim || 2 * c.temporal.video_lstm_hidden != c.parsing.dim)
      throw std::runtime_error(source + ".temporal: audio_lstm_hidden and video_lstm_hidden must be half of parsing.dim");
    if (p.has("clip_encoder")) {
      Reader ce = p.child("clip_encoder");
      c.parsing.clip_encoder = {ce.positive("stem_width"), ce.get<std::vector<int>>("widths"), ce.positive("frames"),
                                ce.positive("size")};
    }
    const auto &widths = c.parsing.clip_encoder.widths;
    if (widths.size() != 4 || *std::min_element(widths.begin(), widths.end()) <= 0)
      throw std::runtime_error(source + ".parsing.clip_encoder: widths needs 4 positive stage widths");
    if (widths.back() != c.parsing.clip_feature_dim)
      throw std::runtime_error(source + ".parsing: clip_feature_dim must equal the clip encoder's last width (" +
                               std::to_string(widths.back()) + ")");
  } else if (c.is_question_answering()) {
    Reader q = r.child("question_answering");
    c.question = {q.positive("width"), q.positive("vocabulary"), q.positive("question_length"), q.positive("heads"),
                  q.get<std::vector<int>>("match_hidden")};
  } else if (event_head) {
    Reader cm = r.child("cmbs");
    c.cmbs = {cm.positive("topk"), cm.get<double>("gamma")};
  }

  // Geometry the official code relies on.
  const auto fail = [&](const std::string &what) { throw std::runtime_error(source + ": " + what); };
  if (c.swin.depths.size() != 4 || c.swin.heads.size() != 4 || c.htsat.depths.size() != 4 || c.htsat.heads.size() != 4)
    fail("swin and htsat need 4 stages (depths and heads)");
  for (size_t i = 0; i < 4; ++i)
    if (c.htsat.depths[i] <= 0 || c.swin.depths[i] % c.htsat.depths[i] != 0 ||
        (c.swin.depths[i] != c.htsat.depths[i] && c.swin.depths[i] != 3 * c.htsat.depths[i]))
      fail("swin depth of stage " + std::to_string(i) + " must equal or triple the htsat depth");
  if (c.swin.img_size != c.video.size)
    fail("video.size must equal swin.img_size");
  if (c.htsat.spec_size % c.htsat.mel_bins != 0 ||
      c.htsat.image_time_bins() < c.htsat.frames(c.audio.segment_samples * c.audio.tiles))
    fail("htsat.spec_size must be a multiple of mel_bins, with spec_size * freq_ratio >= the STFT frames");
  for (const auto &st : c.swin.stages())
    if (st.dim % st.heads || st.grid % st.window)
      fail("swin stage dims must divide by heads and grids by windows");
  for (const auto &st : c.htsat.stages())
    if (st.dim % st.heads || st.grid % st.window)
      fail("htsat stage dims must divide by heads and grids by windows");
  if (c.task == "ave" && c.cmbs.topk > c.segments)
    fail("cmbs.topk exceeds segments");
  if (c.is_question_answering()) {
    const auto &q = c.question;
    if (q.width != c.swin.stages().back().dim)
      fail("question_answering.width must equal the Swin's final width (the grounding compares its tokens with the audio)");
    if (q.width % q.heads)
      fail("question_answering.width must divide by heads");
    for (int w : q.match_hidden)
      if (w <= 0)
        fail("question_answering.match_hidden widths must be positive");
  }
  if (c.is_segmentation()) {
    const auto &sg = c.segmentation;
    if (sg.map_sizes.size() != 4 || sg.output_hidden.size() != 2)
      fail("segmentation needs 4 map_sizes and 2 output_hidden widths");
    for (size_t i = 0; i < 4; ++i)
      if (sg.map_sizes[i] <= 0 || (i > 0 && sg.map_sizes[i - 1] != 2 * sg.map_sizes[i]))
        fail("segmentation.map_sizes must halve from stage to stage (each decoder step upsamples x2)");
  }
  return c;
}

ModelConfig ModelConfig::from_file(const std::string &path) { return parse(read_text(path), path); }

std::vector<std::string> preset_search_path() {
  std::vector<std::string> dirs;
  if (const char *env = std::getenv("DGSCT_PRESET_PATH")) {
    std::stringstream ss(env);
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty())
        dirs.push_back(dir);
  }
  dirs.push_back(DGSCT_SOURCE_PRESET_DIR);
  dirs.push_back(DGSCT_INSTALLED_PRESET_DIR);
  return dirs;
}

ModelConfig ModelConfig::preset(const std::string &name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos ||
                       (name_or_path.size() > 5 && name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0);
  if (is_path)
    return from_file(name_or_path);
  std::string searched;
  for (const auto &dir : preset_search_path()) {
    const std::string path = dir + "/" + name_or_path + ".json";
    if (file_exists(path))
      return from_file(path);
    searched += " " + dir;
  }
  throw std::runtime_error("preset '" + name_or_path + "' not found in:" + searched);
}

} // namespace dgsct
