// SPDX-License-Identifier: LGPL-2.1-or-later
// The synthetic world: deterministic and portable rendering, scenarios with every kind of
// distractor, labels by the AVE rule, pictures and masks that show the objects, sounds that play
// exactly when audible and differ between classes.
#include "synth/world.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <set>

namespace {

using dgsct::synth::Clip;
using dgsct::synth::SegmentScene;
using dgsct::synth::World;
using dgsct::synth::WorldOptions;

constexpr int kRate = 32000;

std::vector<uint8_t> frame(const Clip &clip, double t, int width, int height) {
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  clip.render_frame(t, width, height, rgb.data());
  return rgb;
}

std::vector<uint8_t> mask(const Clip &clip, double t, int width, int height) {
  std::vector<uint8_t> m(static_cast<size_t>(width) * height);
  clip.render_sounding_mask(t, width, height, m.data());
  return m;
}

std::vector<float> audio(const Clip &clip, double t0, int samples) {
  std::vector<float> pcm(samples);
  clip.render_audio(t0, samples, kRate, pcm.data());
  return pcm;
}

int area(const std::vector<uint8_t> &m) { return static_cast<int>(std::count(m.begin(), m.end(), 255)); }

double rms(const std::vector<float> &x, size_t from = 0, size_t to = SIZE_MAX) {
  to = std::min(to, x.size());
  double sum = 0;
  for (size_t i = from; i < to; ++i)
    sum += static_cast<double>(x[i]) * x[i];
  return std::sqrt(sum / static_cast<double>(to - from));
}

SegmentScene empty_scene(int classes) { return {std::vector<bool>(classes, false), std::vector<bool>(classes, false)}; }

// A clip of `segments` empty segments but for class k: visible and/or audible in segment 0.
Clip single(uint64_t seed, int k, bool visible, bool audible, int segments = 2, int classes = 8) {
  std::vector<SegmentScene> scenes(segments, empty_scene(classes));
  scenes[0].visible[k] = visible;
  scenes[0].audible[k] = audible;
  return Clip(seed, k, scenes, classes);
}

// Magnitude-weighted mean frequency over 1024-sample Hann-windowed frames.
double spectral_centroid(const std::vector<float> &x) {
  constexpr int n = 1024;
  const double pi = std::acos(-1.0);
  std::vector<double> magnitude(n / 2, 0);
  for (size_t start = 0; start + n <= x.size(); start += n) {
    std::vector<std::complex<double>> a(n);
    for (int i = 0; i < n; ++i)
      a[i] = x[start + i] * (0.5 - 0.5 * std::cos(2 * pi * i / n));
    // Iterative radix-2 FFT.
    for (int i = 1, j = 0; i < n; ++i) {
      int bit = n >> 1;
      for (; j & bit; bit >>= 1)
        j ^= bit;
      j ^= bit;
      if (i < j)
        std::swap(a[i], a[j]);
    }
    for (int len = 2; len <= n; len <<= 1) {
      const std::complex<double> w(std::cos(-2 * pi / len), std::sin(-2 * pi / len));
      for (int i = 0; i < n; i += len) {
        std::complex<double> wk(1, 0);
        for (int k = 0; k < len / 2; ++k, wk *= w) {
          const auto u = a[i + k], v = a[i + k + len / 2] * wk;
          a[i + k] = u + v;
          a[i + k + len / 2] = u - v;
        }
      }
    }
    for (int k = 0; k < n / 2; ++k)
      magnitude[k] += std::abs(a[k]);
  }
  double weighted = 0, total = 0;
  for (int k = 0; k < n / 2; ++k) {
    weighted += magnitude[k] * k * kRate / n;
    total += magnitude[k];
  }
  return weighted / total;
}

} // namespace

TEST(SynthWorld, ClassNames) {
  const auto &names = World::class_names();
  ASSERT_EQ(names.size(), 8u);
  EXPECT_EQ(names[0], "bell");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(World(1).options().classes, 6);
}

TEST(SynthWorld, RejectsBadOptionsAndScenes) {
  WorldOptions options;
  options.classes = 9;
  EXPECT_THROW(World(1, options), std::invalid_argument);
  options.classes = 6;
  options.segments = 0;
  EXPECT_THROW(World(1, options), std::invalid_argument);
  EXPECT_THROW(Clip(1, 0, {empty_scene(5)}, 6), std::invalid_argument);
  EXPECT_THROW(Clip(1, 6, {empty_scene(6)}, 6), std::invalid_argument);
}

TEST(SynthWorld, SameSeedAndIndexGiveTheSameBytes) {
  const World a(7), b(7);
  for (uint64_t i : {0u, 3u, 11u}) {
    const Clip x = a.clip(i), y = b.clip(i);
    EXPECT_EQ(x.event_class(), y.event_class());
    EXPECT_EQ(x.labels(), y.labels());
    for (double t : {0.0, 2.5, 7.3}) {
      EXPECT_EQ(frame(x, t, 64, 48), frame(y, t, 64, 48)) << "clip " << i << " t " << t;
      EXPECT_EQ(mask(x, t, 64, 48), mask(y, t, 64, 48));
    }
    const auto pa = audio(x, 2, kRate), pb = audio(y, 2, kRate);
    EXPECT_EQ(0, std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(float))) << "clip " << i;
  }
}

TEST(SynthWorld, DifferentClipsAndSeedsDiffer) {
  const World world(7);
  const Clip a = world.clip(0), b = world.clip(1), c = World(8).clip(0);
  EXPECT_NE(frame(a, 1.5, 64, 48), frame(b, 1.5, 64, 48));
  EXPECT_NE(frame(a, 1.5, 64, 48), frame(c, 1.5, 64, 48));
  const auto pa = audio(a, 0, 4000), pb = audio(b, 0, 4000);
  EXPECT_NE(0, std::memcmp(pa.data(), pb.data(), pa.size() * sizeof(float)));
}

TEST(SynthWorld, RenderingIsAPureFunctionOfTime) {
  const Clip clip = World(3).clip(5);
  const auto first = frame(clip, 4.2, 80, 60);
  frame(clip, 9.9, 80, 60);
  frame(clip, 0.1, 80, 60);
  EXPECT_EQ(first, frame(clip, 4.2, 80, 60));
  // Audio rendered in 100-ms pieces equals audio rendered at once.
  const auto whole = audio(clip, 0, 2 * kRate);
  std::vector<float> pieces;
  for (int i = 0; i < 20; ++i) {
    const auto piece = audio(clip, i * 0.1, kRate / 10);
    pieces.insert(pieces.end(), piece.begin(), piece.end());
  }
  ASSERT_EQ(whole.size(), pieces.size());
  EXPECT_EQ(0, std::memcmp(whole.data(), pieces.data(), whole.size() * sizeof(float)));
  for (float v : whole)
    ASSERT_TRUE(v >= -1 && v <= 1);
}

TEST(SynthWorld, LabelsFollowTheAveRule) {
  const World world(11);
  for (uint64_t i = 0; i < 100; ++i) {
    const Clip clip = world.clip(i);
    const auto labels = clip.labels();
    ASSERT_EQ(static_cast<int>(labels.size()), clip.segments());
    for (int s = 0; s < clip.segments(); ++s) {
      const auto &scene = clip.scenes()[s];
      int expected = clip.classes();
      for (int k = 0; k < clip.classes(); ++k)
        if (scene.visible[k] && scene.audible[k])
          expected = k;
      EXPECT_EQ(labels[s], expected) << "clip " << i << " segment " << s;
    }
  }
}

TEST(SynthWorld, ScenariosHaveEveryKindOfSegment) {
  const World world(2024);
  const int clips = 300;
  int event_segments = 0, segments = 0, no_event_clips = 0, two_run_clips = 0;
  int c_seen_only = 0, c_heard_only = 0, d_seen_only = 0, d_heard_only = 0, two_on_screen = 0;
  std::vector<int> event_classes(world.options().classes, 0);
  for (int i = 0; i < clips; ++i) {
    const Clip clip = world.clip(i);
    const int c = clip.event_class();
    ++event_classes[c];
    const auto labels = clip.labels();
    int runs = 0;
    for (int s = 0; s < clip.segments(); ++s) {
      const auto &scene = clip.scenes()[s];
      ++segments;
      int sounding = 0, on_screen = 0;
      for (int k = 0; k < clip.classes(); ++k) {
        sounding += scene.visible[k] && scene.audible[k];
        on_screen += scene.visible[k];
        if (k == c) {
          c_seen_only += scene.visible[k] && !scene.audible[k];
          c_heard_only += !scene.visible[k] && scene.audible[k];
        } else {
          d_seen_only += scene.visible[k] && !scene.audible[k];
          d_heard_only += !scene.visible[k] && scene.audible[k];
          // Only the clip's event class is ever both seen and heard.
          EXPECT_FALSE(scene.visible[k] && scene.audible[k]) << "clip " << i << " segment " << s;
        }
      }
      EXPECT_LE(sounding, 1) << "clip " << i << " segment " << s;
      two_on_screen += on_screen >= 2;
      event_segments += labels[s] == c;
      runs += labels[s] == c && (s == 0 || labels[s - 1] != c);
    }
    no_event_clips += runs == 0;
    two_run_clips += runs == 2;
    EXPECT_LE(runs, 2) << "clip " << i;
  }
  const double event_share = static_cast<double>(event_segments) / segments;
  std::printf("  %d clips: event share %.3f, %d without event, %d with two runs; segments with the event class\n"
              "  seen only %d, heard only %d; another class seen only %d, heard only %d; two on screen %d\n",
              clips, event_share, no_event_clips, two_run_clips, c_seen_only, c_heard_only, d_seen_only, d_heard_only,
              two_on_screen);
  EXPECT_NEAR(event_share, world.options().event_rate, 0.07);
  EXPECT_GE(no_event_clips, clips * 0.03);
  EXPECT_LE(no_event_clips, clips * 0.15);
  EXPECT_GE(two_run_clips, 30);
  EXPECT_GE(c_seen_only, 50);
  EXPECT_GE(c_heard_only, 50);
  EXPECT_GE(d_seen_only, 50);
  EXPECT_GE(d_heard_only, 50);
  EXPECT_GE(two_on_screen, 30);
  for (int n : event_classes)
    EXPECT_GE(n, 25);
}

TEST(SynthWorld, VisibleObjectsChangeThePicture) {
  for (int k = 0; k < 8; ++k) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      const Clip shown = single(seed, k, true, false), hidden = single(seed, k, false, false);
      for (double t : {0.1, 0.6}) {
        // The object covers a recognisable area even at the model's 64x64.
        const auto a = frame(shown, t, 64, 64), b = frame(hidden, t, 64, 64);
        int changed = 0;
        for (size_t i = 0; i < a.size(); i += 3)
          changed += std::abs(a[i] - b[i]) + std::abs(a[i + 1] - b[i + 1]) + std::abs(a[i + 2] - b[i + 2]) > 60;
        EXPECT_GE(changed, 60) << World::class_names()[k] << " seed " << seed << " t " << t;
        EXPECT_LE(changed, 64 * 64 / 5);
        // Silent: no mask; and nothing in segment 1, where it is not visible.
        EXPECT_EQ(area(mask(shown, t, 64, 64)), 0);
        EXPECT_EQ(frame(shown, 1 + t, 64, 64), frame(hidden, 1 + t, 64, 64));
      }
    }
  }
}

TEST(SynthWorld, TheMaskIsTheSoundingObject) {
  // Hand-made: the mask covers what the object changed in the picture.
  for (int k = 0; k < 8; ++k) {
    const Clip sounding = single(9, k, true, true), hidden = single(9, k, false, true);
    const auto a = frame(sounding, 0.5, 160, 120), b = frame(hidden, 0.5, 160, 120);
    const auto m = mask(sounding, 0.5, 160, 120);
    int inside_changed = 0, outside_changed = 0;
    for (size_t i = 0; i < m.size(); ++i) {
      const bool changed = std::memcmp(&a[3 * i], &b[3 * i], 3) != 0;
      (m[i] ? inside_changed : outside_changed) += changed;
    }
    EXPECT_EQ(inside_changed, area(m)) << World::class_names()[k];
    EXPECT_LE(outside_changed, area(m) / 2) << World::class_names()[k]; // only anti-aliased edges
    EXPECT_EQ(area(mask(hidden, 0.5, 160, 120)), 0);
  }
  // World clips: a mask exactly where the label is not background.
  const World world(5);
  for (uint64_t i = 0; i < 20; ++i) {
    const Clip clip = world.clip(i);
    const auto labels = clip.labels();
    for (int s = 0; s < clip.segments(); ++s)
      EXPECT_EQ(area(mask(clip, s + 0.5, 64, 48)) > 0, labels[s] != clip.classes()) << "clip " << i << " segment " << s;
  }
}

TEST(SynthWorld, AnyFrameSizeRenders) {
  const Clip clip = single(4, 7, true, true);
  for (auto [w, h] : {std::pair{1, 1}, {7, 5}, {33, 200}, {641, 479}}) {
    const auto m = mask(clip, 0.5, w, h);
    EXPECT_EQ(m.size(), static_cast<size_t>(w) * h);
    frame(clip, 0.5, w, h);
  }
  EXPECT_GT(area(mask(clip, 0.5, 641, 479)), 641 * 479 / 200);
}

TEST(SynthWorld, AudibleSegmentsAreLouderThanBackground) {
  // Every class, at several per-clip loudnesses, against the same clip's background noise.
  for (int k = 0; k < 8; ++k) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const auto pcm = audio(single(seed, k, false, true), 0, 2 * kRate);
      const double sound = rms(pcm, 0, kRate), background = rms(pcm, kRate);
      EXPECT_GT(background, 0.001);
      EXPECT_GT(sound, 2.5 * background) << World::class_names()[k] << " seed " << seed;
    }
  }
  // World clips: segments with a sound against segments without.
  const World world(6);
  for (uint64_t i = 0; i < 20; ++i) {
    const Clip clip = world.clip(i);
    const auto pcm = audio(clip, 0, clip.segments() * kRate);
    double loudest_quiet = 0, quietest_audible = 1;
    for (int s = 0; s < clip.segments(); ++s) {
      const auto &heard = clip.scenes()[s].audible;
      const double level = rms(pcm, s * kRate, (s + 1) * kRate);
      if (std::find(heard.begin(), heard.end(), true) != heard.end())
        quietest_audible = std::min(quietest_audible, level);
      else
        loudest_quiet = std::max(loudest_quiet, level);
    }
    if (loudest_quiet > 0 && quietest_audible < 1) {
      EXPECT_GT(quietest_audible, 2 * loudest_quiet) << "clip " << i;
    }
  }
}

TEST(SynthWorld, SoundsPlayExactlyInTheirSegments) {
  for (int k = 0; k < 8; ++k) {
    // The same clip with and without the sound: the difference is the sound alone.
    const auto with = audio(single(3, k, true, true, 3), 0, 3 * kRate);
    const auto without = audio(single(3, k, true, false, 3), 0, 3 * kRate);
    std::vector<float> sound(with.size());
    for (size_t i = 0; i < with.size(); ++i)
      sound[i] = with[i] - without[i];
    EXPECT_GT(rms(sound, 0, kRate), 0.02) << World::class_names()[k];
    EXPECT_EQ(rms(sound, kRate), 0) << World::class_names()[k];
    // A short fade at the end, no click: the last millisecond is nearly silent.
    EXPECT_LT(rms(sound, kRate - 32, kRate), 0.1 * rms(sound, 0, kRate)) << World::class_names()[k];
  }
}

TEST(SynthWorld, ClassesSoundDifferent) {
  std::vector<std::pair<double, std::string>> centroids;
  for (int k = 0; k < 8; ++k) {
    const auto with = audio(single(12, k, false, true), 0, kRate);
    const auto without = audio(single(12, k, false, false), 0, kRate);
    std::vector<float> sound(with.size());
    for (size_t i = 0; i < with.size(); ++i)
      sound[i] = with[i] - without[i];
    centroids.emplace_back(spectral_centroid(sound), World::class_names()[k]);
  }
  std::sort(centroids.begin(), centroids.end());
  for (const auto &c : centroids)
    std::printf("  %-8s spectral centroid %6.0f Hz\n", c.second.c_str(), c.first);
  for (size_t i = 1; i < centroids.size(); ++i)
    EXPECT_GT(centroids[i].first, 1.1 * centroids[i - 1].first)
        << centroids[i - 1].second << " and " << centroids[i].second << " sound alike";
}
