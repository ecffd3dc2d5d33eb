// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.20;

import {PoseidonT5} from "./PoseidonT5.sol";

/// The verifier interfaces: snarkjs's `verifyProof` for one public signal.
interface IGroth16Verifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[1] calldata pubSignals
    ) external view returns (bool);
}

interface IPlonkVerifier {
    function verifyProof(uint256[24] calldata proof, uint256[1] calldata pubSignals)
        external
        view
        returns (bool);
}

/// @title The exchange's state commitment, advanced only by batches that Groth16 and PLONK both
///        prove.
/// @notice Holds the current state root and the next batch id. `settle` accepts batch
///         `nextBatchId` when a Groth16 proof and a PLONK proof both verify for the public input
///         Poseidon(stored root, new root, batch id, prices hash), computed here; it then stores
///         the new root and emits `BatchSettled`. Anyone may call it: the proofs are the
///         authority, not the caller.
/// @dev What it does not check: the prices hash is the exchange's commitment to the market data
///      the batch was priced with; the contract binds it into the proofs and the event but does
///      not know whether those prices were fair (see contracts/README.md).
contract KilnSettlement {
    /// BN254's scalar field: roots, hashes and the public input are elements of it.
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    IGroth16Verifier public immutable groth16Verifier;
    IPlonkVerifier public immutable plonkVerifier;

    /// The state root of the last settled batch (the genesis root until the first).
    uint256 public stateRoot;
    /// The only batch id `settle` accepts next.
    uint64 public nextBatchId;

    /// A batch was settled: the stored root moved from `oldRoot` to `newRoot`.
    event BatchSettled(
        uint64 indexed batchId, uint256 oldRoot, uint256 newRoot, uint256 pricesHash
    );

    /// The batch was settled already (a replay).
    error BatchAlreadySettled(uint64 batchId, uint64 nextBatchId);
    /// The batch skips ahead of the next one (a gap).
    error BatchOutOfOrder(uint64 batchId, uint64 nextBatchId);
    /// The proofs were made from another old root than the stored one.
    error StaleOldRoot(uint256 oldRoot, uint256 stateRoot);
    /// A root or hash that is not a field element (it would alias another below R).
    error NotAFieldElement(uint256 value);
    error InvalidGroth16Proof();
    error InvalidPlonkProof();

    constructor(
        uint256 genesisRoot,
        uint64 firstBatchId,
        IGroth16Verifier groth16,
        IPlonkVerifier plonk
    ) {
        if (genesisRoot >= R) revert NotAFieldElement(genesisRoot);
        stateRoot = genesisRoot;
        nextBatchId = firstBatchId;
        groth16Verifier = groth16;
        plonkVerifier = plonk;
    }

    /// @notice Settles batch `batchId`, moving the stored root from `oldRoot` to `newRoot`.
    /// @param oldRoot The root the proofs were made from; it must be the stored root. (The public
    ///        input is computed from the stored root, so this only names the refusal.)
    /// @param groth16Proof pA (x, y), pB (x.c1, x.c0, y.c1, y.c0), pC (x, y): snarkjs's calldata.
    /// @param plonkProof snarkjs's 24 PLONK proof words.
    function settle(
        uint256 oldRoot,
        uint256 newRoot,
        uint64 batchId,
        uint256 pricesHash,
        uint256[8] calldata groth16Proof,
        uint256[24] calldata plonkProof
    ) external {
        uint64 next = nextBatchId;
        if (batchId < next) revert BatchAlreadySettled(batchId, next);
        if (batchId > next) revert BatchOutOfOrder(batchId, next);
        uint256 root = stateRoot;
        if (oldRoot != root) revert StaleOldRoot(oldRoot, root);
        if (newRoot >= R) revert NotAFieldElement(newRoot);
        if (pricesHash >= R) revert NotAFieldElement(pricesHash);

        uint256[1] memory input = [publicInput(root, newRoot, batchId, pricesHash)];
        uint256[2] memory pA = [groth16Proof[0], groth16Proof[1]];
        uint256[2][2] memory pB =
            [[groth16Proof[2], groth16Proof[3]], [groth16Proof[4], groth16Proof[5]]];
        uint256[2] memory pC = [groth16Proof[6], groth16Proof[7]];
        if (!groth16Verifier.verifyProof(pA, pB, pC, input)) revert InvalidGroth16Proof();
        if (!plonkVerifier.verifyProof(plonkProof, input)) revert InvalidPlonkProof();

        stateRoot = newRoot;
        nextBatchId = next + 1;
        emit BatchSettled(batchId, root, newRoot, pricesHash);
    }

    /// @notice The proofs' one public input: Poseidon(old root, new root, batch id, prices
    ///         hash), circomlib's Poseidon of four inputs.
    function publicInput(uint256 oldRoot, uint256 newRoot, uint64 batchId, uint256 pricesHash)
        public
        pure
        returns (uint256)
    {
        return PoseidonT5.hash([oldRoot, newRoot, uint256(batchId), pricesHash]);
    }
}
