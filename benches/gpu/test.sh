#!/usr/bin/env bash
# The GPU checks, from a bundle made by bundle.sh; needs only the NVIDIA driver. Fails, never
# skips, when no GPU is found (KILN_REQUIRE_GPU=1).
#
#   benches/gpu/test.sh [BUNDLE]     sizes: GPU_LOG_SIZES="10 12 14 16 18 20 22"
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-target/gpu-bundle}
sizes=${GPU_LOG_SIZES:-10 12 14 16 18 20 22}
export KILN_REQUIRE_GPU=1
export KILN_CUDA_CACHE=${KILN_CUDA_CACHE:-$bundle/cuda-cache}
export KILN_GPU_LOG_SIZES=${sizes// /,}

"$bundle/kiln" devices
for k in $sizes; do
    echo "== kiln selftest --backend cuda --log-size $k"
    "$bundle/kiln" selftest --backend cuda --log-size "$k"
done
echo "== GPU tests (host/cuda/tests/gpu.rs): every NTT variant and the MSM at $KILN_GPU_LOG_SIZES, Groth16 byte-identity"
"$bundle/cuda_gpu" --include-ignored --test-threads 1
echo "test-gpu: all passed"
