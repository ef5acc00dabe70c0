#!/bin/sh
# The main job: packs the golden AVE weights into a self-describing model file and runs the
# streaming event localiser on the golden clip, printing the segments and the events found.
# (The GStreamer pipeline demo replaces this once the plugin exists.)
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
ninja -C build
ref=${DGSCT_REFERENCE_DIR:-$(pwd)/../shared/reference}
mkdir -p out
build/tools/dgsct-pack --preset ave-small --weights "$ref/ave-small/weights.safetensors" \
  --labels "$ref/labels/ave-categories.txt" --output out/ave-small.safetensors --dtype F16
build/tools/dgsct-run --model out/ave-small.safetensors --input "$ref/ave-small/input.safetensors"
