#!/usr/bin/env bash
# Makes the app's icons, at every size the packages install (32, 64, 128, 256, 512 pixels), from
# one source image: icons/icon.png (square, 512 pixels or more). Needs ImageMagick (`convert`).
# Run it after changing icon.png, and commit what it writes.
set -euo pipefail
cd "$(dirname "$0")"
src=icon.png
read -r w h < <(identify -format '%w %h\n' "$src")
if [ "$w" != "$h" ] || [ "$w" -lt 512 ]; then
  echo "icons/make.sh: $src is ${w}x${h}; it must be square and at least 512x512" >&2
  exit 1
fi
for size in 32 64 128 256 512; do
  # Lanczos down-scaling, 8-bit RGBA, no metadata (the same bytes every run).
  convert "$src" -filter Lanczos -resize "${size}x${size}" -define png:color-type=6 -depth 8 -strip "${size}x${size}.png"
done
