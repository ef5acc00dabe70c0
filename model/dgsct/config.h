// SPDX-License-Identifier: LGPL-2.1-or-later
// A model's configuration, read from a JSON preset (model/presets/*.json) or from a model file's
// metadata. Presets hold only the constructor-level numbers; the geometry (stage grids, clamped
// windows, adapter slot pairing) is derived here so it cannot disagree with the sizes.
#pragma once

#include <string>
#include <vector>

namespace dgsct {

struct StageGeometry {
  int dim;    // channels
  int grid;   // tokens per side (square grids)
  int depth;  // blocks
  int heads;
  int window; // after the clamp to the grid
  int shift;  // of odd blocks; 0 when the window covers the grid
  bool merge_after;
};

struct VideoInput {
  int size; // frames are squashed to size x size
  std::vector<double> mean, std;
};

struct AudioInput {
  int sample_rate;
  int segment_samples; // one segment
  int tiles;           // each segment is repeated this often before the STFT
};

struct SwinConfig {
  int img_size, patch_size, in_chans, embed_dim;
  std::vector<int> depths, heads;
  int window;
  double mlp_ratio;
  int cpb_hidden;
  int head_classes; // size of the (unused) classifier, kept for the key list
  // timm's `ape`: a learned embedding per patch position (`swin.absolute_pos_embed`), added after
  // the patch embedding. Off in the paper's models; Swin-V2 alone sees only relative positions.
  bool absolute_position = false;
  std::vector<StageGeometry> stages() const;
};

struct HtsatConfig {
  int n_fft, hop, mel_bins, spec_size, patch_size, embed_dim;
  std::vector<int> depths, heads;
  int window;
  double mlp_ratio;
  int num_classes; // size of the (unused) classifier heads
  int freq_ratio() const { return spec_size / mel_bins; }
  int image_time_bins() const { return spec_size * freq_ratio(); }
  int frames(int samples) const { return samples / hop + 1; }
  std::vector<StageGeometry> stages() const;
};

struct AdapterConfig {
  int tokens;     // K prompt tokens
  int reduction;  // bottleneck C -> C / reduction
  int groups;     // of the bottleneck's 1x1 convolutions
  bool batch_norm;
  bool audio_gate;
  bool visual_gate;
  bool ln_before;
  bool gate_before_ln; // AVS order: gate, then ln_post
  double alpha, beta;
  std::string resample; // "token_conv" (AVE, AVVP, AVQA, MS3) or "interpolate" (AVS S4)
};

struct SlotPairing {
  int slot, stage, swin_block, htsat_block;
};

struct TemporalConfig {
  int video_fc; // 0 for AVVP, whose BiLSTMs read the head features directly
  int audio_fc; // AVE's a_fc width; 0 for AVS and AVVP
  int d_model, feedforward, heads, encoder_layers;
  int audio_lstm_hidden, video_lstm_hidden;
  double gamma;
};

struct CmbsConfig {
  int topk;
  double gamma;
};

// The AVS head (spec 6.5): the four stage maps projected to `channel` and resized to `map_sizes`,
// TPAVI with the audio vector, then the FPN-style decoder to mask logits of map_sizes[0] * 4.
struct SegmentationConfig {
  int channel;                    // x*_linear_ output, TPAVI and decoder width
  int audio_dim;                  // audio_linear output
  std::vector<int> map_sizes;     // per stage, finest first
  int tpavi_inter;                // theta/phi/g width
  std::vector<int> output_hidden; // the two hidden widths of output_conv
  int mask_size() const { return map_sizes.empty() ? 0 : map_sizes[0] * 4; }
};

// The AVVP head (spec 6.4): class-aware uni-modal grouping per modality, the HAN block that
// regroups audio segments under the visual ones, cross-modal grouping, per-class probabilities.
// AVVP's clip encoder, an R(2+1)D-18 (spec 2.3): torchvision's r2plus1d_18 by default; narrower
// stages and smaller clips make a variant a demo model can afford to carry and run.
struct ClipEncoderConfig {
  int stem_width = 45;                            // between the stem's spatial and temporal convolutions
  std::vector<int> widths = {64, 128, 256, 512}; // per stage; the last is the clip feature's width
  int frames = 8;                                 // per clip (one segment)
  int size = 112;                                 // side of the square frames
};

struct ParsingConfig {
  int dim;               // head width
  int clip_feature_dim;  // clip feature per segment (= the clip encoder's last width)
  int depth_audio, depth_visual, depth_cross; // attention blocks before each grouping
  int heads;             // attention blocks and the grouping cross-attention
  double mlp_ratio;      // attention blocks' MLPs
  double token_mlp_ratio, channel_mlp_ratio; // grouping MLPs over tokens and over channels (x dim)
  double assign_eps;     // added to each group's assignment sum
  ClipEncoderConfig clip_encoder; // preset field "clip_encoder", optional
};

// The AVQA head (spec 6.6): the pooled audio projected to `width`, audio-guided spatial grounding of
// each frame's token map, a question LSTM, question-guided attention over the segments, fusion and
// one logit per answer (the answers are `classes`). The training-only match MLP reads the audio and
// grounded visual vectors side by side.
struct QuestionAnsweringConfig {
  int width;                     // head width (= the Swin's final width: grounding compares tokens with audio)
  int vocabulary;                // question tokens; index 0 is <pad>
  int question_length;           // tokens per question after padding
  int heads;                     // of the two question-guided attentions
  std::vector<int> match_hidden; // hidden widths of the match MLP (2 * width -> ... -> 2)
};

struct ModelConfig {
  std::string name;
  std::string task; // "ave" (events), "avs" (sounding-object masks), "avvp" (audio, visual, audio-visual events)
                    // or "avqa" (answers to questions)
  int segments;     // per window (T)
  int classes;      // AVE: background label = classes; AVS: 1 (the sounding object); AVVP: event classes; AVQA: answers
  VideoInput video;
  AudioInput audio;
  SwinConfig swin;
  HtsatConfig htsat;
  AdapterConfig adapter;
  TemporalConfig temporal;         // not AVQA
  CmbsConfig cmbs;                 // AVE only
  SegmentationConfig segmentation; // AVS only
  ParsingConfig parsing;           // AVVP only
  QuestionAnsweringConfig question; // AVQA only
  std::string source_json; // the preset text this was parsed from

  // Throws std::runtime_error naming `source` and the offending field.
  static ModelConfig parse(const std::string &json_text, const std::string &source);
  static ModelConfig from_file(const std::string &path);
  // A preset name ("ave-small") or a path to a preset file.
  static ModelConfig preset(const std::string &name_or_path);

  bool is_segmentation() const { return task == "avs"; }
  bool is_parsing() const { return task == "avvp"; }
  bool is_question_answering() const { return task == "avqa"; }

  // Swin block b of stage s pairs with HTS-AT block j when the depths are equal (b = j); when
  // Swin is three times deeper, HTS-AT block j pairs with Swin block 3j + 2.
  std::vector<SlotPairing> slots() const;
};

// Directories searched for presets: $DGSCT_PRESET_PATH (colon-separated), the source tree, the
// installed data directory.
std::vector<std::string> preset_search_path();

} // namespace dgsct
