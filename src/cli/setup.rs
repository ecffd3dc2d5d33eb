//! `kiln setup groth16|plonk` and `kiln ptau new`: snarkjs-compatible keys and a local powers of
//! tau, with a progress bar on a terminal.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kiln_prover::setup::{self, groth16::groth16_setup_files, plonk::plonk_setup_files, ptau};

use super::table::ms;
use super::SetupSystem;

/// A [`setup::Progress`] drawn as one bar per stage (hidden when stderr is not a terminal).
pub(super) struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    pub(super) fn new() -> Self {
        Bar {
            bar: Mutex::new(None),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(b) = self.bar.lock().expect("progress lock").take() {
            b.finish_and_clear();
        }
    }
}

impl setup::Progress for Bar {
    fn start(&self, stage: &str, total: u64) {
        let mut slot = self.bar.lock().expect("progress lock");
        if let Some(old) = slot.take() {
            old.finish_and_clear();
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("[{elapsed_precise}] {msg:32} {wide_bar} {pos}/{len}")
                .expect("valid template"),
        );
        bar.set_message(stage.to_string());
        *slot = Some(bar);
    }

    fn advance(&self, done: u64) {
        if let Some(b) = &*self.bar.lock().expect("progress lock") {
            b.inc(done);
        }
    }
}

/// `kiln setup SYSTEM circuit.r1cs pot.ptau out.zkey`.
pub fn run_setup(
    system: SetupSystem,
    r1cs: &Path,
    ptau_path: &Path,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let bar = Bar::new();
    let start = Instant::now();
    let result = match system {
        SetupSystem::Groth16 => groth16_setup_files(r1cs, ptau_path, out, &bar).map(Some),
        SetupSystem::Plonk => plonk_setup_files(r1cs, ptau_path, out, &bar).map(|()| None),
    };
    bar.finish();
    let hash = result.with_context(|| {
        format!(
            "{system:?} setup of {} with {}",
            r1cs.display(),
            ptau_path.display()
        )
        .to_lowercase()
    })?;
    eprintln!(
        "kiln setup: wrote {} ({}) in {}",
        out.display(),
        match system {
            SetupSystem::Groth16 => "Groth16, no phase-2 contribution yet",
            SetupSystem::Plonk => "PLONK",
        },
        ms(start.elapsed())
    );
    if let Some(hash) = hash {
        // snarkjs prints the circuit hash the same way; contributors compare it.
        println!("Circuit hash:");
        for row in hash.chunks(16) {
            let words: Vec<String> = row
                .chunks(4)
                .map(|w| w.iter().map(|b| format!("{b:02x}")).collect())
                .collect();
            println!("\t\t{}", words.join(" "));
        }
        eprintln!(
            "kiln setup: a Groth16 key needs a phase-2 contribution before use in production \
             (snarkjs zkey contribute)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `kiln ptau new --power N out.ptau`.
pub fn run_ptau_new(power: u32, out: &Path) -> anyhow::Result<ExitCode> {
    eprintln!(
        "kiln ptau new: INSECURE, for development only: this process draws the toxic waste \
         itself, so anyone who can read its memory can forge proofs for every key made from {}. \
         Use a multi-party ceremony's powers of tau for production.",
        out.display()
    );
    eprintln!(
        "kiln ptau new: power {power} ({} constraints), {} MiB",
        1u64 << power,
        ptau::ptau_file_size(power).div_ceil(1 << 20)
    );
    let bar = Bar::new();
    let start = Instant::now();
    let result = ptau::new_ptau_file(out, power, &bar);
    bar.finish();
    result.with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "kiln ptau new: wrote {} (prepared for phase 2) in {}",
        out.display(),
        ms(start.elapsed())
    );
    Ok(ExitCode::SUCCESS)
}
