//! `kiln demo`: the main job. A prover node's batch of derivatives-exchange transitions (trades,
//! option marks, an expiry, a liquidation) is applied by the engine, proven with Groth16 and with
//! PLONK on the best available backend, both proofs verified, and checked to bind the same new
//! state root, with a timing table per stage.

use std::path::Path;
use std::process::ExitCode;

use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln_circuits::prove::Systems;
use kiln_circuits::sample::demo_batch;

use super::batch::{default_key_root, keys, prove_and_report, system_names, ShapeArgs};

pub fn run(
    backend_name: Option<&str>,
    key_root: Option<&Path>,
    seed: Option<u64>,
    shape: &ShapeArgs,
) -> anyhow::Result<ExitCode> {
    let shape = shape.shape()?;
    let backend = super::open_backend(backend_name)?;
    let seed = seed.unwrap_or_else(kiln_host::conformance::fresh_seed);
    let (state, batch) = demo_batch(&shape, &mut StdRng::seed_from_u64(seed));
    println!(
        "kiln demo: a derivatives-exchange batch ({} accounts, {} slots each, up to {} trades, {} option series), \
         proven with {} on backend '{}' ({}); batch seed {seed:#x} (replay with --seed {seed:#x})",
        shape.accounts,
        shape.slots,
        shape.trades,
        shape.series,
        system_names(Systems::Both),
        backend.name(),
        backend.device_info().name
    );
    let root = key_root.map_or_else(default_key_root, Path::to_path_buf);
    let (keys, key_time) = keys(&root, &shape, None)?;
    prove_and_report(&*backend, &keys, key_time, &state, &batch, Systems::Both)?;
    Ok(ExitCode::SUCCESS)
}
