#!/usr/bin/env bash
# Builds, on a machine with a Rust toolchain, everything `make test-gpu` and `make bench-gpu`
# need on a GPU machine that has none: the release `kiln` binary, the GPU test binaries, the
# CUDA bench binary, and kiln's CUDA kernels precompiled for the GPU's architecture as a ready
# kernel cache (so the GPU machine needs neither cargo nor NVRTC). Binaries are stripped to fit
# the 64 MiB a GPU machine's working-tree copy may carry.
#
#   benches/gpu/bundle.sh [OUT_DIR]      (default target/gpu-bundle; GPU_ARCH=sm_90 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/gpu-bundle}
arch=${GPU_ARCH:-sm_90}
cargo=${CARGO:-cargo}

executables() {
    # The "executable" of each compiler-artifact line of cargo's JSON output on stdin.
    python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["target"]["name"], m["executable"])'
}

rm -rf "$out"
mkdir -p "$out"
{
    $cargo build --release --bin kiln --message-format=json
    $cargo test --release --no-run -p kiln-cuda --test gpu --message-format=json
    $cargo bench --no-run --bench cuda --message-format=json
} | executables | while read -r name path; do
    case "$name" in
        kiln) dest=kiln ;;
        gpu) dest=cuda_gpu ;;
        cuda) dest=cuda_bench ;;
        *) continue ;;
    esac
    cp "$path" "$out/$dest"
    strip "$out/$dest"
done
for bin in kiln cuda_gpu cuda_bench; do
    [ -x "$out/$bin" ] || { echo "bundle: $bin was not built" >&2; exit 1; }
done
KILN_CUDA_CACHE="$out/cuda-cache" "$out/kiln" kernels check --arch "$arch"
du -sh "$out"
echo "bundle: $out ready for $arch; on the GPU machine: make test-gpu / make bench-gpu"
