#!/usr/bin/env bash
# kiln prove against snarkjs plonk prove, on the same PLONK key and circom witness, for circuits
# of about 2^A .. 2^B constraints, in one run (alternating, median of REPEATS each).
#
#   benches/snarkjs_plonk_compare.sh OUTDIR [A=10] [B=13] [REPEATS=3] [BACKEND=cpu]
#
# The circuit is the chain of squarings of snarkjs_compare.sh (one constraint, so one PLONK gate,
# per link) sized to fill a domain of 2^k. The ptau is made by `kiln ptau new` (INSECURE, local;
# seconds, where snarkjs's ceremony commands take tens of minutes) and the key by
# `kiln setup plonk`, which writes the bytes `snarkjs plonk setup` writes (tests/setup_interop.rs).
# snarkjs's PLONK prover is slow (about 46 s at 2^16 on 2 cores), so keep B modest.
# Needs `make setup` and `cargo build --release`. Prints a markdown table and writes
# OUTDIR/plonk_results.md.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [A] [B] [REPEATS] [BACKEND]" >&2; exit 2; }
OUT=$1; A=${2:-10}; B=${3:-13}; REPEATS=${4:-3}; BACKEND=${5:-cpu}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/.deps/node/node_modules/.bin
KILN=$ROOT/target/release/kiln
[ -x "$KILN" ] || { echo "build kiln first: cargo build --release" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"

ptau=kiln_pot_${B}.ptau
[ -e "$ptau" ] || "$KILN" ptau new --power "$B" "$ptau" 2>/dev/null

# shellcheck source=benches/chain_circuit.sh
. "$ROOT/benches/chain_circuit.sh"

echo "| constraints | domain | snarkjs plonk prove (ms) | kiln prove, $BACKEND (ms) | snarkjs / kiln |" | tee plonk_results.md
echo "| ---: | ---: | ---: | ---: | ---: |" | tee -a plonk_results.md
for k in $(seq "$A" "$B"); do
  # One public output and the constant take PLONK rows too; leave room for them.
  n=$(( (1 << k) - 8 ))
  d=plonk_chain_$k
  if [ ! -e "$d/plonk.zkey" ]; then
    make_chain_circuit "$d" "$n"
    "$KILN" setup plonk "$d/chain.r1cs" "$ptau" "$d/plonk.zkey" 2>/dev/null
    "$BIN/snarkjs" zkey export verificationkey "$d/plonk.zkey" "$d/vk.json" >/dev/null
  fi
  ts=(); tk=()
  for _ in $(seq "$REPEATS"); do
    t0=$(now); "$BIN/snarkjs" plonk prove "$d/plonk.zkey" "$d/witness.wtns" "$d/p_s.json" "$d/pub_s.json"; t1=$(now)
    "$KILN" prove "$d/plonk.zkey" "$d/witness.wtns" "$d/p_k.json" "$d/pub_k.json" --backend "$BACKEND" 2>/dev/null; t2=$(now)
    ts+=($(( (t1 - t0) / 1000000 ))); tk+=($(( (t2 - t1) / 1000000 )))
  done
  # Both proofs must verify with snarkjs, or the row means nothing.
  "$BIN/snarkjs" plonk verify "$d/vk.json" "$d/pub_s.json" "$d/p_s.json" | grep -q OK
  "$BIN/snarkjs" plonk verify "$d/vk.json" "$d/pub_k.json" "$d/p_k.json" | grep -q OK
  ms=$(printf '%s\n' "${ts[@]}" | median); mk=$(printf '%s\n' "${tk[@]}" | median)
  echo "| $n | 2^$k | $ms | $mk | $(awk "BEGIN {printf \"%.1fx\", $ms / $mk}") |" | tee -a plonk_results.md
done
