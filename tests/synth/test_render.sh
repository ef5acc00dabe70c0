#!/bin/sh
# dgsct-synth renders a small clip that GStreamer decodes (raw video and audio, every frame and
# sample there) with its ground truth; errors name the file.
set -eu
synth=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$synth" --seed 5 --clip 2 --segments 3 --width 64 --height 48 --fps 10 \
  --output "$dir/clip.mkv" --truth "$dir/clip.tsv" | tee "$dir/summary.txt"
grep -q "^$dir/clip.mkv: seed 5 clip 2, 3 segments, 64x48 at 10 fps" "$dir/summary.txt"

# Demux both streams to raw files: every frame (64x48 RGB, rows of 192 bytes) and every sample
# (3 s of mono F32 at 32 kHz) must be there.
gst-launch-1.0 -v filesrc location="$dir/clip.mkv" ! matroskademux name=d \
  d.video_0 ! queue ! filesink location="$dir/video.raw" \
  d.audio_0 ! queue ! filesink location="$dir/audio.raw" > "$dir/decode.txt" 2>&1 || {
  cat "$dir/decode.txt" >&2; echo "decoding failed" >&2; exit 1; }
grep -q 'video/x-raw, format=(string)RGB, width=(int)64, height=(int)48' "$dir/decode.txt"
grep -q 'audio/x-raw, format=(string)F32LE.*channels=(int)1, rate=(int)32000' "$dir/decode.txt"
size() { wc -c < "$1" | tr -d ' '; }
test "$(size "$dir/video.raw")" -eq $((30 * 64 * 48 * 3)) || { echo "video: $(size "$dir/video.raw") bytes" >&2; exit 1; }
test "$(size "$dir/audio.raw")" -eq $((3 * 32000 * 4)) || { echo "audio: $(size "$dir/audio.raw") bytes" >&2; exit 1; }

# The truth: a header and one row per segment.
head -n 1 "$dir/clip.tsv" | grep -q "$(printf '^index\tstart\tend\tlabel\tlabel_name$')"
test "$(wc -l < "$dir/clip.tsv")" -eq 4
grep -q "$(printf '^2\t2.000\t3.000\t')" "$dir/clip.tsv"

# Errors name the file and exit non-zero.
if "$synth" --seed 5 --segments 1 --output "$dir/missing/clip.mkv" 2> "$dir/err.txt"; then
  echo "writing into a missing directory succeeded" >&2; exit 1
fi
grep -q "^error: $dir/missing/clip.mkv: " "$dir/err.txt"
echo "render: ok"
