// SPDX-License-Identifier: LGPL-2.1-or-later
// A synthetic audio-visual world for training and testing DG-SCT models without downloads.
//
// Each class is an object with its own look and motion and its own sound. A clip is a sequence of
// 1-s segments; in each segment objects may be visible, audible, both or neither, over a textured
// background with background noise. The ground truth follows the AVE rule: a segment is labelled
// with a class when that class's object is both visible and audible in it, otherwise background.
// One event class per clip (as in AVE); other classes appear as distractors (seen but silent,
// heard but unseen). Everything is deterministic in (seed, clip index) and portable: no
// implementation-defined random distributions.
//
//   dgsct::synth::World world(/*seed=*/7);
//   auto clip = world.clip(0);
//   std::vector<uint8_t> rgb(w * h * 3);
//   clip.render_frame(2.5, w, h, rgb.data());              // the picture at t = 2.5 s
//   std::vector<float> pcm(32000);
//   clip.render_audio(2.0, 32000, 32000, pcm.data());      // the sound of [2 s, 3 s)
//   clip.labels();                                          // per segment: class or background
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dgsct::synth {

// What happens in one segment.
struct SegmentScene {
  std::vector<bool> visible; // per class: its object is on screen
  std::vector<bool> audible; // per class: its sound plays
};

struct WorldOptions {
  int segments = 10;          // per clip
  int classes = 6;            // the first `classes` of class_names() (at most class_names().size())
  double event_rate = 0.55;   // share of a clip's segments that carry its event, on average
  double distractor_rate = 0.5; // chance per segment of a seen-but-silent or heard-but-unseen object
};

class Clip {
public:
  Clip(uint64_t seed, int event_class, std::vector<SegmentScene> scenes, int classes);

  int segments() const { return static_cast<int>(scenes_.size()); }
  int classes() const { return classes_; }
  int event_class() const { return event_class_; }
  const std::vector<SegmentScene> &scenes() const { return scenes_; }
  // Per segment: the class whose object is both visible and audible, else classes() (background).
  std::vector<int> labels() const;

  // The picture at time t (seconds from the clip's start), RGB, row-major, no padding.
  void render_frame(double t, int width, int height, uint8_t *rgb) const;
  // 255 where the sounding object (visible and audible) covers the pixel at time t, else 0.
  void render_sounding_mask(double t, int width, int height, uint8_t *mask) const;
  // `samples` mono samples from time t0 at `sample_rate`, in [-1, 1].
  void render_audio(double t0, int samples, int sample_rate, float *out) const;

  // Where class k's object is centred at time t, as fractions of width and height (where it is
  // drawn when visible).
  struct Position {
    double x, y;
  };
  Position object_position(int k, double t) const;
  // A pseudo-random number of this clip's own, one per `stream`, for choices made about the clip
  // outside the world (which question to ask): deterministic in (seed, clip index), and
  // independent of what the clip shows and plays.
  uint64_t random(uint64_t stream) const;

private:
  uint64_t seed_;
  int event_class_;
  std::vector<SegmentScene> scenes_;
  int classes_;
};

class World {
public:
  explicit World(uint64_t seed, WorldOptions options = {});
  // The class names, in label order; background is not among them.
  static const std::vector<std::string> &class_names();
  const WorldOptions &options() const { return options_; }
  // The clip_index-th clip of this world: the same for the same (seed, clip_index, options).
  Clip clip(uint64_t clip_index) const;

private:
  uint64_t seed_;
  WorldOptions options_;
};

} // namespace dgsct::synth
