//! `kiln demo`: the main job. A prover node's batch of derivatives-exchange transitions (trades,
//! option marks, an expiry, a liquidation) is applied by the engine, proven with Groth16 and with
//! PLONK on the best available backend, both proofs verified, and checked to bind the same new
//! state root, with a timing table per stage. Then on-chain finality: the verifiers and the
//! settlement contract are deployed in an in-process EVM, the batch is settled, and the stored
//! root and the gas used are printed.

use std::path::Path;
use std::process::ExitCode;

use ark_std::rand::{rngs::StdRng, SeedableRng};
use kiln::settlement::chain::Chain;
use kiln::settlement::{BatchVerifyingKeys, Deployment, Settle, OPERATOR};
use kiln_circuits::prove::{BatchProof, Systems};
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
    let proven = prove_and_report(&*backend, &keys, key_time, &state, &batch, Systems::Both)?;
    settle_on_chain(batch.id, &proven)?;
    Ok(ExitCode::SUCCESS)
}

/// Deploys the contracts in an in-process EVM, holding the batch's old root, and settles it.
fn settle_on_chain(batch_id: u64, proven: &BatchProof) -> anyhow::Result<()> {
    let mut chain = Chain::new();
    let keys = BatchVerifyingKeys::of(proven)?;
    let deployed = Deployment::deploy(&mut chain, &keys, proven.outcome.old_root, batch_id)?;
    let settle = Settle::of(batch_id, proven)?;
    println!();
    println!(
        "on-chain (in-process EVM, PRAGUE): KilnSettlement at {} holds the old root; settle(batch {batch_id}) ...",
        deployed.settlement
    );
    let receipt = deployed
        .settle(&mut chain, OPERATOR, &settle)
        .map_err(|e| anyhow::anyhow!("the settlement contract refused the batch: {e}"))?;
    let stored = deployed.state_root(&mut chain)?;
    anyhow::ensure!(
        stored == proven.outcome.new_root,
        "the contract stored {stored}, not the batch's new root"
    );
    println!("stored state root: {stored} (the batch's new root)");
    println!(
        "next batch id: {}; settle used {} gas (both verifications, Poseidon, storage, event)",
        deployed.next_batch_id(&mut chain)?,
        receipt.gas
    );
    Ok(())
}
