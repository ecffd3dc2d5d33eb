//! `kiln prove` and `kiln verify`: drop-in replacements for `rapidsnark` / `snarkjs groth16 prove`,
//! `snarkjs plonk prove` and `snarkjs groth16|plonk verify`, reading and writing snarkjs's files.
//! The proof system comes from the key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use ark_bn254::Fr;
use ark_std::rand::{rngs::StdRng, SeedableRng};
use indicatif::{ProgressBar, ProgressStyle};
use kiln_prover::api::{G2Checks, KeyChecks, ProvingKey};
use kiln_prover::iden3::wtns::read_wtns_file;
use kiln_prover::key_cache::CheckedKeys;
use kiln_prover::snarkjs_json::{self, public_to_json};
use kiln_prover::Prover;

use super::table::ms;

fn spinner() -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .expect("valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn step<T>(
    pb: &ProgressBar,
    msg: &str,
    f: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Duration)> {
    pb.set_message(msg.to_string());
    let start = Instant::now();
    let out = f()?;
    Ok((out, start.elapsed()))
}

/// Writes each `(path, value)` through a temporary file in the same folder, and renames them
/// into place only once all are written, so a failure never leaves a half-written file, or a new
/// proof beside a stale public.json, where good ones were. Temporary files are removed on error.
pub(super) fn write_json_files_atomically(
    files: &[(&Path, serde_json::Value)],
) -> anyhow::Result<()> {
    let temps: Vec<_> = files
        .iter()
        .map(|(path, _)| path.with_extension(format!("tmp.{}", std::process::id())))
        .collect();
    let written = files.iter().zip(&temps).try_for_each(|((_, value), tmp)| {
        std::fs::write(tmp, serde_json::to_string_pretty(value)? + "\n")
            .with_context(|| format!("writing {}", tmp.display()))
    });
    let renamed = written.and_then(|()| {
        files.iter().zip(&temps).try_for_each(|((path, _), tmp)| {
            std::fs::rename(tmp, path)
                .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
        })
    });
    if renamed.is_err() {
        for tmp in &temps {
            let _ = std::fs::remove_file(tmp);
        }
    }
    renamed
}

/// `kiln prove`'s flags beyond its files and backend.
pub struct ProveOptions {
    /// Skip the subgroup checks of the key's B-query G2 points.
    pub trusted_key: bool,
    /// Check them even if the key passed before (by its digest), and do not record it.
    pub no_key_cache: bool,
    /// Print each proving stage's time.
    pub stages: bool,
}

/// Where `kiln prove`'s witness comes from and its outputs go.
pub struct ProveFiles {
    zkey: PathBuf,
    witness: WitnessSource,
    proof: PathBuf,
    public: PathBuf,
}

enum WitnessSource {
    /// A .wtns file.
    Wtns(PathBuf),
    /// circom inputs and the circuit's witness calculator (snarkjs's fullprove).
    Calculator { wasm: PathBuf, input: PathBuf },
}

impl ProveFiles {
    /// ZKEY WITNESS PROOF PUBLIC, or ZKEY PROOF PUBLIC with --wasm and --input.
    pub fn from_args(
        files: Vec<PathBuf>,
        wasm: Option<PathBuf>,
        input: Option<PathBuf>,
    ) -> anyhow::Result<Self> {
        let count = files.len();
        let mut files = files.into_iter();
        let mut next = || files.next().expect("clap checks the count");
        match (count, wasm, input) {
            (4, None, None) => Ok(ProveFiles {
                zkey: next(),
                witness: WitnessSource::Wtns(next()),
                proof: next(),
                public: next(),
            }),
            (3, Some(wasm), Some(input)) => Ok(ProveFiles {
                zkey: next(),
                witness: WitnessSource::Calculator { wasm, input },
                proof: next(),
                public: next(),
            }),
            (4, _, _) => anyhow::bail!(
                "with --wasm and --input, give ZKEY PROOF PUBLIC (the witness is computed)"
            ),
            _ => anyhow::bail!(
                "give ZKEY WITNESS PROOF PUBLIC, or ZKEY PROOF PUBLIC with --wasm and --input"
            ),
        }
    }
}

/// The witness from a .wtns, or computed by the circuit's calculator (the code `kiln serve`
/// runs for jobs submitted with inputs).
fn read_witness(source: &WitnessSource) -> anyhow::Result<Vec<Fr>> {
    match source {
        WitnessSource::Wtns(path) => {
            read_wtns_file(path).with_context(|| format!("reading witness {}", path.display()))
        }
        WitnessSource::Calculator { wasm, input } => {
            let bytes =
                std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
            let input_json = read_json(input)?;
            let calculator =
                kiln_witness::WitnessCalculator::new(&bytes, kiln_witness::Limits::default())
                    .with_context(|| wasm.display().to_string())?;
            calculator.calculate(&input_json).with_context(|| {
                format!(
                    "computing the witness of {} with {}",
                    input.display(),
                    wasm.display()
                )
            })
        }
    }
}

pub fn prove(
    files: &ProveFiles,
    backend: Option<&str>,
    options: ProveOptions,
) -> anyhow::Result<ExitCode> {
    let (zkey, proof_out, public_out) = (
        files.zkey.as_path(),
        files.proof.as_path(),
        files.public.as_path(),
    );
    if proof_out == public_out {
        anyhow::bail!("the proof and the public signals must go to different files");
    }
    let backend = super::open_backend(backend)?;
    let pb = spinner();
    let checks = if options.trusted_key {
        KeyChecks::Trusted
    } else if options.no_key_cache {
        KeyChecks::Full
    } else {
        KeyChecks::Cached(CheckedKeys::from_env())
    };
    let ((key, load), t_key) = step(&pb, "reading key", || {
        ProvingKey::load(zkey, &checks)
            .with_context(|| format!("reading proving key {}", zkey.display()))
    })?;
    if let Some(warning) = &load.cache_warning {
        pb.suspend(|| eprintln!("kiln prove: warning: {warning}"));
    }
    let (witness, t_wtns) = step(&pb, "reading witness", || read_witness(&files.witness))?;
    if witness.len() != key.witness_len() {
        pb.finish_and_clear();
        anyhow::bail!(
            "the witness has {} values but the key's circuit has {} signals: they are not for the same circuit",
            witness.len(),
            key.witness_len()
        );
    }
    let system = key.system();
    let (prover, t_load) = step(
        &pb,
        &format!("loading {system} key onto {}", backend.name()),
        || Ok(Prover::new(&*backend, key)?),
    )?;
    let ((proof, public, stage_times), t_prove) =
        step(&pb, &format!("proving ({system})"), || {
            let mut rng = StdRng::from_entropy();
            Ok(prover.prove_once(witness, &mut rng)?)
        })?;
    write_json_files_atomically(&[
        (proof_out, proof.to_json()),
        (public_out, public_to_json(&public)),
    ])?;
    pb.finish_and_clear();
    let key_checks = match load.g2_checks {
        G2Checks::Ran if load.recorded => format!(
            "all checks, key recorded as checked; hashing {}",
            ms(load.hashing)
        ),
        G2Checks::Ran => "all checks".to_string(),
        G2Checks::Recognised => format!(
            "subgroup checks skipped: key checked before; hashing {}",
            ms(load.hashing)
        ),
        G2Checks::Trusted => "trusted: subgroup checks skipped".to_string(),
    };
    eprintln!(
        "kiln prove: {system} on backend {}: read key {} ({key_checks}), witness {}, load {}, prove {} (verified); wrote {} and {}",
        backend.name(),
        ms(t_key),
        ms(t_wtns),
        ms(t_load),
        ms(t_prove),
        proof_out.display(),
        public_out.display()
    );
    if options.stages {
        for (stage, took) in &stage_times.0 {
            eprintln!("  {stage:<44} {:>12}", ms(*took));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

pub fn verify(vk_path: &Path, public_path: &Path, proof_path: &Path) -> anyhow::Result<ExitCode> {
    use kiln_prover::VerifyJsonError;

    let vk_json = read_json(vk_path)?;
    let proof_json = read_json(proof_path)?;
    let public: Vec<Fr> = snarkjs_json::public_from_json(&read_json(public_path)?)
        .with_context(|| format!("in {}", public_path.display()))?;
    // A proof tagged for another protocol, or signals that do not fit the key, are a mix-up of
    // files, not a proof that fails to verify: exit 2 naming the file at fault.
    let valid = kiln_prover::verify_json(&vk_json, &public, &proof_json).map_err(|e| {
        let file = match &e {
            VerifyJsonError::Key(_) => vk_path,
            VerifyJsonError::Proof(_) | VerifyJsonError::ProtocolMismatch { .. } => proof_path,
            VerifyJsonError::Statement(_) => public_path,
        };
        match e {
            VerifyJsonError::Statement(_) => anyhow::Error::new(e).context(format!(
                "{} does not fit {}",
                public_path.display(),
                vk_path.display()
            )),
            _ => anyhow::Error::new(e).context(format!("in {}", file.display())),
        }
    })?;
    if valid {
        println!("OK!");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Invalid proof");
        Ok(ExitCode::from(1))
    }
}
