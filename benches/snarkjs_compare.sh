#!/usr/bin/env bash
# kiln prove against snarkjs groth16 prove, on the same snarkjs key and circom witness, for
# circuits of about 2^A .. 2^B constraints, in one run (alternating, median of REPEATS each).
#
#   benches/snarkjs_compare.sh OUTDIR [A=12] [B=16] [REPEATS=3]
#
# The circuit is a chain of squarings (one constraint per link) sized to fill a domain of 2^k.
# Keys come from a local, INSECURE powers of tau of power B (cached in OUTDIR; preparing it is
# the slow part: tens of minutes at power 16 on 2 cores). Needs `make setup` and a release build
# (`cargo build --release`). Prints a markdown table for BENCHMARKS.md and writes OUTDIR/results.md.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [A] [B] [REPEATS]" >&2; exit 2; }
OUT=$1; A=${2:-12}; B=${3:-16}; REPEATS=${4:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/.deps/node/node_modules/.bin
KILN=$ROOT/target/release/kiln
[ -x "$KILN" ] || { echo "build kiln first: cargo build --release" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"

ptau=pot_${B}_final.ptau
if [ ! -e "$ptau" ]; then
  echo "ptau: power $B (insecure, local)" >&2
  "$BIN/snarkjs" powersoftau new bn128 "$B" pot_0.ptau >/dev/null
  "$BIN/snarkjs" powersoftau contribute pot_0.ptau pot_1.ptau --name=bench -e="kiln benchmark entropy" >/dev/null
  "$BIN/snarkjs" powersoftau prepare phase2 pot_1.ptau "$ptau.tmp" >/dev/null
  mv "$ptau.tmp" "$ptau"
  rm -f pot_0.ptau pot_1.ptau
fi
[ "${PREPARE_ONLY:-0}" = 1 ] && exit 0

# shellcheck source=benches/chain_circuit.sh
. "$ROOT/benches/chain_circuit.sh"

echo "| constraints | domain | snarkjs groth16 prove (ms) | kiln prove (ms) | snarkjs / kiln | kiln prove --trusted-key (ms) | snarkjs / kiln trusted |" | tee results.md
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |" | tee -a results.md
for k in $(seq "$A" "$B"); do
  n=$(( (1 << k) - 8 ))
  d=chain_$k
  if [ ! -e "$d/circuit.zkey" ]; then
    make_chain_circuit "$d" "$n"
    "$BIN/snarkjs" groth16 setup "$d/chain.r1cs" "$ptau" "$d/circuit.zkey.tmp" >/dev/null
    mv "$d/circuit.zkey.tmp" "$d/circuit.zkey"
    "$BIN/snarkjs" zkey export verificationkey "$d/circuit.zkey" "$d/vk.json" >/dev/null
  fi
  ts=(); tk=(); tt=()
  for _ in $(seq "$REPEATS"); do
    t0=$(now); "$BIN/snarkjs" groth16 prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_s.json" "$d/pub_s.json"; t1=$(now)
    "$KILN" prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_k.json" "$d/pub_k.json" --backend cpu 2>/dev/null; t2=$(now)
    "$KILN" prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_t.json" "$d/pub_t.json" --backend cpu --trusted-key 2>/dev/null; t3=$(now)
    ts+=($(( (t1 - t0) / 1000000 ))); tk+=($(( (t2 - t1) / 1000000 ))); tt+=($(( (t3 - t2) / 1000000 )))
  done
  # Both proofs must verify with snarkjs, or the row means nothing.
  "$BIN/snarkjs" groth16 verify "$d/vk.json" "$d/pub_s.json" "$d/p_s.json" | grep -q OK
  "$BIN/snarkjs" groth16 verify "$d/vk.json" "$d/pub_k.json" "$d/p_k.json" | grep -q OK
  "$BIN/snarkjs" groth16 verify "$d/vk.json" "$d/pub_t.json" "$d/p_t.json" | grep -q OK
  ms=$(printf '%s\n' "${ts[@]}" | median); mk=$(printf '%s\n' "${tk[@]}" | median); mt=$(printf '%s\n' "${tt[@]}" | median)
  echo "| $n | 2^$k | $ms | $mk | $(awk "BEGIN {printf \"%.2fx\", $ms / $mk}") | $mt | $(awk "BEGIN {printf \"%.2fx\", $ms / $mt}") |" | tee -a results.md
done
