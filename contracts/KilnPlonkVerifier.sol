// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// @title PLONK verifier over BN254 for a circuit with one public input (kiln's batch circuits).
/// @notice Verifies snarkjs's PLONK (KZG, Keccak-256 Fiat-Shamir) exactly as `snarkjs plonk
///         verify` and kiln's native verifier (prover/src/plonk/verifier.rs) do, and takes the
///         calldata of snarkjs's exported verifier: 24 proof words (A, B, C, Z, T1, T2, T3, Wxi,
///         Wxiw as x, y; then the evaluations a, b, c, s1, s2, zw) and the public signal.
/// @dev The algorithm (PLONK paper, eprint 2019/953, section 8.3, as snarkjs arranges it):
///      1. every coordinate is below P and every point on the curve, every evaluation and the
///         signal below R (else false);
///      2. the challenges beta, gamma, alpha, xi, v, u from the transcript (each a Keccak-256 of
///         the items since the last one, reduced mod R; beta's items start with the key's eight
///         selector and permutation commitments);
///      3. Z_H(xi), L_1(xi) (one inversion, by the modexp precompile), the public part PI and
///         the constant r0 of the linearisation;
///      4. B1 = [D] + v1 A + ... + v5 S2 - e G1 + xi Wxi + u xi w Wxiw as one sum of 18
///         multiples, and A1 = Wxi + u Wxiw;
///      5. e(-A1, [tau]_2) e(B1, [1]_2) = 1.
///      The key is given to the constructor and kept in immutables (see KilnGroth16Verifier).
contract KilnPlonkVerifier {
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant P =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    uint256 internal immutable power;
    uint256 internal immutable w1;
    uint256 internal immutable k1;
    uint256 internal immutable k2;
    uint256 internal immutable qmX;
    uint256 internal immutable qmY;
    uint256 internal immutable qlX;
    uint256 internal immutable qlY;
    uint256 internal immutable qrX;
    uint256 internal immutable qrY;
    uint256 internal immutable qoX;
    uint256 internal immutable qoY;
    uint256 internal immutable qcX;
    uint256 internal immutable qcY;
    uint256 internal immutable s1X;
    uint256 internal immutable s1Y;
    uint256 internal immutable s2X;
    uint256 internal immutable s2Y;
    uint256 internal immutable s3X;
    uint256 internal immutable s3Y;
    uint256 internal immutable x2X1;
    uint256 internal immutable x2X0;
    uint256 internal immutable x2Y1;
    uint256 internal immutable x2Y0;

    /// @param vk power (log2 of the domain), w (its generator), k1, k2, then Qm, Ql, Qr, Qo,
    ///        Qc, S1, S2, S3 as (x, y) with infinity as (0, 0), then [tau]_2 as (x.c1, x.c0,
    ///        y.c1, y.c0): 24 words.
    constructor(uint256[24] memory vk) {
        require(vk[0] <= 28, "power beyond BN254's largest domain");
        power = vk[0];
        w1 = vk[1];
        k1 = vk[2];
        k2 = vk[3];
        qmX = vk[4];
        qmY = vk[5];
        qlX = vk[6];
        qlY = vk[7];
        qrX = vk[8];
        qrY = vk[9];
        qoX = vk[10];
        qoY = vk[11];
        qcX = vk[12];
        qcY = vk[13];
        s1X = vk[14];
        s1Y = vk[15];
        s2X = vk[16];
        s2Y = vk[17];
        s3X = vk[18];
        s3Y = vk[19];
        x2X1 = vk[20];
        x2X0 = vk[21];
        x2Y1 = vk[22];
        x2Y0 = vk[23];
    }

    /// @notice Whether `proof` is a valid PLONK proof for the public signal. Never reverts on a
    ///         bad proof.
    function verifyProof(uint256[24] calldata proof, uint256[1] calldata pubSignals)
        external
        view
        returns (bool valid)
    {
        // Immutables cannot be read from assembly: the key goes to memory first, in the
        // constructor's order.
        uint256[24] memory k = [
            power, w1, k1, k2, qmX, qmY, qlX, qlY, qrX, qrY, qoX, qoY,
            qcX, qcY, s1X, s1Y, s2X, s2Y, s3X, s3Y, x2X1, x2X0, x2Y1, x2Y0
        ];
        uint256 s = pubSignals[0];
        assembly {
            // Memory: the proof (24 words), the challenges and scalars (`ch`, 18 words), a
            // scratch area for the transcript and the precompiles (`t`, 24 words), and the
            // accumulated points B1 and A1 (`acc`, 4 words).
            let pr := mload(0x40)
            let ch := add(pr, 768)
            let t := add(ch, 576)
            let acc := add(t, 768)
            mstore(0x40, add(acc, 128))
            calldatacopy(pr, proof, 768)

            // ch slots: 0 beta, 1 gamma, 2 alpha, 3 xi, 4..8 v1..v5, 9 u, 10 xi^n, 11 Z_H(xi),
            // 12 L_1(xi), 13 alpha^2, 14 e (E's scalar), 15 d2, 16 -d3; evaluation j is at
            // pr + 576 + 32 j.
            function at(p, i) -> v {
                v := mload(add(p, mul(i, 32)))
            }
            function ev(p, j) -> v {
                v := mload(add(p, add(576, mul(j, 32))))
            }
            function neg(x) -> y {
                y := mod(sub(R, x), R)
            }
            function copyWords(dst, src, words) {
                for { let i := 0 } lt(i, words) { i := add(i, 1) } {
                    mstore(add(dst, mul(i, 32)), mload(add(src, mul(i, 32))))
                }
            }

            function wellFormed(p, sig) -> ok {
                ok := lt(sig, R)
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    let x := mload(add(p, mul(i, 64)))
                    let y := mload(add(p, add(mul(i, 64), 32)))
                    ok := and(ok, and(lt(x, P), lt(y, P)))
                    ok := and(ok, eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P)))
                }
                for { let j := 0 } lt(j, 6) { j := add(j, 1) } {
                    ok := and(ok, lt(ev(p, j), R))
                }
            }

            function challenges(key, p, sig, c, buf) {
                // beta: Qm, Ql, Qr, Qo, Qc, S1, S2, S3, the signal, A, B, C.
                copyWords(buf, add(key, 128), 16)
                mstore(add(buf, 512), sig)
                copyWords(add(buf, 544), p, 6)
                let beta := mod(keccak256(buf, 736), R)
                mstore(c, beta)
                // gamma: beta.
                mstore(buf, beta)
                let gamma := mod(keccak256(buf, 32), R)
                mstore(add(c, 32), gamma)
                // alpha: beta, gamma, Z.
                mstore(add(buf, 32), gamma)
                copyWords(add(buf, 64), add(p, 192), 2)
                let alpha := mod(keccak256(buf, 128), R)
                mstore(add(c, 64), alpha)
                // xi: alpha, T1, T2, T3.
                mstore(buf, alpha)
                copyWords(add(buf, 32), add(p, 256), 6)
                let xi := mod(keccak256(buf, 224), R)
                mstore(add(c, 96), xi)
                // v: xi and the six evaluations; v2..v5 are its powers.
                mstore(buf, xi)
                copyWords(add(buf, 32), add(p, 576), 6)
                let v := mod(keccak256(buf, 224), R)
                mstore(add(c, 128), v)
                for { let i := 5 } lt(i, 9) { i := add(i, 1) } {
                    mstore(add(c, mul(i, 32)), mulmod(at(c, sub(i, 1)), v, R))
                }
                // u: Wxi, Wxiw.
                mstore(add(c, 288), mod(keccak256(add(p, 448), 128), R))
            }

            // (a + beta s1 + gamma)(b + beta s2 + gamma): in r0 and in D's S3 term.
            function permutationAB(p, c) -> v {
                let beta := at(c, 0)
                let gamma := at(c, 1)
                v := mulmod(
                    addmod(addmod(ev(p, 0), mulmod(beta, ev(p, 3), R), R), gamma, R),
                    addmod(addmod(ev(p, 1), mulmod(beta, ev(p, 4), R), R), gamma, R),
                    R
                )
            }

            // xi^n, Z_H(xi) and L_1(xi) = Z_H(xi) / (n (xi - 1)), the inverse by modexp (0x05)
            // as den^(R-2); false when xi lies in the domain (Z_H(xi) = 0 or xi = 1: the check
            // would prove nothing there).
            function lagrange(key, c, buf) -> ok {
                let xi := at(c, 3)
                let xin := xi
                for { let i := 0 } lt(i, at(key, 0)) { i := add(i, 1) } {
                    xin := mulmod(xin, xin, R)
                }
                mstore(add(c, 320), xin)
                let zh := addmod(xin, sub(R, 1), R)
                mstore(add(c, 352), zh)
                let den := mulmod(shl(at(key, 0), 1), addmod(xi, sub(R, 1), R), R)
                ok := and(iszero(iszero(zh)), iszero(iszero(den)))
                mstore(buf, 32)
                mstore(add(buf, 32), 32)
                mstore(add(buf, 64), 32)
                mstore(add(buf, 96), den)
                mstore(add(buf, 128), sub(R, 2))
                mstore(add(buf, 160), R)
                ok := and(ok, staticcall(gas(), 0x05, buf, 192, buf, 32))
                mstore(add(c, 384), mulmod(zh, mload(buf), R))
                mstore(add(c, 416), mulmod(at(c, 2), at(c, 2), R))
            }

            // E's scalar e = -r0 + v1 a + v2 b + v3 c + v4 s1 + v5 s2 + u zw, where
            // r0 = PI - L_1 alpha^2 - (a + beta s1 + gamma)(b + beta s2 + gamma)(c + gamma) zw alpha
            // and PI = -signal L_1.
            function eScalar(p, sig, c) {
                let l1 := at(c, 12)
                let e3 := mulmod(permutationAB(p, c), addmod(ev(p, 2), at(c, 1), R), R)
                e3 := mulmod(e3, mulmod(ev(p, 5), at(c, 2), R), R)
                let r0 := addmod(neg(mulmod(sig, l1, R)), neg(mulmod(l1, at(c, 13), R)), R)
                r0 := addmod(r0, neg(e3), R)
                let e := neg(r0)
                for { let j := 0 } lt(j, 5) { j := add(j, 1) } {
                    e := addmod(e, mulmod(at(c, add(4, j)), ev(p, j), R), R)
                }
                mstore(add(c, 448), addmod(e, mulmod(at(c, 9), ev(p, 5), R), R))
            }

            // D's scalars: Z's d2 = (a + beta xi + gamma)(b + beta xi k1 + gamma)
            // (c + beta xi k2 + gamma) alpha + L_1 alpha^2 + u, and S3's -d3 with
            // d3 = (a + beta s1 + gamma)(b + beta s2 + gamma) alpha beta zw.
            function dScalars(key, p, c) {
                let gamma := at(c, 1)
                let bx := mulmod(at(c, 0), at(c, 3), R)
                let d2 := mulmod(
                    addmod(addmod(ev(p, 0), bx, R), gamma, R),
                    addmod(addmod(ev(p, 1), mulmod(bx, at(key, 2), R), R), gamma, R),
                    R
                )
                d2 := mulmod(d2, addmod(addmod(ev(p, 2), mulmod(bx, at(key, 3), R), R), gamma, R), R)
                d2 := addmod(mulmod(d2, at(c, 2), R), addmod(mulmod(at(c, 12), at(c, 13), R), at(c, 9), R), R)
                mstore(add(c, 480), d2)
                let d3 := mulmod(permutationAB(p, c), mulmod(at(c, 2), at(c, 0), R), R)
                mstore(add(c, 512), neg(mulmod(d3, ev(p, 5), R)))
            }

            // acc += sc (x, y), with buf as scratch (4 words).
            function mulAcc(acc_, buf, x, y, sc) -> ok {
                mstore(buf, x)
                mstore(add(buf, 32), y)
                mstore(add(buf, 64), sc)
                ok := staticcall(gas(), 0x07, buf, 96, buf, 64)
                mstore(add(buf, 64), mload(acc_))
                mstore(add(buf, 96), mload(add(acc_, 32)))
                ok := and(ok, staticcall(gas(), 0x06, buf, 128, acc_, 64))
            }
            function mulAccAt(acc_, buf, pt, sc) -> ok {
                ok := mulAcc(acc_, buf, mload(pt), mload(add(pt, 32)), sc)
            }

            // B1 into acc, A1 into acc + 64. Qc's scalar is 1: it is added, not multiplied.
            function points(key, p, c, acc_, buf) -> ok {
                mstore(acc_, mload(add(key, 384)))
                mstore(add(acc_, 32), mload(add(key, 416)))
                // The linearisation [D]: selectors, Z, S3 and the quotient pieces.
                ok := mulAccAt(acc_, buf, add(key, 128), mulmod(ev(p, 0), ev(p, 1), R))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 192), ev(p, 0)))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 256), ev(p, 1)))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 320), ev(p, 2)))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 192), at(c, 15)))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 576), at(c, 16)))
                let zh := at(c, 11)
                let xin := at(c, 10)
                ok := and(ok, mulAccAt(acc_, buf, add(p, 256), neg(zh)))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 320), neg(mulmod(zh, xin, R))))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 384), neg(mulmod(zh, mulmod(xin, xin, R), R))))
                // F's other terms: v1 A + v2 B + v3 C + v4 S1 + v5 S2.
                ok := and(ok, mulAccAt(acc_, buf, p, at(c, 4)))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 64), at(c, 5)))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 128), at(c, 6)))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 448), at(c, 7)))
                ok := and(ok, mulAccAt(acc_, buf, add(key, 512), at(c, 8)))
                // - e G1, + xi Wxi, + u xi w Wxiw.
                ok := and(ok, mulAcc(acc_, buf, 1, 2, neg(at(c, 14))))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 448), at(c, 3)))
                ok := and(ok, mulAccAt(acc_, buf, add(p, 512), mulmod(mulmod(at(c, 9), at(c, 3), R), at(key, 1), R)))
                // A1 = Wxi + u Wxiw.
                let a1 := add(acc_, 64)
                mstore(a1, mload(add(p, 448)))
                mstore(add(a1, 32), mload(add(p, 480)))
                ok := and(ok, mulAccAt(a1, buf, add(p, 512), at(c, 9)))
            }

            // e(-A1, [tau]_2) e(B1, [1]_2) = 1.
            function pairing(key, acc_, buf) -> ok {
                mstore(buf, mload(add(acc_, 64)))
                mstore(add(buf, 32), mod(sub(P, mload(add(acc_, 96))), P))
                copyWords(add(buf, 64), add(key, 640), 4)
                mstore(add(buf, 192), mload(acc_))
                mstore(add(buf, 224), mload(add(acc_, 32)))
                mstore(add(buf, 256), 11559732032986387107991004021392285783925812861821192530917403151452391805634)
                mstore(add(buf, 288), 10857046999023057135944570762232829481370756359578518086990519993285655852781)
                mstore(add(buf, 320), 4082367875863433681332203403145435568316851327593401208105741076214120093531)
                mstore(add(buf, 352), 8495653923123431417604973247489272438418190587263600148770280649306958101930)
                ok := staticcall(gas(), 0x08, buf, 384, buf, 32)
                ok := and(ok, eq(mload(buf), 1))
            }

            valid := wellFormed(pr, s)
            if valid {
                challenges(k, pr, s, ch, t)
                valid := lagrange(k, ch, t)
                eScalar(pr, s, ch)
                dScalars(k, pr, ch)
            }
            if valid {
                valid := points(k, pr, ch, acc, t)
            }
            if valid {
                valid := pairing(k, acc, t)
            }
        }
    }
}
