#!/usr/bin/env bash
# Fixtures for the snarkjs interop tests: a local (INSECURE) powers of tau, and for each circuit
# in tests/interop/circuits its r1cs, witness, Groth16 zkey, verification key, Solidity verifier
# and a reference snarkjs proof that snarkjs itself verifies; the same for PLONK.
#
#   tests/interop/fixtures.sh OUTDIR [POWER]      POWER of the ptau, default 12 (4096 rows)
#
# Idempotent and cached: a step whose output exists is skipped, and each output is written under
# a temporary name and renamed, so an interrupted run never leaves a half-written file that a
# later run would trust. A circuit's folder is rebuilt from scratch when its .circom or input
# file, the POWER or the npm package versions change (OUTDIR/NAME/.inputs.sha256).
# Needs `make setup-npm` (snarkjs, circom2, circomlib, solc in .deps/node). CIRCUITS="a b" limits
# the run to some circuits; JOBS (default: the number of cores) circuits are built at once.
# shellcheck disable=SC2016  # the bash -c scripts take their arguments as $0, $1, ... on purpose
set -euo pipefail

usage() { echo "usage: $0 OUTDIR [POWER]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
POWER=${2:-12}
[[ "$POWER" =~ ^[0-9]+$ ]] && [ "$POWER" -ge 8 ] && [ "$POWER" -le 28 ] || { echo "fixtures: POWER must be 8..28" >&2; exit 2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NODE_MODULES=$ROOT/.deps/node/node_modules
BIN=$NODE_MODULES/.bin
SNARKJS=$BIN/snarkjs
CIRCOM=$BIN/circom2
SOLCJS=$BIN/solcjs
CIRCUIT_DIR=$ROOT/tests/interop/circuits
ALL_CIRCUITS="multiplier poseidon range many_public mimc_chain"
CIRCUITS=${CIRCUITS:-$ALL_CIRCUITS}
PLONK_CIRCUITS="multiplier poseidon range many_public"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

for tool in "$SNARKJS" "$CIRCOM" "$SOLCJS"; do
  [ -x "$tool" ] || { echo "fixtures: $tool missing; run 'make setup-npm'" >&2; exit 1; }
done
[ -d "$NODE_MODULES/circomlib/circuits" ] || { echo "fixtures: circomlib missing; run 'make setup-npm'" >&2; exit 1; }
command -v node >/dev/null || { echo "fixtures: node not found" >&2; exit 1; }

mkdir -p "$1"
OUT=$(cd "$1" && pwd)
PTAU0=$OUT/pot_${POWER}_0000.ptau
PTAU1=$OUT/pot_${POWER}_0001.ptau
PTAU=$OUT/pot_${POWER}_final.ptau
# Fixed entropy: no prompt. snarkjs still mixes in its own randomness, so the keys differ from
# run to run; tests must read them from OUTDIR rather than compare against stored bytes.
ENTROPY="kiln interop fixtures: insecure, local only"

NOCOLOR='s/\x1b\[[0-9;]*m//g'   # sed: strip snarkjs's ANSI colours from saved output
log() { printf 'fixtures: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a command with its output kept back, and shown only if it fails.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    printf '%s\n' "$out" >&2
    die "failed: $*"
  fi
}

# tmpname FILE -> FILE with .tmp before the extension (snarkjs picks formats by extension).
tmpname() { local d=${1%/*} b=${1##*/}; echo "$d/${b%.*}.tmp.${b##*.}"; }

# produce FILE CMD...: unless FILE exists, run CMD with "{}" replaced by a temporary name, then
# rename the result to FILE.
produce() {
  local file=$1; shift
  [ -s "$file" ] && return 0
  local tmp; tmp=$(tmpname "$file")
  local args=() a
  for a in "$@"; do args+=("${a//\{\}/$tmp}"); done
  rm -f "$tmp"
  log "${file#"$OUT"/}"
  quiet "${args[@]}"
  [ -s "$tmp" ] || die "$* wrote nothing to $tmp"
  mv -f "$tmp" "$file"
}

write_readme() {
  cat > "$OUT/README.txt.tmp" <<EOF
kiln snarkjs interop fixtures, made by tests/interop/fixtures.sh (POWER $POWER).

INSECURE: pot_${POWER}_*.ptau is a local powers of tau with one contribution of fixed, public
entropy, and each circuit.zkey has one such phase-2 contribution. The toxic waste is not
destroyed in any meaningful sense. These files are for tests only; never use them for
anything that must be sound.

pot_${POWER}_0000.ptau          powersoftau new (bn128 = BN254, 2^$POWER)
pot_${POWER}_0001.ptau          after the one contribution
pot_${POWER}_final.ptau         prepared for phase 2: what groth16 setup reads
NAME/circuit.r1cs         circom r1cs (copy of NAME/NAME.r1cs)
NAME/NAME_js/             circom's witness generator (wasm)
NAME/input.json           the input the witness was computed from
NAME/witness.wtns         full witness (snarkjs wtns)
NAME/NAME_0000.zkey       Groth16 key straight from groth16 setup (no contribution)
NAME/circuit.zkey         Groth16 proving key (after one contribution)
NAME/verification_key.json
NAME/verifier.sol         snarkjs Solidity verifier; verifier.abi, verifier.bin from solcjs
NAME/proof.snarkjs.json   reference snarkjs proof; NAME/public.json its public signals
NAME/verify.txt           snarkjs groth16 verify output of that proof (OK!)
NAME/r1cs_info.txt        snarkjs r1cs info (constraints, public inputs and outputs)
NAME/plonk.zkey           PLONK key from snarkjs plonk setup (deterministic: no contribution);
                          all circuits but mimc_chain, which needs a larger ptau for PLONK
NAME/plonk_verification_key.json, NAME/plonk_verifier.{sol,abi,bin} (contract PlonkVerifier)
NAME/plonk_proof.snarkjs.json, NAME/plonk_public.json, NAME/plonk_verify.txt: as for Groth16

Versions: $VERSIONS
EOF
  mv -f "$OUT/README.txt.tmp" "$OUT/README.txt"
}

pkgver() { node -p "require('$NODE_MODULES/$1/package.json').version"; }
VERSIONS="snarkjs $(pkgver snarkjs), circom2 $(pkgver circom2), circomlib $(pkgver circomlib), solc $(pkgver solc)"

# ---- a. powers of tau (local, insecure) ----
produce "$PTAU" bash -c '
  set -euo pipefail
  [ -s "$0" ] || { "$3" powersoftau new bn128 "$4" "$0.tmp.ptau" && mv -f "$0.tmp.ptau" "$0"; }
  [ -s "$1" ] || { "$3" powersoftau contribute "$0" "$1.tmp.ptau" --name="kiln fixtures (insecure)" -e="$5" && mv -f "$1.tmp.ptau" "$1"; }
  "$3" powersoftau prepare phase2 "$1" "$2"
' "$PTAU0" "$PTAU1" "{}" "$SNARKJS" "$POWER" "$ENTROPY"
write_readme

# ---- b, c. one circuit into OUT/NAME ----
# reference_files DIR PROTOCOL ZKEY PREFIX CONTRACT: for one key, DIR/PREFIXverification_key.json,
# the Solidity verifier (PREFIXverifier.sol, and .bin/.abi from solcjs), a reference snarkjs proof
# (PREFIXproof.snarkjs.json, PREFIXpublic.json) and snarkjs's verdict on it (PREFIXverify.txt).
reference_files() {
  local dir=$1 protocol=$2 zkey=$3 p=$4 contract=$5
  produce "$dir/${p}verification_key.json" "$SNARKJS" zkey export verificationkey "$zkey" "{}"
  produce "$dir/${p}verifier.sol" "$SNARKJS" zkey export solidityverifier "$zkey" "{}"
  # solcjs names its outputs after the source path and contract; compile in a scratch folder.
  produce "$dir/${p}verifier.bin" bash -c '
    set -euo pipefail
    s=$(dirname "$0")/.solc-$3; rm -rf "$s"; mkdir -p "$s"; cp "$1" "$s/$3verifier.sol"
    (cd "$s" && "$2" --bin --abi --optimize -o . "$3verifier.sol")
    mv -f "$s/$3verifier_sol_$4.abi" "$(dirname "$0")/$3verifier.abi"
    mv -f "$s/$3verifier_sol_$4.bin" "$0"
    rm -rf "$s"
  ' "{}" "$dir/${p}verifier.sol" "$SOLCJS" "$p" "$contract"
  # The proof and its public signals are one step: redo both unless both exist.
  if [ ! -s "$dir/${p}proof.snarkjs.json" ] || [ ! -s "$dir/${p}public.json" ]; then
    rm -f "$dir/${p}verify.txt"
    produce "$dir/${p}public.json" bash -c '"$1" "$5" prove "$2" "$3" "$4" "$0"' "{}" \
      "$SNARKJS" "$zkey" "$dir/witness.wtns" "$dir/${p}proof.snarkjs.tmp.json" "$protocol"
    mv -f "$dir/${p}proof.snarkjs.tmp.json" "$dir/${p}proof.snarkjs.json"
  fi
  if [ ! -s "$dir/${p}verify.txt" ]; then
    local v
    v=$("$SNARKJS" "$protocol" verify "$dir/${p}verification_key.json" "$dir/${p}public.json" "$dir/${p}proof.snarkjs.json" 2>&1) || true
    grep -q 'OK!' <<<"$v" || { printf '%s\n' "$v" >&2; die "$(basename "$dir"): snarkjs $protocol verify failed"; }
    printf '%s\n' "$v" | sed "$NOCOLOR" > "$dir/${p}verify.txt"
  fi
}

build_circuit() {
  local name=$1
  local src=$CIRCUIT_DIR/$name.circom input=$CIRCUIT_DIR/$name.input.json dir=$OUT/$name
  [ -f "$src" ] && [ -f "$input" ] || die "no $src or $input"

  local stamp
  stamp=$(cat "$src" "$input" <(echo "POWER=$POWER $VERSIONS") | sha256sum | cut -d' ' -f1)
  if [ -d "$dir" ] && [ "$(cat "$dir/.inputs.sha256" 2>/dev/null)" != "$stamp" ]; then
    log "$name: sources or tools changed, rebuilding"
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  echo "$stamp" > "$dir/.inputs.sha256"

  # circom writes NAME.r1cs and NAME_js/ into -o; compile into a scratch folder and move.
  if [ ! -s "$dir/$name.r1cs" ] || [ ! -s "$dir/${name}_js/$name.wasm" ]; then
    log "$name/$name.r1cs, $name/${name}_js"
    rm -rf "$dir/.circom" "$dir/${name}_js" "$dir/$name.r1cs"
    mkdir -p "$dir/.circom"
    # circom2 (circom in WASI) finds includes only through a -l path below the working
    # directory (one reached through ".." is not found), hence the cd and relative paths.
    quiet bash -c 'cd "$0" && "$1" "$2" --r1cs --wasm -l .deps/node/node_modules -o "$3"' \
      "$ROOT" "$CIRCOM" "tests/interop/circuits/$name.circom" "$dir/.circom"
    mv "$dir/.circom/${name}_js" "$dir/${name}_js"
    mv "$dir/.circom/$name.r1cs" "$dir/$name.r1cs"
    rm -rf "$dir/.circom"
  fi
  produce "$dir/circuit.r1cs" cp "$dir/$name.r1cs" "{}"
  produce "$dir/input.json" cp "$input" "{}"
  produce "$dir/r1cs_info.txt" bash -c 'set -o pipefail; "$1" r1cs info "$2" | sed "$3" > "$0"' \
    "{}" "$SNARKJS" "$dir/circuit.r1cs" "$NOCOLOR"
  produce "$dir/witness.wtns" node "$dir/${name}_js/generate_witness.js" "$dir/${name}_js/$name.wasm" "$dir/input.json" "{}"
  produce "$dir/${name}_0000.zkey" "$SNARKJS" groth16 setup "$dir/circuit.r1cs" "$PTAU" "{}"
  produce "$dir/circuit.zkey" "$SNARKJS" zkey contribute "$dir/${name}_0000.zkey" "{}" --name="kiln fixtures (insecure)" -e="$ENTROPY"
  reference_files "$dir" groth16 "$dir/circuit.zkey" "" Groth16Verifier
  # ---- PLONK: snarkjs's deterministic setup, a reference proof and the Solidity verifier ----
  # (mimc_chain needs 4468 PLONK rows, more than a power-12 ptau holds: Groth16 only.)
  case " $PLONK_CIRCUITS " in *" $name "*) ;; *) log "$name: verified OK (Groth16 only)"; return 0;; esac
  produce "$dir/plonk.zkey" "$SNARKJS" plonk setup "$dir/circuit.r1cs" "$PTAU" "{}"
  reference_files "$dir" plonk "$dir/plonk.zkey" plonk_ PlonkVerifier
  log "$name: verified OK ($(grep -o 'Constraints: [0-9]*' "$dir/r1cs_info.txt"),\
 nPublic: $(node -p "require('$dir/verification_key.json').nPublic"))"
}

# Build JOBS circuits at a time; each runs in a subshell so a failure stops only that one,
# and the script fails at the end if any did.
FAILS=$(mktemp); trap 'rm -f "$FAILS"' EXIT
for name in $CIRCUITS; do
  { ( build_circuit "$name" ) || echo "$name" >> "$FAILS"; } &
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
done
wait
[ ! -s "$FAILS" ] || die "failed: $(paste -sd' ' "$FAILS")"
log "all circuits verified OK in $OUT"
