#!/usr/bin/env bash
# Runs the wgpu test binaries (make test-wgpu) side by side, each in one process with one test
# thread, and fails if either fails. One process per binary lets its tests share one device;
# two at once keep both cores busy, because lavapipe compiles a pipeline (the G2 MSM kernels:
# minutes on a cold Mesa shader cache) on one core. The device waits get a long timeout here
# for the same reason: a first dispatch includes that compile.
set -euo pipefail
cargo=${CARGO:-cargo}
export KILN_WGPU_TIMEOUT_S=${KILN_WGPU_TIMEOUT_S:-1800}
tests=(lavapipe_field_curve lavapipe_backend)
# The test executables of host/wgpu/tests.
# Built as part of the workspace (what `make test` has already built): `-p kiln-wgpu` alone would
# unify features differently and rebuild the crates below it.
mapfile -t bins < <("$cargo" test --workspace --tests --no-run --message-format=json \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' \
  | grep -E "/($(IFS='|'; echo "${tests[*]}"))-[0-9a-f]+$")
[ "${#bins[@]}" -eq "${#tests[@]}" ] || { echo "wgpu_run: expected ${#tests[@]} test binaries, got ${#bins[@]}" >&2; exit 1; }
logs=$(mktemp -d)
pids=()
for b in "${bins[@]}"; do
  "$b" --test-threads 1 >"$logs/$(basename "$b").log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || status=1
  # lavapipe complains about XDG_RUNTIME_DIR on every device; it is noise here.
  grep -v XDG_RUNTIME_DIR "$logs/$(basename "${bins[$i]}").log" || true
done
rm -rf "$logs"
exit $status
