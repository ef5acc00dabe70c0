// SPDX-License-Identifier: LGPL-2.1-or-later
// Turns a labelled media file into a training clip for dgsct-train: the segments exactly as the
// pipeline cuts them (dgsctsync: each segment's key frame and its mono audio at the model's rate)
// and each segment's label from a ground-truth table.
#include "cli.h"
#include "dgsct-segment-meta.h"
#include "dgsct/safetensors.h"

#include <fstream>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static const char *kUsage =
    "usage: dgsct-extract --input MEDIA --truth TRUTH.tsv --output CLIP.safetensors [--sample-rate 32000]\n"
    "Decodes MEDIA, cuts it into 1-s segments with dgsctsync (key frame nearest each segment's centre,\n"
    "audio resampled to mono at --sample-rate) and writes 'frames' U8 [T, H, W, 3] RGB and 'audio' F32\n"
    "[T, samples] with each segment's label name (from TRUTH.tsv: a header line, then 'index start end\n"
    "label label_name' per segment, as dgsct-synth writes) in the metadata 'dgsct.segment_labels'.\n"
    "dgsct-train --clip-files trains or fine-tunes on such clips; dgsct-run --input runs a model on them.\n";

namespace {

// label_name per segment index, from the TSV ground truth.
std::map<uint64_t, std::string> read_truth(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  std::map<uint64_t, std::string> labels;
  std::string line;
  std::getline(in, line); // header
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty())
      continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');)
      fields.push_back(field);
    if (fields.size() != 5)
      throw std::runtime_error(path + ":" + std::to_string(number) + ": expected 5 tab-separated fields");
    labels[std::stoull(fields[0])] = fields[4];
  }
  return labels;
}

struct Segments {
  int width = 0, height = 0, samples = 0;
  std::vector<uint8_t> frames; // T x H x W x 3
  std::vector<float> audio;    // T x samples
  int count = 0;
};

void append(Segments &out, const DgsctSegmentMeta &seg, const std::string &input) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, seg.key_frame_caps) || GST_VIDEO_INFO_FORMAT(&info) != GST_VIDEO_FORMAT_RGB)
    throw std::runtime_error(input + ": key frame is not RGB video");
  if (out.count == 0) {
    out.width = GST_VIDEO_INFO_WIDTH(&info);
    out.height = GST_VIDEO_INFO_HEIGHT(&info);
    out.samples = static_cast<int>(gst_buffer_get_size(seg.audio) / sizeof(float));
  }
  if (GST_VIDEO_INFO_WIDTH(&info) != out.width || GST_VIDEO_INFO_HEIGHT(&info) != out.height)
    throw std::runtime_error(input + ": the frame size changes at segment " + std::to_string(seg.index));
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, seg.key_frame, GST_MAP_READ))
    throw std::runtime_error(input + ": cannot map the key frame of segment " + std::to_string(seg.index));
  const auto *data = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  for (int y = 0; y < out.height; ++y)
    out.frames.insert(out.frames.end(), data + y * stride, data + y * stride + out.width * 3);
  gst_video_frame_unmap(&frame);
  std::vector<float> pcm(out.samples, 0.0f);
  gst_buffer_extract(seg.audio, 0, pcm.data(), std::min<size_t>(gst_buffer_get_size(seg.audio), pcm.size() * sizeof(float)));
  out.audio.insert(out.audio.end(), pcm.begin(), pcm.end());
  ++out.count;
}

Segments decode(const std::string &input, int sample_rate) {
  gchar *uri = gst_filename_to_uri(input.c_str(), nullptr);
  if (!uri)
    throw std::runtime_error(input + ": not a file name");
  const std::string description = std::string("uridecodebin uri=") + uri + " name=d "
      "d. ! queue ! videoconvert ! video/x-raw,format=RGB ! s.video "
      "d. ! queue ! audioconvert ! audioresample ! s.audio "
      "dgsctsync name=s emit-partial=false sample-rate=" + std::to_string(sample_rate) + " ! appsink name=out sync=false";
  g_free(uri);
  GError *error = nullptr;
  GstElement *pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline)
    throw std::runtime_error(std::string("cannot build the pipeline: ") + (error ? error->message : "?") +
                             " (is the dgsct plugin on GST_PLUGIN_PATH?)");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  Segments out;
  std::string failure;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  while (failure.empty()) {
    GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 100 * GST_MSECOND);
    if (sample) {
      gpointer state = nullptr;
      GstMeta *meta;
      while ((meta = gst_buffer_iterate_meta_filtered(gst_sample_get_buffer(sample), &state, DGSCT_SEGMENT_META_API_TYPE))) {
        try {
          append(out, *reinterpret_cast<DgsctSegmentMeta *>(meta), input);
        } catch (const std::exception &e) {
          failure = e.what();
        }
      }
      gst_sample_unref(sample);
      continue;
    }
    if (gst_app_sink_is_eos(GST_APP_SINK(sink)))
      break;
    if (GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
      GError *err;
      gst_message_parse_error(msg, &err, nullptr);
      failure = input + ": " + err->message;
      g_error_free(err);
      gst_message_unref(msg);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  if (!failure.empty())
    throw std::runtime_error(failure);
  if (out.count == 0)
    throw std::runtime_error(input + ": no complete segment (needs video and audio of at least 1 s)");
  return out;
}

std::string json_string_list(const std::vector<std::string> &items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i])
      out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    out += "\"";
  }
  return out + "]";
}

} // namespace

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  dgsct::cli::Args args(argc, argv, {"input", "truth", "output", "sample-rate"}, {}, kUsage);
  try {
    const std::string input = args.require("input"), truth_path = args.require("truth"), output = args.require("output");
    const auto truth = read_truth(truth_path);
    const auto segments = decode(input, std::stoi(args.get("sample-rate", "32000")));
    std::vector<std::string> labels;
    for (int t = 0; t < segments.count; ++t) {
      auto it = truth.find(t);
      if (it == truth.end())
        throw std::runtime_error(truth_path + ": no label for segment " + std::to_string(t) + " of " + input);
      labels.push_back(it->second);
    }
    dgsct::SafetensorsWriter writer;
    writer.set_metadata("dgsct.segment_labels", json_string_list(labels));
    writer.add("frames", dgsct::DType::U8, {segments.count, segments.height, segments.width, 3}, segments.frames.data(),
               segments.frames.size());
    writer.add("audio", dgsct::DType::F32, {segments.count, segments.samples}, segments.audio.data(),
               segments.audio.size() * sizeof(float));
    writer.write(output);
    std::printf("%s: %d segments of %dx%d video and %d audio samples from %s\n", output.c_str(), segments.count,
                segments.width, segments.height, segments.samples, input.c_str());
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "dgsct-extract: %s\n", e.what());
    return 2;
  }
}
