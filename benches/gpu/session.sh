#!/usr/bin/env bash
# One short GPU lease, spent in order of what matters most: correctness first, then the headline
# figures of the issue's targets, then the larger sizes, each step skipped when the time left is
# less than its estimate, and each one's log and JSON written under OUT as it finishes (a lease
# that ends early still returns everything done so far). test.sh and bench.sh are the full runs;
# this is what fits in a few minutes of device time.
#
#   benches/gpu/session.sh [BUNDLE] [OUT] [BUDGET_S]
#       BUNDLE    made by bundle.sh here (default target/gpu-bundle)
#       OUT       results (default target/gpu-session): one .log per step, kiln bench JSON,
#                 summary.txt (PASS / FAIL / SKIP per step), BENCHMARKS-cuda.md (table.py)
#       BUDGET_S  seconds for all steps (default 480)
#
# Step estimates are for an H100/H200 host with 16 cores (the arkworks references in `kiln
# bench` and the selftest run on its CPU); they only decide what to skip. Exit status: 1 if any
# step failed, else 0 (skipped steps are listed, not failures).
set -uo pipefail
cd "$(dirname "$0")/../.."
bundle=${1:-target/gpu-bundle}
out=${2:-target/gpu-session}
budget=${3:-480}
mkdir -p "$out"
export KILN_CUDA_CACHE=${KILN_CUDA_CACHE:-$bundle/cuda-cache}
export KILN_REQUIRE_GPU=1
seed=${SEED:-0x6b696c6e}
kiln=$bundle/kiln
start=$(date +%s)
failed=0
: >"$out/summary.txt"

# step NAME ESTIMATE_S COMMAND...: runs COMMAND into OUT/NAME.log unless less than ESTIMATE_S
# seconds of the budget are left; the command is stopped when the budget runs out.
step() {
    local name=$1 estimate=$2
    shift 2
    local left=$((budget - ($(date +%s) - start)))
    if ((left < estimate)); then
        echo "SKIP  $name (estimated ${estimate} s, ${left} s left)" | tee -a "$out/summary.txt"
        return
    fi
    echo "== $name: $*"
    local t0 rc
    t0=$(date +%s)
    timeout --signal=INT --kill-after=10 "$left" "$@" >"$out/$name.log" 2>&1
    rc=$?
    local took=$(($(date +%s) - t0)) status=PASS
    if ((rc == 124 || rc == 137)); then
        status=TIME
        failed=1
    elif ((rc != 0)); then
        status=FAIL
        failed=1
    fi
    echo "$status  $name (${took} s, exit $rc)" | tee -a "$out/summary.txt"
    tail -n 4 "$out/$name.log"
}

bench() { # NAME ESTIMATE_S OP LOG_SIZES REPEATS
    step "$1" "$2" "$kiln" bench --backend cuda --op "$3" --log-sizes "$4" --repeats "$5" \
        --seed "$seed" --json "$out/$1.json"
}

{ nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv || true; } >"$out/gpu.csv" 2>&1
step devices 5 "$kiln" devices
# Correctness: every kernel (MSM G1/G2 with the edge cases, every NTT variant, vector ops) at a
# size with several chunks and passes, then Groth16 byte-identity and the chunked/OOM MSM paths.
step selftest-16 45 "$kiln" selftest --backend cuda --log-size 16
step gpu-tests 120 env KILN_GPU_LOG_SIZES=12,18 "$bundle/cuda_gpu" --include-ignored --test-threads 1
# The issue's targets: MSM G1 2^20 and 2^24, NTT 2^24 (resident), with arkworks in the same run.
bench msm-g1-20 40 msm-g1 20 5
bench ntt-20-24 60 ntt 20..24 5
bench msm-g1-24 150 msm-g1 24 3
bench msm-g2-20 60 msm-g2 20 3
bench groth16-16-18 120 groth16 16..18 3
# Larger correctness sizes, then transfers included (criterion, cpu backend in the same run).
step selftest-20 120 "$kiln" selftest --backend cuda --log-size 20
step criterion-20 150 env CRITERION_HOME="$out/criterion" KILN_BENCH_LOG_SIZES=20..20 \
    "$bundle/cuda_bench" --bench --noplot
step selftest-22 240 "$kiln" selftest --backend cuda --log-size 22

python3 benches/gpu/table.py "$out" >"$out/BENCHMARKS-cuda.md" 2>"$out/table.log" || true
echo "== summary ($(($(date +%s) - start)) s of $budget)"
cat "$out/summary.txt"
exit $failed
