# Shared by the snarkjs comparison scripts (sourced, not run): timing helpers and the benchmark
# circuit, a chain of squarings with one constraint (and one PLONK gate) per link.

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# make_chain_circuit DIR LINKS: DIR/chain.circom compiled by circom2 (DIR/chain.r1cs, wasm) and
# the witness for x = 3 (DIR/witness.wtns). Needs BIN (the npm tools' .bin folder).
make_chain_circuit() {
  local d=$1 n=$2
  mkdir -p "$d"
  cat > "$d/chain.circom" <<CIRCOM
pragma circom 2.0.0;
template Chain(N) {
    signal input x;
    signal output y;
    signal s[N + 1];
    s[0] <== x;
    for (var i = 0; i < N; i++) { s[i + 1] <== s[i] * s[i] + i; }
    y <== s[N];
}
component main = Chain($n);
CIRCOM
  echo '{"x": "3"}' > "$d/input.json"
  "$BIN/circom2" "$d/chain.circom" --r1cs --wasm -o "$d" >/dev/null
  node "$d/chain_js/generate_witness.js" "$d/chain_js/chain.wasm" "$d/input.json" "$d/witness.wtns"
}
