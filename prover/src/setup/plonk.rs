//! `kiln setup plonk`: a PLONK `.zkey` from a circom `.r1cs` and a prepared `.ptau`,
//! byte-identical to `snarkjs plonk setup` (snarkjs's `plonk_setup.js`, which is
//! deterministic: a PLONK key needs no circuit-specific randomness).
//!
//! Two parts:
//!
//! * [`PlonkCircuit::from_r1cs`] turns R1CS constraints into PLONK gates
//!   `qm a b + ql a + qr b + qo c + qc = 0` exactly as snarkjs does, including the effects of
//!   its JavaScript that a straightforward port would miss (see the method's docs). Long linear
//!   combinations are folded with *addition* gates whose output signals are numbered after the
//!   circuit's own; the prover computes them from the additions list.
//! * [`plonk_setup`] writes the key: the gate and wiring polynomials, each as `n` coefficients
//!   followed by `4n` evaluations on the 4n-point domain, and their KZG commitments over the
//!   ptau's Lagrange points.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::path::Path;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use kiln_host::layout::{self, Form, G1_AFFINE_BYTES};

use super::{log2_floor, Progress, Result, SetupError};
use crate::iden3::ptau::{Ptau, PtauSection};
use crate::iden3::r1cs::{read_r1cs_file, R1csHeader};
use crate::iden3::writer::{write_file_atomically, ContainerWriter};
use crate::iden3::{zkey_sections, FileBytes};
use crate::r1cs::R1cs;

/// The largest PLONK domain, log2: the key holds evaluations on the 4n-point domain, and
/// BN254's Fr has roots of unity of order up to 2^28.
pub const MAX_PLONK_POWER: u32 = 26;

/// One PLONK gate: `qm a b + ql a + qr b + qo c + qc = 0` over the signals `a`, `b`, `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlonkGate {
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub qm: Fr,
    pub ql: Fr,
    pub qr: Fr,
    pub qo: Fr,
    pub qc: Fr,
}

/// An internal signal: `signal = factor_a * w[a] + factor_b * w[b]`. The `i`-th addition
/// defines signal `n_r1cs_vars + i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlonkAddition {
    pub a: u32,
    pub b: u32,
    pub factor_a: Fr,
    pub factor_b: Fr,
}

/// A circuit in snarkjs's PLONK form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkCircuit {
    /// Signals of the R1CS (the witness length), the constant one included.
    pub n_r1cs_vars: u32,
    /// Public signals (outputs and inputs), without the constant one.
    pub n_public: u32,
    /// The gates: first one per public signal (`a = s`, `ql = 1`), then those of each R1CS
    /// constraint in order, each preceded by the addition gates its reduction made.
    pub gates: Vec<PlonkGate>,
    /// The internal signals, in the order of their ids.
    pub additions: Vec<PlonkAddition>,
}

/// How snarkjs classifies a linear combination (its `getLinearCombinationType`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum LcKind {
    /// No terms at all.
    Empty,
    /// Only the constant signal 0, whatever its coefficient (zero included).
    Constant,
    /// At least one non-constant signal.
    Linear,
}

type Lc = BTreeMap<u32, Fr>;

fn kind(lc: &Lc) -> LcKind {
    if lc.keys().any(|&s| s != 0) {
        LcKind::Linear
    } else if lc.contains_key(&0) {
        LcKind::Constant
    } else {
        LcKind::Empty
    }
}

/// `k * lc1 - lc2`, snarkjs's `join`. Zero results are kept (see [`PlonkCircuit::from_r1cs`]).
fn join(lc1: &Lc, k: Fr, lc2: &Lc) -> Lc {
    let mut out: Lc = lc1.iter().map(|(&s, &v)| (s, k * v)).collect();
    for (&s, &v) in lc2 {
        *out.entry(s).or_insert_with(Fr::zero) -= v;
    }
    out
}

/// A linear combination reduced to at most `max` terms plus a constant.
struct Reduced {
    k: Fr,
    signals: Vec<u32>,
    coefs: Vec<Fr>,
}

struct Builder {
    n_vars: u32,
    gates: Vec<PlonkGate>,
    additions: Vec<PlonkAddition>,
}

impl Builder {
    /// snarkjs's `reduceCoefs`: the constant apart, and while more than `max` terms remain,
    /// the first two are replaced by a new signal (an addition gate) appended at the end.
    fn reduce(&mut self, lc: &Lc, max: usize) -> Reduced {
        let mut k = Fr::zero();
        let mut terms = VecDeque::new();
        for (&s, &v) in lc {
            if s == 0 {
                k += v;
            } else {
                terms.push_back((s, v));
            }
        }
        while terms.len() > max {
            let (sa, va) = terms.pop_front().expect("more than max terms");
            let (sb, vb) = terms.pop_front().expect("more than max terms");
            let so = self.n_vars;
            self.n_vars += 1;
            self.gates.push(PlonkGate {
                a: sa,
                b: sb,
                c: so,
                qm: Fr::zero(),
                ql: -va,
                qr: -vb,
                qo: Fr::one(),
                qc: Fr::zero(),
            });
            self.additions.push(PlonkAddition {
                a: sa,
                b: sb,
                factor_a: va,
                factor_b: vb,
            });
            terms.push_back((so, Fr::one()));
        }
        let (mut signals, mut coefs): (Vec<u32>, Vec<Fr>) = terms.into_iter().unzip();
        signals.resize(max, 0);
        coefs.resize(max, Fr::zero());
        Reduced { k, signals, coefs }
    }

    /// `lc = 0` as one gate over its (at most three) terms.
    fn sum(&mut self, lc: &Lc) {
        let r = self.reduce(lc, 3);
        self.gates.push(PlonkGate {
            a: r.signals[0],
            b: r.signals[1],
            c: r.signals[2],
            qm: Fr::zero(),
            ql: r.coefs[0],
            qr: r.coefs[1],
            qo: r.coefs[2],
            qc: r.k,
        });
    }

    /// `(a) * (b) = (c)` with each side reduced to one term plus a constant.
    fn mul(&mut self, a: &Lc, b: &Lc, c: &Lc) {
        let ra = self.reduce(a, 1);
        let rb = self.reduce(b, 1);
        let rc = self.reduce(c, 1);
        self.gates.push(PlonkGate {
            a: ra.signals[0],
            b: rb.signals[0],
            c: rc.signals[0],
            qm: ra.coefs[0] * rb.coefs[0],
            ql: ra.coefs[0] * rb.k,
            qr: ra.k * rb.coefs[0],
            qo: -rc.coefs[0],
            qc: ra.k * rb.k - rc.k,
        });
    }
}

impl PlonkCircuit {
    /// Converts an R1CS as snarkjs's `plonk setup` does. What its JavaScript really does, and
    /// this reproduces:
    ///
    /// * Coefficients are field elements held as byte arrays, so its `== 0n` tests are always
    ///   false: terms with a zero coefficient are never dropped.
    /// * A combination is "constant" when its only signal is 0 (whatever the coefficient) and
    ///   "empty" only when it has no terms; `A * B = C` with an empty side becomes `C = 0`, with
    ///   a constant side a linear gate `k * other - C = 0`.
    /// * Terms are visited in ascending signal order (JavaScript object keys), and reduction
    ///   pairs the first two and appends the new signal at the end.
    pub fn from_r1cs(header: &R1csHeader, r1cs: &R1cs) -> PlonkCircuit {
        let n_public = header.n_public();
        let mut b = Builder {
            n_vars: header.n_wires,
            gates: Vec::new(),
            additions: Vec::new(),
        };
        for s in 1..=n_public {
            b.gates.push(PlonkGate {
                a: s,
                b: 0,
                c: 0,
                qm: Fr::zero(),
                ql: Fr::one(),
                qr: Fr::zero(),
                qo: Fr::zero(),
                qc: Fr::zero(),
            });
        }
        let to_lc =
            |row: &[(Fr, usize)]| -> Lc { row.iter().map(|&(v, s)| (s as u32, v)).collect() };
        let [ma, mb, mc] = &r1cs.matrices;
        for ((ra, rb), rc) in ma.iter().zip(mb).zip(mc) {
            let (la, lb, lc) = (to_lc(ra), to_lc(rb), to_lc(rc));
            match (kind(&la), kind(&lb)) {
                (LcKind::Empty, _) | (_, LcKind::Empty) => b.sum(&lc),
                (LcKind::Constant, _) => b.sum(&join(&lb, la[&0], &lc)),
                (_, LcKind::Constant) => b.sum(&join(&la, lb[&0], &lc)),
                _ => b.mul(&la, &lb, &lc),
            }
        }
        PlonkCircuit {
            n_r1cs_vars: header.n_wires,
            n_public,
            gates: b.gates,
            additions: b.additions,
        }
    }

    /// All signals: the R1CS's and one per addition.
    pub fn n_vars(&self) -> u32 {
        self.n_r1cs_vars + self.additions.len() as u32
    }

    /// The signal ids of wire column `column` (0 = a, 1 = b, 2 = c), one per gate: the key's
    /// sections 4, 5 and 6.
    pub fn wire_map(&self, column: usize) -> Vec<u32> {
        self.gates.iter().map(|g| [g.a, g.b, g.c][column]).collect()
    }

    /// log2 of snarkjs's domain: the gates rounded up to a power of two, at least 8 (the
    /// quotient polynomial has degree n + 5).
    pub fn domain_power(&self) -> u32 {
        let len = self.gates.len() as u64;
        (log2_floor(len.saturating_sub(1)) + 1).max(3)
    }
}

/// The coset shifts of the b and c wire columns: the smallest `k1 >= 2` outside the domain's
/// subgroup, then the smallest `k2 > k1` outside it and outside `k1` times it (snarkjs's
/// `getK1K2`, whose search never has to move past 2 and 3 on BN254).
pub fn plonk_k1_k2(domain_power: u32) -> (Fr, Fr) {
    let n = 1u64 << domain_power;
    // x is in the subgroup of n-th roots of unity iff x^n = 1.
    let in_subgroup = |x: Fr| x.pow([n]).is_one();
    let mut k1 = Fr::from(2u64);
    while in_subgroup(k1) {
        k1 += Fr::one();
    }
    let mut k2 = k1 + Fr::one();
    while in_subgroup(k2) || in_subgroup(k2 / k1) {
        k2 += Fr::one();
    }
    (k1, k2)
}

/// The permutation polynomials' values on the domain, columns a, b, c one after another: each
/// position of a signal holds the label (`w^i`, `k1 w^i` or `k2 w^i`) of that signal's previous
/// position, and its first position the label of its last (snarkjs's `buildSigma`). Rows past
/// the gates are wired to signal 0.
fn sigma(circuit: &PlonkCircuit, domain: &Radix2EvaluationDomain<Fr>, k1: Fr, k2: Fr) -> Vec<Fr> {
    let n = domain.size();
    let vars = circuit.n_vars() as usize;
    let mut sigma = vec![Fr::zero(); 3 * n];
    let mut last: Vec<Option<Fr>> = vec![None; vars];
    let mut first: Vec<Option<usize>> = vec![None; vars];
    let mut w = Fr::one();
    for i in 0..n {
        let signals = circuit.gates.get(i).map_or([0, 0, 0], |g| [g.a, g.b, g.c]);
        for (column, (s, k)) in signals.iter().zip([Fr::one(), k1, k2]).enumerate() {
            let s = *s as usize;
            let p = column * n + i;
            match last[s] {
                None => first[s] = Some(p),
                Some(v) => sigma[p] = v,
            }
            last[s] = Some(w * k);
        }
        w *= domain.group_gen;
    }
    for (f, l) in first.iter().zip(&last) {
        if let (Some(p), Some(v)) = (f, l) {
            sigma[*p] = *v;
        }
    }
    sigma
}

/// The bytes of one polynomial section entry: the coefficients of the polynomial taking
/// `evals` on the domain, then its evaluations on the 4n-point domain, Montgomery form.
fn p4(
    evals: &[Fr],
    domain: &Radix2EvaluationDomain<Fr>,
    domain4: &Radix2EvaluationDomain<Fr>,
) -> Vec<u8> {
    let coefficients = domain.ifft(evals);
    let evals4 = domain4.fft(&coefficients);
    let mut out = layout::scalars_to_bytes(&coefficients, Form::Montgomery);
    out.extend_from_slice(&layout::scalars_to_bytes(&evals4, Form::Montgomery));
    out
}

/// Writes the PLONK key of `r1cs` over `ptau` to `out`.
pub fn plonk_setup<W: Write>(
    header: &R1csHeader,
    r1cs: &R1cs,
    ptau: &Ptau<'_>,
    out: W,
    progress: &dyn Progress,
) -> Result<()> {
    if r1cs.num_constraints() != header.n_constraints as usize
        || header.n_public() >= header.n_wires
    {
        return Err(SetupError::Circuit(format!(
            "{} constraints and {} public signals of {} do not match the header",
            r1cs.num_constraints(),
            header.n_public(),
            header.n_wires
        )));
    }
    progress.start("converting to PLONK gates", 1);
    let circuit = PlonkCircuit::from_r1cs(header, r1cs);
    progress.advance(1);
    plonk_setup_circuit(&circuit, ptau, out, progress)
}

/// [`plonk_setup`] for a circuit already converted.
pub fn plonk_setup_circuit<W: Write>(
    circuit: &PlonkCircuit,
    ptau: &Ptau<'_>,
    out: W,
    progress: &dyn Progress,
) -> Result<()> {
    if circuit.gates.is_empty() {
        return Err(SetupError::Circuit(
            "the circuit has no constraints and no public signals".into(),
        ));
    }
    let power = circuit.domain_power();
    if power > ptau.power() {
        return Err(SetupError::PowerTooSmall {
            needed: power,
            power: ptau.power(),
            rows: format!("{} PLONK gates", circuit.gates.len()),
        });
    }
    if !ptau.is_prepared() {
        return Err(SetupError::NotPrepared);
    }
    if power > MAX_PLONK_POWER {
        return Err(SetupError::DomainTooLarge {
            needed: power,
            max: MAX_PLONK_POWER,
        });
    }
    let n = 1usize << power;
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("n <= 2^26");
    let domain4 = Radix2EvaluationDomain::<Fr>::new(4 * n).expect("4n <= 2^28");
    let pt = SetupError::Ptau;

    progress.start("reading the powers of tau", n as u64);
    let lagrange: Vec<G1Affine> = ptau
        .g1(
            PtauSection::LagrangeTauG1,
            ptau.level(PtauSection::LagrangeTauG1, power).map_err(pt)?,
        )
        .map_err(pt)?;
    let srs = ptau.raw(PtauSection::TauG1, 0..n as u64 + 6).map_err(pt)?;
    let x_2 = ptau.raw(PtauSection::TauG2, 1..2).map_err(pt)?;
    progress.advance(n as u64);
    let (k1, k2) = plonk_k1_k2(power);
    let commit = |evals: &[Fr]| G1Projective::msm_unchecked(&lagrange[..evals.len()], evals);

    let mut w = ContainerWriter::new(out, b"zkey", 1, 14)?;
    let mut s3 = Vec::with_capacity(circuit.additions.len() * 72);
    for add in &circuit.additions {
        s3.extend_from_slice(&add.a.to_le_bytes());
        s3.extend_from_slice(&add.b.to_le_bytes());
        s3.extend_from_slice(&layout::fr_to_bytes(&add.factor_a, Form::Montgomery));
        s3.extend_from_slice(&layout::fr_to_bytes(&add.factor_b, Form::Montgomery));
    }
    w.section(3, &s3)?;
    for column in 0..3 {
        let map: Vec<u8> = circuit
            .wire_map(column)
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        w.section(4 + column as u32, &map)?;
    }

    let n_public_polys = circuit.n_public.max(1) as usize;
    progress.start(
        "gate, wiring and Lagrange polynomials",
        8 + n_public_polys as u64,
    );
    let selectors: [fn(&PlonkGate) -> Fr; 5] = [|g| g.qm, |g| g.ql, |g| g.qr, |g| g.qo, |g| g.qc];
    let mut commitments = Vec::with_capacity(8);
    for (i, select) in selectors.iter().enumerate() {
        let mut evals: Vec<Fr> = circuit.gates.iter().map(select).collect();
        evals.resize(n, Fr::zero());
        w.section(7 + i as u32, &p4(&evals, &domain, &domain4))?;
        commitments.push(commit(&evals));
        progress.advance(1);
    }
    let sigma = sigma(circuit, &domain, k1, k2);
    {
        let mut s12 = w.begin(12, 3 * 5 * n as u64 * 32)?;
        for column in sigma.chunks_exact(n) {
            s12.write_all(&p4(column, &domain, &domain4))?;
            commitments.push(commit(column));
            progress.advance(1);
        }
        s12.end()?;
    }
    {
        let mut s13 = w.begin(13, n_public_polys as u64 * 5 * n as u64 * 32)?;
        let mut e = vec![Fr::zero(); n];
        for i in 0..n_public_polys {
            e[i] = Fr::one();
            s13.write_all(&p4(&e, &domain, &domain4))?;
            e[i] = Fr::zero();
            progress.advance(1);
        }
        s13.end()?;
    }
    w.section(14, srs)?;
    w.section(1, &zkey_sections::PLONK.to_le_bytes())?;

    let mut h = zkey_sections::header_start_bytes(circuit.n_vars(), circuit.n_public, n as u32);
    for v in [circuit.additions.len() as u32, circuit.gates.len() as u32] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.extend_from_slice(&layout::fr_to_bytes(&k1, Form::Montgomery));
    h.extend_from_slice(&layout::fr_to_bytes(&k2, Form::Montgomery));
    for c in super::to_affine(&commitments) {
        h.extend_from_slice(&layout::g1_to_bytes(&c));
    }
    h.extend_from_slice(x_2);
    w.section(2, &h)?;
    w.finish()?;
    debug_assert_eq!(srs.len(), (n + 6) * G1_AFFINE_BYTES);
    Ok(())
}

/// `kiln setup plonk`: reads `r1cs` and `ptau` and writes the key to `out` through a
/// temporary file.
pub fn plonk_setup_files(
    r1cs: &Path,
    ptau: &Path,
    out: &Path,
    progress: &dyn Progress,
) -> Result<()> {
    let (header, system) = read_r1cs_file(r1cs).map_err(SetupError::R1cs)?;
    let map = FileBytes::open(ptau).map_err(SetupError::Ptau)?;
    let ptau = Ptau::parse(map.bytes()).map_err(SetupError::Ptau)?;
    write_file_atomically(out, |w| plonk_setup(&header, &system, &ptau, w, progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iden3::Container;
    use crate::setup::ptau::{lagrange_by_definition, write_new_ptau, ToxicWaste};
    use crate::setup::NoProgress;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_poly::{univariate::DensePolynomial, DenseUVPolynomial, Polynomial};
    use kiln_host::conformance::seeded_rng;

    fn header(n_wires: u32, n_public: u32, n_constraints: u32) -> R1csHeader {
        R1csHeader {
            n_wires,
            n_pub_out: n_public,
            n_pub_in: 0,
            n_prv_in: 0,
            n_labels: u64::from(n_wires),
            n_constraints,
        }
    }

    fn f(v: i64) -> Fr {
        if v < 0 {
            -Fr::from(v.unsigned_abs())
        } else {
            Fr::from(v as u64)
        }
    }

    fn system(rows: Vec<[Vec<(i64, usize)>; 3]>, n_wires: usize, n_public: usize) -> R1cs {
        let mut matrices: [Vec<Vec<(Fr, usize)>>; 3] = [vec![], vec![], vec![]];
        for row in rows {
            for (m, lc) in matrices.iter_mut().zip(row) {
                m.push(lc.into_iter().map(|(v, s)| (f(v), s)).collect());
            }
        }
        R1cs {
            matrices,
            num_instance_variables: 1 + n_public,
            num_witness_variables: n_wires - 1 - n_public,
        }
    }

    fn gate(a: u32, b: u32, c: u32, q: [i64; 5]) -> PlonkGate {
        PlonkGate {
            a,
            b,
            c,
            qm: f(q[0]),
            ql: f(q[1]),
            qr: f(q[2]),
            qo: f(q[3]),
            qc: f(q[4]),
        }
    }

    #[test]
    fn conversion_follows_snarkjs_javascript() {
        // Wires: 0 = one, 1 = public, 2..=6 private.
        let rows = vec![
            // 2 * 3 = 4 (terms listed out of order: signal order decides)
            [vec![(1, 2)], vec![(1, 3)], vec![(1, 4)]],
            // (5 * one) * 3 = 6: a constant side becomes a linear gate 5*w3 - w6 = 0
            [vec![(5, 0)], vec![(1, 3)], vec![(1, 6)]],
            // a zero constant is still "constant", and zero coefficients are kept: the join
            // gives {2: 0, 3: 0, 5: -1}
            [vec![(0, 0)], vec![(1, 3), (0, 2)], vec![(1, 5)]],
            // empty A: C = 0
            [vec![], vec![(1, 3)], vec![(1, 5), (-1, 1)]],
            // long C: 1*w1 + 2*w2 + 3*w3 + 4*w4 + 7 = 0 needs one addition
            [vec![], vec![], vec![(4, 4), (1, 1), (3, 3), (2, 2), (7, 0)]],
            // a product whose sides need reducing: (w2 + w3 + 1) * (w4) = (w5)
            [vec![(1, 3), (1, 2), (1, 0)], vec![(1, 4)], vec![(1, 5)]],
        ];
        let r1cs = system(rows, 7, 1);
        let c = PlonkCircuit::from_r1cs(&header(7, 1, 6), &r1cs);
        let expected = vec![
            gate(1, 0, 0, [0, 1, 0, 0, 0]),
            gate(2, 3, 4, [1, 0, 0, -1, 0]),
            gate(3, 6, 0, [0, 5, -1, 0, 0]),
            gate(2, 3, 5, [0, 0, 0, -1, 0]),
            gate(1, 5, 0, [0, -1, 1, 0, 0]),
            // addition 7 = 1*w1 + 2*w2, then the sum over (w3, w4, w7)
            gate(1, 2, 7, [0, -1, -2, 1, 0]),
            gate(3, 4, 7, [0, 3, 4, 1, 7]),
            // addition 8 = w2 + w3, then (w8 + 1) * w4 = w5
            gate(2, 3, 8, [0, -1, -1, 1, 0]),
            gate(8, 4, 5, [1, 0, 1, -1, 0]),
        ];
        assert_eq!(c.gates.len(), expected.len(), "{:#?}", c.gates);
        for (i, (got, want)) in c.gates.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "gate {i}");
        }
        assert_eq!(c.additions.len(), 2);
        assert_eq!(
            c.additions[0],
            PlonkAddition {
                a: 1,
                b: 2,
                factor_a: f(1),
                factor_b: f(2)
            }
        );
        assert_eq!(c.n_vars(), 9);
        assert_eq!(c.wire_map(2)[1], 4);
        assert_eq!(c.domain_power(), 4, "9 gates need 16 rows");
    }

    /// The oracle of the next test: gates checked one by one on the witness extended as snarkjs
    /// extends it.
    impl PlonkCircuit {
        /// A circom witness extended with the addition signals.
        fn extend_witness(&self, witness: &[Fr]) -> Vec<Fr> {
            let mut w = witness.to_vec();
            for add in &self.additions {
                let v = add.factor_a * w[add.a as usize] + add.factor_b * w[add.b as usize];
                w.push(v);
            }
            w
        }

        /// The first gate an extended witness does not satisfy, if any. Public rows hold by
        /// construction (their public-input term is `-w[s]`).
        fn first_unsatisfied(&self, extended: &[Fr]) -> Option<usize> {
            self.gates
                .iter()
                .enumerate()
                .skip(self.n_public as usize)
                .find(|(_, g)| {
                    let (a, b, c) = (
                        extended[g.a as usize],
                        extended[g.b as usize],
                        extended[g.c as usize],
                    );
                    !(g.qm * a * b + g.ql * a + g.qr * b + g.qo * c + g.qc).is_zero()
                })
                .map(|(i, _)| i)
        }
    }

    #[test]
    fn a_satisfying_witness_satisfies_every_gate() {
        // x * y = z, (z + x + y + 1) * 2 = out (out public), zero coefficients around.
        let rows = vec![
            [vec![(1, 2)], vec![(1, 3)], vec![(1, 4)]],
            [
                vec![(1, 4), (1, 2), (1, 3), (1, 0)],
                vec![(2, 0)],
                vec![(1, 1), (0, 3)],
            ],
        ];
        let r1cs = system(rows, 5, 1);
        let c = PlonkCircuit::from_r1cs(&header(5, 1, 2), &r1cs);
        let (x, y) = (f(3), f(5));
        let z = x * y;
        let out = (z + x + y + f(1)) * f(2);
        let w = c.extend_witness(&[f(1), out, x, y, z]);
        assert_eq!(w.len(), c.n_vars() as usize);
        assert_eq!(c.first_unsatisfied(&w), None);
        let bad = c.extend_witness(&[f(1), out + f(1), x, y, z]);
        assert!(c.first_unsatisfied(&bad).is_some());
    }

    #[test]
    fn k1_and_k2_are_2_and_3() {
        for p in [3, 10, 20, 26] {
            assert_eq!(plonk_k1_k2(p), (f(2), f(3)), "domain 2^{p}");
        }
    }

    /// The sections of a key as `(id, body)`.
    fn key_sections(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
        crate::iden3::ptau::tests::sections(bytes)
    }

    #[test]
    fn the_key_holds_the_polynomials_and_their_commitments() {
        let rows = vec![
            [vec![(1, 2)], vec![(1, 3)], vec![(1, 4)]],
            [vec![(1, 4)], vec![(1, 2)], vec![(1, 1), (3, 0)]],
        ];
        let r1cs = system(rows, 5, 1);
        let h = header(5, 1, 2);
        let secrets = ToxicWaste::random(&mut seeded_rng("plonk setup"));
        let mut ptau_bytes = Vec::new();
        write_new_ptau(&mut ptau_bytes, 4, &secrets, &NoProgress).unwrap();
        let ptau = Ptau::parse(&ptau_bytes).unwrap();
        let mut key = Vec::new();
        plonk_setup(&h, &r1cs, &ptau, &mut key, &NoProgress).unwrap();

        let c = Container::parse(&key, b"zkey", "zkey", 1).unwrap();
        let order: Vec<u32> = key_sections(&key).iter().map(|(id, _)| *id).collect();
        assert_eq!(order, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 1, 2]);
        let circuit = PlonkCircuit::from_r1cs(&h, &r1cs);
        let n = 8usize;
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let g1 = G1Projective::generator();
        let read_fr =
            |b: &[u8]| layout::fr_from_bytes(b.try_into().unwrap(), Form::Montgomery).unwrap();

        let mut header2 = c.section(2, "header").unwrap();
        let hb = header2.take(796).unwrap();
        assert_eq!(u32::from_le_bytes(hb[80..84].try_into().unwrap()), n as u32);
        assert_eq!(read_fr(&hb[92..124]), f(2), "k1");
        // Qm's section: coefficients whose polynomial takes the gates' qm on the domain, its
        // 4n evaluations, and the header's commitment [Qm(tau)]_1.
        let qm_body = c.section(7, "qm").unwrap().take(5 * n as u64 * 32).unwrap();
        let coefs: Vec<Fr> = qm_body[..n * 32].chunks(32).map(read_fr).collect();
        let poly = DensePolynomial::from_coefficients_vec(coefs);
        for (i, g) in circuit.gates.iter().enumerate() {
            assert_eq!(poly.evaluate(&domain.element(i)), g.qm, "row {i}");
        }
        let domain4 = Radix2EvaluationDomain::<Fr>::new(4 * n).unwrap();
        for j in [0, 1, 5, 31] {
            let e = read_fr(&qm_body[(n + j) * 32..(n + j + 1) * 32]);
            assert_eq!(e, poly.evaluate(&domain4.element(j)), "4n evaluation {j}");
        }
        let qm_commitment = layout::g1_from_bytes(hb[156..220].try_into().unwrap()).unwrap();
        assert_eq!(
            qm_commitment,
            (g1 * poly.evaluate(&secrets.tau)).into_affine()
        );
        // The public input Lagrange polynomial L_0.
        let l0_body = c
            .section(13, "lagrange")
            .unwrap()
            .take(5 * n as u64 * 32)
            .unwrap();
        let l0: Vec<Fr> = l0_body[..n * 32].chunks(32).map(read_fr).collect();
        let l0 = DensePolynomial::from_coefficients_vec(l0);
        assert_eq!(
            l0.evaluate(&secrets.tau),
            lagrange_by_definition(secrets.tau, 3, 0)
        );
        // The monomial SRS and X_2 are the ptau's.
        let srs = c.section(14, "srs").unwrap();
        assert_eq!(srs.remaining(), (n + 6) * 64);
        assert_eq!(
            &hb[796 - 128..],
            ptau.raw(PtauSection::TauG2, 1..2).unwrap()
        );
    }

    #[test]
    fn refusals() {
        let secrets = ToxicWaste::random(&mut seeded_rng("plonk refusals"));
        let mut ptau_bytes = Vec::new();
        write_new_ptau(&mut ptau_bytes, 2, &secrets, &NoProgress).unwrap();
        let ptau = Ptau::parse(&ptau_bytes).unwrap();
        let r1cs = system(vec![[vec![(1, 1)], vec![(1, 1)], vec![(1, 1)]]], 2, 1);
        let err = plonk_setup(&header(2, 1, 1), &r1cs, &ptau, Vec::new(), &NoProgress).unwrap_err();
        assert!(
            matches!(err, SetupError::PowerTooSmall { needed: 3, .. }),
            "{err}"
        );
        let empty = system(vec![], 1, 0);
        let err =
            plonk_setup(&header(1, 0, 0), &empty, &ptau, Vec::new(), &NoProgress).unwrap_err();
        assert!(matches!(err, SetupError::Circuit(_)), "{err}");
    }
}
