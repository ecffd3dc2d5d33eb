//! Runs snarkjs's exported Solidity verifiers (Groth16 and PLONK) inside an in-process EVM
//! (revm), so interop tests can check that the on-chain verifier accepts a proof (and rejects a
//! tampered one).
//!
//! The Groth16 verifier source is compiled with solcjs (npm's `solc`); the PLONK verifier is
//! deployed from the fixtures' `plonk_verifier.bin` or compiled likewise. Each is deployed in a fresh in-memory EVM at
//! the PRAGUE spec (the BN254 precompiles 0x06/0x07/0x08 are live), and `verifyProof` is called
//! with hand-encoded ABI calldata.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context as _, Result};
use ark_bn254::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use kiln_prover::plonk::PlonkProof;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{hex, keccak256, Address, Bytes, TxKind, U256};
use revm::ExecuteCommitEvm;
use serde_json::Value;

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<MainnetContext<Db>>;

/// Gas for deployment and for each call. A Groth16 verification costs about 200k + 7k per public
/// input, so this is ample; PRAGUE has no per-transaction gas cap (OSAKA caps at 2^24).
const GAS_LIMIT: u64 = 30_000_000;

/// A deployed `Groth16Verifier` in its own in-memory EVM.
pub struct EvmVerifier {
    evm: Evm,
    caller: Address,
    contract: Address,
    /// Length of `pubSignals` in `verifyProof`, read from the Solidity source.
    n_public: usize,
    selector: [u8; 4],
    /// Gas used by the last `verify` call.
    pub last_gas_used: u64,
}

impl EvmVerifier {
    /// Compiles `verifier_sol` (snarkjs `zkey export solidityverifier` output, contract
    /// `Groth16Verifier`) with solcjs, deploys it in a fresh in-memory revm EVM, and returns a
    /// handle.
    pub fn deploy(verifier_sol: &Path, solcjs: &Path) -> Result<Self> {
        let source = std::fs::read_to_string(verifier_sol)
            .with_context(|| format!("reading {}", verifier_sol.display()))?;
        let n_public = public_input_count(&source)?;
        let signature =
            format!("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n_public}])");
        let selector: [u8; 4] = keccak256(signature.as_bytes())[..4].try_into().unwrap();

        let creation_code = compile(&source, solcjs, "Groth16Verifier")?;
        let (evm, caller, contract) = deploy_code(creation_code)?;

        Ok(Self {
            evm,
            caller,
            contract,
            n_public,
            selector,
            last_gas_used: 0,
        })
    }

    /// Number of public signals the deployed verifier expects.
    pub fn n_public(&self) -> usize {
        self.n_public
    }

    /// Calls `verifyProof(uint[2] pA, uint[2][2] pB, uint[2] pC, uint[N] pubSignals)` and returns
    /// its bool result. `proof_json` / `public_json` are snarkjs's formats (decimal strings).
    /// In calldata, G2 coordinates go c1 first: pB = [[x.c1, x.c0], [y.c1, y.c0]] where
    /// `pi_b = [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`.
    ///
    /// A revert or halt is an error; a rejected proof is `Ok(false)`.
    pub fn verify(&mut self, proof_json: &Value, public_json: &Value) -> Result<bool> {
        let calldata = self.calldata(proof_json, public_json)?;
        let (valid, gas) = call_bool(&mut self.evm, self.caller, self.contract, calldata)?;
        self.last_gas_used = gas;
        Ok(valid)
    }

    /// ABI calldata for `verifyProof`: selector followed by static uint256 words, big-endian.
    pub fn calldata(&self, proof_json: &Value, public_json: &Value) -> Result<Vec<u8>> {
        let a = &proof_json["pi_a"];
        let b = &proof_json["pi_b"];
        let c = &proof_json["pi_c"];
        let words = [
            &a[0], &a[1], &b[0][1], &b[0][0], &b[1][1], &b[1][0], &c[0], &c[1],
        ];
        let public = public_json
            .as_array()
            .ok_or_else(|| anyhow!("public.json is not an array"))?;
        if public.len() != self.n_public {
            bail!(
                "public.json has {} signals but the verifier expects {}",
                public.len(),
                self.n_public
            );
        }
        let mut data = Vec::with_capacity(4 + 32 * (words.len() + public.len()));
        data.extend_from_slice(&self.selector);
        for (i, w) in words.into_iter().chain(public.iter()).enumerate() {
            data.extend_from_slice(&word(w).with_context(|| format!("calldata word {i}"))?);
        }
        Ok(data)
    }
}

/// A fresh PRAGUE EVM with `creation_code` deployed: (evm, caller, contract address).
fn deploy_code(creation_code: Vec<u8>) -> Result<(Evm, Address, Address)> {
    let caller = Address::repeat_byte(0xca);
    let ctx = Context::mainnet()
        .with_db(Db::default())
        .modify_cfg_chained(|cfg| {
            cfg.set_spec_and_mainnet_gas_params(SpecId::PRAGUE);
            // Gas is free (gas price 0, default block base fee 0), so the caller needs no
            // balance; nonces are not tracked by hand.
            cfg.disable_nonce_check = true;
        });
    let mut evm = ctx.build_mainnet();

    let tx = TxEnv::builder()
        .caller(caller)
        .kind(TxKind::Create)
        .data(Bytes::from(creation_code))
        .gas_limit(GAS_LIMIT)
        .gas_price(0)
        .build()
        .map_err(|e| anyhow!("building the deployment transaction: {e:?}"))?;
    let result = evm
        .transact_commit(tx)
        .map_err(|e| anyhow!("deployment transaction rejected: {e:?}"))?;
    let contract = match result {
        ExecutionResult::Success {
            output: Output::Create(_, Some(addr)),
            ..
        } => addr,
        ExecutionResult::Success { output, .. } => {
            bail!("deployment succeeded but returned no contract address: {output:?}")
        }
        ExecutionResult::Revert { output, .. } => {
            bail!("deployment reverted: 0x{}", hex::encode(output))
        }
        ExecutionResult::Halt { reason, .. } => bail!("deployment halted: {reason:?}"),
    };
    Ok((evm, caller, contract))
}

/// Calls a `view returns (bool)` function: (its result, gas used). A revert or halt is an error.
fn call_bool(
    evm: &mut Evm,
    caller: Address,
    contract: Address,
    calldata: Vec<u8>,
) -> Result<(bool, u64)> {
    let tx = TxEnv::builder()
        .caller(caller)
        .kind(TxKind::Call(contract))
        .data(Bytes::from(calldata))
        .gas_limit(GAS_LIMIT)
        .gas_price(0)
        .build()
        .map_err(|e| anyhow!("building the call transaction: {e:?}"))?;
    let result = evm
        .transact_commit(tx)
        .map_err(|e| anyhow!("verifyProof transaction rejected: {e:?}"))?;
    match result {
        ExecutionResult::Success {
            output: Output::Call(out),
            gas,
            ..
        } => {
            if out.len() != 32 {
                bail!(
                    "verifyProof returned {} bytes, expected 32: 0x{}",
                    out.len(),
                    hex::encode(&out)
                );
            }
            match U256::from_be_slice(&out) {
                v if v == U256::ZERO => Ok((false, gas.tx_gas_used())),
                v if v == U256::from(1) => Ok((true, gas.tx_gas_used())),
                v => bail!("verifyProof returned a non-bool word: {v:#x}"),
            }
        }
        ExecutionResult::Success { output, .. } => {
            bail!("verifyProof: unexpected output {output:?}")
        }
        ExecutionResult::Revert { output, .. } => {
            bail!("verifyProof reverted: 0x{}", hex::encode(output))
        }
        ExecutionResult::Halt { reason, .. } => bail!("verifyProof halted: {reason:?}"),
    }
}

/// A deployed snarkjs `PlonkVerifier` in its own in-memory EVM.
pub struct PlonkEvmVerifier {
    evm: Evm,
    caller: Address,
    contract: Address,
    /// Length of `_pubSignals` in `verifyProof`, read from the Solidity source.
    n_public: usize,
    /// Gas used by the last `verify` call.
    pub last_gas_used: u64,
}

impl PlonkEvmVerifier {
    /// Deploys `plonk_verifier_bin` (solcjs's hex creation bytecode of snarkjs's `PlonkVerifier`)
    /// in a fresh in-memory EVM; the public input count comes from `plonk_verifier_sol`, the
    /// source it was compiled from.
    pub fn deploy(plonk_verifier_bin: &Path, plonk_verifier_sol: &Path) -> Result<Self> {
        let source = std::fs::read_to_string(plonk_verifier_sol)
            .with_context(|| format!("reading {}", plonk_verifier_sol.display()))?;
        let n_public = public_input_count(&source)?;
        let text = std::fs::read_to_string(plonk_verifier_bin)
            .with_context(|| format!("reading {}", plonk_verifier_bin.display()))?;
        let code = hex::decode(text.trim())
            .with_context(|| format!("decoding {}", plonk_verifier_bin.display()))?;
        if code.is_empty() {
            bail!("{} is empty", plonk_verifier_bin.display());
        }
        Self::deploy_code(code, n_public)
    }

    /// Compiles `plonk_verifier_sol` (snarkjs's `PlonkVerifier`) with solcjs and deploys it.
    pub fn compile_and_deploy(plonk_verifier_sol: &Path, solcjs: &Path) -> Result<Self> {
        let source = std::fs::read_to_string(plonk_verifier_sol)
            .with_context(|| format!("reading {}", plonk_verifier_sol.display()))?;
        let n_public = public_input_count(&source)?;
        Self::deploy_code(compile(&source, solcjs, "PlonkVerifier")?, n_public)
    }

    fn deploy_code(code: Vec<u8>, n_public: usize) -> Result<Self> {
        let (evm, caller, contract) = deploy_code(code)?;
        Ok(Self {
            evm,
            caller,
            contract,
            n_public,
            last_gas_used: 0,
        })
    }

    /// Number of public signals the deployed verifier expects.
    pub fn n_public(&self) -> usize {
        self.n_public
    }

    /// Calls `verifyProof(uint256[24] _proof, uint256[N] _pubSignals)`; a rejected proof is
    /// `Ok(false)`, a revert or halt an error.
    pub fn verify(&mut self, proof: &PlonkProof, public: &[Fr]) -> Result<bool> {
        if public.len() != self.n_public {
            bail!(
                "{} public signals but the verifier expects {}",
                public.len(),
                self.n_public
            );
        }
        self.verify_calldata(plonk_calldata(proof, public))
    }

    /// Calls the verifier with raw calldata (selector included), e.g. a hand-tampered one.
    pub fn verify_calldata(&mut self, calldata: Vec<u8>) -> Result<bool> {
        let (valid, gas) = call_bool(&mut self.evm, self.caller, self.contract, calldata)?;
        self.last_gas_used = gas;
        Ok(valid)
    }
}

/// The 24 proof words of snarkjs's PLONK calldata, in the order of `zkey export soliditycalldata`
/// and of the template's `pA .. pEval_zw` offsets: A, B, C, Z, T1, T2, T3, Wxi, Wxiw as (x, y),
/// then eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw. Infinity is written (0, 1) as
/// snarkjs writes it (its JSON x and y); the contract rejects it as off the curve, as it does
/// snarkjs's.
pub fn plonk_proof_words(proof: &PlonkProof) -> Vec<[u8; 32]> {
    fn be<F: PrimeField>(x: &F) -> [u8; 32] {
        x.into_bigint()
            .to_bytes_be()
            .try_into()
            .expect("BN254 fields are 32 bytes")
    }
    let point = |p: &G1Affine| -> [[u8; 32]; 2] {
        match p.xy() {
            Some((x, y)) => [be(&x), be(&y)],
            None => [[0; 32], be(&Fr::from(1u64))],
        }
    };
    let p = proof;
    [p.a, p.b, p.c, p.z, p.t1, p.t2, p.t3, p.wxi, p.wxiw]
        .iter()
        .flat_map(point)
        .chain(
            [
                p.eval_a, p.eval_b, p.eval_c, p.eval_s1, p.eval_s2, p.eval_zw,
            ]
            .iter()
            .map(be),
        )
        .collect()
}

/// ABI calldata for snarkjs's `PlonkVerifier.verifyProof(uint256[24], uint256[N])` with
/// N = `public.len()`: the selector, then static uint256 words, big-endian.
pub fn plonk_calldata(proof: &PlonkProof, public: &[Fr]) -> Vec<u8> {
    let signature = format!("verifyProof(uint256[24],uint256[{}])", public.len());
    let mut data = keccak256(signature.as_bytes())[..4].to_vec();
    for w in plonk_proof_words(proof) {
        data.extend_from_slice(&w);
    }
    for s in public {
        data.extend_from_slice(&s.into_bigint().to_bytes_be());
    }
    data
}

/// A decimal (or 0x-hex) string, or a JSON integer, as a big-endian uint256 word.
fn word(v: &Value) -> Result<[u8; 32]> {
    let n: U256 = match v {
        Value::String(s) => s
            .parse()
            .map_err(|e| anyhow!("not a uint256: {s:?}: {e}"))?,
        Value::Number(n) => U256::from(n.as_u64().ok_or_else(|| anyhow!("not a uint: {n}"))?),
        Value::Null => bail!("missing field"),
        other => bail!("not a number: {other}"),
    };
    Ok(n.to_be_bytes())
}

/// `N` in `uint[N] calldata _pubSignals` of snarkjs's template.
fn public_input_count(source: &str) -> Result<usize> {
    let sig = source
        .find("function verifyProof(")
        .map(|i| &source[i..])
        .ok_or_else(|| anyhow!("no verifyProof function in the verifier source"))?;
    let sig = &sig[..sig.find(')').unwrap_or(sig.len())];
    let last = sig.rsplit(',').next().unwrap_or("");
    let n = last
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(n, _)| n.trim())
        .ok_or_else(|| anyhow!("cannot read the public input count from {sig:?}"))?;
    n.parse()
        .with_context(|| format!("public input count {n:?}"))
}

/// Compiles the source with `solcjs --bin --optimize` in a private temporary directory and returns
/// the creation bytecode of `Groth16Verifier`.
/// Compiles a snarkjs verifier source with solcjs and returns the creation code of `contract`.
fn compile(source: &str, solcjs: &Path, contract: &str) -> Result<Vec<u8>> {
    let dir = TempDir::new()?;
    // solcjs names outputs after the source path as given (every non-alphanumeric character
    // becomes `_`), so compile a file named `verifier.sol` from inside the directory:
    // the output is `out/verifier_sol_<contract>.bin`.
    std::fs::write(dir.0.join("verifier.sol"), source)?;
    let output = Command::new(solcjs)
        .args(["--bin", "--optimize", "-o", "out", "verifier.sol"])
        .current_dir(&dir.0)
        .output()
        .with_context(|| format!("running {}", solcjs.display()))?;
    if !output.status.success() {
        bail!(
            "solcjs failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let out = dir.0.join("out");
    let bin = std::fs::read_dir(&out)
        .with_context(|| format!("solcjs wrote no {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&format!("_{contract}.bin")))
        })
        .ok_or_else(|| anyhow!("solcjs wrote no *_{contract}.bin in {}", out.display()))?;
    let text = std::fs::read_to_string(&bin)?;
    let code = hex::decode(text.trim()).with_context(|| format!("decoding {}", bin.display()))?;
    if code.is_empty() {
        bail!("{} is empty", bin.display());
    }
    Ok(code)
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "kiln-evm-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        ));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A named element of a PLONK proof.
type Part<T> = (&'static str, fn(&mut PlonkProof) -> &mut T);

/// The proof with one commitment replaced by another valid point (itself plus the generator), or
/// one evaluation plus one: every way a single proof element can be wrong.
pub fn tampered_proofs(proof: &PlonkProof) -> Vec<(&'static str, PlonkProof)> {
    let bump = |p: &mut G1Affine| *p = (*p + G1Affine::generator()).into_affine();
    let points: [Part<G1Affine>; 9] = [
        ("A", |p| &mut p.a),
        ("B", |p| &mut p.b),
        ("C", |p| &mut p.c),
        ("Z", |p| &mut p.z),
        ("T1", |p| &mut p.t1),
        ("T2", |p| &mut p.t2),
        ("T3", |p| &mut p.t3),
        ("Wxi", |p| &mut p.wxi),
        ("Wxiw", |p| &mut p.wxiw),
    ];
    let evals: [Part<Fr>; 6] = [
        ("eval_a", |p| &mut p.eval_a),
        ("eval_b", |p| &mut p.eval_b),
        ("eval_c", |p| &mut p.eval_c),
        ("eval_s1", |p| &mut p.eval_s1),
        ("eval_s2", |p| &mut p.eval_s2),
        ("eval_zw", |p| &mut p.eval_zw),
    ];
    let mut out = Vec::new();
    for (name, get) in points {
        let mut t = proof.clone();
        bump(get(&mut t));
        out.push((name, t));
    }
    for (name, get) in evals {
        let mut t = proof.clone();
        *get(&mut t) += Fr::from(1u64);
        out.push((name, t));
    }
    out
}
