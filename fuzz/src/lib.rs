//! What the fuzz targets share: a key read from fuzzed bytes is loaded and proved with, so a
//! key that parses but lies about itself must be refused there too ([`prove_with`]); fuzzer
//! bytes become MSM inputs with the edge cases that break bucket methods ([`msm`]).

pub mod bounded_alloc;
pub mod json;
pub mod msm;
pub mod ntt;
pub mod subgroup;

use ark_bn254::Fr;
use ark_ff::One;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_host::{ArkworksBackend, Backend};
use kiln_prover::api::{Prover, ProvingKey};

/// Bounds for the witness calculators the fuzz targets run: tight, so that a module that loops
/// or grows its memory reaches them in milliseconds (the multiplier's calculator needs far less).
pub fn witness_limits() -> kiln_witness::Limits {
    kiln_witness::Limits {
        memory_bytes: 64 << 20,
        fuel: 20_000_000,
    }
}

/// Keys with more signals than this are only parsed: proving with them would make each run
/// slow, and parsing is where a file's size fields are trusted or not.
pub const MAX_SIGNALS_TO_PROVE: usize = 64;

/// Loads a key the reader accepted onto the reference backend and proves a witness of all ones
/// with it (which satisfies the seeds' multiplier, so the whole prover runs): the prover must
/// refuse or succeed, never panic.
pub fn prove_with(key: ProvingKey) {
    let len = key.witness_len();
    if len == 0 || len > MAX_SIGNALS_TO_PROVE {
        return;
    }
    let backend = ArkworksBackend::new();
    let backend: &dyn Backend = &backend;
    let Ok(prover) = Prover::new(backend, key) else {
        return;
    };
    let _ = prover.prove(&vec![Fr::one(); len], &mut StdRng::seed_from_u64(1));
}

use kiln_prover::iden3::ptau::Ptau;
use kiln_prover::iden3::r1cs::{read_r1cs, R1csHeader};
use kiln_prover::setup::groth16::groth16_setup;
use kiln_prover::setup::plonk::plonk_setup;
use kiln_prover::setup::ptau::{write_new_ptau, ToxicWaste};
use kiln_prover::setup::NoProgress;
use kiln_prover::R1cs;
use std::sync::OnceLock;

/// Circuits with more constraints than this are not set up (a setup is O(n log n) group work).
pub const MAX_CONSTRAINTS_TO_SET_UP: usize = 16;

/// Runs both of kiln's setups (`kiln setup groth16|plonk`) of `r1cs` over `ptau`: either may
/// refuse, neither may panic.
pub fn set_up(header: &R1csHeader, r1cs: &R1cs, ptau: &Ptau<'_>) {
    if r1cs.num_constraints() > MAX_CONSTRAINTS_TO_SET_UP
        || header.n_wires as usize > MAX_CONSTRAINTS_TO_SET_UP
    {
        return;
    }
    let _ = groth16_setup(header, r1cs, ptau, std::io::sink(), &NoProgress);
    let _ = plonk_setup(header, r1cs, ptau, std::io::sink(), &NoProgress);
}

/// A prepared powers of tau of power 5 (32 constraints), made once per process from fixed
/// secrets: what fuzzed circuits are set up over.
pub fn small_ptau() -> &'static [u8] {
    static PTAU: OnceLock<Vec<u8>> = OnceLock::new();
    PTAU.get_or_init(|| {
        let secrets = ToxicWaste {
            tau: Fr::from(7u64),
            alpha: Fr::from(11u64),
            beta: Fr::from(13u64),
        };
        let mut out = Vec::new();
        write_new_ptau(&mut out, 5, &secrets, &NoProgress).expect("power 5 is supported");
        out
    })
}

/// circom's `Multiplier2` (`c <== a * b`) as the fixtures compile it: the circuit fuzzed
/// powers of tau are used for.
pub fn multiplier_r1cs() -> (R1csHeader, R1cs) {
    read_r1cs(include_bytes!("../seeds/r1cs/multiplier.r1cs")).expect("the seed is valid")
}
