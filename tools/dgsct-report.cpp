// SPDX-License-Identifier: LGPL-2.1-or-later
// Report on a dgsctjson run: the events the model detected (from the segment lines), and with a
// ground truth the true events and the segment accuracy; optionally a PNG timeline of both. For
// sounding-object masks (mask lines) against true masks: the mean mask IoU, and a PNG of a key frame
// with its predicted and its true mask. AVVP runs (parsing lines): the events heard, seen, and heard
// and seen; AVQA runs (answer lines): each answer with its question and window.
#include "cli.h"
#include "../elements/palette.h"
#include "dgsct/metrics.h"

#include <algorithm>
#include <cairo.h>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <json-glib/json-glib.h>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

static const char *kUsage =
    "usage: dgsct-report --results FILE [--truth FILE] [--png FILE] [--min-accuracy X] [--segment-duration S]\n"
    "                    [--mask-truth FILE [--min-iou X] [--mask-png FILE --frames PATTERN [--mask-segment N]]]\n"
    "--results   dgsctjson's JSON Lines; the events are the runs of consecutive segments with one\n"
    "            non-background label (listed when there are segment lines or --truth); mask lines are\n"
    "            the predicted masks; parsing lines give the audio, visual and audio-visual events (the\n"
    "            runs of consecutive segments holding a class in that modality); answer lines are listed\n"
    "            with their question and the window answered over\n"
    "--truth     ground truth TSV: a header 'index<TAB>start<TAB>end<TAB>label<TAB>label_name', then one\n"
    "            row per segment (times in seconds; label_name 'background' for the background class);\n"
    "            adds the true events and 'segment accuracy: A (correct/total)' over the truth's segments\n"
    "--png       writes a timeline image: the predicted (and true) label of every segment, a time axis\n"
    "            and a legend\n"
    "--min-accuracy  exit 1 when the segment accuracy is below X (needs --truth)\n"
    "--segment-duration  seconds per segment (default 1.0): the image's time axis, and the times of\n"
    "            segment lines without running times\n"
    "--mask-truth  true masks TSV (dgsct-synth --masks): a header\n"
    "            'index<TAB>start<TAB>end<TAB>width<TAB>height<TAB>foreground<TAB>rle', one row per segment;\n"
    "            prints 'mean mask IoU: M (N segments)' of the results' mask lines over the truth's segments\n"
    "            (AVSBench's rule; a segment without a mask line counts as an empty mask)\n"
    "--min-iou   exit 1 when the mean mask IoU is below X (needs --mask-truth)\n"
    "--mask-png  writes segment N's key frame twice, with its predicted (green) and its true (magenta)\n"
    "            mask scaled over the whole frame, captioned with the segment, its time and its IoU\n"
    "--frames    the key frames' PNGs: a path with one printf integer conversion for the segment index\n"
    "            (dgsct-synth --key-frames writes them)\n"
    "--mask-segment  the segment of --mask-png (default: the first with a true object and a predicted\n"
    "            mask, else the truth's first)\n"
    "Exit status: 0, 1 when below --min-accuracy or --min-iou, 2 on bad arguments or input.\n";

namespace {

struct Segment {
  int label = -1;
  std::string name;
  double confidence = NAN;  // results only
  double start = 0, end = 0;  // seconds
  bool background = false;
};
using Timeline = std::map<uint64_t, Segment>;  // by segment index

struct Mask {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // 0/1, row-major
  double start = NAN, end = NAN;  // seconds; true masks only
};
using Masks = std::map<uint64_t, Mask>;  // by segment index

// AVVP: one segment's classes per modality, by name.
constexpr int kModalities = 3;
const char *const kModalityKeys[kModalities] = {"audio", "visual", "audio_visual"};
const char *const kModalityTitles[kModalities] = {"audio events", "visual events", "audio-visual events"};
struct ParsedSegment {
  std::vector<std::string> classes[kModalities];
  double start = 0, end = 0;  // seconds
};
using Parsing = std::map<uint64_t, ParsedSegment>;  // by segment index

// AVQA: one answer line.
struct Answer {
  std::string question, answer;
  double confidence = 0, start = 0, end = 0;  // seconds
  uint64_t first_index = 0, last_index = 0;
};

// What a dgsctjson file holds, by line type.
struct Results {
  Timeline segments;
  Masks masks;
  Parsing parsing;
  std::vector<Answer> answers;
};

struct Event {
  int label;
  std::string name;
  double start, end, confidence_sum;
  int segments;
};

[[noreturn]] void fail_at(const std::string &path, int line, const std::string &message) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + message);
}

// ---- the results: dgsctjson's JSON Lines ----

JsonNode *member(JsonObject *object, const char *name) {
  return json_object_has_member(object, name) ? json_object_get_member(object, name) : nullptr;
}
bool holds(JsonNode *node, GType type) {
  return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == type;
}
bool is_number(JsonNode *node) { return holds(node, G_TYPE_INT64) || holds(node, G_TYPE_DOUBLE); }

// A running time in seconds, or NAN when absent or null.
double running_time(JsonObject *times, const char *name) {
  JsonNode *node = times ? member(times, name) : nullptr;
  return holds(node, G_TYPE_INT64) ? json_node_get_int(node) / 1e9 : NAN;
}

// A mask line's or row's size and run lengths; the error, if any, names what is wrong.
Mask parse_mask(long long width, long long height, const std::string &rle, std::string &error) {
  Mask m;
  if (width <= 0 || height <= 0 || width > 65536 || height > 65536) {
    error = "mask size " + std::to_string(width) + " x " + std::to_string(height) + " is not a positive size";
    return m;
  }
  m.width = static_cast<int>(width);
  m.height = static_cast<int>(height);
  try {
    m.pixels = dgsct::mask_from_rle(rle, static_cast<size_t>(width) * height);
  } catch (const std::invalid_argument &e) {
    error = std::string("bad \"rle\": ") + e.what();
  }
  return m;
}

// A line's non-negative integer member `name`, or a failure naming it.
uint64_t index_member(JsonObject *object, const char *name, const char *kind, const std::string &path, int line) {
  JsonNode *node = member(object, name);
  if (!holds(node, G_TYPE_INT64) || json_node_get_int(node) < 0)
    fail_at(path, line, std::string(kind) + " without a non-negative integer \"" + name + "\"");
  return static_cast<uint64_t>(json_node_get_int(node));
}

// A line's string member `name`, or a failure naming it.
std::string string_member(JsonObject *object, const char *name, const char *kind, const std::string &path, int line) {
  JsonNode *node = member(object, name);
  if (!holds(node, G_TYPE_STRING))
    fail_at(path, line, std::string(kind) + " without a \"" + name + "\" string");
  return json_node_get_string(node);
}

// A line's numeric member `name`, or a failure naming it.
double number_member(JsonObject *object, const char *name, const char *kind, const std::string &path, int line) {
  JsonNode *node = member(object, name);
  if (!is_number(node))
    fail_at(path, line, std::string(kind) + " without a numeric \"" + name + "\"");
  return json_node_get_double(node);
}

// A line's "running_time" span in seconds; NAN where absent or null.
std::pair<double, double> running_span(JsonObject *object, const std::string &path, int line) {
  JsonNode *times = member(object, "running_time");
  if (times && !JSON_NODE_HOLDS_OBJECT(times) && !JSON_NODE_HOLDS_NULL(times))
    fail_at(path, line, "\"running_time\" is not an object");
  JsonObject *rt = times && JSON_NODE_HOLDS_OBJECT(times) ? json_node_get_object(times) : nullptr;
  return {running_time(rt, "start"), running_time(rt, "end")};
}

ParsedSegment parse_parsing_line(JsonObject *object, const std::string &path, int line) {
  ParsedSegment s;
  for (int m = 0; m < kModalities; ++m) {
    JsonNode *node = member(object, kModalityKeys[m]);
    JsonArray *names = node && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : nullptr;
    if (!names)
      fail_at(path, line, std::string("parsing line without the array of class names \"") + kModalityKeys[m] + "\"");
    for (guint i = 0; i < json_array_get_length(names); ++i) {
      JsonNode *name = json_array_get_element(names, i);
      if (!holds(name, G_TYPE_STRING))
        fail_at(path, line, std::string("\"") + kModalityKeys[m] + "\" holds something other than class names");
      s.classes[m].push_back(json_node_get_string(name));
    }
  }
  return s;
}

Answer parse_answer_line(JsonObject *object, const std::string &path, int line) {
  Answer a;
  a.question = string_member(object, "question", "answer line", path, line);
  a.answer = string_member(object, "answer_name", "answer line", path, line);
  a.confidence = number_member(object, "confidence", "answer line", path, line);
  a.first_index = index_member(object, "first_index", "answer line", path, line);
  a.last_index = index_member(object, "last_index", "answer line", path, line);
  if (a.last_index < a.first_index)
    fail_at(path, line, "answer line whose \"last_index\" comes before its \"first_index\"");
  return a;
}

Results read_results(const std::string &path, double segment_duration) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  Results results;
  Timeline &timeline = results.segments;
  Masks &masks = results.masks;
  JsonParser *parser = json_parser_new();
  try {
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
      if (text.find_first_not_of(" \t\r") == std::string::npos)
        continue;
      GError *error = nullptr;
      if (!json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), &error)) {
        std::string message = error->message;  // "<data>:LINE:COLUMN: Parse error: ..."
        g_error_free(error);
        if (message.rfind("<data>:1:", 0) == 0) {
          const size_t column_end = message.find(':', 9);
          const std::string rest = column_end == std::string::npos ? "" : message.substr(column_end + 1);
          message = "column " + message.substr(9, column_end - 9) + ":" +
                    (rest.rfind(" Parse error:", 0) == 0 ? rest.substr(13) : rest);
        }
        fail_at(path, line, "not valid JSON, " + message);
      }
      JsonNode *root = json_parser_get_root(parser);
      if (!root || !JSON_NODE_HOLDS_OBJECT(root))
        fail_at(path, line, "expected a JSON object");
      JsonObject *object = json_node_get_object(root);
      JsonNode *type = member(object, "type");
      if (!holds(type, G_TYPE_STRING))
        fail_at(path, line, "no \"type\" string");
      const std::string kind = json_node_get_string(type);
      if (kind == "mask") {
        const uint64_t i = index_member(object, "index", "mask", path, line);
        JsonNode *size = member(object, "size"), *rle = member(object, "rle");
        JsonArray *dims = size && JSON_NODE_HOLDS_ARRAY(size) ? json_node_get_array(size) : nullptr;
        if (!dims || json_array_get_length(dims) != 2 || !holds(json_array_get_element(dims, 0), G_TYPE_INT64) ||
            !holds(json_array_get_element(dims, 1), G_TYPE_INT64))
          fail_at(path, line, "mask without a \"size\" of two integers");
        if (!holds(rle, G_TYPE_STRING))
          fail_at(path, line, "mask without an \"rle\" string");
        std::string error;
        Mask m = parse_mask(json_array_get_int_element(dims, 0), json_array_get_int_element(dims, 1),
                            json_node_get_string(rle), error);
        if (!error.empty())
          fail_at(path, line, error);
        if (masks.count(i))
          fail_at(path, line, "mask of segment " + std::to_string(i) + " appears twice");
        masks[i] = std::move(m);
        continue;
      }
      if (kind == "parsing") {
        const uint64_t i = index_member(object, "index", "parsing line", path, line);
        if (results.parsing.count(i))
          fail_at(path, line, "parsing of segment " + std::to_string(i) + " appears twice");
        ParsedSegment s = parse_parsing_line(object, path, line);
        std::tie(s.start, s.end) = running_span(object, path, line);
        if (std::isnan(s.start))
          s.start = i * segment_duration;
        if (std::isnan(s.end))
          s.end = s.start + segment_duration;
        results.parsing[i] = std::move(s);
        continue;
      }
      if (kind == "answer") {
        Answer a = parse_answer_line(object, path, line);
        std::tie(a.start, a.end) = running_span(object, path, line);
        if (std::isnan(a.start))
          a.start = a.first_index * segment_duration;
        if (std::isnan(a.end))
          a.end = (a.last_index + 1) * segment_duration;
        results.answers.push_back(std::move(a));
        continue;
      }
      if (kind != "segment")
        continue;  // event lines (and any later kinds) are not needed: events are rebuilt from segments

      const uint64_t i = index_member(object, "index", "segment", path, line);
      Segment s;
      s.label = static_cast<int>(index_member(object, "label", "segment", path, line));
      s.name = string_member(object, "label_name", "segment", path, line);
      s.confidence = number_member(object, "confidence", "segment", path, line);
      if (timeline.count(i))
        fail_at(path, line, "segment " + std::to_string(i) + " appears twice");
      s.background = s.name == "background";
      std::tie(s.start, s.end) = running_span(object, path, line);
      if (std::isnan(s.start))
        s.start = i * segment_duration;
      if (std::isnan(s.end))
        s.end = s.start + segment_duration;
      timeline[i] = s;
    }
  } catch (...) {
    g_object_unref(parser);
    throw;
  }
  g_object_unref(parser);
  return results;
}

// ---- the ground truth: TSV ----

std::vector<std::string> split_tabs(std::string line) {
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  std::vector<std::string> fields;
  size_t from = 0;
  for (size_t tab; (tab = line.find('\t', from)) != std::string::npos; from = tab + 1)
    fields.push_back(line.substr(from, tab - from));
  fields.push_back(line.substr(from));
  return fields;
}

bool parse_double(const std::string &text, double &value) {
  char *end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && errno == 0 && *end == '\0' && std::isfinite(value);
}

// A non-negative integer.
bool parse_count(const std::string &text, long long &value) {
  char *end = nullptr;
  errno = 0;
  value = std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && errno == 0 && *end == '\0' && value >= 0;
}

// Calls `row(fields, line)` for each non-blank row of a TSV file whose first line is `header`.
template <typename Row> void read_tsv(const std::string &path, const std::vector<std::string> &header, Row &&row) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  std::string text, joined;
  for (const auto &name : header)
    joined += (joined.empty() ? "" : "<TAB>") + name;
  int line = 1;
  if (!std::getline(in, text) || split_tabs(text) != header)
    fail_at(path, line, "expected the header '" + joined + "'");
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    const auto fields = split_tabs(text);
    if (fields.size() != header.size())
      fail_at(path, line, "expected " + std::to_string(header.size()) + " tab-separated fields, found " +
                              std::to_string(fields.size()));
    row(fields, line);
  }
}

Timeline read_truth(const std::string &path) {
  Timeline timeline;
  read_tsv(path, {"index", "start", "end", "label", "label_name"}, [&](const std::vector<std::string> &fields, int line) {
    long long index, label;
    Segment s;
    if (!parse_count(fields[0], index))
      fail_at(path, line, "index '" + fields[0] + "' is not a non-negative integer");
    if (!parse_double(fields[1], s.start) || !parse_double(fields[2], s.end) || s.end < s.start)
      fail_at(path, line, "start '" + fields[1] + "' and end '" + fields[2] + "' are not times in seconds");
    if (!parse_count(fields[3], label) || label > INT_MAX)
      fail_at(path, line, "label '" + fields[3] + "' is not a class index");
    s.label = static_cast<int>(label);
    if (fields[4].empty())
      fail_at(path, line, "empty label_name");
    if (timeline.count(static_cast<uint64_t>(index)))
      fail_at(path, line, "segment " + fields[0] + " appears twice");
    s.name = fields[4];
    s.background = s.name == "background";
    timeline[static_cast<uint64_t>(index)] = s;
  });
  if (timeline.empty())
    throw std::runtime_error(path + ": no segments");
  return timeline;
}

Masks read_mask_truth(const std::string &path) {
  Masks masks;
  read_tsv(path, {"index", "start", "end", "width", "height", "foreground", "rle"},
           [&](const std::vector<std::string> &fields, int line) {
             long long index, width, height;
             if (!parse_count(fields[0], index))
               fail_at(path, line, "index '" + fields[0] + "' is not a non-negative integer");
             double start, end;
             if (!parse_double(fields[1], start) || !parse_double(fields[2], end) || end < start)
               fail_at(path, line, "start '" + fields[1] + "' and end '" + fields[2] + "' are not times in seconds");
             if (!parse_count(fields[3], width) || !parse_count(fields[4], height))
               fail_at(path, line, "width '" + fields[3] + "' and height '" + fields[4] + "' are not sizes");
             std::string error;
             Mask m = parse_mask(width, height, fields[6], error);
             if (!error.empty())
               fail_at(path, line, error);
             m.start = start;
             m.end = end;
             if (masks.count(static_cast<uint64_t>(index)))
               fail_at(path, line, "segment " + fields[0] + " appears twice");
             masks[static_cast<uint64_t>(index)] = std::move(m);
           });
  if (masks.empty())
    throw std::runtime_error(path + ": no segments");
  return masks;
}

// The IoU of one segment's mask; a segment without a predicted mask counts as an empty one.
double segment_iou(const Masks &predicted, uint64_t index, const Mask &truth, const std::string &truth_path) {
  auto p = predicted.find(index);
  if (p == predicted.end()) {
    const std::vector<uint8_t> empty(truth.pixels.size(), 0);
    return dgsct::mask_iou(empty.data(), truth.pixels.data(), truth.pixels.size());
  }
  if (p->second.width != truth.width || p->second.height != truth.height)
    throw std::runtime_error(truth_path + ": segment " + std::to_string(index) + ": the true mask is " +
                             std::to_string(truth.width) + " x " + std::to_string(truth.height) + ", the predicted one " +
                             std::to_string(p->second.width) + " x " + std::to_string(p->second.height));
  return dgsct::mask_iou(p->second.pixels.data(), truth.pixels.data(), truth.pixels.size());
}

// Mean IoU over the truth's segments (AVSBench's rule).
double mean_mask_iou(const Masks &predicted, const Masks &truth, const std::string &truth_path) {
  double sum = 0;
  for (const auto &[index, t] : truth)
    sum += segment_iou(predicted, index, t, truth_path);
  return sum / truth.size();
}

// ---- events and tables ----

// Consecutive segments (by index) with the same non-background label form one event.
std::vector<Event> events_of(const Timeline &timeline) {
  std::vector<Event> events;
  const Segment *previous = nullptr;
  uint64_t previous_index = 0;
  for (const auto &[index, s] : timeline) {
    const bool extends = previous && !previous->background && !s.background && previous->label == s.label &&
                         index == previous_index + 1;
    if (extends) {
      events.back().end = s.end;
      events.back().confidence_sum += s.confidence;
      ++events.back().segments;
    } else if (!s.background) {
      events.push_back({s.label, s.name, s.start, s.end, s.confidence, 1});
    }
    previous = &s;
    previous_index = index;
  }
  return events;
}

// AVVP: per class, the runs of consecutive segments (by index) that hold it in modality `m`, in
// order of start, then name.
std::vector<Event> events_of(const Parsing &parsing, int m) {
  std::vector<Event> events;
  std::map<std::string, size_t> open; // class -> its event in `events`, while the last segment held it
  uint64_t previous_index = 0;
  bool first = true;
  for (const auto &[index, s] : parsing) {
    std::map<std::string, size_t> still_open;
    for (const auto &name : s.classes[m]) {
      auto it = open.find(name);
      if (!first && index == previous_index + 1 && it != open.end()) {
        events[it->second].end = s.end;
        ++events[it->second].segments;
        still_open[name] = it->second;
      } else {
        still_open[name] = events.size();
        events.push_back({-1, name, s.start, s.end, NAN, 1});
      }
    }
    open = std::move(still_open);
    previous_index = index;
    first = false;
  }
  std::stable_sort(events.begin(), events.end(), [](const Event &a, const Event &b) {
    return a.start != b.start ? a.start < b.start : a.name < b.name;
  });
  return events;
}

void print_answers(const std::vector<Answer> &answers) {
  std::printf("\nanswers: %zu\n", answers.size());
  for (const Answer &a : answers)
    std::printf("  segments %llu-%llu (%.3f - %.3f s): %s -> %s (%.3f)\n", static_cast<unsigned long long>(a.first_index),
                static_cast<unsigned long long>(a.last_index), a.start, a.end, a.question.c_str(), a.answer.c_str(),
                a.confidence);
}

void print_events(const char *title, const std::vector<Event> &events) {
  std::printf("%s:\n", title);
  if (events.empty()) {
    std::printf("  (none)\n");
    return;
  }
  int width = 5;
  for (const Event &e : events)
    width = std::max(width, static_cast<int>(e.name.size()));
  std::printf("  %-*s %9s %9s %9s %10s\n", width, "label", "start (s)", "end (s)", "duration", "confidence");
  for (const Event &e : events) {
    const double mean = e.confidence_sum / e.segments;
    char confidence[32] = "-";
    if (!std::isnan(mean))
      std::snprintf(confidence, sizeof confidence, "%.3f", mean);
    std::printf("  %-*s %9.3f %9.3f %9.3f %10s\n", width, e.name.c_str(), e.start, e.end, e.end - e.start, confidence);
  }
}

// ---- the PNG timeline ----

struct Drawing {
  double font = 13, row_height = 26, row_gap = 10, margin = 16;
};

void set_colour(cairo_t *cr, dgsct::Rgb c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

dgsct::Rgb colour_of(const Segment &s) { return s.background ? dgsct::kBackgroundColour : dgsct::label_colour(s.label, -1); }

double text_width(cairo_t *cr, const std::string &text) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  return extents.x_advance;
}

// A tick step in seconds (1, 2, 5 x 10^k) at least `min_px` apart.
double tick_step(double px_per_second, double min_px) {
  for (double decade = 0.01;; decade *= 10)
    for (double m : {1.0, 2.0, 5.0})
      if (m * decade * px_per_second >= min_px)
        return m * decade;
}

void draw_row(cairo_t *cr, const Timeline &row, double left, double y, double cell, double height) {
  for (const auto &[index, s] : row) {
    set_colour(cr, colour_of(s));
    cairo_rectangle(cr, left + index * cell, y, cell >= 6 ? cell - 1 : cell, height);
    cairo_fill(cr);
  }
}

struct LegendItem {
  std::string name;
  dgsct::Rgb colour;
};

void write_png(const std::string &path, const Timeline &predicted, const Timeline *truth, double segment_duration) {
  const Drawing d;
  uint64_t slots = 1;
  if (!predicted.empty())
    slots = std::max(slots, predicted.rbegin()->first + 1);
  if (truth)
    slots = std::max(slots, truth->rbegin()->first + 1);
  const double cell = std::clamp(std::floor(960.0 / slots), 2.0, 40.0);

  // Legend entries: every label present, by class index (background last), then the error mark.
  std::map<std::pair<bool, int>, LegendItem> labels;
  for (const Timeline *t : {&predicted, truth})
    if (t)
      for (const auto &[index, s] : *t)
        labels.emplace(std::make_pair(s.background, s.label), LegendItem{s.name, colour_of(s)});
  std::vector<LegendItem> legend;
  for (const auto &[key, item] : labels)
    legend.push_back(item);
  const dgsct::Rgb kWrong{0, 0, 0};
  if (truth)
    legend.push_back({"wrong", kWrong});

  // Layout, measured on a scratch surface.
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *measure = cairo_create(scratch);
  cairo_select_font_face(measure, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(measure, d.font);
  const std::vector<std::string> row_names = truth ? std::vector<std::string>{"predicted", "true"}
                                                   : std::vector<std::string>{"predicted"};
  double label_width = text_width(measure, "time (s)");
  for (const auto &name : row_names)
    label_width = std::max(label_width, text_width(measure, name));
  const double left = d.margin + std::ceil(label_width) + 10;
  const double width = std::max(480.0, std::ceil(left + slots * cell + d.margin));
  const double rows_top = d.margin;
  const double axis_y = rows_top + row_names.size() * (d.row_height + d.row_gap);
  const double legend_top = axis_y + 2 * d.font + 14;
  std::vector<std::pair<double, double>> legend_at;  // top-left of each item's swatch
  double x = d.margin, y = legend_top;
  for (const LegendItem &item : legend) {
    const double item_width = d.font + 6 + text_width(measure, item.name) + 18;
    if (x + item_width > width - d.margin && x > d.margin) {
      x = d.margin;
      y += d.font + 10;
    }
    legend_at.emplace_back(x, y);
    x += item_width;
  }
  const double height = std::ceil(y + d.font + d.margin);
  cairo_destroy(measure);
  cairo_surface_destroy(scratch);

  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(width),
                                                        static_cast<int>(height));
  cairo_t *cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, d.font);
  cairo_font_extents_t font;
  cairo_font_extents(cr, &font);
  const double strip = slots * cell;

  // Rows: a frame for the whole span (segments without a label stay white), then the cells.
  for (size_t r = 0; r < row_names.size(); ++r) {
    const double top = rows_top + r * (d.row_height + d.row_gap);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_move_to(cr, left - 10 - text_width(cr, row_names[r]), top + (d.row_height + font.ascent - font.descent) / 2);
    cairo_show_text(cr, row_names[r].c_str());
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, left - 0.5, top - 0.5, strip + 1, d.row_height + 1);
    cairo_stroke(cr);
    draw_row(cr, r == 0 ? predicted : *truth, left, top, cell, d.row_height);
  }
  // Wrong segments: a black bar in the gap between the rows.
  if (truth) {
    set_colour(cr, kWrong);
    const double bar_y = rows_top + d.row_height + d.row_gap / 2 - 2;
    for (const auto &[index, s] : *truth) {
      auto p = predicted.find(index);
      if (p == predicted.end() || p->second.label != s.label)
        cairo_rectangle(cr, left + index * cell, bar_y, cell >= 6 ? cell - 1 : cell, 4);
    }
    cairo_fill(cr);
  }

  // Time axis.
  const double seconds = slots * segment_duration, px_per_second = cell / segment_duration;
  const double step = tick_step(px_per_second, std::max(40.0, text_width(cr, "0000.0") + 8));
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_set_line_width(cr, 1);
  cairo_move_to(cr, left, axis_y + 0.5);
  cairo_line_to(cr, left + strip, axis_y + 0.5);
  cairo_stroke(cr);
  for (int k = 0; k * step <= seconds + 1e-9; ++k) {
    const double t = k * step, tx = std::round(left + t * px_per_second) + 0.5;
    cairo_move_to(cr, tx, axis_y);
    cairo_line_to(cr, tx, axis_y + 5);
    cairo_stroke(cr);
    char text[32];
    std::snprintf(text, sizeof text, "%g", t);
    cairo_move_to(cr, tx - text_width(cr, text) / 2, axis_y + 7 + font.ascent);
    cairo_show_text(cr, text);
  }
  cairo_move_to(cr, left - 10 - text_width(cr, "time (s)"), axis_y + 7 + font.ascent);
  cairo_show_text(cr, "time (s)");

  // Legend.
  for (size_t i = 0; i < legend.size(); ++i) {
    const auto [lx, ly] = legend_at[i];
    set_colour(cr, legend[i].colour);
    cairo_rectangle(cr, lx, ly, d.font, d.font);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_move_to(cr, lx + d.font + 6, ly + d.font - font.descent + 1);
    cairo_show_text(cr, legend[i].name.c_str());
  }

  cairo_destroy(cr);
  const cairo_status_t status = cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(path + ": cannot write the PNG: " + cairo_status_to_string(status));
}

// ---- the mask PNG ----

// `mask` scaled over the whole of a w x h panel at (x, y), in `colour` at `alpha`.
void paint_mask(cairo_t *cr, const Mask &mask, double x, double y, double w, double h, dgsct::Rgb colour, double alpha) {
  cairo_surface_t *overlay = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, mask.width, mask.height);
  cairo_surface_flush(overlay);
  const int stride = cairo_image_surface_get_stride(overlay);
  uint8_t *data = cairo_image_surface_get_data(overlay);
  const auto a = static_cast<uint32_t>(std::lround(alpha * 255));
  // Premultiplied ARGB.
  const uint32_t pixel = (a << 24) | ((colour.r * a / 255) << 16) | ((colour.g * a / 255) << 8) | (colour.b * a / 255);
  for (int row = 0; row < mask.height; ++row)
    for (int col = 0; col < mask.width; ++col)
      reinterpret_cast<uint32_t *>(data + row * stride)[col] = mask.pixels[static_cast<size_t>(row) * mask.width + col] ? pixel : 0;
  cairo_surface_mark_dirty(overlay);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_scale(cr, w / mask.width, h / mask.height);
  cairo_set_source_surface(cr, overlay, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(overlay);
}

// The key frame twice, with the predicted mask (left) and the true one (right) over it, under a title
// line naming the segment and a caption line per panel.
void write_mask_png(const std::string &path, const std::string &frame_path, uint64_t index, const Mask *predicted,
                    const Mask &truth, double iou) {
  cairo_surface_t *frame = cairo_image_surface_create_from_png(frame_path.c_str());
  if (cairo_surface_status(frame) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(frame));
    cairo_surface_destroy(frame);
    throw std::runtime_error(frame_path + ": cannot read the key frame PNG: " + why);
  }
  const Drawing d;
  const double fw = cairo_image_surface_get_width(frame), fh = cairo_image_surface_get_height(frame);
  const double line = d.font + 10, gap = d.margin;
  char title[96], left_caption[64];
  std::snprintf(title, sizeof title, "segment %llu: %.3f - %.3f s", static_cast<unsigned long long>(index),
                truth.start, truth.end);
  std::snprintf(left_caption, sizeof left_caption, predicted ? "predicted (IoU %.2f)" : "predicted: none (IoU %.2f)",
                iou);
  const dgsct::Rgb kPredicted{0x00, 0xC8, 0x53}, kTrue{0xD5, 0x00, 0xF9};
  const struct {
    std::string caption;
    const Mask *mask;
    dgsct::Rgb colour;
  } panels[] = {{left_caption, predicted, kPredicted}, {"true", &truth, kTrue}};

  // Panels as wide as the frame, or as their caption on a small frame (measured on a scratch surface).
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
  cairo_t *measure = cairo_create(scratch);
  cairo_select_font_face(measure, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(measure, d.font);
  double column = fw;
  for (const auto &panel : panels)
    column = std::max(column, std::ceil(text_width(measure, panel.caption)));
  const double width = std::max(2 * column + gap, std::ceil(text_width(measure, title)));
  cairo_destroy(measure);
  cairo_surface_destroy(scratch);

  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(width),
                                                        static_cast<int>(fh + 2 * line));
  cairo_t *cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, d.font);
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_move_to(cr, 0, d.font);
  cairo_show_text(cr, title);
  for (int i = 0; i < 2; ++i) {
    const double x = i * (column + gap), y = 2 * line;
    cairo_set_source_surface(cr, frame, x, y);
    cairo_paint(cr);
    if (panels[i].mask)
      paint_mask(cr, *panels[i].mask, x, y, fw, fh, panels[i].colour, 0.55);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_move_to(cr, x, line + d.font);
    cairo_show_text(cr, panels[i].caption.c_str());
  }
  cairo_destroy(cr);
  cairo_surface_destroy(frame);
  const cairo_status_t status = cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(path + ": cannot write the PNG: " + cairo_status_to_string(status));
}

} // namespace

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv,
                        {"results", "truth", "png", "min-accuracy", "segment-duration", "mask-truth", "min-iou", "mask-png",
                         "frames", "mask-segment"},
                        {}, kUsage);
  const std::string results_path = args.require("results");
  double segment_duration = 1.0, min_accuracy = 0;
  if (!parse_double(args.get("segment-duration", "1.0"), segment_duration) || !(segment_duration > 0))
    args.die("--segment-duration needs a positive number of seconds");
  if (args.has("min-accuracy")) {
    if (!args.has("truth"))
      args.die("--min-accuracy needs --truth");
    if (!parse_double(args.get("min-accuracy"), min_accuracy) || min_accuracy < 0 || min_accuracy > 1)
      args.die("--min-accuracy needs a number from 0 to 1");
  }
  double min_iou = 0;
  if (args.has("min-iou") && (!args.has("mask-truth") || !parse_double(args.get("min-iou"), min_iou) || min_iou < 0 || min_iou > 1))
    args.die("--min-iou needs --mask-truth and a number from 0 to 1");
  if (args.has("mask-png") && (!args.has("mask-truth") || !args.has("frames")))
    args.die("--mask-png needs --mask-truth and --frames");
  if (args.has("frames") && !dgsct::cli::one_integer_conversion(args.get("frames")))
    args.die("--frames needs a path with exactly one %d (e.g. key-%02d.png)");
  long long mask_segment = -1;
  if (args.has("mask-segment") && !parse_count(args.get("mask-segment"), mask_segment))
    args.die("--mask-segment needs a segment index");
  try {
    const Results results = read_results(results_path, segment_duration);
    const Timeline &predicted = results.segments;
    const Masks &predicted_masks = results.masks;
    Timeline truth;
    if (args.has("truth"))
      truth = read_truth(args.get("truth"));

    // A masks-only run (no segment lines, no --truth) has no events to list.
    std::printf("results: %s\n", results_path.c_str());
    if (!predicted.empty() || args.has("truth")) {
      std::printf("segments: %zu\n", predicted.size());
      print_events("detected events", events_of(predicted));
    }
    if (!results.parsing.empty()) {
      std::printf("\nparsed segments: %zu\n", results.parsing.size());
      for (int m = 0; m < kModalities; ++m)
        print_events(kModalityTitles[m], events_of(results.parsing, m));
    }
    if (!results.answers.empty())
      print_answers(results.answers);
    int status = 0;
    if (args.has("truth")) {
      std::printf("\ntruth: %s\nsegments: %zu\n", args.get("truth").c_str(), truth.size());
      print_events("true events", events_of(truth));
      size_t correct = 0;
      for (const auto &[index, s] : truth) {
        auto p = predicted.find(index);
        correct += p != predicted.end() && p->second.label == s.label;
      }
      const double accuracy = static_cast<double>(correct) / truth.size();
      std::printf("\nsegment accuracy: %.3f (%zu/%zu)\n", accuracy, correct, truth.size());
      if (args.has("min-accuracy") && accuracy < min_accuracy) {
        std::fprintf(stderr, "segment accuracy %.3f is below --min-accuracy %g\n", accuracy, min_accuracy);
        status = 1;
      }
    }
    if (args.has("png")) {
      write_png(args.get("png"), predicted, args.has("truth") ? &truth : nullptr, segment_duration);
      std::printf("timeline: %s\n", args.get("png").c_str());
    }
    if (args.has("mask-truth")) {
      const std::string truth_path = args.get("mask-truth");
      const Masks true_masks = read_mask_truth(truth_path);
      const double iou = mean_mask_iou(predicted_masks, true_masks, truth_path);
      std::printf("\nmasks: %zu predicted, %zu true\nmean mask IoU: %.3f (%zu segments)\n", predicted_masks.size(),
                  true_masks.size(), iou, true_masks.size());
      if (args.has("min-iou") && iou < min_iou) {
        std::fprintf(stderr, "mean mask IoU %.3f is below --min-iou %g\n", iou, min_iou);
        status = 1;
      }
      if (args.has("mask-png")) {
        uint64_t chosen = static_cast<uint64_t>(mask_segment);
        if (mask_segment < 0) {
          auto it = std::find_if(true_masks.begin(), true_masks.end(), [&](const auto &entry) {
            const auto &pixels = entry.second.pixels;
            return predicted_masks.count(entry.first) && std::count(pixels.begin(), pixels.end(), 1) > 0;
          });
          chosen = it == true_masks.end() ? true_masks.begin()->first : it->first;
        }
        auto t = true_masks.find(chosen);
        if (t == true_masks.end())
          throw std::runtime_error(truth_path + ": no true mask for segment " + std::to_string(chosen));
        auto p = predicted_masks.find(chosen);
        char frame[4096];
        std::snprintf(frame, sizeof frame, args.get("frames").c_str(), static_cast<int>(chosen));
        write_mask_png(args.get("mask-png"), frame, chosen, p == predicted_masks.end() ? nullptr : &p->second, t->second,
                       segment_iou(predicted_masks, chosen, t->second, truth_path));
        std::printf("mask: %s (segment %llu)\n", args.get("mask-png").c_str(), static_cast<unsigned long long>(chosen));
      }
    }
    return status;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
