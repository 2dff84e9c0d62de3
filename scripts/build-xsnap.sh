#!/bin/sh
# Builds the `xsnap` command-line runner (XS engine) from the @agoric/xsnap package's own sources.
# The package's postinstall builds only xsnap-worker, so it is denied in package.json (allowScripts).
# Prints the path of the binary on stdout.
set -eu
GOAL="${1:-release}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PKG="$ROOT/node_modules/@agoric/xsnap"
VERSION="$(node -p "require('$PKG/package.json').version" 2>/dev/null || echo unknown)"
OUT="${XSNAP_CACHE:-$ROOT/node_modules/.cache/xsnap-$VERSION}"
BIN="$OUT/bin/lin/$GOAL/xsnap"
if [ ! -x "$BIN" ]; then
  [ -d "$PKG/moddable/xs/sources" ] || { echo "build-xsnap: missing $PKG (run npm ci)" >&2; exit 1; }
  command -v make >/dev/null && command -v cc >/dev/null || { echo "build-xsnap: need make and cc (apt-get install build-essential)" >&2; exit 1; }
  mkdir -p "$OUT/tmp/lin/$GOAL/xsnap" "$OUT/bin/lin/$GOAL"   # xsnap.mk races on these under -j
  echo "build-xsnap: building xsnap ($GOAL) from @agoric/xsnap $VERSION sources..." >&2
  make -C "$PKG/xsnap-native/xsnap/makefiles/lin" -f xsnap.mk \
    MODDABLE="$PKG/moddable" BUILD_DIR="$OUT" GOAL="$GOAL" \
    -j"$(nproc 2>/dev/null || echo 2)" >"$OUT/build-$GOAL.log" 2>&1 \
    || { tail -40 "$OUT/build-$GOAL.log" >&2; exit 1; }
fi
echo "$BIN"
