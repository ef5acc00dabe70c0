#!/bin/sh
# The main job: audio-visual event analysis of a demo clip with the bundled demo model, through the
# real GStreamer pipeline. Installs and builds what is missing, renders a clip of the synthetic world
# (a seed never used in training), runs
#   filesrc ! decodebin ! dgsctbin ! dgsctoverlay ! (vp8enc ! webmmux ! filesink, dgsctjson)
# (pipelines/annotate-file.pipeline)
# and leaves in out/: demo.mkv (the clip) and demo.truth.tsv (its ground truth), demo-annotated.webm
# (the video with the label and the timeline drawn), demo.jsonl (one JSON line per segment and per
# event change) and demo-timeline.png (predicted against true segments); prints the detected events.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
ninja -C build
mkdir -p out
export GST_PLUGIN_PATH="$(pwd)/build/elements"
seed=${DGSCT_DEMO_SEED:-4242}

build/tools/dgsct-synth --seed "$seed" --segments 30 --width 320 --height 240 --fps 10 \
  --output out/demo.mkv --truth out/demo.truth.tsv

# Sliding windows with a lookahead of 3 segments: each segment's result is drawn about 4 s after
# the segment started, as a live monitor would show it.
gst-launch-1.0 -q $(sed -e '/^#/d' -e "s|@FILE@|$(pwd)/out/demo.mkv|; s|@OUT@|$(pwd)/out/demo|; s|@MODE@|sliding|" \
  pipelines/annotate-file.pipeline)

build/tools/dgsct-report --results out/demo.jsonl --truth out/demo.truth.tsv --png out/demo-timeline.png
echo "demo: out/demo-annotated.webm, out/demo.jsonl, out/demo-timeline.png"
