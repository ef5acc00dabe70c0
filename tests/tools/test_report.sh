#!/bin/sh
# dgsct-report on a hand-written dgsctjson output and its ground truth (tests/tools/data): the event
# tables, the accuracy line, --min-accuracy's exit status, the PNG, and errors naming file and line;
# mask lines against true masks: the mean IoU, --min-iou, the mask PNG, malformed masks; parsing
# lines' events per modality and answer lines.
set -eu
report=$1 data=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
results=$data/report.jsonl truth=$data/report.truth.tsv

"$report" --results "$results" --truth "$truth" --png "$dir/timeline.png" | tee "$dir/out.txt"
# 20 segments; one wrong (15: Bark instead of background), which splits Bark into two events.
grep -qx 'segment accuracy: 0.950 (19/20)' "$dir/out.txt"
test "$(grep -c '^segments: 20$' "$dir/out.txt")" -eq 2
sed -n '/^detected events:/,/^$/p' "$dir/out.txt" > "$dir/detected.txt"
sed -n '/^true events:/,/^$/p' "$dir/out.txt" > "$dir/true.txt"
grep -Eq '^  label +start \(s\) +end \(s\) +duration +confidence$' "$dir/detected.txt"
grep -Eq '^  Church bell +2\.000 +7\.000 +5\.000 +0\.800$' "$dir/detected.txt"
grep -Eq '^  Bark +10\.000 +14\.000 +4\.000 +0\.750$' "$dir/detected.txt"
grep -Eq '^  Bark +15\.000 +16\.000 +1\.000 +0\.500$' "$dir/detected.txt"
grep -Eq '^  Male speech, man speaking +16\.000 +20\.000 +4\.000 +0\.900$' "$dir/detected.txt"
test "$(grep -c '^  [A-Z]' "$dir/detected.txt")" -eq 4
grep -Eq '^  Bark +10\.000 +14\.000 +4\.000 +-$' "$dir/true.txt"
test "$(grep -c '^  [A-Z]' "$dir/true.txt")" -eq 3
if grep -q background "$dir/detected.txt" "$dir/true.txt"; then echo "background listed as an event" >&2; exit 1; fi

# The PNG: written, non-empty, with the PNG signature.
test -s "$dir/timeline.png"
test "$(head -c 8 "$dir/timeline.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a

# --min-accuracy: at the accuracy passes, above it exits 1 after printing.
"$report" --results "$results" --truth "$truth" --min-accuracy 0.95 > /dev/null
status=0
"$report" --results "$results" --truth "$truth" --min-accuracy 0.96 > "$dir/strict.txt" 2> "$dir/strict.err" || status=$?
test "$status" -eq 1
grep -qx 'segment accuracy: 0.950 (19/20)' "$dir/strict.txt"
grep -q 'below --min-accuracy' "$dir/strict.err"
# Without a truth: the events only; --min-accuracy then is a usage error.
"$report" --results "$results" > "$dir/alone.txt"
grep -q '^  Church bell' "$dir/alone.txt"
if grep -q 'accuracy' "$dir/alone.txt"; then echo "accuracy without a truth" >&2; exit 1; fi
status=0
"$report" --results "$results" --min-accuracy 0.5 > /dev/null 2>&1 || status=$?
test "$status" -eq 2

# Malformed input: exit 2, the message names the file and the line.
expect_error() {  # file, line, then the tool's arguments
  file=$1 line=$2
  shift 2
  status=0
  "$report" "$@" > /dev/null 2> "$dir/err.txt" || status=$?
  cat "$dir/err.txt"
  test "$status" -eq 2
  grep -qF "$file:$line: " "$dir/err.txt"
}
sed '5s/.*/{"type":"segment","index":4,/' "$results" > "$dir/truncated.jsonl"
expect_error "$dir/truncated.jsonl" 5 --results "$dir/truncated.jsonl"
sed '7s/"label":0,//' "$results" > "$dir/no-label.jsonl"
expect_error "$dir/no-label.jsonl" 7 --results "$dir/no-label.jsonl"
sed '3s/^/[1,2]/' "$results" > "$dir/array.jsonl"
expect_error "$dir/array.jsonl" 3 --results "$dir/array.jsonl"
sed '4s/\t0\t/\tbell\t/' "$truth" > "$dir/bad.truth.tsv"
expect_error "$dir/bad.truth.tsv" 4 --results "$results" --truth "$dir/bad.truth.tsv"
# Masks (report-masks.*, 4 x 2 pixels): IoU 0.5, 1 (both empty), 0.5, and 0 for segment 3, which
# has no mask line (an empty prediction against one true pixel). No segment lines and no --truth: no
# events listed.
masks=$data/report-masks.jsonl mask_truth=$data/report-masks.truth.tsv
gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! pngenc ! filesink location="$dir/key-00.png"
"$report" --results "$masks" --mask-truth "$mask_truth" --min-iou 0.5 --mask-png "$dir/mask.png" \
  --frames "$dir/key-%02d.png" | tee "$dir/masks.txt"
grep -qx 'mean mask IoU: 0.500 (4 segments)' "$dir/masks.txt"
grep -qx 'masks: 3 predicted, 4 true' "$dir/masks.txt"
grep -qx "mask: $dir/mask.png (segment 0)" "$dir/masks.txt"
if grep -q 'events\|^segments:' "$dir/masks.txt"; then echo "events listed without segment lines" >&2; exit 1; fi
# The frame twice side by side with a gap (2 x 320 + 16 wide), under a title and a caption line
# (240 + 2 x 23 high).
png_header() {
  python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(d[:8].hex(), *struct.unpack(">II", d[16:24]))' "$1"
}
test "$(png_header "$dir/mask.png")" = "89504e470d0a1a0a 656 286"
# A chosen segment without a predicted mask; its key frame missing is an error naming the file.
status=0
"$report" --results "$masks" --mask-truth "$mask_truth" --mask-png "$dir/mask3.png" --frames "$dir/key-%02d.png" \
  --mask-segment 3 > /dev/null 2> "$dir/frame.err" || status=$?
test "$status" -eq 2
grep -qF "$dir/key-03.png: " "$dir/frame.err"
cp "$dir/key-00.png" "$dir/key-03.png"
"$report" --results "$masks" --mask-truth "$mask_truth" --mask-png "$dir/mask3.png" --frames "$dir/key-%02d.png" \
  --mask-segment 3 | grep -qx "mask: $dir/mask3.png (segment 3)"
test "$(png_header "$dir/mask3.png")" = "89504e470d0a1a0a 656 286"
printf 'not a PNG\n' > "$dir/key-03.png"
status=0
"$report" --results "$masks" --mask-truth "$mask_truth" --mask-png "$dir/mask3.png" --frames "$dir/key-%02d.png" \
  --mask-segment 3 > /dev/null 2> "$dir/frame.err" || status=$?
test "$status" -eq 2
grep -qF "$dir/key-03.png: " "$dir/frame.err"
# --min-iou: at the mean passes (the first run), above it exits 1 after printing.
status=0
"$report" --results "$masks" --mask-truth "$mask_truth" --min-iou 0.51 > "$dir/iou.txt" 2> "$dir/iou.err" || status=$?
test "$status" -eq 1
grep -qx 'mean mask IoU: 0.500 (4 segments)' "$dir/iou.txt"
grep -q 'below --min-iou' "$dir/iou.err"
# Segment and mask lines in one file: both parts.
cat "$results" "$masks" > "$dir/both.jsonl"
"$report" --results "$dir/both.jsonl" --truth "$truth" --mask-truth "$mask_truth" > "$dir/both.txt"
grep -qx 'segment accuracy: 0.950 (19/20)' "$dir/both.txt"
grep -qx 'mean mask IoU: 0.500 (4 segments)' "$dir/both.txt"
# Malformed masks: runs not adding up to the size, a size that is not positive, a row whose runs do
# not fit its size, a row without times: exit 2 naming file and line.
sed '2s/"rle":"8"/"rle":"2 2 5"/' "$masks" > "$dir/bad-rle.jsonl"
expect_error "$dir/bad-rle.jsonl" 2 --results "$dir/bad-rle.jsonl" --mask-truth "$mask_truth"
sed '3s/"size":\[4,2\]/"size":[0,2]/' "$masks" > "$dir/bad-size.jsonl"
expect_error "$dir/bad-size.jsonl" 3 --results "$dir/bad-size.jsonl" --mask-truth "$mask_truth"
sed '3s/\t4\t2\t/\t4\t3\t/' "$mask_truth" > "$dir/bad-size.tsv"
expect_error "$dir/bad-size.tsv" 3 --results "$masks" --mask-truth "$dir/bad-size.tsv"
sed '4s/^2\t2.000\t/2\tsoon\t/' "$mask_truth" > "$dir/bad-time.tsv"
expect_error "$dir/bad-time.tsv" 4 --results "$masks" --mask-truth "$dir/bad-time.tsv"
# Sizes that disagree (a consistent 2 x 4 true mask for segment 1): exit 2 naming the segment.
sed '3s/\t4\t2\t/\t2\t4\t/' "$mask_truth" > "$dir/other-size.tsv"
status=0
"$report" --results "$masks" --mask-truth "$dir/other-size.tsv" > /dev/null 2> "$dir/size.err" || status=$?
test "$status" -eq 2
grep -qF "segment 1: " "$dir/size.err"
# AVVP parsing lines (report-parsing.jsonl, segment 4 missing): per modality, the runs of consecutive
# segments holding a class, by start; times from running_time, else from the index (segment 5).
# AVQA answer lines: question, answer, confidence and window (the second without running times).
parsing=$data/report-parsing.jsonl
"$report" --results "$parsing" | tee "$dir/parsing.txt"
grep -qx 'parsed segments: 5' "$dir/parsing.txt"
sed -n '/^audio events:/,/^visual events:/p' "$dir/parsing.txt" > "$dir/audio.txt"
sed -n '/^visual events:/,/^audio-visual events:/p' "$dir/parsing.txt" > "$dir/visual.txt"
sed -n '/^audio-visual events:/,/^$/p' "$dir/parsing.txt" > "$dir/av.txt"
grep -Eq '^  Dog +0\.000 +3\.000 +3\.000 +-$' "$dir/audio.txt"
grep -Eq '^  Speech +1\.000 +4\.000 +3\.000 +-$' "$dir/audio.txt"
grep -Eq '^  Speech +5\.000 +6\.000 +1\.000 +-$' "$dir/audio.txt"
test "$(grep -c '^  [A-Z]' "$dir/audio.txt")" -eq 3
grep -Eq '^  Dog +1\.000 +4\.000 +3\.000 +-$' "$dir/visual.txt"
test "$(grep -c '^  [A-Z]' "$dir/visual.txt")" -eq 1
grep -Eq '^  Dog +1\.000 +3\.000 +2\.000 +-$' "$dir/av.txt"
test "$(grep -c '^  [A-Z]' "$dir/av.txt")" -eq 1
grep -qx 'answers: 2' "$dir/parsing.txt"
grep -qxF '  segments 0-5 (0.000 - 6.000 s): How many instruments are sounding in the video? -> two (0.910)' "$dir/parsing.txt"
grep -qxF '  segments 2-5 (2.000 - 6.000 s): Is there a drum sounding in the video? -> no (0.600)' "$dir/parsing.txt"
if grep -q '^detected events\|^segments:' "$dir/parsing.txt"; then echo "segment events listed without segment lines" >&2; exit 1; fi
# Malformed parsing and answer lines: exit 2 naming file and line.
sed '3s/"visual":\["Dog"\],//' "$parsing" > "$dir/no-visual.jsonl"
expect_error "$dir/no-visual.jsonl" 3 --results "$dir/no-visual.jsonl"
sed '4s/"audio":\["Dog","Speech"\]/"audio":["Dog",3]/' "$parsing" > "$dir/bad-class.jsonl"
expect_error "$dir/bad-class.jsonl" 4 --results "$dir/bad-class.jsonl"
sed '5s/"index":3/"index":2/' "$parsing" > "$dir/twice.jsonl"
expect_error "$dir/twice.jsonl" 5 --results "$dir/twice.jsonl"
sed '8s/"first_index":2/"first_index":6/' "$parsing" > "$dir/backwards.jsonl"
expect_error "$dir/backwards.jsonl" 8 --results "$dir/backwards.jsonl"
sed '7s/"answer_name":"two",//' "$parsing" > "$dir/no-answer.jsonl"
expect_error "$dir/no-answer.jsonl" 7 --results "$dir/no-answer.jsonl"
# Usage errors: --mask-png without --mask-truth and --frames, --min-iou without --mask-truth.
expect_usage() {
  status=0
  "$report" --results "$masks" "$@" > /dev/null 2>&1 || status=$?
  test "$status" -eq 2
}
expect_usage --mask-png "$dir/x.png"
expect_usage --mask-png "$dir/x.png" --mask-truth "$mask_truth"
expect_usage --min-iou 0.5
echo "report: ok"
