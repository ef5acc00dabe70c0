/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The colours of DG-SCT labels, shared by dgsctoverlay's timeline and dgsct-report's PNG so that a
 * class has the same colour on screen and in a report. Header only, no dependencies.
 *
 * Class indices 0..29 take fixed, mutually distinct colours (none of them grey); higher indices
 * step round the hue circle by the golden angle. Background is mid grey. */
#pragma once

#include <cmath>

namespace dgsct {

struct Rgb {
  unsigned char r, g, b;
  bool operator== (const Rgb & o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!= (const Rgb & o) const { return !(*this == o); }
};

inline constexpr Rgb kBackgroundColour { 128, 128, 128 };

inline constexpr Rgb kLabelColours[] = {
  { 230, 25, 75 },   { 60, 180, 75 },   { 255, 225, 25 },  { 67, 99, 216 },   { 245, 130, 49 },
  { 145, 30, 180 },  { 66, 212, 244 },  { 240, 50, 230 },  { 191, 239, 69 },  { 250, 190, 212 },
  { 70, 153, 144 },  { 220, 190, 255 }, { 154, 99, 36 },   { 255, 250, 200 }, { 128, 0, 0 },
  { 170, 255, 195 }, { 128, 128, 0 },   { 255, 216, 177 }, { 0, 0, 117 },     { 0, 168, 107 },
  { 199, 21, 133 },  { 255, 179, 0 },   { 94, 53, 177 },   { 0, 96, 100 },    { 255, 138, 128 },
  { 78, 52, 46 },    { 178, 235, 242 }, { 255, 64, 129 },  { 40, 53, 147 },   { 118, 255, 3 },
};
inline constexpr int kFixedLabelColours = sizeof (kLabelColours) / sizeof (kLabelColours[0]);

/* The colour of class `label`; `background_label` (or any negative label) is grey. */
inline Rgb label_colour (int label, int background_label)
{
  if (label < 0 || label == background_label)
    return kBackgroundColour;
  if (label < kFixedLabelColours)
    return kLabelColours[label];
  /* HSV with s = 0.75, v = 0.9, hue by the golden angle. */
  double h = std::fmod ((label - kFixedLabelColours) * 0.618033988749895 + 0.05, 1.0) * 6.0;
  const double v = 0.9, s = 0.75, c = v * s, x = c * (1 - std::fabs (std::fmod (h, 2.0) - 1)), m = v - c;
  double r = 0, g = 0, b = 0;
  switch (static_cast<int> (h)) {
    case 0: r = c; g = x; break;
    case 1: r = x; g = c; break;
    case 2: g = c; b = x; break;
    case 3: g = x; b = c; break;
    case 4: r = x; b = c; break;
    default: r = c; b = x; break;
  }
  auto byte = [m] (double channel) { return static_cast<unsigned char> (std::lround ((channel + m) * 255)); };
  return { byte (r), byte (g), byte (b) };
}

}  // namespace dgsct
