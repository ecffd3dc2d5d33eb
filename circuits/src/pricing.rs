//! The Black-Scholes price of a European option in fixed point, written once over [`Arith`]:
//! the engine marks option series with it and the circuit proves the same marks.
//!
//! ```text
//! C = S N(d1) - K e^(-rT) N(d2),   P = K e^(-rT) N(-d2) - S N(-d1),
//! d1 = (ln(S/K) + (r + sigma^2/2) T) / (sigma sqrt T),   d2 = d1 - sigma sqrt T.
//! ```
//!
//! Every input and the price are integers with [`FRAC`] = 32 fractional bits.
//!
//! # Domains (checked first, each failure an [`Rejection::OutOfRange`] naming the input)
//!
//! | input | real range | raw integer range (inclusive) |
//! | --- | --- | --- |
//! | spot `S`, strike `K` | `[2^-8, 2^24)` | `[2^24, 2^56 - 1]` |
//! | moneyness | `1/16 <= S/K <= 16` | `16 K - S >= 0`, `16 S - K >= 0` |
//! | time to expiry `T`, years | one hour to 16 years | `[490_293, 2^36]` |
//! | volatility `sigma`, annualised | `[0.01, 4]` | `[42_949_673, 2^34]` |
//! | rate `r` | `[0, 0.5]` | `[0, 2^31]` |
//!
//! One hour is `2^32 / 8760 = 490_293.07` raw; the bound is its floor, so a time computed by
//! flooring an exact hour (as the batch transition does) is accepted. The volatility bound is the
//! ceiling of `0.01 * 2^32`.
//!
//! # Computation
//!
//! Integer instructions only, every floor with quotient bounds derived from the domain:
//!
//! * `x = S/K`: a floored division, 40 fractional bits; `ln x` by [`fixed::ln`] (range reduction
//!   `x = m 2^k` with a hinted, checked `k`, then the atanh series);
//! * `sqrt T = floor(sqrt(T_raw 2^48))` by the `sqrt` instruction (40 fractional bits), then
//!   `sigma sqrt T` (72 bits) and `(r + sigma^2/2) T` (97 bits) exactly;
//! * `d1`: one floored division, 33 fractional bits; `d2 = d1 - floor(sigma sqrt T)`;
//! * `N(d1)`, `N(d2)` by [`fixed::normal_cdf`] (Hart's rational approximation, `f64` error about
//!   `1e-15`), `N(-d) = 1 - N(d)` for a put; `e^(-rT)` by [`fixed::exp_neg`] (a `2^(-k/16)` table
//!   and a Taylor polynomial);
//! * the price: one floor of the exact `S N1 - K e^(-rT) N2` (signs swapped for a put), then
//!   clamped at 0: rounding can leave a worthless option a unit or so below zero.
//!
//! # Accuracy
//!
//! Compared with an `f64` Black-Scholes on the exact inputs, using an independent normal CDF
//! (Marsaglia's series, error about `1e-16`), over a grid of 6,480 terms spanning the domain, its
//! 96 corners, and seeded random terms (3,000 per run; 30,000 twice with `KILN_PRICING_SAMPLES`):
//! the largest error measured is one unit in the last place (`2^-32`) plus `4.6e-11 max(S, K)`,
//! which is `7.6e-4` currency units at `S, K ~ 1.6e7`, and `5.96e-8 S` at the smallest spot
//! `S = 2^-8` (where one unit in the last place is `5.96e-8 S`). Put-call parity,
//! `C - P = S - K e^(-rT)`, holds to `5.2e-8 max(S, K)`. The tests assert
//! `|error| <= 2e-10 max(S, K) + 2^-31` (twice that for parity). The error is dominated by the
//! 33-bit floors of `d1` and `d2`; the CDF, `ln` and `exp` contribute about `1e-12` each.

//! # Cost
//!
//! 5,867 R1CS constraints and 5,804 witnesses per price, whatever the input (the shape depends
//! on no value: `the_circuit_shape_does_not_depend_on_the_inputs` compares the matrices). About:
//! domain checks 561, `S/K` 223, `ln` 679, `sqrt T` and the exact products 265, `d1` 292, `d2`
//! 81, the two normal CDFs 1,526 each, `e^(-rT)` 449, the products, floor and clamp the rest.

use ark_bn254::Fr;

use crate::arith::{fr_from_i128, i128_from_fr, pow2, Arith, Rejection, Why};
use crate::fixed::{self, Fx, FRAC_HI};
use crate::native::Native;

/// Fractional bits of every input and of the price.
pub const FRAC: u32 = 32;
/// Least spot or strike, raw (`2^-8`).
pub const PRICE_MIN: i128 = 1 << 24;
/// Greatest spot or strike, raw (just below `2^24`).
pub const PRICE_MAX: i128 = (1 << 56) - 1;
/// `S/K` and `K/S` are at most this.
pub const MONEYNESS_MAX: i128 = 16;
/// Least time to expiry, raw: one hour (`2^32 / 8760`), rounded down.
pub const TIME_MIN: i128 = 490_293;
/// Greatest time to expiry, raw: 16 years.
pub const TIME_MAX: i128 = 16 << 32;
/// Least volatility, raw: 0.01, rounded up.
pub const VOL_MIN: i128 = 42_949_673;
/// Greatest volatility, raw: 4 (400%).
pub const VOL_MAX: i128 = 4 << 32;
/// Least rate, raw.
pub const RATE_MIN: i128 = 0;
/// Greatest rate, raw: 0.5 (50%).
pub const RATE_MAX: i128 = 1 << 31;

/// Fractional bits of `S/K`.
const RATIO_FRAC: u32 = 40;
/// Fractional bits of `sqrt T`.
const ROOT_FRAC: u32 = 40;
/// Fractional bits of `d1` and `d2`.
const D_FRAC: u32 = 33;
/// Fractional bits of the numerator of `d1`: `(r + sigma^2/2)` has 65, times `T`.
const NUM_FRAC: u32 = 2 * FRAC + 1 + FRAC;

/// The model's inputs, each with [`FRAC`] fractional bits (see the module docs for domains).
#[derive(Clone, Debug)]
pub struct OptionInputs<V, B> {
    /// Spot price of the underlying.
    pub spot: V,
    /// Strike price.
    pub strike: V,
    /// Time to expiry, in years.
    pub time: V,
    /// Annualised volatility.
    pub volatility: V,
    /// Risk-free rate, continuously compounded.
    pub rate: V,
    /// A put rather than a call.
    pub is_put: B,
}

/// The same inputs as raw integers (value x 2^[`FRAC`]), for hosts and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionTerms {
    /// Spot price, raw.
    pub spot: i128,
    /// Strike price, raw.
    pub strike: i128,
    /// Time to expiry in years, raw.
    pub time: i128,
    /// Annualised volatility, raw.
    pub volatility: i128,
    /// Risk-free rate, raw.
    pub rate: i128,
    /// A put rather than a call.
    pub is_put: bool,
}

impl OptionTerms {
    /// The terms as private inputs of `a`.
    pub fn inputs<A: Arith>(&self, a: &mut A) -> OptionInputs<A::V, A::B> {
        OptionInputs {
            spot: a.input(fr_from_i128(self.spot)),
            strike: a.input(fr_from_i128(self.strike)),
            time: a.input(fr_from_i128(self.time)),
            volatility: a.input(fr_from_i128(self.volatility)),
            rate: a.input(fr_from_i128(self.rate)),
            is_put: a.input_bool(self.is_put),
        }
    }
}

/// The price of `terms` computed on the host (raw, [`FRAC`] fractional bits), or why the terms
/// are refused.
pub fn price(terms: &OptionTerms, label: &str) -> Result<i128, Rejection> {
    let mut n = Native;
    let inputs = terms.inputs(&mut n);
    let p = black_scholes(&mut n, &inputs, label)?;
    Ok(i128_from_fr(p).expect("a price is below 2^56"))
}

fn bit_len(v: i128) -> u32 {
    128 - v.leading_zeros()
}

/// Checks `lo <= v <= hi` exactly (two range checks of the width of `hi - lo`).
fn within<A: Arith>(
    a: &mut A,
    v: &A::V,
    lo: i128,
    hi: i128,
    why: Why<'_>,
) -> Result<(), Rejection> {
    let bits = bit_len(hi - lo);
    let above = a.offset(v, -fr_from_i128(lo));
    a.range(&above, bits, why)?;
    let top = a.int(hi);
    let below = a.sub(&top, v);
    a.range(&below, bits, why)
}

/// `floor(sqrt(v))`, exactly.
fn isqrt(v: u128) -> u128 {
    let mut r = (v as f64).sqrt() as u128;
    while r * r > v {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= v {
        r += 1;
    }
    r
}

/// The European option price (a call, or a put when `is_put`) with [`FRAC`] fractional bits,
/// never negative. `label` names the series in rejections (`"{label}.strike must be ..."`).
///
/// Every input is range-checked first (see the module docs); in the circuit an input outside
/// its domain leaves the constraints unsatisfiable.
pub fn black_scholes<A: Arith>(
    a: &mut A,
    inputs: &OptionInputs<A::V, A::B>,
    label: &str,
) -> Result<A::V, Rejection> {
    let OptionInputs {
        spot,
        strike,
        time,
        volatility,
        rate,
        is_put,
    } = inputs;
    let out_of_range = |field: &str, rule: &str| Rejection::OutOfRange {
        what: format!("{label}.{field} must be {rule}"),
    };
    within(a, spot, PRICE_MIN, PRICE_MAX, &|| {
        out_of_range("spot", "at least 2^-8 and below 2^24")
    })?;
    within(a, strike, PRICE_MIN, PRICE_MAX, &|| {
        out_of_range("strike", "at least 2^-8 and below 2^24")
    })?;
    // With both below 2^56, 16 K - S and 16 S - K are below 2^60 when non-negative.
    let why = || out_of_range("strike", "within a factor of 16 of the spot");
    for (big, small) in [(strike, spot), (spot, strike)] {
        let scaled = a.scale(big, Fr::from(MONEYNESS_MAX as u64));
        let gap = a.sub(&scaled, small);
        a.range(&gap, 60, &why)?;
    }
    within(a, time, TIME_MIN, TIME_MAX, &|| {
        out_of_range("time", "between one hour and 16 years")
    })?;
    within(a, volatility, VOL_MIN, VOL_MAX, &|| {
        out_of_range("volatility", "within [0.01, 4]")
    })?;
    within(a, rate, RATE_MIN, RATE_MAX, &|| {
        out_of_range("rate", "within [0, 0.5]")
    })?;

    let what = format!("{label}: Black-Scholes");
    let what = what.as_str();
    let unit = |raw: i128| raw as f64 / fixed::exp2i(FRAC as i32);
    let s = Fx::new(spot.clone(), FRAC, unit(PRICE_MAX));
    let k = Fx::new(strike.clone(), FRAC, unit(PRICE_MAX));
    let t = Fx::new(time.clone(), FRAC, unit(TIME_MAX));
    let sigma = Fx::new(volatility.clone(), FRAC, unit(VOL_MAX));
    let r = Fx::new(rate.clone(), FRAC, unit(RATE_MAX));

    // ln(S/K), S/K in [1/16, 16].
    let ratio_max = MONEYNESS_MAX as f64;
    let x = fixed::div(a, &s, &k, unit(PRICE_MIN), ratio_max, RATIO_FRAC, what)?;
    let ln_x = fixed::ln(a, &x, 1.0 / ratio_max, NUM_FRAC, what)?;

    // sigma sqrt T, exact from floor(sqrt(T 2^(2 ROOT_FRAC - FRAC))) (ROOT_FRAC fractional bits).
    let t_wide = a.scale(time, pow2(2 * ROOT_FRAC - FRAC));
    let root_bits = bit_len(TIME_MAX << (2 * ROOT_FRAC - FRAC));
    let root = a.sqrt(&t_wide, root_bits, &|| fixed_overflow(what))?;
    let root = Fx::new(root, ROOT_FRAC, unit(TIME_MAX).sqrt() + 1e-9);
    let vol = fixed::mul(a, &sigma, &root);
    let vol_min = (VOL_MIN as u128 * isqrt((TIME_MIN as u128) << (2 * ROOT_FRAC - FRAC))) as f64
        * fixed::exp2i(-((FRAC + ROOT_FRAC) as i32))
        * (1.0 - 1e-12);

    // (r + sigma^2/2) T: sigma^2 read with one more fractional bit is sigma^2 / 2.
    let sigma2 = fixed::mul(a, &sigma, &sigma);
    let half_var = Fx::new(sigma2.v, sigma2.frac + 1, sigma2.max / 2.0);
    let drift = fixed::add(a, &r, &half_var);
    let drift_t = fixed::mul(a, &drift, &t);
    debug_assert_eq!(drift_t.frac, NUM_FRAC);
    let num = fixed::add(a, &ln_x, &drift_t);

    let d1 = fixed::div(a, &num, &vol, vol_min, num.max / vol_min, D_FRAC, what)?;
    let vol_d = fixed::rescale(a, &vol, D_FRAC, what)?;
    let d2 = fixed::sub(a, &d1, &vol_d);
    let n1 = fixed::normal_cdf(a, &d1, what)?;
    let n2 = fixed::normal_cdf(a, &d2, what)?;

    let rt = fixed::mul(a, &r, &t);
    // Left unfloored: K e^(-rT) N2 still fits, and the price's one floor covers it.
    let disc = fixed::exp_neg(a, &rt, what)?;

    // Put: N(-d) = 1 - N(d), and the sign of the difference flips.
    let one = fixed::constant(a, 1.0, FRAC_HI);
    let pick = |a: &mut A, n: &Fx<A::V>| {
        let flipped = fixed::sub(a, &one, n);
        let v = fixed::select(a, is_put, &flipped, n);
        Fx::new(v.v, v.frac, 1.0 + fixed::exp2i(-(FRAC_HI as i32)))
    };
    let n1 = pick(a, &n1);
    let n2 = pick(a, &n2);
    let sn = fixed::mul(a, &s, &n1);
    let kd = fixed::mul(a, &k, &disc);
    let kdn = fixed::mul_fit(a, &kd, &n2, FRAC_HI, what)?;
    let diff = fixed::sub(a, &sn, &kdn);
    let flipped = fixed::neg(a, &diff);
    let signed = fixed::select(a, is_put, &flipped, &diff);
    let p = fixed::rescale(a, &signed, FRAC, what)?;
    let negative = a.sign(&p.v, p.int_bits() + 1, &|| fixed_overflow(what))?;
    Ok(a.relu(&p.v, &negative))
}

fn fixed_overflow(what: &str) -> Rejection {
    Rejection::Overflow {
        what: format!("{what}: an intermediate value left its proven range"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit_machine::{proving_system, Circuit, Var};
    use crate::fixed::reference_normal_cdf as big_n;
    use ark_ff::UniformRand;
    use ark_relations::gr1cs::Matrix;
    use ark_std::rand::Rng;
    use kiln_host::conformance::seeded_rng;
    use std::collections::BTreeMap;

    /// Asserted bound on the absolute error: `ERROR_REL * max(S, K) + ERROR_ABS` currency units.
    const ERROR_REL: f64 = 2e-10;
    /// Two units of the last place of the price (`2^-31`).
    const ERROR_ABS: f64 = 4.66e-10;

    fn real(raw: i128) -> f64 {
        raw as f64 / fixed::exp2i(FRAC as i32)
    }

    fn raw(x: f64) -> i128 {
        (x * fixed::exp2i(FRAC as i32)).round() as i128
    }

    /// Black-Scholes in f64 on the exact real values of the raw terms.
    fn reference(t: &OptionTerms) -> f64 {
        let (s, k, tt, v, r) = (
            real(t.spot),
            real(t.strike),
            real(t.time),
            real(t.volatility),
            real(t.rate),
        );
        let srt = v * tt.sqrt();
        let d1 = ((s / k).ln() + (r + v * v / 2.0) * tt) / srt;
        let d2 = d1 - srt;
        let disc = (-r * tt).exp();
        if t.is_put {
            k * disc * big_n(-d2) - s * big_n(-d1)
        } else {
            s * big_n(d1) - k * disc * big_n(d2)
        }
    }

    fn bound(t: &OptionTerms) -> f64 {
        ERROR_REL * real(t.spot.max(t.strike)) + ERROR_ABS
    }

    struct Built {
        value: Fr,
        satisfied: bool,
        constraints: usize,
        witnesses: usize,
        matrices: BTreeMap<String, Vec<Matrix<Fr>>>,
        /// The constant one, the public inputs, then the witnesses: the matrices' columns.
        assignment: Vec<Fr>,
    }

    /// The model as a circuit, set up as kiln-prover's `synthesize` sets up its systems.
    fn build(t: &OptionTerms) -> Built {
        build_with(|c| t.inputs(c))
    }

    fn build_with(inputs: impl FnOnce(&mut Circuit) -> OptionInputs<Var, Var>) -> Built {
        let cs = proving_system();
        let mut c = Circuit::new(cs.clone());
        let inputs = inputs(&mut c);
        let out = black_scholes(&mut c, &inputs, "series 0").expect("the circuit never rejects");
        let value = c.value(&out);
        c.public(&out);
        c.finish().expect("synthesis");
        cs.finalize();
        let matrices = cs
            .to_matrices()
            .expect("matrices")
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let mut assignment = cs.instance_assignment().expect("instance");
        assignment.extend(cs.witness_assignment().expect("witness"));
        Built {
            value,
            assignment,
            satisfied: cs.is_satisfied().expect("satisfiability"),
            constraints: cs.num_constraints(),
            witnesses: cs.num_witness_variables(),
            matrices,
        }
    }

    fn log_uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
        (lo.ln() + rng.gen::<f64>() * (hi / lo).ln()).exp()
    }

    /// Valid terms spread over the whole domain (log-uniform where the range spans decades).
    fn random_terms(rng: &mut impl Rng) -> OptionTerms {
        let spot = log_uniform(rng, PRICE_MIN as f64, PRICE_MAX as f64) as i128;
        let ratio = log_uniform(rng, 1.0 / 16.0, 16.0);
        let strike = ((spot as f64 * ratio) as i128)
            .clamp(PRICE_MIN, PRICE_MAX)
            .clamp((spot + 15) / 16, spot * 16);
        OptionTerms {
            spot,
            strike,
            time: log_uniform(rng, TIME_MIN as f64, TIME_MAX as f64) as i128,
            volatility: log_uniform(rng, VOL_MIN as f64, VOL_MAX as f64) as i128,
            rate: rng.gen_range(RATE_MIN..=RATE_MAX),
            is_put: rng.gen_bool(0.5),
        }
    }

    /// The largest error over `terms`, absolute and as a fraction of the spot; asserts the bound.
    fn check_accuracy(name: &str, terms: impl IntoIterator<Item = OptionTerms>) -> (f64, f64) {
        let (mut worst_abs, mut worst_rel, mut worst_big, mut count) = (0.0f64, 0.0f64, 0.0f64, 0);
        for t in terms {
            let p = price(&t, "series 0").unwrap_or_else(|e| panic!("{t:?} refused: {e}"));
            assert!(p >= 0);
            let err = (real(p) - reference(&t)).abs();
            assert!(
                err <= bound(&t),
                "{t:?}: price {} vs {}",
                real(p),
                reference(&t)
            );
            worst_abs = worst_abs.max(err);
            worst_rel = worst_rel.max(err / real(t.spot));
            // Beyond the last place of the price, relative to the larger of S and K.
            let ulp = fixed::exp2i(-(FRAC as i32));
            worst_big = worst_big.max((err - ulp).max(0.0) / real(t.spot.max(t.strike)));
            count += 1;
        }
        println!(
            "{name}: {count} prices, max abs error {worst_abs:.3e} units, max error / S \
             {worst_rel:.3e}, max (error - 2^-32) / max(S, K) {worst_big:.3e}"
        );
        (worst_abs, worst_rel)
    }

    fn grid() -> Vec<OptionTerms> {
        let mut out = vec![];
        for s in [1.0f64 / 256.0, 0.37, 1.0, 97.5, 31_000.0, 16_000_000.0] {
            for m in [1.0 / 16.0, 0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 2.0, 16.0] {
                let k = (s * m).clamp(1.0 / 256.0, 16_777_215.0);
                for tt in [real(TIME_MIN), 1.0 / 52.0, 0.25, 1.0, 16.0] {
                    for v in [0.01, 0.2, 1.0, 4.0] {
                        for r in [0.0, 0.05, 0.5] {
                            for is_put in [false, true] {
                                let t = OptionTerms {
                                    spot: raw(s),
                                    strike: raw(k),
                                    time: raw(tt).max(TIME_MIN),
                                    volatility: raw(v).max(VOL_MIN),
                                    rate: raw(r),
                                    is_put,
                                };
                                if 16 * t.strike >= t.spot && 16 * t.spot >= t.strike {
                                    out.push(t);
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The domain's corners: every input at either end (and both moneyness extremes).
    fn corners() -> Vec<OptionTerms> {
        let mut out = vec![];
        for (spot, strike) in [
            (PRICE_MIN, PRICE_MIN),
            (PRICE_MIN, 16 * PRICE_MIN),
            (16 * PRICE_MIN, PRICE_MIN),
            (PRICE_MAX, PRICE_MAX),
            (PRICE_MAX, PRICE_MAX / 16 + 1),
            (PRICE_MAX / 16 + 1, PRICE_MAX),
        ] {
            for time in [TIME_MIN, TIME_MAX] {
                for volatility in [VOL_MIN, VOL_MAX] {
                    for rate in [RATE_MIN, RATE_MAX] {
                        for is_put in [false, true] {
                            out.push(OptionTerms {
                                spot,
                                strike,
                                time,
                                volatility,
                                rate,
                                is_put,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn sample() -> OptionTerms {
        OptionTerms {
            spot: raw(100.0),
            strike: raw(105.0),
            time: raw(0.5),
            volatility: raw(0.25),
            rate: raw(0.03),
            is_put: false,
        }
    }

    #[test]
    fn a_textbook_price() {
        // Hull's example 15.6: S = 42, K = 40, r = 10%, sigma = 20%, T = 0.5: C = 4.76, P = 0.81.
        let mut t = OptionTerms {
            spot: raw(42.0),
            strike: raw(40.0),
            time: raw(0.5),
            volatility: raw(0.2),
            rate: raw(0.1),
            is_put: false,
        };
        let c = real(price(&t, "hull").unwrap());
        t.is_put = true;
        let p = real(price(&t, "hull").unwrap());
        assert!((c - 4.7594).abs() < 1e-4, "{c}");
        assert!((p - 0.8086).abs() < 1e-4, "{p}");
    }

    #[test]
    fn prices_match_an_f64_reference_on_a_grid() {
        let g = grid();
        assert!(g.len() > 2000);
        check_accuracy("grid", g);
        check_accuracy("corners", corners());
    }

    #[test]
    fn prices_match_an_f64_reference_on_random_inputs() {
        let mut rng = seeded_rng("pricing accuracy");
        let n = std::env::var("KILN_PRICING_SAMPLES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000usize);
        let terms: Vec<OptionTerms> = (0..n).map(|_| random_terms(&mut rng)).collect();
        check_accuracy("random", terms);
    }

    #[test]
    fn put_call_parity_holds() {
        let mut rng = seeded_rng("pricing parity");
        let mut terms: Vec<OptionTerms> = (0..500).map(|_| random_terms(&mut rng)).collect();
        terms.extend(corners());
        // Deep in and out of the money, short and long expiries, low and high volatility.
        for (m, tt, v) in [
            (1.0 / 16.0, real(TIME_MIN), 0.01),
            (16.0, real(TIME_MIN), 0.01),
            (1.0 / 16.0, 16.0, 4.0),
            (16.0, 16.0, 4.0),
            (1.0, real(TIME_MIN), 0.01),
            (1.0, 16.0, 0.01),
            (1.0, real(TIME_MIN), 4.0),
        ] {
            terms.push(OptionTerms {
                spot: raw(1000.0),
                strike: raw(1000.0 * m),
                time: raw(tt).max(TIME_MIN),
                volatility: raw(v).max(VOL_MIN),
                rate: raw(0.2),
                is_put: false,
            });
        }
        let mut worst = 0.0f64;
        for mut t in terms {
            t.is_put = false;
            let c = real(price(&t, "parity").unwrap());
            t.is_put = true;
            let p = real(price(&t, "parity").unwrap());
            let forward = real(t.spot) - real(t.strike) * (-real(t.rate) * real(t.time)).exp();
            let err = (c - p - forward).abs();
            assert!(
                err <= 2.0 * bound(&t),
                "{t:?}: C - P = {} vs {forward}",
                c - p
            );
            worst = worst.max(err / real(t.spot.max(t.strike)));
        }
        println!("put-call parity: max |C - P - (S - K e^-rT)| / max(S, K) = {worst:.3e}");
    }

    #[test]
    fn native_and_circuit_agree_and_the_circuit_is_satisfied() {
        let mut rng = seeded_rng("pricing circuit");
        let mut terms: Vec<OptionTerms> = (0..12).map(|_| random_terms(&mut rng)).collect();
        terms.extend(corners().into_iter().step_by(7));
        for t in terms {
            let native = price(&t, "series 0").unwrap();
            let built = build(&t);
            assert_eq!(built.value, fr_from_i128(native), "{t:?}");
            assert!(built.satisfied, "{t:?}");
        }
    }

    #[test]
    fn out_of_domain_inputs_are_refused_by_name_and_unsatisfiable() {
        let ok = sample();
        let cases: Vec<(&str, OptionTerms)> = vec![
            (
                "spot",
                OptionTerms {
                    spot: PRICE_MIN - 1,
                    strike: PRICE_MIN,
                    ..ok
                },
            ),
            (
                "spot",
                OptionTerms {
                    spot: PRICE_MAX + 1,
                    strike: PRICE_MAX,
                    ..ok
                },
            ),
            (
                "spot",
                OptionTerms {
                    spot: -raw(100.0),
                    ..ok
                },
            ),
            ("strike", OptionTerms { strike: 0, ..ok }),
            (
                "strike",
                OptionTerms {
                    spot: PRICE_MAX,
                    strike: PRICE_MAX + 1,
                    ..ok
                },
            ),
            (
                "strike",
                OptionTerms {
                    strike: 16 * ok.spot + 1,
                    ..ok
                },
            ),
            (
                "strike",
                OptionTerms {
                    strike: ok.spot / 16 - 1,
                    ..ok
                },
            ),
            (
                "time",
                OptionTerms {
                    time: TIME_MIN - 1,
                    ..ok
                },
            ),
            (
                "time",
                OptionTerms {
                    time: TIME_MAX + 1,
                    ..ok
                },
            ),
            ("time", OptionTerms { time: 0, ..ok }),
            (
                "volatility",
                OptionTerms {
                    volatility: VOL_MIN - 1,
                    ..ok
                },
            ),
            (
                "volatility",
                OptionTerms {
                    volatility: VOL_MAX + 1,
                    ..ok
                },
            ),
            ("rate", OptionTerms { rate: -1, ..ok }),
            (
                "rate",
                OptionTerms {
                    rate: RATE_MAX + 1,
                    ..ok
                },
            ),
        ];
        for (field, t) in cases {
            match price(&t, "series 2") {
                Err(Rejection::OutOfRange { what }) => {
                    assert!(
                        what.starts_with(&format!("series 2.{field} ")),
                        "{t:?}: {what}"
                    )
                }
                other => panic!("{t:?}: expected {field} out of range, got {other:?}"),
            }
            assert!(!build(&t).satisfied, "{t:?}: the circuit is satisfied");
        }
        // The bounds themselves are inside the domain.
        for t in [
            OptionTerms {
                spot: PRICE_MIN,
                strike: PRICE_MIN,
                ..ok
            },
            OptionTerms {
                strike: 16 * ok.spot,
                ..ok
            },
            OptionTerms {
                strike: (ok.spot + 15) / 16,
                ..ok
            },
            OptionTerms {
                time: TIME_MIN,
                volatility: VOL_MIN,
                rate: RATE_MAX,
                ..ok
            },
            OptionTerms {
                time: TIME_MAX,
                volatility: VOL_MAX,
                rate: RATE_MIN,
                ..ok
            },
        ] {
            assert!(price(&t, "series 2").is_ok(), "{t:?}");
        }
    }

    #[test]
    fn arbitrary_field_inputs_leave_the_circuit_unsatisfied() {
        // Values no i128 can hold (uniform field elements) must neither panic the circuit's
        // hints nor satisfy it.
        let mut rng = seeded_rng("pricing arbitrary inputs");
        for _ in 0..4 {
            let built = build_with(|c| OptionInputs {
                spot: c.input(Fr::rand(&mut rng)),
                strike: c.input(Fr::rand(&mut rng)),
                time: c.input(Fr::rand(&mut rng)),
                volatility: c.input(Fr::rand(&mut rng)),
                rate: c.input(Fr::rand(&mut rng)),
                is_put: c.input_bool(rng.gen_bool(0.5)),
            });
            assert!(!built.satisfied);
        }
    }

    #[test]
    fn the_circuit_shape_does_not_depend_on_the_inputs() {
        let mut rng = seeded_rng("pricing shape");
        let a = build(&sample());
        let others = [
            random_terms(&mut rng),
            OptionTerms {
                is_put: true,
                ..random_terms(&mut rng)
            },
            corners()[0],
            corners()[corners().len() - 1],
            OptionTerms {
                strike: 0,
                ..sample()
            },
        ];
        for t in others {
            let b = build(&t);
            assert_eq!(a.constraints, b.constraints, "{t:?}");
            assert_eq!(a.witnesses, b.witnesses, "{t:?}");
            assert!(a.matrices == b.matrices, "{t:?}: the matrices differ");
        }
        println!(
            "one Black-Scholes price: {} constraints, {} witnesses (with its output public)",
            a.constraints, a.witnesses
        );
        assert!(a.constraints < 15_000, "{} constraints", a.constraints);
    }

    #[test]
    fn no_witness_can_change_alone() {
        // Every hint (and every other witness) must be pinned by the constraints: adding 1 to any
        // single witness of a satisfied system must break at least one constraint.
        let mut rng = seeded_rng("pricing pinned witnesses");
        for t in [
            sample(),
            OptionTerms {
                is_put: true,
                ..random_terms(&mut rng)
            },
        ] {
            let built = build(&t);
            assert!(built.satisfied);
            let m = &built.matrices[ark_relations::gr1cs::R1CS_PREDICATE_LABEL];
            let z = &built.assignment;
            let eval = |row: &Vec<(Fr, usize)>| row.iter().map(|(c, i)| *c * z[*i]).sum::<Fr>();
            let (a, b, c): (Vec<Fr>, Vec<Fr>, Vec<Fr>) = (
                m[0].iter().map(eval).collect(),
                m[1].iter().map(eval).collect(),
                m[2].iter().map(eval).collect(),
            );
            // Column -> (row, coefficients in A, B, C).
            let mut touches: BTreeMap<usize, BTreeMap<usize, [Fr; 3]>> = BTreeMap::new();
            for (k, matrix) in m.iter().enumerate() {
                for (row, entries) in matrix.iter().enumerate() {
                    for (coef, col) in entries {
                        touches
                            .entry(*col)
                            .or_default()
                            .entry(row)
                            .or_insert([Fr::from(0u64); 3])[k] += *coef;
                    }
                }
            }
            let first_witness = z.len() - built.witnesses;
            for w in first_witness..z.len() {
                let breaks = touches.get(&w).is_some_and(|rows| {
                    rows.iter()
                        .any(|(row, [da, db, dc])| (a[*row] + da) * (b[*row] + db) != c[*row] + dc)
                });
                assert!(breaks, "{t:?}: witness {w} of {} can change alone", z.len());
            }
        }
    }
}
