/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "support.h"

#include <cstring>
#include <gst/video/video.h>
#include <sstream>
#include <vector>

namespace dgsct::gst {

std::string resolve_model (const std::string & location)
{
  if (location.find ('/') != std::string::npos || g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
    return location;
  std::vector<std::string> dirs;
  if (const char *env = g_getenv ("DGSCT_MODEL_PATH")) {
    std::stringstream ss (env);
    for (std::string dir; std::getline (ss, dir, ':');)
      if (!dir.empty ())
        dirs.push_back (dir);
  }
  dirs.push_back (DGSCT_SOURCE_MODEL_DIR);
  dirs.push_back (DGSCT_INSTALLED_MODEL_DIR);
  for (const auto & dir : dirs) {
    const std::string path = dir + "/" + location + ".safetensors";
    if (g_file_test (path.c_str (), G_FILE_TEST_IS_REGULAR))
      return path;
  }
  return location;
}

torch::Tensor key_frame_rgb (GstBuffer * frame, GstCaps * caps)
{
  GstVideoInfo in, out;
  if (!caps || !gst_video_info_from_caps (&in, caps))
    throw std::runtime_error ("key frame without usable video caps");
  gst_video_info_set_format (&out, GST_VIDEO_FORMAT_RGB, in.width, in.height);
  out.fps_n = in.fps_n;         /* the converter insists on equal rates and aspect */
  out.fps_d = in.fps_d;
  out.par_n = in.par_n;
  out.par_d = in.par_d;
  GstBuffer *rgb = frame;
  if (GST_VIDEO_INFO_FORMAT (&in) != GST_VIDEO_FORMAT_RGB) {
    rgb = gst_buffer_new_allocate (nullptr, out.size, nullptr);
    GstVideoFrame src, dst;
    if (!gst_video_frame_map (&src, &in, frame, GST_MAP_READ))
      throw std::runtime_error ("cannot map the key frame");
    gst_video_frame_map (&dst, &out, rgb, GST_MAP_WRITE);
    GstVideoConverter *converter = gst_video_converter_new (&in, &out, nullptr);
    gst_video_converter_frame (converter, &src, &dst);
    gst_video_converter_free (converter);
    gst_video_frame_unmap (&src);
    gst_video_frame_unmap (&dst);
  }
  GstVideoFrame map;
  if (!gst_video_frame_map (&map, &out, rgb, GST_MAP_READ))
    throw std::runtime_error ("cannot map the RGB key frame");
  auto tensor = torch::empty ({in.height, in.width, 3}, torch::kUInt8);
  const auto *data = static_cast<const uint8_t *> (GST_VIDEO_FRAME_PLANE_DATA (&map, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&map, 0);
  for (int y = 0; y < in.height; ++y)
    std::memcpy (tensor.data_ptr<uint8_t> () + static_cast<size_t> (y) * in.width * 3, data + static_cast<size_t> (y) * stride,
        static_cast<size_t> (in.width) * 3);
  gst_video_frame_unmap (&map);
  if (rgb != frame)
    gst_buffer_unref (rgb);
  return tensor;
}

}  // namespace dgsct::gst
