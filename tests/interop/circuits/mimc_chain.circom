pragma circom 2.0.0;

include "circomlib/circuits/mimc.circom";

// N chained circomlib MiMC7(91) rounds, 364 constraints each: h[i+1] = MiMC7(h[i], k).
// x private, key k public; the output is h[N]. Public signals: out, k.
template MiMCChain(N) {
    signal input x;
    signal input k;
    signal output out;

    component m[N];
    signal h[N + 1];
    h[0] <== x;
    for (var i = 0; i < N; i++) {
        m[i] = MiMC7(91);
        m[i].x_in <== h[i];
        m[i].k <== k;
        h[i + 1] <== m[i].out;
    }
    out <== h[N];
}

component main {public [k]} = MiMCChain(7);
