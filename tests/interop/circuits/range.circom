pragma circom 2.0.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// N private values, each forced to fit in 32 bits (Num2Bits). Public inputs lo and hi;
// public outputs inRange[i] = (lo <= v[i] < hi) and count = sum of inRange.
// Public signals, in snarkjs order (outputs first): inRange[0..N-1], count, lo, hi.
template Range(N) {
    signal input v[N];
    signal input lo;
    signal input hi;
    signal output inRange[N];
    signal output count;

    component bits[N];
    component ge[N];
    component lt[N];
    component loBits = Num2Bits(32);
    component hiBits = Num2Bits(32);
    loBits.in <== lo;
    hiBits.in <== hi;

    var acc = 0;
    for (var i = 0; i < N; i++) {
        bits[i] = Num2Bits(32);
        bits[i].in <== v[i];
        ge[i] = GreaterEqThan(32);
        ge[i].in[0] <== v[i];
        ge[i].in[1] <== lo;
        lt[i] = LessThan(32);
        lt[i].in[0] <== v[i];
        lt[i].in[1] <== hi;
        inRange[i] <== ge[i].out * lt[i].out;
        acc += inRange[i];
    }
    count <== acc;
}

component main {public [lo, hi]} = Range(4);
