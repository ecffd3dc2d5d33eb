//! The conformance suite: every operation of the seam, on any backend, against the arkworks CPU
//! reference, on seeded random inputs and on the edge cases that break MSMs.
//!
//! Written once and run for every backend (`kiln selftest --backend B`, and the test suites of
//! each backend crate), in the spirit of arkworks' `test_group!` templates.
//!
//! The references are independent of the algorithms under test, so the suite can fail even for
//! the `arkworks` backend that is itself built on arkworks:
//!
//! * **MSM.** Bases are generated as `t_i * G` from known random `t_i` (fixed-base batch
//!   multiplication), so the expected result is `(sum_i s_i * t_i) * G`: an inner product in Fr and
//!   one scalar multiplication, sharing no code with any bucket method. Infinity bases are
//!   `t_i = 0`; duplicated bases are repeated `t_i`.
//! * **NTT.** The full output is compared with ark-poly's radix-2 domain, and, independently of
//!   any FFT, sampled outputs are checked by evaluating the polynomial with Horner's rule at
//!   `g * w^j` (and, for inverse transforms, by evaluating the returned coefficients).
//! * **Vector operations.** Element-wise with arkworks field arithmetic.
//!
//! Results are compared bit-for-bit in the device data layout ([`crate::layout`]).

use std::time::{Duration, Instant};

use ark_bn254::{g1, g2, Fr, G1Projective, G2Projective};
use ark_ec::short_weierstrass::Projective;
use ark_ec::{CurveGroup, ScalarMul};
use ark_ff::{FftField, Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

use crate::backend::{Backend, DeviceBuffer, NttOp, VecOp};
use crate::error::Result;
use crate::layout::{self, Form};

/// The outcome of one check.
#[derive(Clone, Debug)]
pub struct CheckOutcome {
    /// The operation (`msm-g1`, `coset-ntt`, `vec-mul`, ...).
    pub op: &'static str,
    /// Which inputs (`random`, `zero scalars`, `infinity bases`, ...).
    pub case: String,
    /// Input length.
    pub n: usize,
    /// `None` when the backend agreed with the reference bit for bit; otherwise what differed.
    pub mismatch: Option<String>,
    /// Wall time of the backend's operation (resident data, no transfers).
    pub backend_time: Duration,
    /// Wall time of arkworks computing the same thing, where the check's reference does: `None`
    /// for MSMs, whose expected value comes from the discrete-log shortcut (one scalar
    /// multiplication, not an MSM; `kiln bench` compares MSM speed), and for round trips.
    pub reference_time: Option<Duration>,
}

impl CheckOutcome {
    /// Whether the backend matched the reference.
    pub fn passed(&self) -> bool {
        self.mismatch.is_none()
    }
}

/// One line: status, operation, case, length, the backend's time and arkworks' where comparable;
/// the mismatch on a second line.
impl std::fmt::Display for CheckOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
        write!(
            f,
            "{}  {:<15} {:<32} n={:<9} {:>12}",
            if self.passed() { "PASS" } else { "FAIL" },
            self.op,
            self.case,
            self.n,
            ms(self.backend_time)
        )?;
        if let Some(r) = self.reference_time {
            write!(f, "  (arkworks {})", ms(r))?;
        }
        if let Some(m) = &self.mismatch {
            write!(f, "\n      {m}")?;
        }
        Ok(())
    }
}

/// The largest main size the suite accepts (its references hold a few vectors of this length).
pub const MAX_SELFTEST_LOG_SIZE: u32 = 24;

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct SelftestConfig {
    /// Main input length is `2^log_size`.
    pub log_size: u32,
    /// Seed of every random input; print it so a failure can be replayed.
    pub seed: u64,
}

/// Runs every check, calling `report` as each finishes. A device error aborts the run with `Err`;
/// a wrong answer is a failed [`CheckOutcome`], and the run goes on.
pub fn run_selftest(
    backend: &dyn Backend,
    config: SelftestConfig,
    mut report: impl FnMut(&CheckOutcome),
) -> Result<Vec<CheckOutcome>> {
    if config.log_size > MAX_SELFTEST_LOG_SIZE {
        return Err(crate::Error::InvalidArgument(format!(
            "selftest log size {} is above the maximum {MAX_SELFTEST_LOG_SIZE}",
            config.log_size
        )));
    }
    let mut rng = StdRng::seed_from_u64(config.seed);
    let n = 1usize << config.log_size;
    let mut outcomes = Vec::new();
    let mut record = |o: CheckOutcome| {
        report(&o);
        outcomes.push(o);
    };
    for o in msm_checks::<G1Projective>(backend, n, &mut rng)? {
        record(o);
    }
    for o in msm_checks::<G2Projective>(backend, n, &mut rng)? {
        record(o);
    }
    for o in ntt_checks(backend, n, &mut rng)? {
        record(o);
    }
    for o in vec_op_checks(backend, n, &mut rng)? {
        record(o);
    }
    Ok(outcomes)
}

/// The two groups the seam does MSMs in, with their upload and MSM entry points.
pub trait MsmGroup:
    CurveGroup<ScalarField = Fr> + ScalarMul<MulBase = <Self as CurveGroup>::Affine>
{
    /// The operation's name.
    const OP: &'static str;
    fn upload(backend: &dyn Backend, bases: &[Self::Affine]) -> Result<DeviceBuffer<Self::Affine>>;
    fn msm(
        backend: &dyn Backend,
        bases: &DeviceBuffer<Self::Affine>,
        scalars: &DeviceBuffer<Fr>,
    ) -> Result<Self>;
    /// The point's device encoding, the unit of bit-for-bit comparison.
    fn encode(p: &Self::Affine) -> Vec<u8>;
}

// Named through the concrete curve configs: coherence cannot tell the `bn::G1Projective` and
// `bn::G2Projective` aliases apart.
impl MsmGroup for Projective<g1::Config> {
    const OP: &'static str = "msm-g1";
    fn upload(backend: &dyn Backend, bases: &[Self::Affine]) -> Result<DeviceBuffer<Self::Affine>> {
        backend.upload_g1(bases)
    }
    fn msm(
        backend: &dyn Backend,
        bases: &DeviceBuffer<Self::Affine>,
        scalars: &DeviceBuffer<Fr>,
    ) -> Result<Self> {
        backend.msm_g1(bases, scalars)
    }
    fn encode(p: &Self::Affine) -> Vec<u8> {
        layout::g1_to_bytes(p).to_vec()
    }
}

impl MsmGroup for Projective<g2::Config> {
    const OP: &'static str = "msm-g2";
    fn upload(backend: &dyn Backend, bases: &[Self::Affine]) -> Result<DeviceBuffer<Self::Affine>> {
        backend.upload_g2(bases)
    }
    fn msm(
        backend: &dyn Backend,
        bases: &DeviceBuffer<Self::Affine>,
        scalars: &DeviceBuffer<Fr>,
    ) -> Result<Self> {
        backend.msm_g2(bases, scalars)
    }
    fn encode(p: &Self::Affine) -> Vec<u8> {
        layout::g2_to_bytes(p).to_vec()
    }
}

/// Runs the whole suite on `backend` at each of `log_sizes` with one fresh seed (printed, with
/// how to replay it) and fails the calling test on any mismatch, or if the suite ran too few
/// checks to mean anything: the assertion every backend's own test suite makes.
pub fn assert_passes_suite(backend: &dyn Backend, log_sizes: &[u32]) {
    let seed = fresh_seed();
    println!("conformance: seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    for &log_size in log_sizes {
        let outcomes = run_selftest(backend, SelftestConfig { log_size, seed }, |_| {})
            .unwrap_or_else(|e| panic!("log size {log_size}: the suite could not run: {e}"));
        assert!(
            outcomes.len() > 30,
            "suite ran only {} checks",
            outcomes.len()
        );
        let failures: Vec<_> = outcomes.iter().filter(|o| !o.passed()).collect();
        assert!(failures.is_empty(), "log size {log_size}: {failures:#?}");
    }
}

/// MSM inputs whose answer is known without an MSM: `bases[i] = dlogs[i] * G`.
pub struct MsmCase {
    pub name: String,
    pub dlogs: Vec<Fr>,
    pub scalars: Vec<Fr>,
}

impl MsmCase {
    /// `sum_i scalars[i] * dlogs[i]`, the discrete log of the expected result.
    pub fn expected_dlog(&self) -> Fr {
        self.scalars
            .iter()
            .zip(&self.dlogs)
            .map(|(s, t)| *s * t)
            .sum()
    }
}

fn random_vec(rng: &mut impl Rng, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

/// The MSM cases of ARCHITECTURE.md at main size `n`: random, zero scalars, scalar r-1, all-equal
/// scalars, duplicated bases, infinity bases, a mix of every edge, n = 1, and lengths that are not
/// powers of two.
pub fn msm_cases(n: usize, rng: &mut impl Rng) -> Vec<MsmCase> {
    let case = |name: &str, dlogs: Vec<Fr>, scalars: Vec<Fr>| MsmCase {
        name: name.to_string(),
        dlogs,
        scalars,
    };
    let minus_one = -Fr::one();
    let shared = Fr::rand(rng);
    let pool = random_vec(rng, 4);
    let mut cases = vec![
        case("random", random_vec(rng, n), random_vec(rng, n)),
        case("zero scalars", random_vec(rng, n), vec![Fr::zero(); n]),
        case("scalar r-1", random_vec(rng, n), vec![minus_one; n]),
        case("all-equal scalars", random_vec(rng, n), vec![shared; n]),
        case(
            "duplicated bases",
            (0..n).map(|_| pool[rng.gen_range(0..pool.len())]).collect(),
            random_vec(rng, n),
        ),
        case(
            "infinity bases",
            (0..n)
                .map(|i| {
                    if i % 3 == 0 {
                        Fr::zero()
                    } else {
                        Fr::rand(rng)
                    }
                })
                .collect(),
            random_vec(rng, n),
        ),
    ];
    // Every edge at once, interleaved, so that a bucket sees zero, one, r-1 and repeated digits
    // next to infinities and duplicates.
    let mixed_scalars = (0..n)
        .map(|i| match i % 5 {
            0 => Fr::zero(),
            1 => Fr::one(),
            2 => minus_one,
            3 => shared,
            _ => Fr::rand(rng),
        })
        .collect();
    let mixed_dlogs = (0..n)
        .map(|i| match i % 4 {
            0 => Fr::zero(),
            1 => pool[0],
            _ => Fr::rand(rng),
        })
        .collect();
    cases.push(case("mixed edges", mixed_dlogs, mixed_scalars));
    // Small scalars put every nonzero digit into the same few buckets of the lowest window: a
    // bucket method's worst case for collisions (batched additions into one bucket).
    let few = [Fr::one(), Fr::from(2u64), Fr::from(5u64)];
    cases.push(case(
        "scalars in few buckets",
        random_vec(rng, n),
        (0..n).map(|_| few[rng.gen_range(0..few.len())]).collect(),
    ));
    cases.push(case("n = 1", random_vec(rng, 1), random_vec(rng, 1)));
    let mut odd_lengths = vec![n + 3];
    if n > 2 {
        odd_lengths.push(n - 1);
    }
    for m in odd_lengths {
        cases.push(case(
            &format!("n = {m} (not a power of two)"),
            random_vec(rng, m),
            random_vec(rng, m),
        ));
    }
    cases
}

/// Runs every MSM case in group `G`.
pub fn msm_checks<G: MsmGroup>(
    backend: &dyn Backend,
    n: usize,
    rng: &mut impl Rng,
) -> Result<Vec<CheckOutcome>> {
    let mut out = Vec::new();
    for case in msm_cases(n, rng) {
        out.push(check_msm_case::<G>(backend, &case)?);
    }
    Ok(out)
}

/// Runs one MSM case in group `G` and compares with the discrete-log reference.
pub fn check_msm_case<G: MsmGroup>(backend: &dyn Backend, case: &MsmCase) -> Result<CheckOutcome> {
    let bases = G::generator().batch_mul(&case.dlogs);
    let resident_bases = G::upload(backend, &bases)?;
    let resident_scalars = backend.upload_scalars(&case.scalars)?;

    let start = Instant::now();
    let got = <G as MsmGroup>::msm(backend, &resident_bases, &resident_scalars)?;
    let backend_time = start.elapsed();

    let expected = (G::generator() * case.expected_dlog()).into_affine();

    let (got, expected) = (G::encode(&got.into_affine()), G::encode(&expected));
    let mismatch =
        (got != expected).then(|| format!("got {}, expected {}", hex(&got), hex(&expected)));
    Ok(CheckOutcome {
        op: G::OP,
        case: case.name.clone(),
        n: case.scalars.len(),
        mismatch,
        backend_time,
        reference_time: None,
    })
}

/// Evaluates the polynomial with coefficients `coeffs` at `x` by Horner's rule.
pub fn horner(coeffs: &[Fr], x: Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
}

/// The arkworks reference for one NTT.
pub fn reference_ntt(values: &[Fr], op: NttOp) -> Vec<Fr> {
    let mut v = values.to_vec();
    let domain = Radix2EvaluationDomain::<Fr>::new(v.len())
        .expect("reference NTT length is a power of two <= 2^28");
    match op {
        NttOp::Forward => domain.fft_in_place(&mut v),
        NttOp::Inverse => domain.ifft_in_place(&mut v),
        NttOp::CosetForward(g) => domain
            .get_coset(g)
            .expect("nonzero shift")
            .fft_in_place(&mut v),
        NttOp::CosetInverse(g) => domain
            .get_coset(g)
            .expect("nonzero shift")
            .ifft_in_place(&mut v),
    }
    v
}

/// Checks, at the sampled indices, that `output` is `op` applied to `input` by evaluating
/// polynomials directly, without an FFT. Returns the first index that disagrees.
pub fn spot_check_ntt(input: &[Fr], output: &[Fr], op: NttOp, samples: &[usize]) -> Option<usize> {
    let n = input.len();
    let w = Fr::get_root_of_unity(n as u64).expect("power-of-two length <= 2^28");
    let (shift, forward) = match op {
        NttOp::Forward => (Fr::one(), true),
        NttOp::Inverse => (Fr::one(), false),
        NttOp::CosetForward(g) => (g, true),
        NttOp::CosetInverse(g) => (g, false),
    };
    samples.iter().copied().find(|&j| {
        let x = shift * w.pow([j as u64]);
        if forward {
            output[j] != horner(input, x)
        } else {
            horner(output, x) != input[j]
        }
    })
}

fn first_difference(got: &[Fr], expected: &[Fr]) -> Option<String> {
    if got.len() != expected.len() {
        return Some(format!(
            "got {} values, expected {}",
            got.len(),
            expected.len()
        ));
    }
    got.iter().zip(expected).position(|(a, b)| a != b).map(|i| {
        format!(
            "first difference at index {i}: got {}, expected {}",
            hex(&layout::fr_to_bytes(&got[i], Form::Canonical)),
            hex(&layout::fr_to_bytes(&expected[i], Form::Canonical))
        )
    })
}

/// Every NTT variant at lengths 1, 2 and `n`, with the default coset shift (Fr's multiplicative
/// generator, as ark-groth16 uses) and a random one; plus a forward-then-inverse round trip.
pub fn ntt_checks(
    backend: &dyn Backend,
    n: usize,
    rng: &mut impl Rng,
) -> Result<Vec<CheckOutcome>> {
    let mut out = Vec::new();
    let random_shift = Fr::rand(rng);
    let mut sizes = vec![1, 2, n];
    sizes.sort_unstable();
    sizes.dedup();
    for &m in &sizes {
        let ops = [
            (NttOp::Forward, "random"),
            (NttOp::Inverse, "random"),
            (NttOp::CosetForward(Fr::GENERATOR), "shift = generator"),
            (NttOp::CosetInverse(Fr::GENERATOR), "shift = generator"),
            (NttOp::CosetForward(random_shift), "random shift"),
            (NttOp::CosetInverse(random_shift), "random shift"),
        ];
        for (op, case) in ops {
            let input = random_vec(rng, m);
            let mut resident = backend.upload_scalars(&input)?;
            let start = Instant::now();
            backend.ntt(&mut resident, op)?;
            let backend_time = start.elapsed();
            let got = backend.download_scalars(&resident)?;

            let start = Instant::now();
            let expected = reference_ntt(&input, op);
            let reference_time = start.elapsed();

            let mut samples: Vec<usize> = vec![0, m / 2, m - 1];
            samples.extend((0..5).map(|_| rng.gen_range(0..m)));
            let mismatch = first_difference(&got, &expected).or_else(|| {
                spot_check_ntt(&input, &got, op, &samples)
                    .map(|j| format!("index {j} disagrees with direct polynomial evaluation"))
            });
            out.push(CheckOutcome {
                op: op.name(),
                case: case.to_string(),
                n: m,
                mismatch,
                backend_time,
                reference_time: Some(reference_time),
            });
        }
    }
    // Round trip on the device: inverse(forward(x)) must give x back without leaving the device.
    let input = random_vec(rng, n);
    let mut resident = backend.upload_scalars(&input)?;
    let start = Instant::now();
    backend.ntt(&mut resident, NttOp::CosetForward(random_shift))?;
    backend.ntt(&mut resident, NttOp::CosetInverse(random_shift))?;
    let backend_time = start.elapsed();
    out.push(CheckOutcome {
        op: "coset-ntt+intt",
        case: "round trip".to_string(),
        n,
        mismatch: first_difference(&backend.download_scalars(&resident)?, &input),
        backend_time,
        reference_time: None,
    });
    Ok(out)
}

/// Each element-wise operation on random vectors of length `n`.
pub fn vec_op_checks(
    backend: &dyn Backend,
    n: usize,
    rng: &mut impl Rng,
) -> Result<Vec<CheckOutcome>> {
    let a = random_vec(rng, n);
    let b = random_vec(rng, n);
    let c = Fr::rand(rng);
    let resident_b = backend.upload_scalars(&b)?;
    type Reference = fn(&Fr, &Fr, &Fr) -> Fr;
    let cases: [(VecOp<'_>, Reference); 6] = [
        (VecOp::Add(&resident_b), |x, y, _| *x + y),
        (VecOp::Sub(&resident_b), |x, y, _| *x - y),
        (VecOp::Mul(&resident_b), |x, y, _| *x * y),
        (VecOp::Scale(c), |x, _, c| *x * c),
        (VecOp::AddScalar(c), |x, _, c| *x + c),
        (VecOp::Copy(&resident_b), |_, y, _| *y),
    ];
    let mut out = Vec::new();
    for (op, reference) in cases {
        let mut resident_a = backend.upload_scalars(&a)?;
        let start = Instant::now();
        backend.vec_op(&mut resident_a, op)?;
        let backend_time = start.elapsed();
        let start = Instant::now();
        let expected: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| reference(x, y, &c)).collect();
        let reference_time = start.elapsed();
        out.push(CheckOutcome {
            op: op.name(),
            case: "random".to_string(),
            n,
            mismatch: first_difference(&backend.download_scalars(&resident_a)?, &expected),
            backend_time,
            reference_time: Some(reference_time),
        });
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh seed for a test or selftest run: `KILN_SEED` when set (to replay a failure), otherwise
/// taken from the clock. Callers print it.
pub fn fresh_seed() -> u64 {
    if let Some(seed) = std::env::var("KILN_SEED").ok().and_then(|s| parse_seed(&s)) {
        return seed;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // Mix in the process id so parallel test processes started in the same instant differ.
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Parses a seed written in decimal or as `0x`-prefixed hex.
pub fn parse_seed(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A seeded generator for tests, printing the seed so a failure can be replayed with `KILN_SEED`.
pub fn seeded_rng(test: &str) -> StdRng {
    let seed = fresh_seed();
    println!("{test}: seed {seed:#x} (replay with KILN_SEED={seed:#x})");
    StdRng::seed_from_u64(seed)
}
