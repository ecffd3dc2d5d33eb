//! On-chain settlement: the contracts in `contracts/`, their compiled code, the ABI encoding
//! kiln speaks to them with, and an in-process EVM to run them in ([`chain`]).
//!
//! `KilnSettlement` holds the exchange's state root and next batch id, and `settle` moves the
//! root only when a Groth16 proof and a PLONK proof both verify for the public input
//! `Poseidon(stored root, new root, batch id, prices hash)` that it computes itself.
//!
//! The verifiers take their verification key as constructor arguments (kept in immutables), so
//! their compiled code is the same for every batch shape: kiln deploys the committed creation
//! code of `contracts/bin/` with a shape's key appended ([`groth16_key_words`],
//! [`plonk_key_words`]), and needs no Solidity compiler at run time. `make contracts` recompiles
//! the committed code (solcjs, the settings of [`SOLC_SETTINGS`]); a test checks it is current.

pub mod chain;
pub mod poseidon_sol;

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use kiln_prover::plonk::{PlonkProof, PlonkVerifyingKey};
use revm::primitives::{keccak256, Address};

use chain::{Chain, Receipt, TxError};

/// The contract sources, by file name, as committed in `contracts/`.
pub const SOURCES: [(&str, &str); 4] = [
    (
        "PoseidonT5.sol",
        include_str!("../../contracts/PoseidonT5.sol"),
    ),
    (
        "KilnGroth16Verifier.sol",
        include_str!("../../contracts/KilnGroth16Verifier.sol"),
    ),
    (
        "KilnPlonkVerifier.sol",
        include_str!("../../contracts/KilnPlonkVerifier.sol"),
    ),
    (
        "KilnSettlement.sol",
        include_str!("../../contracts/KilnSettlement.sol"),
    ),
];

/// The compiled contracts, as (source file, contract name, committed creation code in hex).
pub const COMPILED: [(&str, &str, &str); 4] = [
    (
        "PoseidonT5.sol",
        "PoseidonT5Hasher",
        include_str!("../../contracts/bin/PoseidonT5Hasher.bin"),
    ),
    (
        "KilnGroth16Verifier.sol",
        "KilnGroth16Verifier",
        include_str!("../../contracts/bin/KilnGroth16Verifier.bin"),
    ),
    (
        "KilnPlonkVerifier.sol",
        "KilnPlonkVerifier",
        include_str!("../../contracts/bin/KilnPlonkVerifier.bin"),
    ),
    (
        "KilnSettlement.sol",
        "KilnSettlement",
        include_str!("../../contracts/bin/KilnSettlement.bin"),
    ),
];

/// The compiler and settings the committed code was made with (solc's standard JSON
/// `settings`); `make contracts` and the freshness test compile with exactly these.
pub const SOLC_VERSION: &str = "0.8.37";
pub const SOLC_SETTINGS: &str = r#"{"optimizer":{"enabled":true,"runs":200},"evmVersion":"cancun","metadata":{"bytecodeHash":"none"},"outputSelection":{"*":{"*":["evm.bytecode.object","evm.deployedBytecode.object"]}}}"#;

/// The committed creation code of `contract` (one of [`COMPILED`]).
pub fn creation_code(contract: &str) -> Vec<u8> {
    let (_, _, hex) = COMPILED
        .iter()
        .find(|(_, name, _)| *name == contract)
        .unwrap_or_else(|| panic!("{contract} is not one of kiln's contracts"));
    revm::primitives::hex::decode(hex.trim()).expect("the committed bytecode is hex")
}

/// Why a contract could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// The key is not one the contracts take (they verify one public input).
    #[error("{0}")]
    Key(String),
    #[error("{what}: {source}")]
    Tx { what: &'static str, source: TxError },
    #[error("{0}")]
    Output(String),
}

/// One ABI word.
pub type Word = [u8; 32];

/// A field element as a big-endian word.
pub fn word<F: PrimeField>(x: &F) -> Word {
    let mut w = [0u8; 32];
    let bytes = x.into_bigint().to_bytes_be();
    w[32 - bytes.len()..].copy_from_slice(&bytes);
    w
}

fn uint(v: u64) -> Word {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

fn address_word(a: Address) -> Word {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// A G1 point as (x, y), infinity as (0, 0): the precompiles' encoding.
fn g1_words(p: &G1Affine) -> [Word; 2] {
    match p.xy() {
        Some((x, y)) => [word(&x), word(&y)],
        None => [[0; 32]; 2],
    }
}

/// A G2 point in the precompiles' order: x.c1, x.c0, y.c1, y.c0.
fn g2_words(p: &G2Affine) -> [Word; 4] {
    let parts = |c: &Fq2| [word::<Fq>(&c.c1), word::<Fq>(&c.c0)];
    match p.xy() {
        Some((x, y)) => {
            let [a, b] = parts(&x);
            let [c, d] = parts(&y);
            [a, b, c, d]
        }
        None => [[0; 32]; 4],
    }
}

/// `KilnGroth16Verifier`'s constructor argument: alpha, beta, gamma, delta, IC0, IC1.
pub fn groth16_key_words(
    vk: &ark_groth16::VerifyingKey<Bn254>,
) -> Result<Vec<Word>, ContractError> {
    if vk.gamma_abc_g1.len() != 2 {
        return Err(ContractError::Key(format!(
            "the Groth16 key has {} public inputs; the settlement verifiers take exactly one",
            vk.gamma_abc_g1.len().saturating_sub(1)
        )));
    }
    let mut w = g1_words(&vk.alpha_g1).to_vec();
    for g2 in [&vk.beta_g2, &vk.gamma_g2, &vk.delta_g2] {
        w.extend(g2_words(g2));
    }
    for ic in &vk.gamma_abc_g1 {
        w.extend(g1_words(ic));
    }
    Ok(w)
}

/// `KilnPlonkVerifier`'s constructor argument: power, w, k1, k2, the eight commitments,
/// `[tau]_2`.
pub fn plonk_key_words(vk: &PlonkVerifyingKey) -> Result<Vec<Word>, ContractError> {
    if vk.n_public != 1 {
        return Err(ContractError::Key(format!(
            "the PLONK key has {} public inputs; the settlement verifiers take exactly one",
            vk.n_public
        )));
    }
    use ark_ff::FftField;
    let w = (vk.power <= Fr::TWO_ADICITY)
        .then(|| Fr::get_root_of_unity(1u64 << vk.power))
        .flatten()
        .ok_or_else(|| {
            ContractError::Key(format!("power {} is beyond BN254's domains", vk.power))
        })?;
    let mut out = vec![uint(vk.power.into()), word(&w), word(&vk.k1), word(&vk.k2)];
    for p in [
        &vk.qm, &vk.ql, &vk.qr, &vk.qo, &vk.qc, &vk.s1, &vk.s2, &vk.s3,
    ] {
        out.extend(g1_words(p));
    }
    out.extend(g2_words(&vk.x_2));
    Ok(out)
}

/// snarkjs's Groth16 calldata as 8 words: A, B (x.c1, x.c0, y.c1, y.c0), C.
pub fn groth16_proof_words(proof: &ark_groth16::Proof<Bn254>) -> [Word; 8] {
    let mut w = [[0u8; 32]; 8];
    w[..2].copy_from_slice(&g1_words(&proof.a));
    w[2..6].copy_from_slice(&g2_words(&proof.b));
    w[6..].copy_from_slice(&g1_words(&proof.c));
    w
}

/// snarkjs's 24 PLONK proof words: A, B, C, Z, T1, T2, T3, Wxi, Wxiw, then the evaluations
/// a, b, c, s1, s2, zw.
pub fn plonk_proof_words(proof: &PlonkProof) -> [Word; 24] {
    let p = proof;
    let mut w = [[0u8; 32]; 24];
    for (i, pt) in [p.a, p.b, p.c, p.z, p.t1, p.t2, p.t3, p.wxi, p.wxiw]
        .iter()
        .enumerate()
    {
        w[2 * i..2 * i + 2].copy_from_slice(&g1_words(pt));
    }
    for (i, e) in [
        p.eval_a, p.eval_b, p.eval_c, p.eval_s1, p.eval_s2, p.eval_zw,
    ]
    .iter()
    .enumerate()
    {
        w[18 + i] = word(e);
    }
    w
}

/// The first four bytes of the Keccak-256 of a signature.
pub fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes())[..4]
        .try_into()
        .expect("four bytes")
}

/// Calldata: a selector and static words.
pub fn calldata<'a>(signature: &str, words: impl IntoIterator<Item = &'a Word>) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    for w in words {
        data.extend_from_slice(w);
    }
    data
}

/// The signature of `KilnSettlement.settle`.
pub const SETTLE: &str = "settle(uint256,uint256,uint64,uint256,uint256[8],uint256[24])";

/// What `settle` takes: the batch's roots, id and prices hash and its two proofs.
#[derive(Clone, Debug)]
pub struct Settle {
    pub old_root: Fr,
    pub new_root: Fr,
    pub batch_id: u64,
    pub prices_hash: Fr,
    pub groth16: ark_groth16::Proof<Bn254>,
    pub plonk: PlonkProof,
}

impl Settle {
    /// The calldata of `settle` for this batch.
    pub fn calldata(&self) -> Vec<u8> {
        let mut words = vec![
            word(&self.old_root),
            word(&self.new_root),
            uint(self.batch_id),
            word(&self.prices_hash),
        ];
        words.extend(groth16_proof_words(&self.groth16));
        words.extend(plonk_proof_words(&self.plonk));
        calldata(SETTLE, &words)
    }
}

/// The custom errors of the contracts, by signature.
const ERRORS: [&str; 6] = [
    "BatchAlreadySettled(uint64,uint64)",
    "BatchOutOfOrder(uint64,uint64)",
    "StaleOldRoot(uint256,uint256)",
    "NotAFieldElement(uint256)",
    "InvalidGroth16Proof()",
    "InvalidPlonkProof()",
];

/// The custom error a revert carries, with its arguments in decimal (`StaleOldRoot(1, 2)`), or
/// `None` when it is not one of the contracts' errors.
pub fn revert_reason(data: &[u8]) -> Option<String> {
    let sig = ERRORS
        .iter()
        .find(|s| data.len() >= 4 && data[..4] == selector(s))?;
    let name = &sig[..sig.find('(').unwrap_or(sig.len())];
    let args: Vec<String> = data[4..]
        .chunks(32)
        .map(|c| revm::primitives::U256::from_be_slice(c).to_string())
        .collect();
    Some(format!("{name}({})", args.join(", ")))
}

/// The name of the custom error a revert carries (`StaleOldRoot`), if it is one of ours.
pub fn revert_name(err: &TxError) -> Option<&'static str> {
    match err {
        TxError::Revert { data, .. } => ERRORS
            .iter()
            .find(|s| data.len() >= 4 && data[..4] == selector(s))
            .map(|s| &s[..s.find('(').unwrap_or(s.len())]),
        _ => None,
    }
}

/// The three contracts of one exchange, deployed.
#[derive(Clone, Copy, Debug)]
pub struct Deployment {
    pub groth16: Address,
    pub plonk: Address,
    pub settlement: Address,
}

/// The account kiln deploys and settles from in its own EVM.
pub const OPERATOR: Address = Address::new([0xca; 20]);

impl Deployment {
    /// Deploys both verifiers with the shape's keys and the settlement contract holding
    /// `genesis_root`, which accepts `first_batch` first.
    pub fn deploy(
        chain: &mut Chain,
        keys: &BatchVerifyingKeys,
        genesis_root: Fr,
        first_batch: u64,
    ) -> Result<Self, ContractError> {
        let tx = |what| move |source| ContractError::Tx { what, source };
        let with_args = verifier_creation_code;
        let g = chain
            .deploy(
                OPERATOR,
                with_args("KilnGroth16Verifier", &groth16_key_words(&keys.groth16)?),
            )
            .map_err(tx("deploying the Groth16 verifier"))?;
        let p = chain
            .deploy(
                OPERATOR,
                with_args("KilnPlonkVerifier", &plonk_key_words(&keys.plonk)?),
            )
            .map_err(tx("deploying the PLONK verifier"))?;
        let args = [
            word(&genesis_root),
            uint(first_batch),
            address_word(g),
            address_word(p),
        ];
        let s = chain
            .deploy(OPERATOR, with_args("KilnSettlement", &args))
            .map_err(tx("deploying the settlement contract"))?;
        Ok(Deployment {
            groth16: g,
            plonk: p,
            settlement: s,
        })
    }

    /// Sends `settle` from `from`.
    pub fn settle(
        &self,
        chain: &mut Chain,
        from: Address,
        batch: &Settle,
    ) -> Result<Receipt, TxError> {
        chain.send(from, self.settlement, batch.calldata())
    }

    fn read_word(&self, chain: &mut Chain, signature: &str) -> Result<Word, ContractError> {
        let r = chain
            .call(self.settlement, calldata(signature, []))
            .map_err(|source| ContractError::Tx {
                what: "reading the settlement contract",
                source,
            })?;
        r.output.as_slice().try_into().map_err(|_| {
            ContractError::Output(format!("{signature} returned {} bytes", r.output.len()))
        })
    }

    /// The stored state root.
    pub fn state_root(&self, chain: &mut Chain) -> Result<Fr, ContractError> {
        Ok(Fr::from_be_bytes_mod_order(
            &self.read_word(chain, "stateRoot()")?,
        ))
    }

    /// The next batch id the contract accepts.
    pub fn next_batch_id(&self, chain: &mut Chain) -> Result<u64, ContractError> {
        let w = self.read_word(chain, "nextBatchId()")?;
        Ok(u64::from_be_bytes(w[24..].try_into().expect("eight bytes")))
    }
}

/// The two verification keys a deployment needs, from a shape's keys.
pub struct BatchVerifyingKeys {
    pub groth16: ark_groth16::VerifyingKey<Bn254>,
    pub plonk: PlonkVerifyingKey,
}

impl BatchVerifyingKeys {
    /// Reads both keys of a batch key folder.
    pub fn read(keys: &kiln_circuits::prove::BatchKeys) -> Result<Self, ContractError> {
        use kiln_circuits::prove::VerifyingKey;
        use kiln_prover::api::ProofSystem;
        let read = |s| {
            keys.verifying_key(s)
                .map_err(|e| ContractError::Key(e.to_string()))
        };
        match (read(ProofSystem::Groth16)?, read(ProofSystem::Plonk)?) {
            (VerifyingKey::Groth16(groth16), VerifyingKey::Plonk(plonk)) => {
                Ok(Self { groth16, plonk })
            }
            _ => Err(ContractError::Key(format!(
                "{}: groth16.zkey and plonk.zkey hold keys of other systems",
                keys.dir.display()
            ))),
        }
    }

    /// The keys that proved `proven` (which must hold both systems' proofs).
    pub fn of(proven: &kiln_circuits::prove::BatchProof) -> Result<Self, ContractError> {
        use kiln_circuits::prove::VerifyingKey;
        let (groth16, plonk) = both(
            proven,
            |p| match &p.verifying_key {
                VerifyingKey::Groth16(k) => Some(k.clone()),
                _ => None,
            },
            |p| match &p.verifying_key {
                VerifyingKey::Plonk(k) => Some(k.clone()),
                _ => None,
            },
        )?;
        Ok(Self { groth16, plonk })
    }
}

/// The Groth16 and the PLONK item of a proven batch, as `groth16` and `plonk` pick them.
fn both<G, P>(
    proven: &kiln_circuits::prove::BatchProof,
    groth16: impl Fn(&kiln_circuits::prove::SystemProof) -> Option<G>,
    plonk: impl Fn(&kiln_circuits::prove::SystemProof) -> Option<P>,
) -> Result<(G, P), ContractError> {
    match (
        proven.proofs.iter().find_map(groth16),
        proven.proofs.iter().find_map(plonk),
    ) {
        (Some(g), Some(p)) => Ok((g, p)),
        _ => Err(ContractError::Key(
            "settlement needs both a Groth16 and a PLONK proof".into(),
        )),
    }
}

impl Settle {
    /// `settle`'s arguments for batch `batch_id`, proven with both systems.
    pub fn of(
        batch_id: u64,
        proven: &kiln_circuits::prove::BatchProof,
    ) -> Result<Self, ContractError> {
        use kiln_prover::api::Proof;
        let (groth16, plonk) = both(
            proven,
            |p| match &p.proof {
                Proof::Groth16(pr) => Some(pr.clone()),
                _ => None,
            },
            |p| match &p.proof {
                Proof::Plonk(pr) => Some(pr.clone()),
                _ => None,
            },
        )?;
        let o = &proven.outcome;
        Ok(Settle {
            old_root: o.old_root,
            new_root: o.new_root,
            batch_id,
            prices_hash: o.prices_hash,
            groth16,
            plonk,
        })
    }
}

fn sol_array(words: &[Word]) -> String {
    let items: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let hex = format!("0x{}", revm::primitives::hex::encode(w));
            if i == 0 {
                format!("uint256({hex})")
            } else {
                hex
            }
        })
        .collect();
    format!(
        "[\n            {}\n        ]",
        items.join(",\n            ")
    )
}

/// `BatchVerifiers.sol` for one shape: the two verifiers with that shape's keys written in as
/// constructor constants, for deploying with one's own toolchain. Deploying it gives the same
/// runtime code as kiln's deployment of the committed verifiers with the keys as arguments.
pub fn shape_source(shape: &str, keys: &BatchVerifyingKeys) -> Result<String, ContractError> {
    let g = groth16_key_words(&keys.groth16)?;
    let p = plonk_key_words(&keys.plonk)?;
    Ok(format!(
        "// SPDX-License-Identifier: MIT OR Apache-2.0\n\
         // GENERATED by `kiln batch contract` from the verification keys of batch shape {shape}.\n\
         pragma solidity ^0.8.20;\n\n\
         import {{KilnGroth16Verifier}} from \"./KilnGroth16Verifier.sol\";\n\
         import {{KilnPlonkVerifier}} from \"./KilnPlonkVerifier.sol\";\n\n\
         /// @notice The Groth16 verifier of batch shape {shape}.\n\
         contract BatchGroth16Verifier is KilnGroth16Verifier {{\n    \
             constructor()\n        KilnGroth16Verifier({})\n    {{}}\n\
         }}\n\n\
         /// @notice The PLONK verifier of batch shape {shape}.\n\
         contract BatchPlonkVerifier is KilnPlonkVerifier {{\n    \
             constructor()\n        KilnPlonkVerifier({})\n    {{}}\n\
         }}\n",
        sol_array(&g),
        sol_array(&p)
    ))
}

/// Creation code of a verifier with its key appended: ready to deploy, no compiler needed.
pub fn verifier_creation_code(contract: &str, key: &[Word]) -> Vec<u8> {
    let mut code = creation_code(contract);
    key.iter().for_each(|w| code.extend_from_slice(w));
    code
}
