// SPDX-License-Identifier: LGPL-2.1-or-later
// The synthetic audio-visual world (see world.h).
//
// Everything a clip shows or plays is a pure function of (clip seed, class, time): per-clip
// parameters come from hashed sub-streams of the seed, and noise is hashed from time rather than
// drawn from a running generator, so any frame or stretch of audio renders alone, in any order.
// Only our own integer hashing and <cmath> are used: no std::*_distribution, whose output differs
// between standard libraries.
#include "world.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dgsct::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2 * kPi;

// ---------------------------------------------------------------------------------------------
// Random numbers

// splitmix64's finaliser: a good 64-bit mix, the basis of every stream and hash below.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
uint64_t hash(uint64_t a, uint64_t b) { return mix(a ^ mix(b)); }
uint64_t hash(uint64_t a, uint64_t b, uint64_t c) { return hash(hash(a, b), c); }

// What a sub-stream is for: each use hashes its own, so adding one never shifts the others.
enum Purpose : uint64_t {
  kClipSeed = 1,
  kScenario,
  kObject,
  kLayout,
  kBackdrop,
  kPixelNoise,
  kAudioNoise,
  kSoundNoise,
  kOutside, // Clip::random
};

double to_unit(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; } // [0, 1)
double to_signed(uint64_t x) { return 2 * to_unit(x) - 1; }                     // [-1, 1)

// A sequential stream (splitmix64) for drawing a handful of parameters.
class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    const uint64_t z = mix(state_);
    state_ += 0x9E3779B97F4A7C15ull;
    return z;
  }
  double uniform() { return to_unit(next()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return std::min(n - 1, static_cast<int>(uniform() * n)); }
  bool chance(double p) { return uniform() < p; }

private:
  uint64_t state_;
};

// A smooth random signal with `rate` independent values per second, a pure function of t (so
// noise needs no state and any stretch renders alone). Cubic interpolation between hashed knots
// keeps most of its energy below rate / 2: a cheap low-pass noise.
double value_noise(uint64_t key, double t, double rate) {
  const double x = t * rate;
  const double k = std::floor(x);
  const double f = x - k;
  const auto i = static_cast<uint64_t>(static_cast<int64_t>(k));
  const double a = to_signed(hash(key, i)), b = to_signed(hash(key, i + 1));
  return a + (b - a) * f * f * (3 - 2 * f);
}

double clamp01(double x) { return std::min(1.0, std::max(0.0, x)); }
double fraction(double x) { return x - std::floor(x); }
// 0 -> 1 -> 0 over one period: for back-and-forth motions without jumps.
double triangle(double x) { return 1 - std::abs(2 * fraction(x) - 1); }
// Raised cosine 0 -> 1 over x in [0, 1].
double ramp(double x) { return 0.5 - 0.5 * std::cos(kPi * clamp01(x)); }

// ---------------------------------------------------------------------------------------------
// Classes: a look, a motion and a sound each

struct Rgb {
  double r, g, b; // 0-255
};

Rgb hsv(double h, double s, double v) {
  h = fraction(h) * 6;
  const int i = static_cast<int>(h) % 6;
  const double f = h - std::floor(h), p = v * (1 - s), q = v * (1 - s * f), u = v * (1 - s * (1 - f));
  double r = v, g = u, b = p;
  switch (i) {
  case 1: r = q, g = v, b = p; break;
  case 2: r = p, g = v, b = u; break;
  case 3: r = p, g = q, b = v; break;
  case 4: r = u, g = p, b = v; break;
  case 5: r = v, g = p, b = q; break;
  default: break;
  }
  return {255 * r, 255 * g, 255 * b};
}

enum class Shape { Circle, Square, Triangle, Ring, Cross, Bar, Diamond, Star };
enum class Motion { Bob, Shake, Traverse, Orbit, Pulse, Zigzag, Jitter, FigureEight };
enum class Sound { Strikes, Drum, Sweep, Sawtooth, Whistle, Buzz, Rattle, Brass };

struct ClassSpec {
  const char *name;
  Shape shape;
  Rgb colour; // saturated, so that objects stand out from the muted backgrounds
  Motion motion;
  Sound sound;
};

const ClassSpec kClasses[] = {
    {"bell", Shape::Circle, {250, 205, 20}, Motion::Bob, Sound::Strikes},
    {"drum", Shape::Square, {225, 30, 35}, Motion::Shake, Sound::Drum},
    {"siren", Shape::Triangle, {35, 85, 245}, Motion::Traverse, Sound::Sweep},
    {"engine", Shape::Ring, {40, 205, 60}, Motion::Orbit, Sound::Sawtooth},
    {"whistle", Shape::Cross, {225, 45, 225}, Motion::Pulse, Sound::Whistle},
    {"buzzer", Shape::Bar, {25, 215, 230}, Motion::Zigzag, Sound::Buzz},
    {"rattle", Shape::Diamond, {255, 135, 0}, Motion::Jitter, Sound::Rattle},
    {"horn", Shape::Star, {250, 250, 250}, Motion::FigureEight, Sound::Brass},
};
constexpr int kClassCount = sizeof kClasses / sizeof kClasses[0];

// How far a motion takes an object from its base position, as fractions of width and height, so
// that bases are drawn where the whole path stays on screen.
struct Reach {
  double x, y;
};
Reach reach(Motion motion) {
  switch (motion) {
  case Motion::Bob: return {0.02, 0.12};
  case Motion::Shake: return {0.05, 0.0};
  case Motion::Traverse: return {0.0, 0.0}; // crosses the whole width regardless of its base x
  case Motion::Orbit: return {0.10, 0.12};
  case Motion::Pulse: return {0.0, 0.0};
  case Motion::Zigzag: return {0.12, 0.08};
  case Motion::Jitter: return {0.03, 0.03};
  case Motion::FigureEight: return {0.10, 0.08};
  }
  return {0, 0};
}

// One class's object in one clip: the per-clip variation that keeps it from being memorised.
struct Object {
  const ClassSpec *spec;
  double x, y;     // base centre, fractions of width and height
  double size;     // diameter, fraction of the frame height
  double phase;    // motion phase, in periods
  double loudness; // peak amplitude of its sound
  double pitch;    // frequency factor, 1 +- 5%
  double rhythm;   // time offset of its sound's rhythm, seconds
  uint64_t key;    // its sound's noise
};

// The event object keeps to one half of the frame and the others to the other half, so that two
// objects on screen overlap only while one passes the other.
Object make_object(uint64_t clip_seed, int k, int event_class) {
  const bool event_left = to_unit(hash(clip_seed, kLayout)) < 0.5;
  const bool left = (k == event_class) == event_left;
  Rng rng(hash(clip_seed, kObject, static_cast<uint64_t>(k)));
  Object o{};
  o.spec = &kClasses[k];
  o.size = rng.uniform(0.18, 0.28);
  const Reach r = reach(o.spec->motion);
  // Half the object's largest extent, as a fraction of the width at 4:3 (wider frames have room).
  const double half_w = 0.5 * o.size * 1.25 * 0.75, half_h = 0.5 * o.size * 1.25;
  const double lo = half_w + r.x + 0.02, hi = 1 - lo;
  o.x = left ? rng.uniform(lo, std::max(lo, 0.4)) : rng.uniform(std::min(hi, 0.6), hi);
  o.y = rng.uniform(half_h + r.y + 0.02, 1 - half_h - r.y - 0.02);
  o.phase = rng.uniform();
  o.loudness = rng.uniform(0.15, 0.35);
  o.pitch = rng.uniform(0.95, 1.05);
  o.rhythm = rng.uniform(0, 1);
  o.key = hash(clip_seed, kSoundNoise, static_cast<uint64_t>(k));
  return o;
}

// ---------------------------------------------------------------------------------------------
// Motions

struct Pose {
  double x, y;  // centre, fractions of width and height
  double scale; // of the object's size
  double angle; // radians
};

Pose pose_at(const Object &o, double t) {
  const double p = o.phase;
  Pose pose{o.x, o.y, 1, 0};
  switch (o.spec->motion) {
  case Motion::Bob: // floats up and down
    pose.y += 0.12 * std::sin(kTwoPi * (0.8 * t + p));
    pose.x += 0.02 * std::sin(kTwoPi * (0.3 * t + p));
    break;
  case Motion::Shake: // quick horizontal shaking
    pose.x += 0.05 * std::sin(kTwoPi * (3 * t + p));
    break;
  case Motion::Traverse: // crosses the screen and back, about 7 s a way
    pose.x = 0.2 + 0.6 * triangle(t / 14 + p);
    break;
  case Motion::Orbit: // circles its base
    pose.x += 0.10 * std::cos(kTwoPi * (0.3 * t + p));
    pose.y += 0.12 * std::sin(kTwoPi * (0.3 * t + p));
    break;
  case Motion::Pulse: // grows and shrinks in place
    pose.scale = 1 + 0.18 * std::sin(kTwoPi * (1.2 * t + p));
    break;
  case Motion::Zigzag: // slow sideways, fast up and down, with sharp turns
    pose.x += 0.12 * (2 * triangle(t / 4 + p) - 1);
    pose.y += 0.08 * (2 * triangle(t / 0.8 + p) - 1);
    break;
  case Motion::Jitter: // restless small jumps and a rocking tilt
    pose.x += 0.03 * value_noise(o.key ^ 1, t, 6);
    pose.y += 0.03 * value_noise(o.key ^ 2, t, 6);
    pose.angle = 0.35 * std::sin(kTwoPi * (4 * t + p));
    break;
  case Motion::FigureEight: // a slow figure of eight, turning
    pose.x += 0.10 * std::sin(kTwoPi * (0.2 * t + p));
    pose.y += 0.08 * std::sin(kTwoPi * (0.4 * t + 2 * p));
    pose.angle = 0.5 * t;
    break;
  }
  return pose;
}

// ---------------------------------------------------------------------------------------------
// Shapes: signed distances in units of the object's half-size (negative inside); a pixel's
// coverage comes from its distance, which anti-aliases edges at any resolution. The parts are
// at least 0.3 half-sizes thick: 2 px or more at 64 px frames.

double box(double x, double y, double bx, double by) {
  const double qx = std::abs(x) - bx, qy = std::abs(y) - by;
  return std::hypot(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0);
}

// Equilateral triangle, apex up (y grows downwards in images), half side r (after Inigo Quilez).
double triangle_sd(double x, double y, double r) {
  const double k = std::sqrt(3.0);
  y = -y;
  x = std::abs(x) - r;
  y = y + r / k;
  if (x + k * y > 0) {
    const double nx = (x - k * y) / 2, ny = (-k * x - y) / 2;
    x = nx, y = ny;
  }
  x -= std::min(std::max(x, -2 * r), 0.0);
  const double d = std::hypot(x, y);
  return y < 0 ? d : -d;
}

// Five-pointed star, outer radius r, inner radius rf * r (after Inigo Quilez).
double star_sd(double x, double y, double r, double rf) {
  const double k1x = 0.809016994375, k1y = -0.587785252292, k2x = -k1x, k2y = k1y;
  y = -y;
  x = std::abs(x);
  double d1 = 2 * std::max(k1x * x + k1y * y, 0.0);
  x -= d1 * k1x, y -= d1 * k1y;
  double d2 = 2 * std::max(k2x * x + k2y * y, 0.0);
  x -= d2 * k2x, y -= d2 * k2y;
  x = std::abs(x);
  y -= r;
  const double bax = rf * -k1y, bay = rf * k1x - 1;
  const double h = std::min(std::max((x * bax + y * bay) / (bax * bax + bay * bay), 0.0), r);
  const double d = std::hypot(x - bax * h, y - bay * h);
  return (y * bax - x * bay) < 0 ? -d : d;
}

double shape_sd(Shape shape, double x, double y) {
  switch (shape) {
  case Shape::Circle: return std::hypot(x, y) - 1;
  case Shape::Square: return box(x, y, 0.8, 0.8);
  case Shape::Triangle: return triangle_sd(x, y - 0.3, 1.05); // centred: apex and base 0.91 away
  case Shape::Ring: return std::abs(std::hypot(x, y) - 0.72) - 0.28;
  case Shape::Cross: return std::min(box(x, y, 1, 0.3), box(x, y, 0.3, 1));
  case Shape::Bar: return box(x, y, 1, 0.42);
  case Shape::Diamond: return (std::abs(x) / 0.85 + std::abs(y) / 1.15 - 1) * 0.684; // about a distance
  case Shape::Star: return star_sd(x, y, 1.05, 0.5);
  }
  return 1;
}

// Rasterises one object: blends its colour into rgb and/or sets mask to 255 where it covers at
// least half a pixel (the picture and the mask use the same coverage).
void draw_object(const Object &o, double t, int width, int height, uint8_t *rgb, uint8_t *mask) {
  const Pose pose = pose_at(o, t);
  const double half = 0.5 * o.size * pose.scale * height; // pixels
  const double cx = pose.x * width, cy = pose.y * height;
  const double extent = 1.25 * half + 2;
  const int x0 = std::max(0, static_cast<int>(std::floor(cx - extent)));
  const int x1 = std::min(width, static_cast<int>(std::ceil(cx + extent)));
  const int y0 = std::max(0, static_cast<int>(std::floor(cy - extent)));
  const int y1 = std::min(height, static_cast<int>(std::ceil(cy + extent)));
  const double c = std::cos(pose.angle), s = std::sin(pose.angle);
  const Rgb colour = o.spec->colour;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const double dx = (x + 0.5 - cx) / half, dy = (y + 0.5 - cy) / half;
      const double d = shape_sd(o.spec->shape, c * dx + s * dy, -s * dx + c * dy) * half;
      const double cover = clamp01(0.5 - d);
      if (cover <= 0)
        continue;
      const size_t i = static_cast<size_t>(y) * width + x;
      if (rgb) {
        uint8_t *p = rgb + 3 * i;
        p[0] = static_cast<uint8_t>(std::lround(p[0] + cover * (colour.r - p[0])));
        p[1] = static_cast<uint8_t>(std::lround(p[1] + cover * (colour.g - p[1])));
        p[2] = static_cast<uint8_t>(std::lround(p[2] + cover * (colour.b - p[2])));
      }
      if (mask && cover >= 0.5)
        mask[i] = 255;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Backgrounds: a muted two-colour gradient with soft drifting stripes or blobs, and mild pixel noise

struct Blob {
  double x, y, radius, strength, orbit, speed, phase;
};

struct Backdrop {
  Rgb from, to;      // gradient ends
  double gx, gy;     // gradient direction
  bool stripes;      // else blobs
  double sx, sy;     // stripe direction times frequency, cycles per frame
  double drift;      // stripe drift, cycles per second
  double phase;      // stripe phase, cycles
  double strength;   // stripe contrast
  Blob blobs[4];
  double noise;      // pixel noise amplitude, 0-255 units
  uint64_t noise_key;
};

Backdrop make_backdrop(uint64_t clip_seed) {
  Rng rng(hash(clip_seed, kBackdrop));
  Backdrop b{};
  const double hue = rng.uniform();
  b.from = hsv(hue, rng.uniform(0.1, 0.35), rng.uniform(0.25, 0.55));
  b.to = hsv(hue + rng.uniform(0.08, 0.3), rng.uniform(0.1, 0.35), rng.uniform(0.25, 0.55));
  const double angle = rng.uniform(0, kTwoPi);
  b.gx = std::cos(angle), b.gy = std::sin(angle);
  b.stripes = rng.chance(0.5);
  const double stripe_angle = rng.uniform(0, kPi), frequency = rng.uniform(2, 6);
  b.sx = frequency * std::cos(stripe_angle), b.sy = frequency * std::sin(stripe_angle);
  b.drift = rng.uniform(-0.1, 0.1);
  b.phase = rng.uniform();
  b.strength = rng.uniform(0.05, 0.12);
  for (Blob &blob : b.blobs)
    blob = {rng.uniform(), rng.uniform(), rng.uniform(0.1, 0.3), rng.uniform(-0.15, 0.15),
            rng.uniform(0.02, 0.08), rng.uniform(0.02, 0.06), rng.uniform()};
  b.noise = rng.uniform(0, 4);
  b.noise_key = hash(clip_seed, kPixelNoise);
  return b;
}

void paint_backdrop(const Backdrop &b, double t, int width, int height, uint8_t *rgb) {
  // Blob centres move slowly in small circles: a background that changes, but not much.
  double bx[4], by[4];
  for (int i = 0; i < 4; ++i) {
    const Blob &blob = b.blobs[i];
    bx[i] = blob.x + blob.orbit * std::cos(kTwoPi * (blob.speed * t + blob.phase));
    by[i] = blob.y + blob.orbit * std::sin(kTwoPi * (blob.speed * t + blob.phase));
  }
  // Pixel noise changes with the frame time (to the millisecond) but stays a function of it.
  const uint64_t frame_key = hash(b.noise_key, static_cast<uint64_t>(std::llround(t * 1000)));
  for (int y = 0; y < height; ++y) {
    const double v = (y + 0.5) / height;
    for (int x = 0; x < width; ++x) {
      const double u = (x + 0.5) / width;
      const double g = clamp01(0.5 + (u - 0.5) * b.gx + (v - 0.5) * b.gy);
      double shade = 1;
      if (b.stripes) {
        shade += b.strength * std::sin(kTwoPi * (b.sx * u + b.sy * v + b.drift * t + b.phase));
      } else {
        for (int i = 0; i < 4; ++i) {
          const double du = u - bx[i], dv = v - by[i], r = b.blobs[i].radius;
          shade += b.blobs[i].strength * std::exp(-(du * du + dv * dv) / (r * r));
        }
      }
      const double noise = b.noise * to_signed(hash(frame_key, static_cast<uint64_t>(y) * width + x));
      uint8_t *p = rgb + 3 * (static_cast<size_t>(y) * width + x);
      const double rgb_value[3] = {b.from.r + g * (b.to.r - b.from.r), b.from.g + g * (b.to.g - b.from.g),
                                   b.from.b + g * (b.to.b - b.from.b)};
      for (int ch = 0; ch < 3; ++ch)
        p[ch] = static_cast<uint8_t>(std::lround(std::min(255.0, std::max(0.0, rgb_value[ch] * shade + noise))));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sounds: each class's signal at clip time t, peak about 1 (the object's loudness scales it)

// A struck note: a fast attack, then exponential decay.
double strike(double tau, double decay) { return (1 - std::exp(-tau / 0.002)) * std::exp(-tau / decay); }

double sound_wave(const Object &o, double t) {
  const double f = o.pitch;
  switch (o.spec->sound) {
  case Sound::Strikes: { // bell: decaying 880 Hz strikes, twice a second, with inharmonic partials
    const double tau = fraction((t - o.rhythm) * 2) / 2;
    const double w = kTwoPi * 880 * f * tau;
    return strike(tau, 0.25) * (std::sin(w) + 0.4 * std::sin(2.76 * w) + 0.15 * std::sin(5.4 * w)) / 1.55;
  }
  case Sound::Drum: { // drum: low noise bursts with a 75 Hz thump, four a second
    const double tau = fraction((t - o.rhythm) * 4) / 4;
    const double body = value_noise(o.key, t, 500 * f) + std::sin(kTwoPi * 75 * f * tau);
    return strike(tau, 0.1) * body / 2;
  }
  case Sound::Sweep: { // siren: a sine sweeping 600-1200 Hz and back in 1.6 s (analytic phase)
    const double period = 1.6, centre = 900 * f, depth = 300 * f, u = t - o.rhythm;
    return std::sin(kTwoPi * (centre * u - depth * period / kTwoPi * std::cos(kTwoPi * u / period)));
  }
  case Sound::Sawtooth: { // engine: 110 Hz sawtooth (16 harmonics) with a 20 Hz rumble
    const double w = kTwoPi * 110 * f * t;
    double sum = 0;
    for (int k = 1; k <= 16; ++k)
      sum += std::sin(k * w) / k;
    return sum / 1.9 * (0.8 + 0.2 * std::sin(kTwoPi * 20 * (t - o.rhythm)));
  }
  case Sound::Whistle: // whistle: a steady 2 kHz sine
    return std::sin(kTwoPi * 2000 * f * t);
  case Sound::Buzz: { // buzzer: 300 Hz square (odd harmonics), on and off 8 times a second
    const double tau = fraction((t - o.rhythm) * 8) / 8;
    const double gate = clamp01(std::min(tau, 0.0625 - tau) / 0.003);
    const double w = kTwoPi * 300 * f * t;
    double sum = 0;
    for (int k = 1; k <= 15; k += 2)
      sum += std::sin(k * w) / k;
    return gate * sum * (4 / kPi) / 1.2;
  }
  case Sound::Rattle: { // rattle: high noise rattles about 12 times a second, irregular
    const double x = (t - o.rhythm) * 12;
    const auto n = static_cast<uint64_t>(static_cast<int64_t>(std::floor(x)));
    const double onset = 0.4 * to_unit(hash(o.key, n, 1)), accent = 0.7 + 0.3 * to_unit(hash(o.key, n, 2));
    const double tau = (fraction(x) - onset) / 12;
    if (tau < 0)
      return 0;
    // The first difference of a 12 kHz noise: white noise with its low end removed.
    const double hiss = value_noise(o.key, t, 12000) - value_noise(o.key, t - 1.0 / 12000, 12000);
    return accent * (1 - std::exp(-tau / 0.001)) * std::exp(-tau / 0.06) * hiss / 1.5;
  }
  case Sound::Brass: { // horn: 440 Hz with strong harmonics, brass-like, slow tremolo
    static const double amplitude[] = {1, 0.9, 0.75, 0.6, 0.45, 0.3, 0.2, 0.12};
    const double w = kTwoPi * 440 * f * t;
    double sum = 0;
    for (int k = 0; k < 8; ++k)
      sum += amplitude[k] * std::sin((k + 1) * w);
    return sum / 4.32 * (1 + 0.3 * std::sin(kTwoPi * (2.5 * t + o.rhythm))) / 1.3;
  }
  }
  return 0;
}

// How much of class k's sound plays at t: all of it inside its audible segments, with a 5-ms
// raised-cosine fade where audibility switches (against clicks); continuous across segments where
// it stays audible.
double audible_gate(const std::vector<SegmentScene> &scenes, int k, double t) {
  constexpr double kFade = 0.005;
  const int segments = static_cast<int>(scenes.size());
  if (!(t >= 0) || t >= segments)
    return 0;
  const int s = static_cast<int>(t);
  auto on = [&](int i) { return i >= 0 && i < segments && scenes[i].audible[k]; };
  if (!on(s))
    return 0;
  double gate = 1;
  if (!on(s - 1) && t - s < kFade)
    gate *= ramp((t - s) / kFade);
  if (!on(s + 1) && s + 1 - t < kFade)
    gate *= ramp((s + 1 - t) / kFade);
  return gate;
}

// Background noise: a white-ish hiss and a low rumble at a per-clip level, always there.
double background_noise(uint64_t key, double level, double t) {
  return level * (0.8 * value_noise(key, t, 16000) + 0.4 * value_noise(key ^ 1, t, 300)) / 1.2;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

constexpr double kNoEventShare = 0.08; // clips without any event
constexpr double kTwoRunShare = 0.35;  // clips whose event happens twice

// Which segments carry the event: one or two contiguous runs, or none.
std::vector<bool> event_segments(Rng &rng, int segments, double event_rate) {
  std::vector<bool> event(segments, false);
  if (rng.chance(kNoEventShare) || event_rate <= 0)
    return event;
  // Runs' total length 1 + Binomial(segments - 1, p), with p such that the share of event segments
  // over all clips (those without an event included) is event_rate on average.
  const double mean = std::min<double>(segments, std::max(1.0, event_rate * segments / (1 - kNoEventShare)));
  const double p = segments > 1 ? (mean - 1) / (segments - 1) : 0;
  int length = 1;
  for (int i = 1; i < segments; ++i)
    length += rng.chance(p);
  if (length >= 2 && length < segments && rng.chance(kTwoRunShare)) {
    const int first = 1 + rng.below(length - 1);             // the first run's length
    const int start = rng.below(segments - length);          // leaves room for a gap of 1 or more
    const int gap = 1 + rng.below(segments - length - start); // the second run still fits
    for (int i = 0; i < length; ++i)
      event[start + i + (i >= first ? gap : 0)] = true;
  } else {
    const int start = rng.below(segments - length + 1);
    for (int i = 0; i < length; ++i)
      event[start + i] = true;
  }
  return event;
}

int other_class(Rng &rng, int c, int classes) {
  const int d = rng.below(classes - 1);
  return d >= c ? d + 1 : d;
}

// One segment's objects. An event segment shows and plays class c, sometimes with a distractor d
// that is only seen or only heard; another segment sometimes has c or d seen but silent, or heard
// but unseen. No segment ever has a second class both seen and heard, nor c both outside events.
SegmentScene make_scene(Rng &rng, bool event, int c, int classes, double distractor_rate) {
  SegmentScene scene{std::vector<bool>(classes, false), std::vector<bool>(classes, false)};
  if (event) {
    scene.visible[c] = scene.audible[c] = true;
    if (classes > 1 && rng.chance(distractor_rate / 2)) {
      const int d = other_class(rng, c, classes);
      (rng.chance(0.5) ? scene.visible : scene.audible)[d] = true;
    }
  } else if (rng.chance(distractor_rate)) {
    const int kind = rng.below(classes > 1 ? 4 : 2);
    const int k = kind < 2 ? c : other_class(rng, c, classes);
    (kind % 2 == 0 ? scene.visible : scene.audible)[k] = true;
  }
  return scene;
}

// The sample times of render_audio: exact multiples of 1/rate when t0 is on the sample grid, so
// that rendering in pieces gives the same samples as rendering at once.
struct SampleClock {
  SampleClock(double t0, int rate) : t0(t0), rate(rate) {
    const double position = t0 * rate;
    base = std::llround(position);
    on_grid = std::abs(position - static_cast<double>(base)) < 1e-6;
  }
  double at(int i) const { return on_grid ? static_cast<double>(base + i) / rate : t0 + static_cast<double>(i) / rate; }
  double t0;
  int rate;
  long long base;
  bool on_grid;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Clip

Clip::Clip(uint64_t seed, int event_class, std::vector<SegmentScene> scenes, int classes)
    : seed_(seed), event_class_(event_class), scenes_(std::move(scenes)), classes_(classes) {
  if (classes < 1 || classes > kClassCount)
    throw std::invalid_argument("synth: classes must be 1.." + std::to_string(kClassCount));
  if (event_class < 0 || event_class >= classes)
    throw std::invalid_argument("synth: event class " + std::to_string(event_class) + " out of range");
  for (const auto &scene : scenes_)
    if (static_cast<int>(scene.visible.size()) != classes || static_cast<int>(scene.audible.size()) != classes)
      throw std::invalid_argument("synth: a segment scene does not have one entry per class");
}

std::vector<int> Clip::labels() const {
  std::vector<int> labels(scenes_.size(), classes_);
  for (size_t s = 0; s < scenes_.size(); ++s)
    for (int k = 0; k < classes_; ++k)
      if (scenes_[s].visible[k] && scenes_[s].audible[k])
        labels[s] = k;
  return labels;
}

void Clip::render_frame(double t, int width, int height, uint8_t *rgb) const {
  if (width <= 0 || height <= 0 || !rgb)
    throw std::invalid_argument("synth: render_frame needs a positive size and a buffer");
  paint_backdrop(make_backdrop(seed_), t, width, height, rgb);
  if (!(t >= 0) || t >= segments())
    return;
  const SegmentScene &scene = scenes_[static_cast<int>(t)];
  // Silent objects first and the sounding one on top, so that the mask matches the picture.
  for (bool sounding : {false, true})
    for (int k = 0; k < classes_; ++k)
      if (scene.visible[k] && scene.audible[k] == sounding)
        draw_object(make_object(seed_, k, event_class_), t, width, height, rgb, nullptr);
}

void Clip::render_sounding_mask(double t, int width, int height, uint8_t *mask) const {
  if (width <= 0 || height <= 0 || !mask)
    throw std::invalid_argument("synth: render_sounding_mask needs a positive size and a buffer");
  std::fill(mask, mask + static_cast<size_t>(width) * height, 0);
  if (!(t >= 0) || t >= segments())
    return;
  const SegmentScene &scene = scenes_[static_cast<int>(t)];
  for (int k = 0; k < classes_; ++k)
    if (scene.visible[k] && scene.audible[k])
      draw_object(make_object(seed_, k, event_class_), t, width, height, nullptr, mask);
}

void Clip::render_audio(double t0, int samples, int sample_rate, float *out) const {
  if (samples < 0 || sample_rate <= 0 || (samples > 0 && !out))
    throw std::invalid_argument("synth: render_audio needs a positive rate and a buffer");
  const SampleClock clock(t0, sample_rate);
  // The classes audible anywhere in the span: the only sounds worth evaluating.
  const double t_end = t0 + static_cast<double>(samples) / sample_rate;
  std::vector<Object> sounding;
  for (int k = 0; k < classes_; ++k) {
    bool heard = false;
    for (int s = std::max(0, static_cast<int>(std::floor(t0))); s < segments() && s <= t_end; ++s)
      heard = heard || scenes_[s].audible[k];
    if (heard)
      sounding.push_back(make_object(seed_, k, event_class_));
  }
  Rng rng(hash(seed_, kAudioNoise));
  const double noise_level = rng.uniform(0.005, 0.03);
  const uint64_t noise_key = rng.next();
  for (int i = 0; i < samples; ++i) {
    const double t = clock.at(i);
    double value = background_noise(noise_key, noise_level, t);
    for (const Object &o : sounding) {
      const double gate = audible_gate(scenes_, static_cast<int>(o.spec - kClasses), t);
      if (gate > 0)
        value += gate * o.loudness * sound_wave(o, t);
    }
    out[i] = static_cast<float>(std::min(1.0, std::max(-1.0, value)));
  }
}

Clip::Position Clip::object_position(int k, double t) const {
  if (k < 0 || k >= classes_)
    throw std::invalid_argument("synth: class " + std::to_string(k) + " out of range");
  const Pose pose = pose_at(make_object(seed_, k, event_class_), t);
  return {pose.x, pose.y};
}

uint64_t Clip::random(uint64_t stream) const { return hash(seed_, kOutside, stream); }

// ---------------------------------------------------------------------------------------------
// World

World::World(uint64_t seed, WorldOptions options) : seed_(seed), options_(options) {
  if (options_.segments < 1)
    throw std::invalid_argument("synth: a clip needs at least one segment");
  if (options_.classes < 1 || options_.classes > kClassCount)
    throw std::invalid_argument("synth: classes must be 1.." + std::to_string(kClassCount));
  if (!(options_.event_rate >= 0 && options_.event_rate <= 1) ||
      !(options_.distractor_rate >= 0 && options_.distractor_rate <= 1))
    throw std::invalid_argument("synth: event_rate and distractor_rate must be in [0, 1]");
}

const std::vector<std::string> &World::class_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const ClassSpec &spec : kClasses)
      out.push_back(spec.name);
    return out;
  }();
  return names;
}

Clip World::clip(uint64_t clip_index) const {
  const uint64_t clip_seed = hash(seed_, clip_index, kClipSeed);
  Rng rng(hash(clip_seed, kScenario));
  const int c = rng.below(options_.classes);
  const std::vector<bool> event = event_segments(rng, options_.segments, options_.event_rate);
  std::vector<SegmentScene> scenes;
  for (int s = 0; s < options_.segments; ++s)
    scenes.push_back(make_scene(rng, event[s], c, options_.classes, options_.distractor_rate));
  return Clip(clip_seed, c, std::move(scenes), options_.classes);
}

} // namespace dgsct::synth
