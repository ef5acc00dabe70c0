#!/bin/sh
# The whole test suite on a fresh Debian 12 machine: install, build, meson test.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"
ninja -C build
meson test -C build --print-errorlogs
