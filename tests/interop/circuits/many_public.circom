pragma circom 2.0.0;

// Dot product of N public inputs x with N private weights w, plus the weighted sum of squares.
// Public signals, in snarkjs order (outputs first): dot, sq, x[0..N-1].
template ManyPublic(N) {
    signal input x[N];
    signal input w[N];
    signal output dot;
    signal output sq;

    signal p[N];
    signal s[N];
    var accDot = 0;
    var accSq = 0;
    for (var i = 0; i < N; i++) {
        p[i] <== w[i] * x[i];
        s[i] <== p[i] * x[i];
        accDot += p[i];
        accSq += s[i];
    }
    dot <== accDot;
    sq <== accSq;
}

component main {public [x]} = ManyPublic(12);
