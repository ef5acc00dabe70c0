// SPDX-License-Identifier: LGPL-2.1-or-later
// Renders a clip of the synthetic audio-visual world (synth/world.h) to a Matroska file, raw RGB
// video and mono float audio, with its ground truth as TSV: test material that needs no download.
#include "cli.h"
#include "dgsct/metrics.h"
#include "synth/world.h"

#include <cairo.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

static const char *kUsage =
    "usage: dgsct-synth --seed S [--clip N] [--classes 6] [--segments 10] [--width 320] [--height 240]\n"
    "                   [--fps 10] --output FILE.mkv [--truth FILE.tsv] [--masks FILE.tsv [--mask-size 64]]\n"
    "                   [--key-frames PATTERN]\n"
    "Renders clip N (default 0) of the synthetic world of seed S, with its first --classes classes, to\n"
    "a Matroska file: RGB video at --fps frames per second and mono F32 audio at 32000 Hz, one segment\n"
    "per second. --truth writes the ground truth per segment as TSV: index, start, end (seconds),\n"
    "label (the class index, or --classes for background) and label_name. --masks writes the mask of the\n"
    "sounding objects at each segment's key frame (its centre), --mask-size square, as TSV: index,\n"
    "start, end, width, height, foreground and rle (row-major runs alternating unset and set pixels,\n"
    "starting with unset, as dgsctjson writes predicted masks). --key-frames writes each segment's key\n"
    "frame (the frame at its centre, which dgsctsync picks) as PNG, the path PATTERN with the segment\n"
    "index in place of a printf integer conversion (out/key-%02d.png).\n";

namespace {

constexpr int kSampleRate = 32000;
constexpr int kAudioChunk = kSampleRate / 10; // 100-ms audio buffers
constexpr guint64 kQueueLimit = 4 << 20;       // bytes waiting in an appsrc before we wait for the muxer

GstElement *make_element(const char *factory, const char *name) {
  GstElement *element = gst_element_factory_make(factory, name);
  if (!element)
    throw std::runtime_error(std::string("the GStreamer element '") + factory + "' is missing");
  return element;
}

// appsrc -> matroskamux -> filesink, with the sources' caps set.
class Writer {
public:
  Writer(const std::string &path, int width, int height, int fps) : path_(path) {
    pipeline_ = gst_pipeline_new("dgsct-synth");
    video_ = make_element("appsrc", "video");
    audio_ = make_element("appsrc", "audio");
    GstElement *mux = make_element("matroskamux", "mux");
    GstElement *sink = make_element("filesink", "sink");
    gst_bin_add_many(GST_BIN(pipeline_), video_, audio_, mux, sink, nullptr);

    GstCaps *video_caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "RGB", "width", G_TYPE_INT, width,
                                              "height", G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION, fps, 1,
                                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
    GstCaps *audio_caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "F32LE", "layout", G_TYPE_STRING,
                                              "interleaved", "channels", G_TYPE_INT, 1, "rate", G_TYPE_INT,
                                              kSampleRate, nullptr);
    // We pace the pushing ourselves (see push()), so the sources never block us.
    g_object_set(video_, "caps", video_caps, "format", GST_FORMAT_TIME, "max-bytes", guint64{0}, nullptr);
    g_object_set(audio_, "caps", audio_caps, "format", GST_FORMAT_TIME, "max-bytes", guint64{0}, nullptr);
    gst_caps_unref(video_caps);
    gst_caps_unref(audio_caps);
    g_object_set(sink, "location", path.c_str(), nullptr);

    link_to_mux(video_, mux, "video_%u");
    link_to_mux(audio_, mux, "audio_%u");
    if (!gst_element_link(mux, sink))
      throw std::runtime_error("cannot link matroskamux to filesink");
    bus_ = gst_element_get_bus(pipeline_);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      fail_from_bus("cannot start writing");
  }
  ~Writer() {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(bus_);
    gst_object_unref(pipeline_);
  }
  Writer(const Writer &) = delete;
  Writer &operator=(const Writer &) = delete;

  // Takes the buffer. Waits while the source's queue is full, watching the bus for errors (a
  // failed muxer or sink would otherwise leave us waiting forever).
  void push(bool video, GstBuffer *buffer) {
    GstAppSrc *src = GST_APP_SRC(video ? video_ : audio_);
    while (gst_app_src_get_current_level_bytes(src) > kQueueLimit)
      check_bus(10 * GST_MSECOND);
    if (gst_app_src_push_buffer(src, buffer) != GST_FLOW_OK)
      fail_from_bus("writing stopped");
  }

  void finish() {
    gst_app_src_end_of_stream(GST_APP_SRC(video_));
    gst_app_src_end_of_stream(GST_APP_SRC(audio_));
    GstMessage *message = gst_bus_timed_pop_filtered(bus_, GST_CLOCK_TIME_NONE,
                                                     static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    const bool eos = GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS;
    if (!eos)
      throw_error(message);
    gst_message_unref(message);
  }

private:
  static void link_to_mux(GstElement *src, GstElement *mux, const char *templ) {
    GstPad *sink_pad = gst_element_request_pad_simple(mux, templ);
    GstPad *src_pad = gst_element_get_static_pad(src, "src");
    const bool linked = sink_pad && gst_pad_link(src_pad, sink_pad) == GST_PAD_LINK_OK;
    gst_object_unref(src_pad);
    if (sink_pad)
      gst_object_unref(sink_pad);
    if (!linked)
      throw std::runtime_error(std::string("cannot link a source to matroskamux's ") + templ);
  }
  void check_bus(GstClockTime timeout) {
    if (GstMessage *message = gst_bus_timed_pop_filtered(bus_, timeout, GST_MESSAGE_ERROR))
      throw_error(message);
  }
  [[noreturn]] void fail_from_bus(const std::string &fallback) {
    check_bus(GST_SECOND);
    throw std::runtime_error(path_ + ": " + fallback);
  }
  [[noreturn]] void throw_error(GstMessage *message) {
    GError *error = nullptr;
    gchar *debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::string text = path_ + ": " + (error ? error->message : "unknown error");
    // The debug text's last line carries the cause ("system error: ..."), the rest is source paths.
    const std::string detail = debug ? debug : "";
    const std::string cause = detail.substr(detail.find_last_of('\n') == std::string::npos ? 0 : detail.find_last_of('\n') + 1);
    if (!cause.empty() && cause.find(".c(") == std::string::npos)
      text += " (" + cause + ")";
    g_clear_error(&error);
    g_free(debug);
    gst_message_unref(message);
    throw std::runtime_error(text);
  }

  std::string path_;
  GstElement *pipeline_ = nullptr, *video_ = nullptr, *audio_ = nullptr;
  GstBus *bus_ = nullptr;
};

GstBuffer *render_frame(const dgsct::synth::Clip &clip, int index, int width, int height, int fps) {
  // GStreamer's RGB rows start on 4-byte boundaries.
  const size_t row = static_cast<size_t>(width) * 3, stride = GST_ROUND_UP_4(row);
  std::vector<uint8_t> rgb(row * height);
  const GstClockTime pts = gst_util_uint64_scale(index, GST_SECOND, fps);
  clip.render_frame(static_cast<double>(index) / fps, width, height, rgb.data());
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, stride * height, nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (int y = 0; y < height; ++y) {
    std::memcpy(map.data + y * stride, rgb.data() + y * row, row);
    std::memset(map.data + y * stride + row, 0, stride - row);
  }
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(index + 1, GST_SECOND, fps) - pts;
  return buffer;
}

GstBuffer *render_audio(const dgsct::synth::Clip &clip, int64_t first, int samples) {
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, samples * sizeof(float), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  clip.render_audio(static_cast<double>(first) / kSampleRate, samples, kSampleRate, reinterpret_cast<float *>(map.data));
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(first, GST_SECOND, kSampleRate);
  GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(first + samples, GST_SECOND, kSampleRate) - GST_BUFFER_PTS(buffer);
  GST_BUFFER_OFFSET(buffer) = first;
  GST_BUFFER_OFFSET_END(buffer) = first + samples;
  return buffer;
}

// Frames and audio in timestamp order, so the muxer always has both to interleave.
void write_clip(const dgsct::synth::Clip &clip, const std::string &path, int width, int height, int fps) {
  Writer writer(path, width, height, fps);
  const int frames = clip.segments() * fps;
  const int64_t samples = static_cast<int64_t>(clip.segments()) * kSampleRate;
  int frame = 0;
  int64_t sample = 0;
  while (frame < frames || sample < samples) {
    const GstClockTime video_pts = gst_util_uint64_scale(frame, GST_SECOND, fps);
    const GstClockTime audio_pts = gst_util_uint64_scale(sample, GST_SECOND, kSampleRate);
    if (frame < frames && (sample >= samples || video_pts <= audio_pts)) {
      writer.push(true, render_frame(clip, frame++, width, height, fps));
    } else {
      const int count = static_cast<int>(std::min<int64_t>(kAudioChunk, samples - sample));
      writer.push(false, render_audio(clip, sample, count));
      sample += count;
    }
  }
  writer.finish();
}

void write_truth(const dgsct::synth::Clip &clip, const std::string &path) {
  std::ofstream out(path);
  if (!out)
    throw std::runtime_error(path + ": cannot open for writing");
  const auto &names = dgsct::synth::World::class_names();
  const auto labels = clip.labels();
  out << "index\tstart\tend\tlabel\tlabel_name\n";
  char line[160];
  for (size_t s = 0; s < labels.size(); ++s) {
    const int label = labels[s];
    std::snprintf(line, sizeof line, "%zu\t%.3f\t%.3f\t%d\t%s\n", s, static_cast<double>(s), static_cast<double>(s + 1),
                  label, label == clip.classes() ? "background" : names[label].c_str());
    out << line;
  }
  if (!out.flush())
    throw std::runtime_error(path + ": write failed");
}

void write_masks(const dgsct::synth::Clip &clip, int size, const std::string &path) {
  std::ofstream out(path);
  if (!out)
    throw std::runtime_error(path + ": cannot open for writing");
  out << "index\tstart\tend\twidth\theight\tforeground\trle\n";
  std::vector<uint8_t> mask(static_cast<size_t>(size) * size);
  for (int s = 0; s < clip.segments(); ++s) {
    clip.render_sounding_mask(s + 0.5, size, size, mask.data());
    const auto set = std::count_if(mask.begin(), mask.end(), [](uint8_t v) { return v != 0; });
    char head[160];
    std::snprintf(head, sizeof head, "%d\t%.3f\t%.3f\t%d\t%d\t%.6f\t", s, static_cast<double>(s), static_cast<double>(s + 1), size,
                  size, static_cast<double>(set) / mask.size());
    out << head << dgsct::mask_to_rle(mask.data(), mask.size()) << "\n";
  }
  if (!out.flush())
    throw std::runtime_error(path + ": write failed");
}

void write_key_frames(const dgsct::synth::Clip &clip, int width, int height, const std::string &pattern) {
  if (!dgsct::cli::one_integer_conversion(pattern))
    throw std::runtime_error("--key-frames '" + pattern + "' needs exactly one %d (e.g. key-%02d.png)");
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int s = 0; s < clip.segments(); ++s) {
    clip.render_frame(s + 0.5, width, height, rgb.data());
    cairo_surface_flush(surface);
    uint8_t *pixels = cairo_image_surface_get_data(surface);
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const uint8_t *p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
        reinterpret_cast<uint32_t *>(pixels + y * stride)[x] = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
      }
    cairo_surface_mark_dirty(surface);
    char path[4096];
    std::snprintf(path, sizeof path, pattern.c_str(), s);
    if (cairo_surface_write_to_png(surface, path) != CAIRO_STATUS_SUCCESS) {
      cairo_surface_destroy(surface);
      throw std::runtime_error(std::string(path) + ": cannot write the PNG");
    }
  }
  cairo_surface_destroy(surface);
}

// "bell in segments 2-5, 8" for the summary line.
std::string describe_events(const dgsct::synth::Clip &clip) {
  const auto labels = clip.labels();
  std::string spans;
  int count = 0;
  for (size_t s = 0; s < labels.size();) {
    size_t end = s;
    while (end < labels.size() && labels[end] == labels[s])
      ++end;
    if (labels[s] != clip.classes()) {
      count += static_cast<int>(end - s);
      spans += (spans.empty() ? "" : ", ") + std::to_string(s) + (end - s > 1 ? "-" + std::to_string(end - 1) : "");
    }
    s = end;
  }
  const std::string name = dgsct::synth::World::class_names()[clip.event_class()];
  if (count == 0)
    return "no event (" + name + " only as a distractor)";
  return "event " + name + " in segments " + spans + " (" + std::to_string(count) + " of " +
         std::to_string(clip.segments()) + ")";
}

} // namespace

int main(int argc, char **argv) {
  dgsct::cli::Args args(argc, argv, {"seed", "clip", "classes", "segments", "width", "height", "fps", "output", "truth", "masks", "mask-size",
                         "key-frames"},
                        {}, kUsage);
  args.require("seed");
  const uint64_t seed = args.unsigned_integer("seed", "");
  const uint64_t index = args.unsigned_integer("clip", "0");
  const int max_classes = static_cast<int>(dgsct::synth::World::class_names().size());
  dgsct::synth::WorldOptions options;
  options.classes = static_cast<int>(args.integer("classes", options.classes, 1, max_classes));
  options.segments = static_cast<int>(args.integer("segments", options.segments, 1, 100000));
  const int width = static_cast<int>(args.integer("width", 320, 1, 8192));
  const int height = static_cast<int>(args.integer("height", 240, 1, 8192));
  const int fps = static_cast<int>(args.integer("fps", 10, 1, 240));
  const std::string output = args.require("output");
  const int mask_size = static_cast<int>(args.integer("mask-size", 64, 1, 8192));
  try {
    gst_init(nullptr, nullptr);
    const auto clip = dgsct::synth::World(seed, options).clip(index);
    write_clip(clip, output, width, height, fps);
    if (args.has("truth"))
      write_truth(clip, args.get("truth"));
    if (args.has("masks"))
      write_masks(clip, mask_size, args.get("masks"));
    if (args.has("key-frames"))
      write_key_frames(clip, width, height, args.get("key-frames"));
    std::printf("%s: seed %llu clip %llu, %d segments, %dx%d at %d fps, mono %d Hz; %s\n", output.c_str(),
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(index), clip.segments(), width,
                height, fps, kSampleRate, describe_events(clip).c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
