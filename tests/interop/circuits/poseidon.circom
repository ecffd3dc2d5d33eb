pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";

// hash = Poseidon(x, y) (circomlib, t = 3) with x, y private; the hash is the one public signal.
template PoseidonHash() {
    signal input x;
    signal input y;
    signal output hash;
    component h = Poseidon(2);
    h.inputs[0] <== x;
    h.inputs[1] <== y;
    hash <== h.out;
}

component main = PoseidonHash();
