#!/usr/bin/env bash
# Runs each fuzz target for SECONDS seconds, one after the other, with libFuzzer's memory limits
# (an allocation above MALLOC_MB counts as a failure, so does resident memory above RSS_MB),
# and writes one line per target to REPORT: target, seconds, executions, peak RSS, crashes.
#
#   fuzz/run.sh SECONDS REPORT [TARGET...]     (all targets when none is named)
#
# Corpora grow in fuzz/corpus/TARGET from fuzz/seeds/TARGET; a crash leaves its input in
# fuzz/artifacts/TARGET and makes the script exit non-zero after the remaining targets ran.
# RAYON_NUM_THREADS=1: one core per target (the fuzzer's own speed is per core).
#
# FUZZ_SANITIZER=none builds without AddressSanitizer and without comparison tracing, into
# fuzz/target-nosan, for throughput campaigns (6 to 9 times the executions per second; debug
# assertions and overflow checks stay on). libFuzzer cannot enforce -malloc_limit_mb there, so
# the build's `allocation-limit` feature does it in the global allocator (src/bounded_alloc.rs).
# FUZZ_RUNS=N stops each target after N executions (the seconds still bound it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:?seconds per target}
report=${2:?report file}
shift 2
RSS_MB=${RSS_MB:-2048}
MALLOC_MB=${MALLOC_MB:-512}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v '^kiln-fuzz$')
fi
# FUZZ_BIN: run the target binaries from there (a copy taken for a long campaign, so that
# rebuilding meanwhile changes nothing) instead of building them now.
bin=${FUZZ_BIN:-}
sanitizer=${FUZZ_SANITIZER:-address}
case "$sanitizer" in
  address) build_dir=$here/target; build_flags=() ;;
  none) build_dir=$here/target-nosan
    build_flags=(--sanitizer none --no-trace-compares --features allocation-limit) ;;
  *) echo "fuzz: FUZZ_SANITIZER must be address or none, not $sanitizer" >&2; exit 2 ;;
esac
if [ -z "$bin" ]; then
  # Its own target folder, whatever CARGO_TARGET_DIR says: the instrumented nightly build must
  # not replace the workspace's artifacts (nor wait on its lock).
  (cd "$here/.." && cargo +nightly fuzz build --fuzz-dir "$here" --target-dir "$build_dir" \
    -O --debug-assertions "${build_flags[@]}" >&2) || exit 1
  bin=$build_dir/$(rustc +nightly -vV | sed -n 's/^host: //p')/release
fi
runs=()
[ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
failed=0
mkdir -p "$(dirname "$report")"
: > "$report"
for t in "${targets[@]}"; do
  mkdir -p "$here/corpus/$t" "$here/artifacts/$t"
  seeds=()
  [ -d "$here/seeds/$t" ] && seeds=("$here/seeds/$t")
  # One log per build, so that `make test`'s short ASan run of a target does not write into
  # the log of a long campaign of the same target running without a sanitizer.
  log="$here/artifacts/$t/last-run-$sanitizer.log"
  start=$(date +%s)
  RAYON_NUM_THREADS=1 KILN_FUZZ_MALLOC_MB="$MALLOC_MB" "$bin/$t" "$here/corpus/$t" "${seeds[@]}" \
    -max_total_time="$seconds" "${runs[@]}" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" \
    -print_final_stats=1 -artifact_prefix="$here/artifacts/$t/" > "$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rss=$(grep -ao 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$here/artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'timeout-*' | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\trc=%s\n' "$t" "$elapsed" "${execs:-?}" "${rss:-?}" "$crashes" "$rc" | tee -a "$report"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    echo "fuzz: $t failed (rc $rc); its log: $log" >&2
    grep -a -m 5 -E 'panicked|ERROR|SUMMARY|out-of-memory|malloc\(' "$log" >&2 || true
  fi
done
exit $failed
