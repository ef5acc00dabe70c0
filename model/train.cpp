// SPDX-License-Identifier: LGPL-2.1-or-later
#include "dgsct/train.h"

#include "ave_net.h"
#include "avqa_net.h"
#include "avs_net.h"
#include "avvp_net.h"
#include "dgsct/frontend.h"
#include "question.h"
#include "weights.h"

#include <cmath>
#include <numeric>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace dgsct {

// Encoder outputs of each clip, computed once when only the head trains (TrainOptions::head_only).
// A clip is known by its frames tensor, which its entry keeps alive so that no other clip can
// take its place; AVQA's questions about one video share that tensor and so its entry.
class EncoderCache {
public:
  struct Entry {
    torch::Tensor visual, audio; // AVE, AVVP: EncodedSegments; AVQA: QaTokens
    torch::Tensor plain_visual;  // AVQA: the frames through the Swin without adapters (the match term)
    torch::Tensor frames;        // the key
  };
  template <class Encode> const Entry &get(const TrainingClip &clip, Encode encode) {
    auto &entry = entries_[clip.frames.unsafeGetTensorImpl()];
    if (!entry.frames.defined()) {
      torch::NoGradGuard no_grad;
      entry = encode(clip);
      entry.frames = clip.frames;
    }
    return entry;
  }

private:
  std::unordered_map<const void *, Entry> entries_;
};

namespace {

bool contains(const std::string &name, const char *part) { return name.find(part) != std::string::npos; }

bool ends_with(const std::string &name, const std::string &tail) {
  return name.size() >= tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

// The STFT kernels and the mel matrix are the definition of the front end, not learnt weights.
bool front_end(const std::string &name) { return contains(name, "spectrogram_extractor") || contains(name, "logmel_extractor"); }

bool backbone(const std::string &name) { return name.rfind("swin.", 0) == 0 || name.rfind("htsat.", 0) == 0; }

// The backbones and their adapters, shared by every task; the rest is the task's head.
bool dual_encoder(const std::string &name) { return backbone(name) || contains(name, "adapter_blocks_"); }

// Weights of the heads whose rows are classes (CMBS).
bool class_rows(const std::string &name) {
  return contains(name, "event_classifier.") || contains(name, "audio_cas.") || contains(name, "video_cas.");
}

void init_weight(torch::Tensor &t) {
  // Truncated normal, std 0.02 (timm's init for transformer linears).
  t.normal_(0.0, 0.02).clamp_(-0.04, 0.04);
}

// The constructors already give unit norms, zero biases and gates, log(10) logit scales and
// PyTorch's defaults for LSTMs; what is left: transformer matrices, attention projections left
// uninitialised, the adapters' prompt tokens (uniform [0, 1) as the official code), the front end.
// With `head_keeps_defaults` (AVQA) the head and the question encoder keep their constructors'
// initialisation, PyTorch's defaults as in the official model: the answer multiplies the fused
// features by the question feature, which two stacks of 0.02-scale layers would start near zero.
void init_for_training(torch::nn::Module &net, const ModelConfig &config, DualEncoder &encoder, bool head_keeps_defaults = false) {
  torch::NoGradGuard no_grad;
  for (auto &kv : net.named_parameters()) {
    auto &t = kv.value();
    const auto &name = kv.key();
    if (front_end(name) || (head_keeps_defaults && !dual_encoder(name)))
      continue;
    if (ends_with(name, "my_tokens"))
      t.uniform_(0.0, 1.0);
    else if (ends_with(name, "in_proj_weight"))
      torch::nn::init::xavier_uniform_(t);
    else if (t.dim() >= 2 && !contains(name, "_rnn") && !contains(name, "relative_position_bias_table"))
      init_weight(t);
    else if (ends_with(name, ".bias") && !contains(name, "_rnn"))
      t.zero_();
  }
  // AVS decoder: ReLU convolutions stacked ten deep need He initialisation to pass a signal; TPAVI
  // starts as the identity plus its LayerNorm, as officially (W_z's BatchNorm scale is 0).
  for (auto &kv : net.named_parameters()) {
    const auto &name = kv.key();
    if ((name.rfind("path", 0) == 0 || name.rfind("output_conv.", 0) == 0) && kv.value().dim() == 4)
      torch::nn::init::kaiming_normal_(kv.value(), 0.0, torch::kFanIn, torch::kReLU);
    if (contains(name, "W_z.1."))
      kv.value().zero_();
  }
  auto kernels = stft_kernels(config.htsat.n_fft);
  encoder.htsat->stft_real.copy_(kernels.first);
  encoder.htsat->stft_imag.copy_(kernels.second);
  encoder.htsat->mel_filters.copy_(slaney_mel_filters(config.audio.sample_rate, config.htsat.n_fft, config.htsat.mel_bins, 50, 14000));
}

// The question encoder's LSTM reads on through the padding after the question (unmasked, as
// officially). With PyTorch's default forget gates (sigmoid(0) = 1/2 a step) an eight-word question
// padded to fourteen reaches the final state at 1/64 of its strength and all questions look alike
// (their features differ by under 1%); a forget-gate bias of 2 keeps sigmoid(2)^6 = 0.46 of it.
void remember_through_padding(QuestionEncoderImpl &encoder) {
  torch::NoGradGuard no_grad;
  const int64_t hidden = encoder.lstm->options.hidden_size(); // gates i, f, g, o
  encoder.lstm->named_parameters()["bias_ih_l0"].narrow(0, hidden, hidden).fill_(2.0);
  encoder.lstm->named_parameters()["bias_hh_l0"].narrow(0, hidden, hidden).zero_();
}

torch::Tensor stack_inputs(const std::vector<const TrainingClip *> &batch, torch::Tensor TrainingClip::*field) {
  std::vector<torch::Tensor> parts;
  for (const auto *clip : batch)
    parts.push_back(clip->*field);
  return torch::cat(parts, 0);
}

void check_segments(const std::vector<const TrainingClip *> &batch, int64_t T, bool masks) {
  for (const auto *clip : batch)
    if (clip->frames.size(0) != T || clip->log_mel.size(0) != T ||
        (masks ? !clip->masks.defined() || clip->masks.size(0) != T : static_cast<int64_t>(clip->labels.size()) != T))
      throw std::invalid_argument("training clips need " + std::to_string(T) + (masks ? " segments with masks" : " segments"));
}

// The pooled encoder outputs of a batch ([B * T] rows each): encoded now, or once per clip through
// `cache` when only the head trains.
template <class Net>
EncodedSegments encode_batch(Net &net, const std::vector<const TrainingClip *> &batch, EncoderCache *cache) {
  if (!cache) {
    net.prepare_attention(); // the derived attention biases follow the weights being trained
    return net.encode_prepared(stack_inputs(batch, &TrainingClip::frames), stack_inputs(batch, &TrainingClip::log_mel));
  }
  std::vector<torch::Tensor> visual, audio;
  for (const auto *clip : batch) {
    const auto &entry = cache->get(*clip, [&](const TrainingClip &c) {
      net.prepare_attention();
      auto encoded = net.encode_prepared(c.frames, c.log_mel);
      return EncoderCache::Entry{encoded.visual, encoded.audio, {}, {}};
    });
    visual.push_back(entry.visual);
    audio.push_back(entry.audio);
  }
  return {torch::cat(visual), torch::cat(audio)};
}

HeadOutputs forward(AveNetImpl &net, const std::vector<const TrainingClip *> &batch, EncoderCache *cache) {
  const int64_t B = static_cast<int64_t>(batch.size()), T = net.config.segments;
  check_segments(batch, T, false);
  auto encoded = encode_batch(net, batch, cache);
  return net.head(encoded.visual.view({B, T, -1}), encoded.audio.view({B, T, -1}));
}

// Mask logits [B * T, 1, size, size].
torch::Tensor forward(AvsNetImpl &net, const std::vector<const TrainingClip *> &batch) {
  const int64_t B = static_cast<int64_t>(batch.size()), T = net.config.segments;
  check_segments(batch, T, true);
  net.prepare_attention();
  auto encoded = net.encode_prepared(stack_inputs(batch, &TrainingClip::frames), stack_inputs(batch, &TrainingClip::log_mel));
  return net.head(encoded.maps, encoded.audio.view({B, T, -1}));
}

ParsingOutputs forward(AvvpNetImpl &net, const std::vector<const TrainingClip *> &batch, EncoderCache *cache) {
  const int64_t B = static_cast<int64_t>(batch.size()), T = net.config.segments;
  for (const auto *clip : batch)
    if (clip->frames.size(0) != T || clip->log_mel.size(0) != T || !clip->clip_features.defined() ||
        clip->clip_features.size(0) != T || !clip->audio_events.defined() || !clip->visual_events.defined())
      throw std::invalid_argument("AVVP training clips need " + std::to_string(T) +
                                  " segments with clip features and audio and visual events");
  auto encoded = encode_batch(net, batch, cache);
  return net.head(encoded.visual.view({B, T, -1}), encoded.audio.view({B, T, -1}),
                  stack_inputs(batch, &TrainingClip::clip_features).view({B, T, -1}));
}

// The answers, with the videos the batch asks about and their segments (the match term needs them).
struct QaOutputs {
  std::vector<const TrainingClip *> videos; // one clip per distinct video
  QaSegments segments;                      // [videos * T] rows
  AnswerOutputs answers;                    // [B]
  std::vector<torch::Tensor> plain_visual;  // per video, when cached (EncoderCache::Entry)
};

QaOutputs forward(AvqaNetImpl &net, const std::vector<const TrainingClip *> &batch, EncoderCache *cache) {
  const int64_t T = net.config.segments;
  QaOutputs out;
  std::vector<int64_t> video_of;
  std::vector<torch::Tensor> questions;
  for (const auto *clip : batch) {
    if (clip->frames.size(0) != T || clip->log_mel.size(0) != T || !clip->question.defined() || clip->question.dim() != 1 ||
        clip->question.size(0) != batch[0]->question.size(0))
      throw std::invalid_argument("AVQA training clips need " + std::to_string(T) +
                                  " segments and questions of one length (Trainer::question_ids)");
    questions.push_back(clip->question);
    // Questions about one video (clips sharing its input tensors) share its encoding.
    size_t v = 0;
    while (v < out.videos.size() && !(out.videos[v]->frames.is_same(clip->frames) && out.videos[v]->log_mel.is_same(clip->log_mel)))
      ++v;
    if (v == out.videos.size())
      out.videos.push_back(clip);
    video_of.push_back(static_cast<int64_t>(v));
  }
  if (cache) {
    std::vector<torch::Tensor> visual, audio;
    for (const auto *video : out.videos) {
      const auto &entry = cache->get(*video, [&](const TrainingClip &c) {
        net.prepare_attention();
        auto tokens = net.encode_tokens(c.frames, c.log_mel);
        return EncoderCache::Entry{tokens.visual, tokens.pooled_audio, net.plain_visual(c.frames), {}};
      });
      visual.push_back(entry.visual);
      audio.push_back(entry.audio);
      out.plain_visual.push_back(entry.plain_visual);
    }
    out.segments = net.project(torch::cat(visual), torch::cat(audio));
  } else {
    net.prepare_attention();
    out.segments = net.encode_prepared(stack_inputs(out.videos, &TrainingClip::frames), stack_inputs(out.videos, &TrainingClip::log_mel));
  }
  const int64_t V = static_cast<int64_t>(out.videos.size());
  auto index = torch::tensor(video_of).to(out.segments.audio.device());
  out.answers = net.head(out.segments.audio.view({V, T, -1}).index_select(0, index),
                         out.segments.grounded.view({V, T, -1}).index_select(0, index),
                         net.encode_question(torch::stack(questions)));
  return out;
}

// The official match term: each segment's audio against its own grounded frame (class 1) and
// against the frame of the same second of the next video of the batch (class 0). Undefined when
// the batch asks about one video only.
torch::Tensor match_loss(AvqaNetImpl &net, const QaOutputs &out) {
  const size_t V = out.videos.size();
  if (V < 2)
    return {};
  const bool cached = !out.plain_visual.empty();
  std::vector<torch::Tensor> negatives; // frames, or their plain tokens when cached
  for (size_t v = 0; v < V; ++v)
    negatives.push_back(cached ? out.plain_visual[(v + 1) % V] : out.videos[(v + 1) % V]->frames);
  auto positive = net.match(out.segments);
  auto negative = cached ? net.match_negative_tokens(torch::cat(negatives), out.segments.audio)
                         : net.match_negative(torch::cat(negatives), out.segments.audio);
  auto options = torch::TensorOptions().dtype(torch::kLong).device(positive.device());
  auto truth = torch::cat({torch::ones({positive.size(0)}, options), torch::zeros({negative.size(0)}, options)});
  return torch::nn::functional::cross_entropy(torch::cat({positive, negative}), truth);
}

torch::Tensor stack_truth(const std::vector<const TrainingClip *> &batch, torch::Tensor TrainingClip::*field) {
  std::vector<torch::Tensor> parts;
  for (const auto *clip : batch)
    parts.push_back(clip->*field);
  return torch::stack(parts).to(torch::kFloat32);
}

// The optimiser's learning rate from now on (every parameter group).
void set_rate(torch::optim::AdamW &optimizer, double learning_rate) {
  for (auto &group : optimizer.param_groups())
    static_cast<torch::optim::AdamWOptions &>(group.options()).lr(learning_rate);
}

// One optimiser step down the gradient of `loss`.
void descend(torch::optim::AdamW &optimizer, const torch::Tensor &loss) {
  optimizer.zero_grad();
  loss.backward();
  optimizer.step();
}

// The segment decisions are `frame probability >= 0.5`, where a frame probability is the class's
// probability times a soft map in (1, 2] (spec 6.4): it is not a probability (it can exceed 1), and
// a class heard in many segments needs a class probability just under 0.5. A cross-entropy on the
// distance to the threshold trains the decision itself; the segments of one class differ by a few
// hundredths in frame probability (docs/demo-model.md), so the margin is scaled until such a
// difference decides the loss. Only classes present in the clip count (the video-level decision
// gates the others), else the rare positives drown among absent classes.
torch::Tensor decision_loss(const torch::Tensor &frame_prob, const torch::Tensor &truth, const torch::Tensor &present) {
  constexpr double sharpness = 300.0;
  auto per_entry = torch::binary_cross_entropy_with_logits(sharpness * (frame_prob - 0.5), truth, {}, {}, at::Reduction::None);
  auto weight = present.unsqueeze(1).expand_as(per_entry);
  return (per_entry * weight).sum() / weight.sum().clamp_min(1.0);
}

} // namespace

void ParsingCounts::add(const torch::Tensor &audio, const torch::Tensor &visual, const torch::Tensor &audio_truth,
                        const torch::Tensor &visual_truth) {
  const torch::Tensor decided[3] = {audio.to(torch::kBool), visual.to(torch::kBool), audio.to(torch::kBool) & visual.to(torch::kBool)};
  const torch::Tensor truth[3] = {audio_truth.to(torch::kBool), visual_truth.to(torch::kBool),
                                  audio_truth.to(torch::kBool) & visual_truth.to(torch::kBool)};
  for (int m = 0; m < 3; ++m) {
    tp[m] += (decided[m] & truth[m]).sum().item<int64_t>();
    fp[m] += (decided[m] & ~truth[m]).sum().item<int64_t>();
    fn[m] += (~decided[m] & truth[m]).sum().item<int64_t>();
  }
}

ParsingCounts &ParsingCounts::operator+=(const ParsingCounts &other) {
  for (int m = 0; m < 3; ++m) {
    tp[m] += other.tp[m];
    fp[m] += other.fp[m];
    fn[m] += other.fn[m];
  }
  return *this;
}

double ParsingCounts::f1(int modality) const {
  const double denominator = 2.0 * tp[modality] + fp[modality] + fn[modality];
  return denominator > 0 ? 2.0 * tp[modality] / denominator : 1.0;
}

Trainer::Trainer(Model &model, const TrainOptions &options) : model_(model), options_(options) {
  if (model.device() != torch::Device(torch::kCPU) && model.precision() != Precision::FP32)
    throw std::invalid_argument("training runs in fp32");
  if (options_.head_only) {
    if (model.avs_)
      throw std::invalid_argument("AVS heads read the encoder's stage maps: head-only training supports AVE, AVVP and AVQA");
    cache_ = std::make_unique<EncoderCache>();
  }
  for (auto &kv : model_.module().named_parameters()) {
    // AVVP's clip features are inputs (TrainingClip::clip_features), computed before training as the
    // official code reads them precomputed: the clip encoder trains only in train_clip_encoder.
    const bool frozen = front_end(kv.key()) || kv.key().rfind("clip_encoder.", 0) == 0 ||
                        (options_.adapters_and_heads_only && backbone(kv.key())) ||
                        (options_.head_only && dual_encoder(kv.key()));
    kv.value().set_requires_grad(!frozen);
    if (!frozen)
      trainable_.emplace_back(kv.key(), kv.value());
  }
  std::vector<torch::Tensor> parameters;
  for (const auto &named : trainable_)
    parameters.push_back(named.second);
  optimizer_ = std::make_unique<torch::optim::AdamW>(
      parameters, torch::optim::AdamWOptions(options_.learning_rate).weight_decay(options_.weight_decay));
}

Trainer::~Trainer() {
  for (auto &t : model_.module().parameters())
    t.set_requires_grad(false);
  torch::NoGradGuard no_grad;
  if (model_.avs_)
    model_.avs_->prepare();
  else if (model_.avvp_)
    model_.avvp_->prepare();
  else if (model_.avqa_)
    model_.avqa_->prepare();
  else
    model_.net_->prepare();
}

std::unique_ptr<Model> Trainer::fresh_model(const ModelConfig &config, std::vector<std::string> labels, uint64_t seed) {
  torch::manual_seed(seed);
  std::unique_ptr<Model> model(new Model(config, std::move(labels), ModelOptions{}));
  if (model->avs_)
    init_for_training(*model->avs_, config, model->avs_->encoder);
  else if (model->avvp_) {
    init_for_training(*model->avvp_, config, model->avvp_->encoder);
    model->avvp_->add_clip_encoder(); // initialised as torchvision initialises it (train_clip_encoder trains it)
  }
  else if (model->avqa_) {
    init_for_training(*model->avqa_, config, model->avqa_->encoder, /*head_keeps_defaults=*/true);
    remember_through_padding(*model->avqa_->question_encoder);
  }
  else
    init_for_training(*model->net_, config, model->net_->encoder);
  model->finish_loading();
  return model;
}

std::unique_ptr<Model> Trainer::with_classes(const Model &model, const std::vector<std::string> &labels, uint64_t seed) {
  if (model.config().task != "ave")
    throw std::invalid_argument("only AVE models can be extended with classes");
  const int old_classes = model.config().classes;
  for (int c = 0; c < old_classes; ++c)
    if (c >= static_cast<int>(labels.size()) || labels[c] != model.label_name(c))
      throw std::invalid_argument("the new label list must start with the model's " + std::to_string(old_classes) +
                                  " labels in order");
  auto json = nlohmann::json::parse(model.config().source_json);
  json["classes"] = labels.size();
  json["description"] = json.value("description", "") + " (fine-tuned to " + std::to_string(labels.size()) + " classes)";
  auto extended = fresh_model(ModelConfig::parse(json.dump(2), model.config().name + " with classes"), labels, seed);
  torch::NoGradGuard no_grad;
  auto source = model.net_->named_parameters(), target = extended->net_->named_parameters();
  for (auto &kv : target) {
    const auto &old = source[kv.key()];
    if (class_rows(kv.key()))
      kv.value().narrow(0, 0, old_classes).copy_(old);
    else
      kv.value().copy_(old);
  }
  auto old_buffers = model.net_->named_buffers();
  for (auto &kv : extended->net_->named_buffers())
    kv.value().copy_(old_buffers[kv.key()]);
  extended->net_->prepare();
  return extended;
}

namespace {

// The encoder's parts under names of our own (the owner registers them under the task's names).
std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> encoder_parts(DualEncoder &encoder) {
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> parts = {{"swin", encoder.swin.ptr()},
                                                                                    {"htsat", encoder.htsat.ptr()}};
  const std::pair<const char *, std::vector<Adapter> *> adapters[] = {
      {"audio_p1", &encoder.audio_p1}, {"vis_p1", &encoder.vis_p1}, {"audio_p2", &encoder.audio_p2}, {"vis_p2", &encoder.vis_p2}};
  for (const auto &[name, list] : adapters)
    for (size_t i = 0; i < list->size(); ++i)
      parts.emplace_back(std::string(name) + "." + std::to_string(i), (*list)[i].ptr());
  return parts;
}

} // namespace

void Trainer::adopt_encoder(Model &target, const Model &source, bool with_swin) {
  torch::NoGradGuard no_grad;
  auto into = encoder_parts(target.encoder()), from = encoder_parts(source.encoder());
  if (!with_swin) { // encoder_parts lists the Swin-V2 first
    into.erase(into.begin());
    from.erase(from.begin());
  }
  const auto mismatch = [&](const std::string &name) {
    return std::invalid_argument("encoder tensor '" + name + "' of model '" + target.config().name +
                                 "' has no counterpart of its shape in model '" + source.config().name + "'");
  };
  if (into.size() != from.size())
    throw mismatch(into.size() > from.size() ? into[from.size()].first : from[into.size()].first);
  for (size_t p = 0; p < into.size(); ++p) {
    using Tensors = torch::OrderedDict<std::string, torch::Tensor> (torch::nn::Module::*)(bool) const;
    for (Tensors tensors : {Tensors(&torch::nn::Module::named_parameters), Tensors(&torch::nn::Module::named_buffers)}) {
      auto values = (from[p].second.get()->*tensors)(true);
      for (auto &kv : (into[p].second.get()->*tensors)(true)) {
        const auto name = into[p].first + "." + kv.key();
        const auto *value = values.find(kv.key());
        if (!value || !value->sizes().equals(kv.value().sizes()))
          throw mismatch(name);
        kv.value().copy_(*value);
      }
    }
  }
}

double learning_rate_factor(int step, int steps) {
  const int warmup = std::max(1, steps / 20);
  if (step < warmup)
    return (step + 1.0) / warmup;
  return 0.5 * (1 + std::cos(M_PI * (step - warmup) / std::max(1, steps - warmup)));
}

EpochOrder::EpochOrder(size_t size, uint64_t seed) : order_(size), state_(seed) {
  if (size == 0)
    throw std::invalid_argument("an epoch order needs at least one item");
  std::iota(order_.begin(), order_.end(), size_t{0});
  shuffle();
}

size_t EpochOrder::next() {
  if (cursor_ == order_.size()) {
    shuffle();
    cursor_ = 0;
  }
  return order_[cursor_++];
}

void EpochOrder::shuffle() {
  for (size_t i = order_.size() - 1; i > 0; --i) {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    std::swap(order_[i], order_[(state_ >> 33) % (i + 1)]);
  }
}

namespace {

// The training loop of the encoders trained before a head: `steps` AdamW steps (weight decay 0.01,
// cosine schedule) on the loss of `batch` segments drawn from [0, segments) in epoch order.
// `progress` as train_clip_encoder's.
void train_on_segments(std::vector<torch::Tensor> parameters, int64_t segments, int steps, int batch, double learning_rate,
                       uint64_t seed, const std::function<torch::Tensor(const torch::Tensor &index)> &loss_of,
                       const std::function<void(int, double)> &progress) {
  std::vector<bool> trained_before; // by a Trainer of the model
  for (auto &p : parameters) {
    trained_before.push_back(p.requires_grad());
    p.set_requires_grad(true);
  }
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(learning_rate).weight_decay(0.01));
  EpochOrder order(static_cast<size_t>(segments), seed);
  double running = 0;
  int since = 0;
  for (int step = 0; step < steps; ++step) {
    set_rate(optimizer, learning_rate * learning_rate_factor(step, steps));
    std::vector<int64_t> picked;
    while (static_cast<int>(picked.size()) < batch)
      picked.push_back(static_cast<int64_t>(order.next()));
    auto loss = loss_of(torch::tensor(picked));
    descend(optimizer, loss);
    running += loss.item<double>();
    ++since;
    if (progress && ((step + 1) % 50 == 0 || step + 1 == steps)) {
      progress(step + 1, running / since);
      running = 0;
      since = 0;
    }
  }
  for (size_t i = 0; i < parameters.size(); ++i)
    parameters[i].set_requires_grad(trained_before[i]);
}

// train_visual_encoder's targets [S, N, classes] for final tokens on a square grid of N cells
// (row-major): 1 + the third of the width holding the object's centre in the token whose cell holds
// it, 0 elsewhere and for objects not seen.
torch::Tensor token_targets(const torch::Tensor &centres, int64_t tokens) {
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(tokens))));
  if (side * side != tokens)
    throw std::invalid_argument("training the visual encoder needs a square grid of final tokens, not " + std::to_string(tokens));
  const auto x = centres.select(-1, 0), y = centres.select(-1, 1);
  const auto cell = [&](const torch::Tensor &v, int64_t parts) { return (v * parts).floor().clamp(0, parts - 1).to(torch::kLong); };
  const auto token = cell(y, side) * side + cell(x, side);                               // [S, classes]
  const auto third = torch::where(x.ge(0), cell(x, 3) + 1, torch::zeros_like(token));   // 0: not seen
  const auto grid = torch::arange(tokens, torch::kLong).view({1, tokens, 1});
  return torch::where(token.unsqueeze(1).eq(grid), third.unsqueeze(1), torch::zeros_like(grid));
}

} // namespace

void Trainer::train_clip_encoder(Model &model, const std::vector<TrainingClip> &clips, const ClipEncoderTraining &options,
                                 const std::function<void(int, double)> &progress) {
  if (!model.has_clip_encoder())
    throw std::invalid_argument("model '" + model.config().name + "' has no clip encoder to train");
  if (options.steps < 1 || options.batch < 1)
    throw std::invalid_argument("training the clip encoder needs at least one step and one segment per batch");
  std::vector<torch::Tensor> inputs, seen;
  for (const auto &clip : clips) {
    if (!clip.clip_frames.defined() || !clip.visual_events.defined() || clip.clip_frames.size(0) != clip.visual_events.size(0))
      throw std::invalid_argument("training the clip encoder needs each clip's clip_frames and visual_events, one per segment");
    inputs.push_back(clip.clip_frames);
    seen.push_back(clip.visual_events);
  }
  if (inputs.empty())
    throw std::invalid_argument("training the clip encoder needs clips");
  const auto segments = torch::cat(inputs), truth = torch::cat(seen).to(torch::kFloat32);

  auto &encoder = *model.avvp_->clip_encoder;
  torch::manual_seed(options.seed);
  torch::nn::Linear classifier(model.config().parsing.clip_feature_dim, truth.size(1));
  classifier->to(model.device());
  auto parameters = encoder.parameters();
  for (auto &p : classifier->parameters())
    parameters.push_back(p);
  train_on_segments(parameters, segments.size(0), options.steps, options.batch, options.learning_rate, options.seed,
                    [&](const torch::Tensor &index) {
                      auto logits = classifier(encoder.forward(segments.index_select(0, index).to(model.device())));
                      return torch::binary_cross_entropy_with_logits(logits, truth.index_select(0, index).to(model.device()));
                    },
                    progress);
}

void Trainer::train_visual_encoder(Model &model, const std::vector<TrainingClip> &clips, const VisualEncoderTraining &options,
                                   const std::function<void(int, double)> &progress) {
  if (!model.avqa_)
    throw std::invalid_argument("model '" + model.config().name + "': the visual encoder trains for AVQA models");
  if (options.steps < 1 || options.batch < 1)
    throw std::invalid_argument("training the visual encoder needs at least one step and one segment per batch");
  std::vector<torch::Tensor> frames, log_mel, centres, heard;
  for (const auto &clip : clips) {
    const auto T = clip.frames.size(0);
    if (!clip.object_centres.defined() || clip.object_centres.dim() != 3 || clip.object_centres.size(0) != T ||
        clip.object_centres.size(2) != 2 || clip.log_mel.size(0) != T || !clip.audio_events.defined() ||
        !clip.audio_events.sizes().equals({T, clip.object_centres.size(1)}) ||
        (!centres.empty() && clip.object_centres.size(1) != centres[0].size(1)))
      throw std::invalid_argument("training the visual encoder needs each clip's frames, log_mel, object_centres "
                                  "[segments, classes, 2] and audio_events [segments, classes], for one number of classes");
    // Questions about one video share its tensors: its segments count once.
    if (std::any_of(frames.begin(), frames.end(), [&](const torch::Tensor &f) { return f.is_same(clip.frames); }))
      continue;
    frames.push_back(clip.frames);
    log_mel.push_back(clip.log_mel);
    centres.push_back(clip.object_centres);
    heard.push_back(clip.audio_events);
  }
  if (frames.empty())
    throw std::invalid_argument("training the visual encoder needs clips");
  const auto all_frames = torch::cat(frames), all_log_mel = torch::cat(log_mel), all_centres = torch::cat(centres);
  const auto all_heard = torch::cat(heard).to(torch::kFloat32);
  const int64_t classes = all_centres.size(1);

  auto &encoder = model.encoder();
  const auto device = model.device();
  const auto encode = [&](const torch::Tensor &index) {
    encoder.prepare_attention(); // the derived attention biases follow the weights being trained
    return encoder.forward(all_frames.index_select(0, index).to(device), all_log_mel.index_select(0, index).to(device));
  };
  int64_t tokens, channels, audio_channels;
  {
    torch::NoGradGuard no_grad;
    const auto first = encode(torch::zeros({1}, torch::kLong));
    tokens = first.visual.size(1);
    channels = first.visual.size(2);
    audio_channels = first.audio.size(2);
  }
  torch::manual_seed(options.seed);
  torch::nn::Linear classifier(channels, classes * 4); // per class: elsewhere, left, middle, right
  torch::nn::Linear audio_classifier(audio_channels, classes);
  classifier->to(device);
  audio_classifier->to(device);
  std::vector<torch::Tensor> parameters;
  for (const auto &part : encoder_parts(encoder))
    if (part.first != "htsat")
      for (auto &p : part.second->parameters())
        parameters.push_back(p);
  for (const auto &head : {classifier.ptr(), audio_classifier.ptr()})
    for (auto &p : head->parameters())
      parameters.push_back(p);
  train_on_segments(parameters, all_frames.size(0), options.steps, options.batch, options.learning_rate, options.seed,
                    [&](const torch::Tensor &index) {
                      const auto streams = encode(index);
                      const auto heard_logits = audio_classifier(pool_streams(streams).audio);
                      const auto heard_loss =
                          torch::binary_cross_entropy_with_logits(heard_logits, all_heard.index_select(0, index).to(device));
                      const auto target = token_targets(all_centres.index_select(0, index), tokens).to(device).reshape(-1);
                      const auto logits = classifier(streams.visual).reshape({-1, 4});
                      const auto weight = torch::where(target.gt(0), torch::ones_like(target, torch::kFloat32),
                                                       torch::full_like(target, 0.1, torch::kFloat32));
                      const auto per_target = torch::nn::functional::cross_entropy(
                          logits, target, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
                      return (per_target * weight).sum() / weight.sum() + heard_loss;
                    },
                    progress);
  torch::NoGradGuard no_grad;
  encoder.prepare_attention();
}

void Trainer::compute_clip_features(const Model &model, std::vector<TrainingClip> &clips) {
  for (auto &clip : clips) {
    if (!clip.clip_frames.defined())
      throw std::invalid_argument("computing clip features needs each clip's clip_frames");
    clip.clip_features = model.clip_features_of_prepared(clip.clip_frames);
  }
}

void Trainer::calibrate(const std::vector<TrainingClip> &clips) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> mels;
  for (const auto &clip : clips)
    mels.push_back(clip.log_mel.reshape({-1, clip.log_mel.size(-1)}));
  auto all = torch::cat(mels, 0);
  auto &bn0 = model_.encoder().htsat->bn0;
  bn0->running_mean.copy_(all.mean(0));
  bn0->running_var.copy_(all.var(0, /*unbiased=*/false));
}

void Trainer::set_learning_rate(double learning_rate) { set_rate(*optimizer_, learning_rate); }

StepStats Trainer::step(const std::vector<const TrainingClip *> &batch) {
  if (model_.avs_) {
    auto logits = forward(*model_.avs_, batch).squeeze(1);
    auto truth = stack_inputs(batch, &TrainingClip::masks);
    auto loss = torch::binary_cross_entropy_with_logits(logits, truth.to(torch::kFloat32));
    descend(*optimizer_, loss);
    StepStats stats;
    stats.loss = loss.item<double>();
    auto decoded = logits.detach() > 0;
    auto set = truth.to(torch::kBool);
    stats.intersection = (decoded & set).sum().item<double>();
    stats.union_ = (decoded | set).sum().item<double>();
    return stats;
  }
  if (model_.avvp_) {
    auto out = forward(*model_.avvp_, batch, cache_.get());
    auto audio = stack_truth(batch, &TrainingClip::audio_events), visual = stack_truth(batch, &TrainingClip::visual_events);
    auto present = torch::max(std::get<0>(audio.max(1)), std::get<0>(visual.max(1))); // [B, classes]
    auto loss = torch::binary_cross_entropy(out.global_prob.clamp(1e-6, 1 - 1e-6), present) +
                decision_loss(out.audio_frame_prob, audio, present) + decision_loss(out.visual_frame_prob, visual, present);
    descend(*optimizer_, loss);
    StepStats stats;
    stats.loss = loss.item<double>();
    stats.parsing.add(out.audio, out.visual, audio, visual);
    return stats;
  }
  if (model_.avqa_) {
    auto &net = *model_.avqa_;
    std::vector<int64_t> truth;
    for (const auto *clip : batch) {
      if (clip->answer < 0 || clip->answer >= net.config.classes)
        throw std::invalid_argument("AVQA training clips need an answer in [0, " + std::to_string(net.config.classes) + ")");
      truth.push_back(clip->answer);
    }
    auto out = forward(net, batch, cache_.get());
    auto truth_t = torch::tensor(truth).to(out.answers.logits.device());
    auto answer_loss = torch::nn::functional::cross_entropy(out.answers.logits, truth_t);
    auto match = match_loss(net, out);
    auto loss = match.defined() ? answer_loss + 0.5 * match : answer_loss;
    descend(*optimizer_, loss);
    StepStats stats;
    stats.loss = loss.item<double>();
    stats.answer_loss = answer_loss.item<double>();
    stats.match_loss = match.defined() ? match.item<double>() : 0.0;
    stats.correct_answers = static_cast<int>((out.answers.answer == truth_t).sum().item<int64_t>());
    stats.questions = static_cast<int>(truth.size());
    return stats;
  }
  auto &net = *model_.net_;
  const int classes = net.config.classes;
  auto out = forward(net, batch, cache_.get());
  std::vector<int64_t> truth, clip_class;
  std::vector<float> clip_has_event;
  for (const auto *clip : batch) {
    int event = -1;
    for (int label : clip->labels) {
      truth.push_back(label);
      if (label != classes)
        event = label;
    }
    clip_class.push_back(std::max(event, 0));
    clip_has_event.push_back(event >= 0 ? 1.0f : 0.0f);
  }
  auto truth_t = torch::tensor(truth).view_as(out.is_event);
  auto foreground = (truth_t != classes).to(torch::kFloat32);
  auto event_loss = torch::binary_cross_entropy_with_logits(out.is_event, foreground);
  // Windows without an event have no class to learn.
  auto has_event = torch::tensor(clip_has_event);
  auto per_clip = torch::nn::functional::cross_entropy(out.event_scores, torch::tensor(clip_class),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto class_loss = (per_clip * has_event).sum() / has_event.sum().clamp_min(1.0);
  auto loss = event_loss + class_loss;
  descend(*optimizer_, loss);

  StepStats stats;
  stats.loss = loss.item<double>();
  stats.event_loss = event_loss.item<double>();
  stats.class_loss = class_loss.item<double>();
  stats.correct = static_cast<int>((out.labels == truth_t).sum().item<int64_t>());
  stats.segments = static_cast<int>(truth.size());
  return stats;
}

torch::Tensor Trainer::predict_masks(const std::vector<const TrainingClip *> &batch) {
  if (!model_.avs_)
    throw std::invalid_argument("predict_masks needs an AVS model");
  torch::NoGradGuard no_grad;
  return decode_masks(forward(*model_.avs_, batch));
}

std::pair<torch::Tensor, torch::Tensor> Trainer::predict_events(const std::vector<const TrainingClip *> &batch) {
  if (!model_.avvp_)
    throw std::invalid_argument("predict_events needs an AVVP model");
  torch::NoGradGuard no_grad;
  auto out = forward(*model_.avvp_, batch, cache_.get());
  return {out.audio, out.visual};
}

std::vector<int> Trainer::predict_answers(const std::vector<const TrainingClip *> &batch) {
  if (!model_.avqa_)
    throw std::invalid_argument("predict_answers needs an AVQA model");
  torch::NoGradGuard no_grad;
  auto answers = forward(*model_.avqa_, batch, cache_.get()).answers.answer.cpu();
  return std::vector<int>(answers.data_ptr<int64_t>(), answers.data_ptr<int64_t>() + answers.numel());
}

torch::Tensor Trainer::question_ids(const Model &model, const std::string &question, const std::vector<std::string> &template_values) {
  if (!model.vocabulary_)
    throw std::invalid_argument("model '" + model.config().name + "' has no question vocabulary");
  const auto tokens = tokenize_question(question, template_values, *model.vocabulary_, model.config().question.question_length);
  if (!tokens.ok()) {
    std::string words;
    for (const auto &word : tokens.unknown)
      words += (words.empty() ? "'" : ", '") + word + "'";
    throw std::invalid_argument("question '" + question + "' has words outside the vocabulary: " + words);
  }
  return torch::tensor(tokens.ids, torch::kLong);
}

std::vector<std::vector<int>> Trainer::predict(const std::vector<const TrainingClip *> &batch) {
  if (!model_.net_)
    throw std::invalid_argument("predict needs an AVE model");
  torch::NoGradGuard no_grad;
  auto labels = forward(*model_.net_, batch, cache_.get()).labels.contiguous();
  std::vector<std::vector<int>> out;
  for (int64_t b = 0; b < labels.size(0); ++b) {
    auto row = labels[b];
    out.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  return out;
}

} // namespace dgsct
