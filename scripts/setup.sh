#!/bin/sh
# The single source of this project's Debian packages: installs what the build, the tools and the
# tests need (as root, on Debian 12), then configures the Meson build in ./build.
# Usage: scripts/setup.sh [extra meson options]
set -eu
cd "$(dirname "$0")/.."

packages="
  build-essential pkg-config meson ninja-build ccache
  libtorch-dev libopenblas0-pthread
  nlohmann-json3-dev libjson-glib-dev libgtest-dev libcairo2-dev fonts-dejavu-core
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  python3-torch python3-torchvision
"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi

# Debian's LibTorch calls the system BLAS: make sure it is OpenBLAS, not the reference BLAS.
if command -v update-alternatives >/dev/null; then
  blas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n1 || true)
  if [ -n "$blas" ]; then
    update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null
  fi
fi

if [ -f build/build.ninja ]; then
  meson setup --reconfigure build "$@" >/dev/null
else
  meson setup build --buildtype=release "$@"
fi
