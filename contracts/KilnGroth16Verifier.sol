// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

/// @title Groth16 verifier over BN254 for a circuit with one public input (kiln's batch circuits).
/// @notice Checks e(-A, B) e(alpha, beta) e(IC0 + s IC1, gamma) e(C, delta) = 1 with the BN254
///         precompiles (0x06 add, 0x07 mul, 0x08 pairing), as snarkjs's exported verifier does,
///         and takes the same calldata as snarkjs's `verifyProof` for one public signal.
/// @dev The verification key is given to the constructor and kept in immutables, which the
///      compiler writes into the runtime code at deployment: calls cost what inlined constants
///      would, and one compiled contract serves every batch shape (kiln appends a shape's key to
///      the creation code, see contracts/README.md). The G2 points are in precompile order,
///      imaginary part first: (x.c1, x.c0, y.c1, y.c0).
contract KilnGroth16Verifier {
    /// The scalar field (public signals live here).
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// The base field (point coordinates).
    uint256 internal constant P =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    uint256 internal immutable alphaX;
    uint256 internal immutable alphaY;
    uint256 internal immutable betaX1;
    uint256 internal immutable betaX0;
    uint256 internal immutable betaY1;
    uint256 internal immutable betaY0;
    uint256 internal immutable gammaX1;
    uint256 internal immutable gammaX0;
    uint256 internal immutable gammaY1;
    uint256 internal immutable gammaY0;
    uint256 internal immutable deltaX1;
    uint256 internal immutable deltaX0;
    uint256 internal immutable deltaY1;
    uint256 internal immutable deltaY0;
    uint256 internal immutable ic0X;
    uint256 internal immutable ic0Y;
    uint256 internal immutable ic1X;
    uint256 internal immutable ic1Y;

    /// @param vk alpha (x, y), beta, gamma, delta (each x.c1, x.c0, y.c1, y.c0), IC0 (x, y),
    ///        IC1 (x, y): 18 words.
    constructor(uint256[18] memory vk) {
        alphaX = vk[0];
        alphaY = vk[1];
        betaX1 = vk[2];
        betaX0 = vk[3];
        betaY1 = vk[4];
        betaY0 = vk[5];
        gammaX1 = vk[6];
        gammaX0 = vk[7];
        gammaY1 = vk[8];
        gammaY0 = vk[9];
        deltaX1 = vk[10];
        deltaX0 = vk[11];
        deltaY1 = vk[12];
        deltaY0 = vk[13];
        ic0X = vk[14];
        ic0Y = vk[15];
        ic1X = vk[16];
        ic1Y = vk[17];
    }

    /// @notice Whether (pA, pB, pC) is a valid proof for the public signal. Never reverts on a
    ///         bad proof: a signal not below R, a coordinate not below P, a point off the curve
    ///         or a failed pairing all return false.
    /// @param pB G2 point as (x.c1, x.c0), (y.c1, y.c0), as in snarkjs's calldata.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[1] calldata pubSignals
    ) external view returns (bool) {
        uint256 s = pubSignals[0];
        if (s >= R || pA[1] >= P) {
            return false;
        }
        // The pairing input: four (G1, G2) pairs of six words.
        uint256[24] memory e;
        e[0] = pA[0];
        e[1] = (P - pA[1]) % P;
        e[2] = pB[0][0];
        e[3] = pB[0][1];
        e[4] = pB[1][0];
        e[5] = pB[1][1];
        e[6] = alphaX;
        e[7] = alphaY;
        e[8] = betaX1;
        e[9] = betaX0;
        e[10] = betaY1;
        e[11] = betaY0;
        // e[12], e[13]: IC0 + s IC1, below.
        e[14] = gammaX1;
        e[15] = gammaX0;
        e[16] = gammaY1;
        e[17] = gammaY0;
        e[18] = pC[0];
        e[19] = pC[1];
        e[20] = deltaX1;
        e[21] = deltaX0;
        e[22] = deltaY1;
        e[23] = deltaY0;
        uint256[4] memory t;
        t[0] = ic1X;
        t[1] = ic1Y;
        t[2] = s;
        uint256 ic0x = ic0X;
        uint256 ic0y = ic0Y;
        bool ok;
        assembly {
            ok := staticcall(gas(), 0x07, t, 96, t, 64)
            mstore(add(t, 64), ic0x)
            mstore(add(t, 96), ic0y)
            ok := and(ok, staticcall(gas(), 0x06, t, 128, add(e, 384), 64))
            ok := and(ok, staticcall(gas(), 0x08, e, 768, t, 32))
            ok := and(ok, eq(mload(t), 1))
        }
        return ok;
    }
}
