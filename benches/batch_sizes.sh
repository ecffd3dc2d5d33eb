#!/usr/bin/env bash
# Proving time of the derivatives batch circuit against batch size (BENCHMARKS.md, "Batch
# proving time against batch size"). For each shape it runs `kiln demo` once to make (or load)
# the shape's keys, then REPEATS more times, and prints the Groth16 and PLONK prove times of
# every run, with the circuit's constraint count.
#
#   benches/batch_sizes.sh KEYS_DIR [BACKEND] [REPEATS]
#
# Shapes are "accounts:slots:trades:series" in $SHAPES (default: three sizes up to the demo's).
# Making keys for a shape is slow the first time (a local powers of tau and both setups); they
# are kept in KEYS_DIR. Uses target/release/kiln (cargo build --release --bin kiln).
set -euo pipefail

keys=${1:?usage: benches/batch_sizes.sh KEYS_DIR [BACKEND] [REPEATS]}
backend=${2:-cpu}
repeats=${3:-3}
shapes=${SHAPES:-"4:3:16:1 8:3:32:2 16:3:64:4"}
kiln=${KILN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/kiln}
[ -x "$kiln" ] || { echo "batch_sizes: $kiln not found; cargo build --release --bin kiln" >&2; exit 1; }

echo "# $(date -u +%FT%TZ) $(uname -m) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), backend $backend"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' accounts slots trades series constraints groth16_prove_ms plonk_prove_ms
for shape in $shapes; do
  IFS=: read -r accounts slots trades series <<<"$shape"
  args=(demo --backend "$backend" --keys "$keys" --seed 1
        --accounts "$accounts" --slots "$slots" --trades "$trades" --series "$series")
  # The first run makes the keys (or loads them) and is not counted.
  "$kiln" "${args[@]}" >/dev/null
  for _ in $(seq "$repeats"); do
    out=$("$kiln" "${args[@]}")
    constraints=$(sed -n 's/^circuit: \([0-9]*\) constraints.*/\1/p' <<<"$out")
    g16=$(grep 'groth16: prove' <<<"$out" | grep -o '[0-9][0-9.]* ms' | head -1 | cut -d' ' -f1)
    plonk=$(grep 'plonk: prove' <<<"$out" | grep -o '[0-9][0-9.]* ms' | head -1 | cut -d' ' -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$accounts" "$slots" "$trades" "$series" "$constraints" "$g16" "$plonk"
  done
done
