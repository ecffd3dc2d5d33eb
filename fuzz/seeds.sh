#!/usr/bin/env bash
# Writes fuzz/seeds/: the small files the fuzz targets start from, taken from the snarkjs interop
# fixtures (tests/interop/fixtures.sh; FIXTURES, default target/interop) and made by kiln itself
# (KILN, a kiln binary: a power-2 powers of tau, a batch input of the test shape). The seeds are
# committed (about 60 KB); run this again (`make fuzz-seeds`) when a format changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${FIXTURES:-$here/../target/interop}
kiln=${KILN:?set KILN to a kiln binary}
seeds=$here/seeds
m=$fixtures/multiplier
p=$fixtures/many_public
for f in "$m/circuit.zkey" "$m/plonk.zkey" "$p/circuit.zkey" "$m/witness.wtns"; do
  [ -e "$f" ] || { echo "seeds: $f is missing; run make fixtures first" >&2; exit 1; }
done
rm -rf "$seeds"
mkdir -p "$seeds"/{groth16_zkey,plonk_zkey,r1cs,wtns,ptau,snarkjs_json,batch_input,witness_calculator,circom_inputs}
cp "$m/circuit.zkey" "$seeds/groth16_zkey/multiplier.zkey"
cp "$m/multiplier_0000.zkey" "$seeds/groth16_zkey/multiplier_0000.zkey"
cp "$p/circuit.zkey" "$seeds/groth16_zkey/many_public.zkey"
cp "$m/plonk.zkey" "$seeds/plonk_zkey/multiplier.zkey"
cp "$m/circuit.r1cs" "$seeds/r1cs/multiplier.r1cs"
cp "$p/circuit.r1cs" "$seeds/r1cs/many_public.r1cs"
cp "$m/witness.wtns" "$seeds/wtns/multiplier.wtns"
cp "$p/witness.wtns" "$seeds/wtns/many_public.wtns"
cp "$m/multiplier_js/multiplier.wasm" "$seeds/witness_calculator/multiplier.wasm"
cp "$m/input.json" "$seeds/circom_inputs/multiplier.json"
printf '{"a": ["1", "2"], "b": {"c": "0x10"}}' > "$seeds/circom_inputs/nested.json"
"$kiln" ptau new --power 2 "$seeds/ptau/power2.ptau" >/dev/null
# snarkjs_json: one selector byte (the target's `% 6`), then the file.
json() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "$seeds/snarkjs_json/$3"; }
json 0 "$m/proof.snarkjs.json" groth16_proof
json 1 "$m/verification_key.json" groth16_vk
json 2 "$m/public.json" groth16_public
json 3 "$m/plonk_proof.snarkjs.json" plonk_proof
json 4 "$m/plonk_verification_key.json" plonk_vk
json 5 "$m/plonk_public.json" plonk_public
"$kiln" batch example --seed 20 --accounts 4 --slots 2 --trades 4 --series 2 \
  --out "$seeds/batch_input/test_shape.json" >/dev/null
du -sh "$seeds"
