//! `kiln bench`: timings of seam operations and Groth16 proofs, each next to the arkworks
//! reference measured in the same run (machines are shared and noisy; ratios from one run are
//! what BENCHMARKS.md records). A backend whose result disagrees with the reference gets no
//! figure: the run stops with an error.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, ScalarMul, VariableBaseMSM};
use ark_ff::UniformRand;

use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{rngs::StdRng, SeedableRng};
use indicatif::{ProgressBar, ProgressStyle};
use kiln_host::conformance::fresh_seed;
use kiln_host::{Backend, NttOp};
use kiln_prover::examples::CubicChain;
use kiln_prover::{groth16_setup, reference_proof, synthesize, Groth16Prover};
use serde::Serialize;

use super::table::{self, ms};
use super::{BenchOp, LogSizes};

/// Median, minimum and maximum of a set of timings, in milliseconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Stats {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        let to_ms = |d: Duration| d.as_secs_f64() * 1e3;
        let mid = samples.len() / 2;
        let median = if samples.len() % 2 == 1 {
            to_ms(samples[mid])
        } else {
            (to_ms(samples[mid - 1]) + to_ms(samples[mid])) / 2.0
        };
        Stats {
            median_ms: median,
            min_ms: to_ms(samples[0]),
            max_ms: to_ms(*samples.last().expect("at least one repeat")),
        }
    }
}

/// One row of results.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub op: &'static str,
    pub log_size: u32,
    pub n: usize,
    pub repeats: u32,
    pub backend: Stats,
    /// What the reference column measures.
    pub reference_name: &'static str,
    pub reference: Stats,
    /// reference median / backend median: above 1 means the backend is faster.
    pub speedup: f64,
    /// For card backends (`fpga`, `fpga-sim`): what the card did per operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<CardRecord>,
}

/// Per operation on a card backend: the card's own cycle count, the time those cycles take at
/// the clock the design is built for, and the host-side work of the drivers (digits, bucket
/// and window sums, host NTT stages, G2 MSMs). `projected_ms` is their sum; it leaves out DMA
/// transfers. On `fpga-sim` the wall-clock columns time the simulation, not a card.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CardRecord {
    pub cycles: u64,
    pub clock_mhz: u32,
    pub card_ms: f64,
    pub host_ms: f64,
    pub projected_ms: f64,
}

#[cfg(feature = "fpga")]
type CardSnapshot = Option<kiln::backends::fpga::CardFigures>;
#[cfg(not(feature = "fpga"))]
type CardSnapshot = Option<()>;

fn card_snapshot(backend: &dyn Backend) -> CardSnapshot {
    #[cfg(feature = "fpga")]
    return kiln::backends::fpga::card_figures(backend);
    #[cfg(not(feature = "fpga"))]
    {
        let _ = backend;
        None
    }
}

/// The card's figures per run between two snapshots spanning `runs` runs of one operation.
#[cfg_attr(not(feature = "fpga"), allow(unused_variables))]
fn card_record(before: CardSnapshot, after: CardSnapshot, runs: u32) -> Option<CardRecord> {
    #[cfg(feature = "fpga")]
    {
        let delta = after?.since(&before?);
        let runs = f64::from(runs.max(1));
        let card_ms = delta.card_time().as_secs_f64() * 1e3 / runs;
        let host_ms = delta.host_time.as_secs_f64() * 1e3 / runs;
        Some(CardRecord {
            cycles: (delta.cycles as f64 / runs).round() as u64,
            clock_mhz: delta.clock_mhz,
            card_ms,
            host_ms,
            projected_ms: card_ms + host_ms,
        })
    }
    #[cfg(not(feature = "fpga"))]
    None
}

#[derive(Serialize)]
struct Report<'a> {
    kiln_version: &'static str,
    backend: &'a str,
    device: String,
    host: String,
    threads: usize,
    seed: String,
    results: &'a [Record],
}

/// Runs `f` once untimed, then `repeats` times timed.
fn measure(
    repeats: u32,
    progress: &ProgressBar,
    mut f: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Stats> {
    f()?;
    progress.inc(1);
    let mut samples = Vec::with_capacity(repeats as usize);
    for _ in 0..repeats {
        let start = Instant::now();
        f()?;
        samples.push(start.elapsed());
        progress.inc(1);
    }
    Ok(Stats::of(samples))
}

struct Bench<'a> {
    backend: &'a dyn Backend,
    repeats: u32,
    rng: StdRng,
    progress: ProgressBar,
}

impl Bench<'_> {
    fn msm<G>(&mut self, op: &'static str, log_size: u32) -> anyhow::Result<Record>
    where
        G: kiln_host::conformance::MsmGroup + VariableBaseMSM,
        G: ScalarMul<MulBase = <G as CurveGroup>::Affine>,
    {
        let n = 1usize << log_size;
        self.progress
            .set_message(format!("{op} 2^{log_size}: generating inputs"));
        let dlogs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut self.rng)).collect();
        let bases = <G as PrimeGroup>::generator().batch_mul(&dlogs);
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut self.rng)).collect();
        let resident_bases = G::upload(self.backend, &bases)?;
        let resident_scalars = self.backend.upload_scalars(&scalars)?;

        self.progress
            .set_message(format!("{op} 2^{log_size}: {}", self.backend.name()));
        let mut got = None;
        let backend_stats = measure(self.repeats, &self.progress, || {
            got = Some(<G as kiln_host::conformance::MsmGroup>::msm(
                self.backend,
                &resident_bases,
                &resident_scalars,
            )?);
            Ok(())
        })?;
        self.progress
            .set_message(format!("{op} 2^{log_size}: arkworks"));
        let mut expected = None;
        let reference = measure(self.repeats, &self.progress, || {
            expected = Some(<G as VariableBaseMSM>::msm_unchecked(&bases, &scalars));
            Ok(())
        })?;
        if got.map(|p| p.into_affine()) != expected.map(|p| p.into_affine()) {
            bail!(
                "{op} 2^{log_size}: backend '{}' disagrees with arkworks",
                self.backend.name()
            );
        }
        Ok(record(
            op,
            log_size,
            n,
            self.repeats,
            backend_stats,
            "arkworks VariableBaseMSM",
            reference,
        ))
    }

    fn ntt(&mut self, log_size: u32) -> anyhow::Result<Record> {
        let n = 1usize << log_size;
        self.progress
            .set_message(format!("ntt 2^{log_size}: {}", self.backend.name()));
        let input: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut self.rng)).collect();
        let mut resident = self.backend.upload_scalars(&input)?;
        let backend_stats = measure(self.repeats, &self.progress, || {
            Ok(self.backend.ntt(&mut resident, NttOp::Forward)?)
        })?;

        self.progress
            .set_message(format!("ntt 2^{log_size}: arkworks"));
        let domain = Radix2EvaluationDomain::<Fr>::new(n).context("domain")?;
        let mut host = input.clone();
        let reference = measure(self.repeats, &self.progress, || {
            domain.fft_in_place(&mut host);
            Ok(())
        })?;
        // Both sides applied the same transform 1 + repeats times to the same input.
        if self.backend.download_scalars(&resident)? != host {
            bail!(
                "ntt 2^{log_size}: backend '{}' disagrees with arkworks",
                self.backend.name()
            );
        }
        Ok(record(
            "ntt",
            log_size,
            n,
            self.repeats,
            backend_stats,
            "ark-poly radix-2 FFT",
            reference,
        ))
    }

    fn groth16(&mut self, log_size: u32) -> anyhow::Result<Record> {
        let circuit = CubicChain::for_domain(Fr::rand(&mut self.rng), log_size);
        self.progress.set_message(format!(
            "groth16 2^{log_size}: setup ({} constraints, untimed)",
            2 * circuit.rounds + 1
        ));
        let pk = groth16_setup(circuit.clone(), &mut self.rng)?;
        let (r1cs, assignment) = synthesize(circuit)?;
        let prover = Groth16Prover::new(self.backend, pk.clone())?;
        let (r, s) = (Fr::rand(&mut self.rng), Fr::rand(&mut self.rng));

        self.progress
            .set_message(format!("groth16 2^{log_size}: {}", self.backend.name()));
        let mut ours = None;
        let backend_stats = measure(self.repeats, &self.progress, || {
            ours = Some(prover.prove_with_randomness(&r1cs, &assignment, r, s)?);
            Ok(())
        })?;
        self.progress
            .set_message(format!("groth16 2^{log_size}: ark-groth16"));
        let mut theirs = None;
        let reference = measure(self.repeats, &self.progress, || {
            theirs = Some(reference_proof(&pk, &r1cs, &assignment, r, s)?);
            Ok(())
        })?;
        if ours != theirs {
            bail!(
                "groth16 2^{log_size}: backend '{}' proof differs from ark-groth16",
                self.backend.name()
            );
        }
        Ok(record(
            "groth16",
            log_size,
            r1cs.num_constraints(),
            self.repeats,
            backend_stats,
            "ark-groth16 (no verify)",
            reference,
        ))
    }
}

fn record(
    op: &'static str,
    log_size: u32,
    n: usize,
    repeats: u32,
    backend: Stats,
    reference_name: &'static str,
    reference: Stats,
) -> Record {
    Record {
        op,
        log_size,
        n,
        repeats,
        backend,
        reference_name,
        reference,
        speedup: reference.median_ms / backend.median_ms,
        card: None,
    }
}

/// Where `kiln bench` writes its results besides the terminal.
pub struct Outputs<'a> {
    pub json: Option<&'a Path>,
    pub plot: Option<&'a Path>,
}

pub fn run(
    backend_name: &str,
    ops: &[BenchOp],
    sizes: LogSizes,
    repeats: u32,
    outputs: Outputs<'_>,
    seed: Option<u64>,
    fixed_base_bytes: usize,
) -> anyhow::Result<ExitCode> {
    for &op in ops {
        let range = op.log_size_range();
        if !range.contains(&sizes.first) || !range.contains(&sizes.last) {
            bail!(
                "{} is measured at log sizes {}..{}, not {}..{}",
                op.name(),
                range.start(),
                range.end(),
                sizes.first,
                sizes.last
            );
        }
    }
    let backend = kiln::backends::open_with(
        backend_name,
        kiln::backends::OpenOptions { fixed_base_bytes },
    )?;
    let seed = seed.unwrap_or_else(fresh_seed);
    let device = backend.device_info();
    println!(
        "kiln bench: backend {} on {}, log sizes {}..{}, {repeats} repeats after 1 warm-up, seed {seed:#x}",
        backend.name(),
        device.name,
        sizes.first,
        sizes.last
    );
    let steps_per_size = 2 * (u64::from(repeats) + 1);
    let total = steps_per_size * ops.len() as u64 * u64::from(sizes.last - sizes.first + 1);
    let progress = ProgressBar::new(total);
    progress.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut bench = Bench {
        backend: &*backend,
        repeats,
        rng: StdRng::seed_from_u64(seed),
        progress: progress.clone(),
    };
    let mut records = Vec::new();
    for &op in ops {
        for log_size in sizes.first..=sizes.last {
            let before = card_snapshot(&*backend);
            let mut rec = match op {
                BenchOp::MsmG1 => bench.msm::<G1Projective>(op.name(), log_size)?,
                BenchOp::MsmG2 => bench.msm::<G2Projective>(op.name(), log_size)?,
                BenchOp::Ntt => bench.ntt(log_size)?,
                BenchOp::Groth16 => bench.groth16(log_size)?,
            };
            // The backend ran the operation once untimed and `repeats` times timed.
            rec.card = card_record(before, card_snapshot(&*backend), repeats + 1);
            progress.println(format!(
                "{:<8} 2^{:<2} {} median {} (reference {})",
                rec.op,
                rec.log_size,
                backend.name(),
                ms(Duration::from_secs_f64(rec.backend.median_ms / 1e3)),
                ms(Duration::from_secs_f64(rec.reference.median_ms / 1e3))
            ));
            records.push(rec);
        }
    }
    progress.finish_and_clear();

    println!();
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            vec![
                r.op.to_string(),
                format!("2^{}", r.log_size),
                r.n.to_string(),
                format!("{:.3}", r.backend.median_ms),
                format!("{:.3}", r.backend.min_ms),
                format!("{:.3}", r.backend.max_ms),
                format!("{:.3}", r.reference.median_ms),
                format!("{:.2}x", r.speedup),
                r.reference_name.to_string(),
            ]
        })
        .collect();
    table::print(
        &[
            "op",
            "size",
            "n",
            "median ms",
            "min ms",
            "max ms",
            "ref median ms",
            "speedup",
            "reference",
        ],
        &rows,
    );

    let card_rows: Vec<Vec<String>> = records
        .iter()
        .filter_map(|r| {
            let c = r.card?;
            Some(vec![
                r.op.to_string(),
                format!("2^{}", r.log_size),
                c.cycles.to_string(),
                format!("{:.3}", c.card_ms),
                format!("{:.3}", c.host_ms),
                format!("{:.3}", c.projected_ms),
                format!("{:.3}", r.reference.median_ms),
                format!("{:.2}x", r.reference.median_ms / c.projected_ms),
            ])
        })
        .collect();
    if let Some(clock) = records.iter().find_map(|r| r.card.map(|c| c.clock_mhz)) {
        println!();
        println!(
            "card figures per operation: cycles counted by the card, their time at the design \
             clock of {clock} MHz, the drivers' host-side work, and the projected total (DMA \
             not included), next to the reference"
        );
        table::print(
            &[
                "op",
                "size",
                "card cycles",
                "card ms",
                "host ms",
                "projected ms",
                "ref median ms",
                "ref / projected",
            ],
            &card_rows,
        );
    }

    if let Some(path) = outputs.plot {
        super::plot::write_svg(path, backend.name(), &records)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }

    if let Some(path) = outputs.json {
        let report = Report {
            kiln_version: env!("CARGO_PKG_VERSION"),
            backend: backend.name(),
            device: device.name.clone(),
            host: std::env::consts::ARCH.to_string(),
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            seed: format!("{seed:#x}"),
            results: &records,
        };
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        serde_json::to_writer_pretty(std::io::BufWriter::new(file), &report)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
