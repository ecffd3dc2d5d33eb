#!/usr/bin/env bash
# The CUDA benchmarks of BENCHMARKS.md, from a bundle made by bundle.sh: `kiln bench` for the
# resident figures next to arkworks (and their correctness check), the criterion bench for the
# transfer-included figures and the cpu backend in the same run, then table.py for the markdown.
#
#   benches/gpu/bench.sh [BUNDLE] [OUT]   sizes: MSM_G1=16..24 MSM_G2=16..22 NTT=16..24 GROTH16=16..20
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-target/gpu-bundle}
out=${2:-target/gpu-bench}
repeats=${REPEATS:-5}
mkdir -p "$out"
export KILN_CUDA_CACHE=${KILN_CUDA_CACHE:-$bundle/cuda-cache}
seed=${SEED:-0x6b696c6e}

"$bundle/kiln" devices | tee "$out/devices.txt"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv | tee "$out/gpu.csv" || true
run() { # op sizes
    "$bundle/kiln" bench --backend cuda --op "$1" --log-sizes "$2" --repeats "$repeats" --seed "$seed" --json "$out/$1.json"
}
run msm-g1 "${MSM_G1:-16..24}"
run msm-g2 "${MSM_G2:-16..22}"
run ntt "${NTT:-16..24}"
run groth16 "${GROTH16:-16..20}"
CRITERION_HOME="$out/criterion" KILN_BENCH_LOG_SIZES="${CRITERION_SIZES:-16..24}" \
    "$bundle/cuda_bench" --bench --noplot 2>&1 | tee "$out/criterion.txt"
python3 benches/gpu/table.py "$out" | tee "$out/BENCHMARKS-cuda.md"
