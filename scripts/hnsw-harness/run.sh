#!/bin/sh
# Builds the standalone HNSW harness (no SwiftPM: the index, VectorMath and the C gather kernel) and
# runs it; arguments go to the harness (see main.swift).
set -e
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../../Sources"
out=${HNSW_HARNESS_BIN:-/tmp/hnsw-harness}
tmp=$(mktemp -d)
for c in gather dispatch; do clang -O3 -fno-math-errno -I"$src/CBerthaKernels/include" -c "$src/CBerthaKernels/$c.c" -o "$tmp/$c.o"; done
echo '#include "CBerthaKernels.h"' > "$tmp/bridge.h"
swiftc -O -parse-as-library -module-name HNSWHarness -import-objc-header "$tmp/bridge.h" -Xcc -I"$src/CBerthaKernels/include" \
    "$src/BerthaVectorStore/HNSWIndex.swift" "$src/BerthaVectorStore/VectorMath.swift" "$here/main.swift" "$tmp"/*.o -o "$out"
rm -rf "$tmp"
[ "$#" -gt 0 ] && exec "$out" "$@"
