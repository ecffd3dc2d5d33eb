#!/usr/bin/env bash
# `kiln prove` against rapidsnark, the C++ prover circom users run today, on the same snarkjs
# Groth16 keys and witnesses, in one run (whole commands alternated, median of REPEATS; peak
# memory from GNU time). Every proof is checked with `snarkjs groth16 verify`.
#
#   benches/rapidsnark_compare.sh OUTDIR [CONSTRAINTS...] [-- REPEATS]
#
# The circuits are chains of circomlib Poseidon(2) hashes (240 constraints each) of about the
# given sizes (default: 7200 31200 129600 518400, as in BENCHMARKS.md). Keys come from a local,
# INSECURE powers of tau made by `kiln ptau new` and `kiln setup groth16` (cached in OUTDIR).
# rapidsnark's `prover` is taken from $RAPIDSNARK, else ../shared/tools/rapidsnark/prover.
# Columns: rapidsnark; kiln with every key check and no cache of checked keys (a key seen for
# the first time); kiln as a user runs it the second time (the key's digest recognised);
# kiln --trusted-key; the median peak resident memory of rapidsnark and of the second kiln.
# Prints a markdown table and writes OUTDIR/results.md.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CONSTRAINTS...] [-- REPEATS]" >&2; exit 2; }
OUT=$1; shift
SIZES=(); REPEATS=5
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then REPEATS=${2:-5}; break; fi
  SIZES+=("$1"); shift
done
[ ${#SIZES[@]} -gt 0 ] || SIZES=(7200 31200 129600 518400)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$ROOT/.deps/node/node_modules/.bin
KILN=${KILN:-$ROOT/target/release/kiln}
RAPIDSNARK=${RAPIDSNARK:-$ROOT/../shared/tools/rapidsnark/prover}
[ -x "$KILN" ] || { echo "build kiln first: cargo build --release --bin kiln" >&2; exit 2; }
[ -x "$RAPIDSNARK" ] || { echo "rapidsnark prover not found at $RAPIDSNARK; set RAPIDSNARK=/path/to/prover" >&2; exit 2; }
mkdir -p "$OUT"
cd "$OUT"
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
export KILN_CACHE_DIR=$OUT/key-cache

# One powers of tau for the largest circuit.
max=0; for n in "${SIZES[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
power=1; while [ $((1 << power)) -lt $((max + 64)) ]; do power=$((power + 1)); done
ptau=pot_$power.ptau
[ -e "$ptau" ] || { echo "ptau: power $power (insecure, local)" >&2; "$KILN" ptau new --power "$power" "$ptau" >/dev/null; }

# timed CMD...: runs CMD, prints "ms kb" (wall time and peak resident memory).
timed() {
  local t0 t1
  t0=$(now)
  /usr/bin/time -f %M -o mem.txt "$@" >/dev/null 2>err.txt || { cat err.txt >&2; return 1; }
  t1=$(now)
  echo "$(( (t1 - t0) / 1000000 )) $(cat mem.txt)"
}

# evict FILE...: drops the files' pages from the page cache, so that both provers' executables
# are read from disk the same way: a binary the linker just wrote sits in the cache in smaller
# blocks than one read back, and maps more of its pages per fault (0.5 to 1 MB more at the
# smallest size; BENCHMARKS.md, "Stop 33").
evict() {
  python3 -c 'import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"
}

row() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%s ms (%.2fx)", b, b / a}'; }
echo "| constraints | rapidsnark | kiln prove, first time | kiln prove | kiln prove --trusted-key | peak MB rapidsnark / kiln |" | tee results.md
echo "| ---: | ---: | ---: | ---: | ---: | ---: |" | tee -a results.md
for n in "${SIZES[@]}"; do
  links=$(( n / 240 ))
  d=poseidon_$n
  if [ ! -e "$d/circuit.zkey" ]; then
    mkdir -p "$d"
    cat > "$d/chain.circom" <<CIRCOM
pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
template PoseidonChain(N) {
    signal input x;
    signal output y;
    component h[N];
    signal s[N + 1];
    s[0] <== x;
    for (var i = 0; i < N; i++) {
        h[i] = Poseidon(2);
        h[i].inputs[0] <== s[i];
        h[i].inputs[1] <== i;
        s[i + 1] <== h[i].out;
    }
    y <== s[N];
}
component main = PoseidonChain($links);
CIRCOM
    echo '{"x": "7"}' > "$d/input.json"
    # circom2 (circom in WASI) finds includes only through a -l path below its working
    # directory, so it runs in the repository with paths relative to it.
    rel=$(realpath --relative-to="$ROOT" "$d")
    case $rel in ../*) echo "OUTDIR must lie inside the repository ($ROOT) for circom2" >&2; exit 2 ;; esac
    (cd "$ROOT" && "$BIN/circom2" "$rel/chain.circom" --r1cs --wasm --O2 -l .deps/node/node_modules -o "$rel" >/dev/null)
    node "$d/chain_js/generate_witness.js" "$d/chain_js/chain.wasm" "$d/input.json" "$d/witness.wtns"
    "$KILN" setup groth16 "$d/chain.r1cs" "$ptau" "$d/circuit.zkey.tmp" >/dev/null
    mv "$d/circuit.zkey.tmp" "$d/circuit.zkey"
    "$BIN/snarkjs" zkey export verificationkey "$d/circuit.zkey" "$d/vk.json" >/dev/null
  fi
  tr=(); tc=(); tw=(); tt=(); mr=(); mk=()
  evict "$RAPIDSNARK" "$KILN"
  for _ in $(seq "$REPEATS"); do
    read -r t m < <(timed "$RAPIDSNARK" "$d/circuit.zkey" "$d/witness.wtns" "$d/p_r.json" "$d/pub_r.json"); tr+=("$t"); mr+=("$m")
    read -r t m < <(timed "$KILN" prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_c.json" "$d/pub_c.json" --backend cpu --no-key-cache); tc+=("$t")
    read -r t m < <(timed "$KILN" prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_k.json" "$d/pub_k.json" --backend cpu); tw+=("$t"); mk+=("$m")
    read -r t m < <(timed "$KILN" prove "$d/circuit.zkey" "$d/witness.wtns" "$d/p_t.json" "$d/pub_t.json" --backend cpu --trusted-key); tt+=("$t")
  done
  for p in r c k t; do
    "$BIN/snarkjs" groth16 verify "$d/vk.json" "$d/pub_$p.json" "$d/p_$p.json" | grep -q OK || { echo "proof $p of $d does not verify" >&2; exit 1; }
  done
  r=$(printf '%s\n' "${tr[@]}" | median); c=$(printf '%s\n' "${tc[@]}" | median)
  k=$(printf '%s\n' "${tw[@]}" | median); t=$(printf '%s\n' "${tt[@]}" | median)
  pr=$(printf '%s\n' "${mr[@]}" | median); pk=$(printf '%s\n' "${mk[@]}" | median)
  peaks=$(awk -v r="$pr" -v k="$pk" 'BEGIN {printf "%.1f / %.1f (%.2fx)", r / 1024, k / 1024, k / r}')
  echo "| $((links * 240)) | $r ms | $(row "$r" "$c") | $(row "$r" "$k") | $(row "$r" "$t") | $peaks |" | tee -a results.md
done
echo "(ratios are kiln / rapidsnark: below 1 means kiln is faster; $REPEATS alternated runs each, median)" | tee -a results.md
