// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/model.h"

#include "ave_net.h"
#include "avs_net.h"
#include "avqa_net.h"
#include "avvp_net.h"
#include "question.h"
#include "dgsct/safetensors.h"
#include "weights.h"

#include <ATen/Context.h>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

namespace dgsct {
namespace {

constexpr const char *kFormat = "dgsct-model/1";

torch::Device parse_device(const std::string &name) {
  try {
    torch::Device device(name);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw std::runtime_error("device '" + name + "': this LibTorch has no usable CUDA device");
    if (device.is_cuda() && device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
      throw std::runtime_error("device '" + name + "': only " + std::to_string(torch::cuda::device_count()) + " CUDA devices");
    if (!device.is_cpu() && !device.is_cuda())
      throw std::runtime_error("device '" + name + "' is not supported (cpu, cuda, cuda:N)");
    return device;
  } catch (const c10::Error &) {
    throw std::runtime_error("device '" + name + "' is not a device name (cpu, cuda, cuda:N)");
  }
}

std::vector<SegmentFeatures> split_segments(const EncodedSegments &encoded) {
  std::vector<SegmentFeatures> out;
  for (int64_t s = 0; s < encoded.visual.size(0); ++s)
    out.push_back({encoded.visual[s], encoded.audio[s], {}, {}});
  return out;
}

std::vector<SegmentFeatures> split_segments(const QaSegments &encoded) {
  std::vector<SegmentFeatures> out;
  for (int64_t s = 0; s < encoded.audio.size(0); ++s)
    out.push_back({encoded.grounded[s], encoded.audio[s], {}, {}});
  return out;
}

std::vector<SegmentFeatures> split_segments(const SegmentMaps &encoded) {
  std::vector<SegmentFeatures> out;
  for (int64_t s = 0; s < encoded.audio.size(0); ++s) {
    SegmentFeatures segment{{}, encoded.audio[s], {}, {}};
    for (const auto &map : encoded.maps)
      segment.maps.push_back(map[s]);
    out.push_back(std::move(segment));
  }
  return out;
}

torch::ScalarType compute_dtype(Precision precision) {
  switch (precision) {
  case Precision::BF16: return torch::kBFloat16;
  case Precision::FP16: return torch::kFloat16;
  default: return torch::kFloat32;
  }
}

// Debian's LibTorch hands fp32 matrix products to OpenBLAS, which runs its own threads: a LibTorch
// thread pool on top oversubscribes the cores (ave-paper on 2 cores: 1.6 s per segment with one
// LibTorch thread, 4.8 s with two). bf16 products run in oneDNN on LibTorch's pool, which then
// should use every core (0.52 s with two threads, 0.79 s with one). See docs/performance.md.
int default_threads(Precision precision) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return precision == Precision::FP32 ? 1 : cores;
}

} // namespace

Precision parse_precision(const std::string &name) {
  if (name == "fp32")
    return Precision::FP32;
  if (name == "bf16")
    return Precision::BF16;
  if (name == "fp16")
    return Precision::FP16;
  throw std::runtime_error("precision '" + name + "' is not one of fp32, bf16, fp16");
}

const char *precision_name(Precision precision) {
  switch (precision) {
  case Precision::BF16: return "bf16";
  case Precision::FP16: return "fp16";
  default: return "fp32";
  }
}

Model::Model(const ModelConfig &config, std::vector<std::string> labels, const ModelOptions &options)
    : config_(config), labels_(std::move(labels)), options_(options), device_(parse_device(options.device)) {
  if (options.threads < 0)
    throw std::runtime_error("threads must be >= 0");
  torch::set_num_threads(options.threads > 0 ? options.threads : default_threads(options.precision));
  if (options.precision == Precision::FP16 && !device_.is_cuda())
    throw std::runtime_error("precision fp16 needs a CUDA device (use bf16 on CPU)");
  // fp32 means fp32: PyTorch lets cuDNN convolutions (and, if asked, cuBLAS) run in TF32, which
  // costs 1e-3 of relative precision (the golden taps fail). The setting is process-wide.
  if (device_.is_cuda() && options.precision == Precision::FP32) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
  }
  if (!labels_.empty() && static_cast<int>(labels_.size()) != config_.classes)
    throw std::runtime_error("model '" + config_.name + "' has " + std::to_string(config_.classes) + " classes but " +
                             std::to_string(labels_.size()) + " label names");
  if (config_.is_segmentation())
    avs_ = std::make_shared<AvsNetImpl>(config_);
  else if (config_.is_parsing())
    avvp_ = std::make_shared<AvvpNetImpl>(config_);
  else if (config_.is_question_answering())
    avqa_ = std::make_shared<AvqaNetImpl>(config_);
  else if (config_.task == "ave")
    net_ = std::make_shared<AveNetImpl>(config_);
  else
    throw std::runtime_error("model '" + config_.name + "': task '" + config_.task + "' has no model yet");
}

torch::nn::Module &Model::module() const {
  if (avs_)
    return *avs_;
  if (avvp_)
    return *avvp_;
  if (avqa_)
    return *avqa_;
  return *net_;
}

DualEncoder &Model::encoder() const {
  if (avs_)
    return avs_->encoder;
  if (avvp_)
    return avvp_->encoder;
  if (avqa_)
    return avqa_->encoder;
  return net_->encoder;
}

Model::~Model() = default;

void Model::finish_loading() {
  if (avs_)
    avs_->place(device_, compute_dtype(options_.precision));
  else if (avvp_)
    avvp_->place(device_, compute_dtype(options_.precision));
  else if (avqa_)
    avqa_->place(device_, compute_dtype(options_.precision));
  else
    net_->place(device_, compute_dtype(options_.precision));
  module().eval();
}

std::unique_ptr<Model> Model::from_weights(const ModelConfig &config, const std::string &weights_path,
                                           std::vector<std::string> labels, const ModelOptions &options) {
  auto file = SafetensorsFile::open(weights_path);
  std::unique_ptr<Model> model(new Model(config, std::move(labels), options));
  model->unused_keys_ = load_state(model->module(), *file, dgsct::unused_keys(config));
  model->finish_loading();
  return model;
}

std::unique_ptr<Model> Model::load(const std::string &path, const ModelOptions &options) {
  auto file = SafetensorsFile::open(path);
  const auto &meta = file->metadata();
  const auto field = [&](const std::string &key) -> const std::string & {
    auto it = meta.find(key);
    if (it == meta.end())
      throw FileError(path + ": not a dgsct model file (metadata '" + key + "' missing)");
    return it->second;
  };
  if (field("format") != kFormat)
    throw FileError(path + ": not a dgsct model file (format '" + field("format") + "', expected " + kFormat +
                    "; pack bare weights with dgsct-pack)");
  ModelConfig config = ModelConfig::parse(field("dgsct.config"), path + " [dgsct.config]");
  std::vector<std::string> labels;
  try {
    labels = nlohmann::json::parse(field("dgsct.labels")).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception &e) {
    throw FileError(path + ": metadata 'dgsct.labels' is not a JSON list of strings");
  }
  std::unique_ptr<Model> model(new Model(config, std::move(labels), options));
  if (model->avqa_) {
    try {
      model->set_question_vocabulary(nlohmann::json::parse(field("dgsct.vocabulary")).get<std::vector<std::string>>());
    } catch (const nlohmann::json::exception &) {
      throw FileError(path + ": metadata 'dgsct.vocabulary' is not a JSON list of strings");
    } catch (const std::invalid_argument &e) {
      throw FileError(path + ": metadata 'dgsct.vocabulary': " + e.what());
    }
  }
  if (model->avvp_ && file->find("clip_encoder.stem.0.weight"))
    model->avvp_->add_clip_encoder();
  model->unused_keys_ = load_state(model->module(), *file, dgsct::unused_keys(config));
  model->finish_loading();
  return model;
}

bool Model::has_clip_encoder() const { return avvp_ && avvp_->clip_encoder; }

torch::Tensor Model::clip_features(const torch::Tensor &frames) const {
  return clip_features_of_prepared(prepare_clips(frames));
}

torch::Tensor Model::prepare_clips(const torch::Tensor &frames) const {
  return dgsct::prepare_clips(frames, config_.parsing.clip_encoder, device_);
}

torch::Tensor Model::clip_features_of_prepared(const torch::Tensor &clips) const {
  if (!has_clip_encoder())
    throw std::invalid_argument("model '" + config_.name + "' carries no clip encoder (pack one with dgsct-pack --clip-encoder)");
  torch::NoGradGuard no_grad;
  return avvp_->clip_encoder->forward(clips.to(device_, torch::kFloat32));
}

void Model::load_clip_encoder(const std::string &weights_path) {
  if (!avvp_)
    throw std::invalid_argument("only AVVP models have a clip encoder");
  auto file = SafetensorsFile::open(weights_path);
  ClipEncoder loaded(config_.parsing.clip_encoder);
  // torchvision's file also holds the Kinetics classifier, which the features do not use.
  const int64_t features = config_.parsing.clip_feature_dim;
  const std::vector<KeySpec> classifier = {{"fc.weight", {400, features}, DType::F32}, {"fc.bias", {400}, DType::F32}};
  load_state(*loaded, *file, classifier);
  avvp_->add_clip_encoder();
  torch::NoGradGuard no_grad;
  auto target = state_dict(*avvp_->clip_encoder);
  auto source = state_dict(*loaded);
  for (size_t i = 0; i < target.size(); ++i)
    target[i].second.copy_(source[i].second);
}

std::unique_ptr<Model> Model::random(const ModelConfig &config, const ModelOptions &options, uint64_t seed) {
  torch::manual_seed(seed);
  std::unique_ptr<Model> model(new Model(config, {}, options));
  if (model->avvp_)
    model->avvp_->add_clip_encoder();
  torch::NoGradGuard no_grad;
  for (auto &kv : state_dict(model->module()))
    if (kv.second.is_floating_point() && kv.first.find("running_var") == std::string::npos)
      kv.second.normal_(0.0, 0.02);
  model->finish_loading();
  return model;
}

std::string Model::label_name(int label) const {
  if (label == background_class())
    return "background";
  if (label >= 0 && label < static_cast<int>(labels_.size()))
    return labels_[label];
  return "class " + std::to_string(label);
}

std::vector<SegmentFeatures> Model::encode(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) const {
  torch::NoGradGuard no_grad;
  if (frames.dim() != 4 || frames.size(3) != 3 || frames.scalar_type() != torch::kUInt8)
    throw std::invalid_argument("frames must be [S, H, W, 3] uint8 RGB");
  if (audio.dim() != 2 || audio.size(0) != frames.size(0) || audio.size(1) != config_.audio.segment_samples)
    throw std::invalid_argument("audio must be [S, " + std::to_string(config_.audio.segment_samples) + "] with S = number of frames");
  if (avs_)
    return split_segments(avs_->encode(frames, audio.to(torch::kFloat32), taps));
  if (avvp_)
    return split_segments(avvp_->encode(frames, audio.to(torch::kFloat32), taps));
  if (avqa_)
    return split_segments(avqa_->encode(frames, audio.to(torch::kFloat32), taps));
  return split_segments(net_->encode(frames, audio.to(torch::kFloat32), taps));
}

torch::Tensor Model::log_mel(const torch::Tensor &audio) const { return encoder().htsat->log_mel(audio); }

std::vector<SegmentFeatures> Model::encode_prepared(const torch::Tensor &frames_norm, const torch::Tensor &log_mel) const {
  torch::NoGradGuard no_grad;
  const int64_t size = config_.video.size;
  const int64_t frames = config_.htsat.frames(config_.audio.segment_samples * config_.audio.tiles);
  if (frames_norm.dim() != 4 || frames_norm.size(1) != 3 || frames_norm.size(2) != size || frames_norm.size(3) != size)
    throw std::invalid_argument("prepared frames must be [S, 3, " + std::to_string(size) + ", " + std::to_string(size) + "]");
  if (log_mel.dim() != 4 || log_mel.size(0) != frames_norm.size(0) || log_mel.size(1) != 1 || log_mel.size(2) != frames ||
      log_mel.size(3) != config_.htsat.mel_bins)
    throw std::invalid_argument("log-mel must be [S, 1, " + std::to_string(frames) + ", " +
                                std::to_string(config_.htsat.mel_bins) + "] with S = number of frames");
  if (avs_)
    return split_segments(avs_->encode_prepared(frames_norm, log_mel));
  if (avvp_)
    return split_segments(avvp_->encode_prepared(frames_norm, log_mel));
  if (avqa_)
    return split_segments(avqa_->encode_prepared(frames_norm, log_mel));
  return split_segments(net_->encode_prepared(frames_norm, log_mel));
}

SegmentFeatures Model::encode_segment(const torch::Tensor &frame, const torch::Tensor &audio) const {
  return encode(frame.unsqueeze(0), audio.unsqueeze(0)).front();
}

WindowResult Model::segmentation_head(const std::vector<SegmentFeatures> &window, const std::vector<int> &frames, Taps *taps) const {
  std::vector<int64_t> selected;
  for (int f : frames) {
    if (f < 0 || f >= config_.segments)
      throw std::invalid_argument("mask frame " + std::to_string(f) + " is outside the window of " + std::to_string(config_.segments));
    selected.push_back(f);
  }
  std::vector<torch::Tensor> maps(4), audio;
  for (size_t k = 0; k < maps.size(); ++k) {
    std::vector<torch::Tensor> per_segment;
    for (const auto &segment : window) {
      if (segment.maps.size() != maps.size())
        throw std::invalid_argument("an AVS window needs the four maps of every segment");
      per_segment.push_back(segment.maps[k]);
    }
    maps[k] = torch::stack(per_segment);
  }
  for (const auto &segment : window)
    audio.push_back(segment.audio);
  auto logits = avs_->head(maps, torch::stack(audio).unsqueeze(0), selected, taps);
  WindowResult result;
  result.mask_logits = logits.squeeze(1).cpu();
  result.masks = decode_masks(logits).cpu();
  if (selected.empty())
    for (int t = 0; t < config_.segments; ++t)
      result.mask_frames.push_back(t);
  else
    result.mask_frames = frames;
  return result;
}

WindowResult Model::head(const std::vector<SegmentFeatures> &window, Taps *taps) const { return head(window, {}, taps); }

WindowResult Model::head(const std::vector<SegmentFeatures> &window, const std::vector<int> &frames, Taps *taps) const {
  torch::NoGradGuard no_grad;
  if (static_cast<int>(window.size()) != config_.segments)
    throw std::invalid_argument("the head needs a window of " + std::to_string(config_.segments) + " segments, got " +
                                std::to_string(window.size()));
  if (avs_)
    return segmentation_head(window, frames, taps);
  if (avvp_)
    return parsing_head(window, taps);
  if (avqa_)
    throw std::invalid_argument("an AVQA model answers questions: use Model::answer(window, question)");
  std::vector<torch::Tensor> visual, audio;
  for (const auto &segment : window) {
    visual.push_back(segment.visual);
    audio.push_back(segment.audio);
  }
  auto out = net_->head(torch::stack(visual).unsqueeze(0), torch::stack(audio).unsqueeze(0), taps);
  WindowResult result;
  auto labels = out.labels[0].cpu();
  auto prob = torch::sigmoid(out.is_event[0]).cpu();
  for (int t = 0; t < config_.segments; ++t) {
    result.labels.push_back(static_cast<int>(labels[t].item<int64_t>()));
    result.foreground_prob.push_back(prob[t].item<float>());
  }
  result.event_class = static_cast<int>(out.event_class[0].item<int64_t>());
  auto scores = out.event_scores[0].cpu().contiguous();
  result.event_scores.assign(scores.data_ptr<float>(), scores.data_ptr<float>() + scores.numel());
  result.is_event = out.is_event[0].cpu();
  result.event_scores_raw = scores;
  result.av_score = out.av_score[0].cpu();
  result.audio_visual_gate = out.audio_visual_gate[0].cpu();
  return result;
}

WindowResult Model::parsing_head(const std::vector<SegmentFeatures> &window, Taps *taps) const {
  std::vector<torch::Tensor> visual, audio, clip;
  for (size_t t = 0; t < window.size(); ++t) {
    if (!window[t].clip.defined() || window[t].clip.numel() != config_.parsing.clip_feature_dim)
      throw std::invalid_argument("an AVVP window needs the clip feature of every segment (SegmentFeatures::clip, " +
                                  std::to_string(config_.parsing.clip_feature_dim) + " values); segment " +
                                  std::to_string(t) + " has none");
    visual.push_back(window[t].visual);
    audio.push_back(window[t].audio);
    clip.push_back(window[t].clip.to(device_, torch::kFloat32).view(-1));
  }
  const auto batch = [](const std::vector<torch::Tensor> &x) { return torch::stack(x).unsqueeze(0); };
  auto out = avvp_->head(batch(visual), batch(audio), batch(clip), taps);
  WindowResult result;
  result.video_prob = out.global_prob[0].cpu();
  result.video_labels = out.video_level[0].cpu();
  result.audio_events = out.audio[0].cpu();
  result.visual_events = out.visual[0].cpu();
  result.audio_visual_events = out.audio_visual[0].cpu();
  result.audio_frame_prob = out.audio_frame_prob[0].cpu();
  result.visual_frame_prob = out.visual_frame_prob[0].cpu();
  return result;
}

void Model::set_question_vocabulary(std::vector<std::string> words) {
  if (!avqa_)
    throw std::invalid_argument("only AVQA models have a question vocabulary");
  if (static_cast<int>(words.size()) != config_.question.vocabulary)
    throw std::invalid_argument("model '" + config_.name + "' embeds " + std::to_string(config_.question.vocabulary) +
                                " question tokens but the vocabulary has " + std::to_string(words.size()));
  vocabulary_ = std::make_shared<QuestionVocabulary>(QuestionVocabulary::from_words(std::move(words)));
}

const std::vector<std::string> &Model::question_vocabulary() const {
  static const std::vector<std::string> none;
  return vocabulary_ ? vocabulary_->words() : none;
}

std::vector<std::string> Model::unknown_words(const std::string &question, const std::vector<std::string> &template_values) const {
  if (!vocabulary_)
    throw std::invalid_argument("model '" + config_.name + "' has no question vocabulary");
  return tokenize_question(question, template_values, *vocabulary_, config_.question.question_length).unknown;
}

WindowResult Model::answer(const std::vector<SegmentFeatures> &window, const std::string &question,
                           const std::vector<std::string> &template_values, Taps *taps) const {
  torch::NoGradGuard no_grad;
  if (!avqa_ || !vocabulary_)
    throw std::invalid_argument("model '" + config_.name + "' does not answer questions (an AVQA model with its vocabulary does)");
  if (static_cast<int>(window.size()) != config_.segments)
    throw std::invalid_argument("an answer needs a window of " + std::to_string(config_.segments) + " segments, got " +
                                std::to_string(window.size()));
  const auto tokens = tokenize_question(question, template_values, *vocabulary_, config_.question.question_length);
  if (!tokens.ok()) {
    std::string words;
    for (const auto &w : tokens.unknown)
      words += (words.empty() ? "'" : ", '") + w + "'";
    throw std::invalid_argument("question '" + question + "' has words outside the vocabulary: " + words);
  }
  std::vector<torch::Tensor> audio, grounded;
  for (const auto &segment : window) {
    audio.push_back(segment.audio);
    grounded.push_back(segment.visual);
  }
  auto ids = torch::tensor(tokens.ids, torch::kLong).unsqueeze(0).to(device_);
  auto out = avqa_->head(torch::stack(audio).unsqueeze(0), torch::stack(grounded).unsqueeze(0), avqa_->encode_question(ids, taps), taps);
  WindowResult result;
  result.answer_logits = out.logits[0].cpu();
  result.answer = static_cast<int>(out.answer[0].template item<int64_t>());
  auto probs = torch::softmax(result.answer_logits.to(torch::kFloat32), 0).contiguous();
  result.answer_probs.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
  return result;
}

WindowResult Model::run_clip(const torch::Tensor &frames, const torch::Tensor &audio, Taps *taps) const {
  return head(encode(frames, audio, taps), taps);
}

WindowResult Model::run_clip(const torch::Tensor &frames, const torch::Tensor &audio, const torch::Tensor &clip_features,
                             Taps *taps) const {
  auto window = encode(frames, audio, taps);
  if (clip_features.dim() != 2 || clip_features.size(0) != static_cast<int64_t>(window.size()))
    throw std::invalid_argument("clip features must be [S, " + std::to_string(config_.parsing.clip_feature_dim) +
                                "] with S = number of frames");
  for (size_t s = 0; s < window.size(); ++s)
    window[s].clip = clip_features[s];
  return head(window, taps);
}

void Model::save(const std::string &path, const std::string &dtype) const {
  torch::ScalarType target;
  if (dtype == "F32")
    target = torch::kFloat32;
  else if (dtype == "F16")
    target = torch::kFloat16;
  else if (dtype == "BF16")
    target = torch::kBFloat16;
  else
    throw std::invalid_argument("dtype '" + dtype + "' is not one of F32, F16, BF16");
  SafetensorsWriter writer;
  writer.set_metadata("format", kFormat);
  writer.set_metadata("dgsct.config", config_.source_json);
  writer.set_metadata("dgsct.labels", nlohmann::json(labels_).dump());
  if (vocabulary_)
    writer.set_metadata("dgsct.vocabulary", nlohmann::json(vocabulary_->words()).dump());
  for (const auto &kv : state_dict(module())) {
    // Exact constants (STFT kernels, mel matrix, masks) stay F32 whatever the storage dtype.
    const bool exact = kv.first.find("spectrogram_extractor") != std::string::npos ||
                       kv.first.find("melW") != std::string::npos || kv.first.find("attn_mask") != std::string::npos;
    auto t = kv.second.detach().cpu();
    if (t.is_floating_point())
      t = t.to(exact ? torch::kFloat32 : target);
    t = t.contiguous();
    writer.add(kv.first, dtype_of(t.scalar_type()), t.sizes().vec(), t.data_ptr(), t.nbytes());
  }
  writer.write(path);
}

std::vector<std::string> Model::read_labels(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open label file");
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      labels.push_back(line);
  return labels;
}

} // namespace dgsct
