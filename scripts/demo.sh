#!/bin/sh
# The main job: audio-visual event analysis and sounding-object segmentation of a demo clip with the
# bundled demo models, through the real GStreamer pipeline. Installs and builds what is missing,
# renders a clip of the synthetic world (a seed never used in training), runs
#   filesrc ! decodebin ! dgsctbin ! dgsctinfer model=avs-demo ! dgsctoverlay
#     ! (vp8enc ! webmmux ! filesink, dgsctjson)
# (pipelines/annotate-file.pipeline)
# and leaves in out/: demo.mkv (the clip), demo.truth.tsv and demo.masks.tsv (its ground truth),
# key-NN.png (each segment's key frame), demo-annotated.webm (the video with the label, the timeline
# and the mask drawn), demo.jsonl (one JSON line per segment, per event change and per mask),
# demo-timeline.png (predicted against true segments) and demo-mask.png (a key frame with its
# predicted and its true mask); prints the detected events, the segment accuracy and the mean mask IoU.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
ninja -C build
mkdir -p out
export GST_PLUGIN_PATH="$(pwd)/build/elements"
seed=${DGSCT_DEMO_SEED:-4242}

build/tools/dgsct-synth --seed "$seed" --segments 30 --width 320 --height 240 --fps 10 \
  --output out/demo.mkv --truth out/demo.truth.tsv --masks out/demo.masks.tsv --mask-size 64 --key-frames 'out/key-%02d.png'

# Sliding windows with a lookahead of 3 segments (masks: 2); the frames wait for their segment's
# decision (hold-frames), so labels and masks are drawn on the frames they belong to.
gst-launch-1.0 -q $(sed -e '/^#/d' -e "s|@FILE@|$(pwd)/out/demo.mkv|; s|@OUT@|$(pwd)/out/demo|; s|@MODE@|sliding|" \
  pipelines/annotate-file.pipeline)

build/tools/dgsct-report --results out/demo.jsonl --truth out/demo.truth.tsv --png out/demo-timeline.png \
  --mask-truth out/demo.masks.tsv --mask-png out/demo-mask.png --frames 'out/key-%02d.png'
echo "demo: out/demo-annotated.webm, out/demo.jsonl, out/demo-timeline.png, out/demo-mask.png"
