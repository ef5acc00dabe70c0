#!/bin/sh
# The golden clip through the command-line tools: pack the golden weights into a model file, run the streaming
# runner on the golden clip, and check the decoded events; then check that the golden checker fails
# when it should.
set -eu
pack=$1 run=$2 ref=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$pack" --preset ave-small --weights "$ref/ave-small/weights.safetensors" \
  --labels "$ref/labels/ave-categories.txt" --output "$dir/ave-small.safetensors" --dtype F16
"$run" --model "$dir/ave-small.safetensors" --input "$ref/ave-small/input.safetensors" | tee "$dir/out.txt"

# The reference decodes to Motorcycle on segments 0, 2, 5, 6, 8 (decode.pred).
grep -q '^0 .*Motorcycle$' "$dir/out.txt"
grep -q '^1 .*background$' "$dir/out.txt"
test "$(grep -c 'Motorcycle$' "$dir/out.txt")" -eq 5
grep -q 'Motorcycle  *5 s - 7 s' "$dir/out.txt"

# Errors name the file and exit non-zero without crashing.
printf 'not a model' > "$dir/corrupt.safetensors"
if "$run" --model "$dir/corrupt.safetensors" --input "$ref/ave-small/input.safetensors" 2> "$dir/err.txt"; then
  echo "corrupt model accepted" >&2; exit 1
fi
grep -q "$dir/corrupt.safetensors: " "$dir/err.txt"
echo "golden clip tools: ok"
