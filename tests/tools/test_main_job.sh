#!/bin/sh
# The README's main job in small: a 20-s synthetic clip the demo models never saw, rendered to
# Matroska, through pipelines/annotate-file.pipeline (dgsctbin with its default model, dgsctinfer
# with avs-demo, dgsctoverlay, WebM and JSON Lines) in clip windows, then dgsct-report: at least 80 %
# of this one clip's segments right and a mean mask IoU of at least 0.6 (the bars over many unseen
# clips, 90 % and 0.7, are tests/elements/test_demo.cpp), the detected events printed, the annotated
# video, the timeline and the mask PNG written.
set -eu
synth=$1 report=$2 pipelines=$3 plugins=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export GST_PLUGIN_PATH_1_0="$plugins" GST_REGISTRY_1_0="$dir/registry.bin"

"$synth" --seed 4243 --segments 20 --width 160 --height 120 --fps 10 --output "$dir/clip.mkv" --truth "$dir/truth.tsv" \
  --masks "$dir/masks.tsv" --mask-size 64 --key-frames "$dir/key-%02d.png"
gst-launch-1.0 -q $(sed -e '/^#/d' -e "s|@FILE@|$dir/clip.mkv|; s|@OUT@|$dir/clip|; s|@MODE@|clip|" \
  "$pipelines/annotate-file.pipeline")
"$report" --results "$dir/clip.jsonl" --truth "$dir/truth.tsv" --png "$dir/timeline.png" --min-accuracy 0.8 \
  --mask-truth "$dir/masks.tsv" --min-iou 0.6 --mask-png "$dir/mask.png" --frames "$dir/key-%02d.png" \
  | tee "$dir/report.txt"

test "$(grep -c '"type":"segment"' "$dir/clip.jsonl")" -eq 20
test "$(grep -c '"type":"mask"' "$dir/clip.jsonl")" -eq 20
grep -q '^mean mask IoU: ' "$dir/report.txt"
test "$(head -c 4 "$dir/mask.png" | od -An -c | tr -d ' ')" = "211PNG"
grep -q '^segment accuracy: ' "$dir/report.txt"
test -s "$dir/clip-annotated.webm"
test "$(head -c 4 "$dir/timeline.png" | od -An -c | tr -d ' ')" = "211PNG"
# Every true event's label is among the detected events.
sed -n '/^detected events:/,/^$/p' "$dir/report.txt" > "$dir/detected.txt"
for label in $(awk -F'\t' 'NR > 1 && $5 != "background" { print $5 }' "$dir/truth.tsv" | sort -u); do
  grep -q "^ *$label " "$dir/detected.txt" || { echo "event $label not detected" >&2; exit 1; }
done
echo "main job: ok"
