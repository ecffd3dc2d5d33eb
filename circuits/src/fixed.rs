//! Fixed-point arithmetic written once over [`Arith`]: rescaling, division, polynomials, and the
//! three transcendental functions the pricing model needs (`e^-y`, `ln x`, the normal CDF), all
//! from integer instructions only.
//!
//! A value is an [`Fx`]: a field element standing for the integer `v`, read as `v / 2^frac`, with
//! a bound `max` on its magnitude that holds for every input the caller's domain allows. The bound
//! is what makes the arithmetic honest: every floor (`shr`, `div`) is given a quotient width
//! derived from it, so the engine never rejects a valid input and the circuit's range checks are
//! never wider than they must be. Bounds are tracked in `f64` with headroom for its own rounding
//! ([`bits_for`]); shapes depend only on these static bounds, never on values.
//!
//! Products are exact (one constraint) and are rescaled lazily: a floor by `2^s` of a `b`-bit value
//! costs about `b` constraints whatever `s` is, so it pays to let a chain of products grow toward
//! [`LIMIT_BITS`] and floor once.
//!
//! Approximations (the bounds are the formulas' own; the measured errors include every floor):
//!
//! * [`exp_neg`]: `e^-y = 2^-(k/16) e^-u` with `k = floor(y / step)`, `step = ln 2 / 16` rounded
//!   to the argument's precision, `k` a hint whose bits are pinned by `0 <= u < step`;
//!   `2^-((k mod 16)/16)` comes from a 16-entry table selected by the low four bits (a multilinear
//!   form in them), `2^-floor(k/16)` from a product of one selected power of two per higher bit,
//!   and `e^-u = 1 - u + u^2 G(u)` from its Taylor polynomial of degree 6 (truncation below
//!   `6e-14`), `G` evaluated on `u` floored to 28 bits. Measured: absolute error `1.4e-12` at 40
//!   fractional bits for `y` in `[0, 32]`; 386 constraints (`y <= 32`, 41 fractional bits) or
//!   449 (`y <= 8`, 64 fractional bits, floored to 40 first).
//! * [`ln`]: `x = m 2^k` with `m` in `[1, 2)`, the bits of `k` a hint pinned by the range check
//!   on `m`; then `ln m = ln c + 2 atanh z`, `z = (m - c) / (m + c)`, `c ~ sqrt 2`, so
//!   `|z| <= 3 - 2 sqrt 2 < 0.1716`, and the atanh series to `z^13` (truncation below `5e-13`).
//!   Measured: absolute error `2.4e-12` on `[1/16, 16]`; 679 constraints (`x` with 40
//!   fractional bits, the result with 97).
//! * [`normal_cdf`]: Hart's double-precision rational approximation (J. F. Hart et al., *Computer
//!   Approximations*, 1968, as given by G. West, "Better approximations to cumulative normal
//!   functions", Wilmott, 2005): `N(-x) = e^(-x^2/2) P(x) / Q(x)` for `x >= 0`, `P` of degree 6
//!   and `Q` of degree 7 (absolute error about `1e-15` on `[0, 8]` in `f64`), `N(x) = 1 - N(-x)`,
//!   `|x|` clamped at 8 (`N(-8) < 7e-16`). `P` and `Q` are free linear combinations of the
//!   powers `x^2 .. x^7`, each floored to 40 bits. Measured: absolute error `1.5e-12` against an
//!   independent `f64` CDF (Marsaglia's series) for `d` on `[-12, 12]` with 33 fractional bits;
//!   1526 constraints for `|d| < 2^21`.
//!
//! Every constant is a decimal literal or comes from one by IEEE `+ - * /` and `sqrt` (exactly
//! rounded everywhere), never from a platform's `exp`/`ln`, so the circuit, and with it the
//! proving key, is the same on every machine.

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use std::f64::consts::{LN_2, SQRT_2};

use crate::arith::{fr_from_i128, i128_from_fr, pow2, Arith, Rejection};

/// Every value stays below `2^LIMIT_BITS` in magnitude, far from `r / 2 ~ 2^253`.
pub const LIMIT_BITS: u32 = 240;

/// [`exp_neg`] floors an argument with more than `EXP_FRAC + 4` fractional bits to `EXP_FRAC`.
pub const EXP_FRAC: u32 = 40;
/// Working precision: fractional bits of the atanh argument `z`, of the powers in the normal
/// CDF, of the polynomial part of `e^-y`, and of the normal CDF's result.
pub const FRAC_HI: u32 = 40;
/// `|x|` beyond which the normal CDF is taken at the clamp (`N(-8) < 7e-16`).
pub const CDF_CLAMP: f64 = 8.0;

/// Hart's `P` (numerator), lowest degree first.
pub const HART_P: [f64; 7] = [
    220.206867912376,
    221.213596169931,
    112.079291497871,
    33.912866078383,
    6.37396220353165,
    0.700383064443688,
    0.0352624965998911,
];
/// Hart's `Q` (denominator), lowest degree first.
pub const HART_Q: [f64; 8] = [
    440.413735824752,
    793.826512519948,
    637.333633378831,
    296.564248779674,
    86.7807322029461,
    16.064177579207,
    1.75566716318264,
    0.0883883476483184,
];

/// `2^(-j/16)` for `j = 0..16`, correctly rounded (decimal literals, so the circuit's constants
/// do not depend on a platform's `exp2`).
const EXP2_NEG_SIXTEENTHS: [f64; 16] = [
    1.0,
    0.9576032806985737,
    0.9170040432046712,
    0.8781260801866497,
    0.8408964152537145,
    0.8052451659746271,
    0.7711054127039704,
    0.7384130729697497,
    std::f64::consts::FRAC_1_SQRT_2,
    0.6771277734684463,
    0.6484197773255048,
    0.620928906036742,
    0.5946035575013605,
    0.5693943173783458,
    0.5452538663326288,
    0.5221368912137069,
];
/// Bits of `k` that select from [`EXP2_NEG_SIXTEENTHS`].
const TABLE_BITS: u32 = 4;
/// Degree of the Taylor polynomial of `e^-u` on `[0, ln 2 / 16)`.
const EXP_DEGREE: usize = 6;
/// Fractional bits of the argument of the exponential's inner polynomial `G`.
const G_FRAC: u32 = 28;
/// Terms of the atanh series (`z, z^3/3, ..., z^13/13`).
const ATANH_TERMS: usize = 7;

/// `2^e` exactly.
pub fn exp2i(e: i32) -> f64 {
    assert!((-1022..=1023).contains(&e), "2^{e} is not a normal f64");
    f64::from_bits(((1023 + e) as u64) << 52)
}

/// The least `b` with `2^b > m`, with headroom for the rounding of `m` itself: an integer whose
/// magnitude is at most `m` fits `b` bits.
pub fn bits_for(m: f64) -> u32 {
    let m = m * (1.0 + 1e-12) + 1.0;
    let mut b = 0u32;
    while exp2i(b as i32) <= m {
        b += 1;
    }
    b
}

/// `c = ±mant 2^exp` exactly.
fn split(c: f64) -> (bool, u64, i32) {
    assert!(c.is_finite(), "constant {c} is not finite");
    let bits = c.to_bits();
    let negative = bits >> 63 == 1;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let low = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (negative, low, -1074)
    } else {
        (negative, low | 1 << 52, exp - 1075)
    }
}

/// `round(c 2^frac)` (ties away from zero) in the field: exact, so it is the same on every
/// platform for the same `f64`.
pub fn scaled(c: f64, frac: u32) -> Fr {
    let (negative, mant, exp) = split(c);
    let shift = exp + frac as i32;
    let magnitude = if shift >= 0 {
        Fr::from(mant) * pow2(shift as u32)
    } else if shift < -64 {
        Fr::zero()
    } else {
        let s = (-shift) as u32;
        let m = u128::from(mant);
        Fr::from((m + (1u128 << (s - 1))) >> s)
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// `round(c 2^frac)` as an integer; the value must fit well inside `i128`.
pub fn scaled_i128(c: f64, frac: u32) -> i128 {
    let v = i128_from_fr(scaled(c, frac)).expect("constant fits i128");
    assert!(
        v.unsigned_abs() < 1 << 120,
        "constant {c} at {frac} bits is too large"
    );
    v
}

/// The least `b` with `2^b > v` for `v >= 0`.
fn bit_len(v: i128) -> u32 {
    128 - v.leading_zeros()
}

fn overflow(what: &str, step: &str) -> Rejection {
    Rejection::Overflow {
        what: format!("{what}: {step} left its proven range"),
    }
}

/// A fixed-point value: the integer `v` read as `v / 2^frac`, with `|v / 2^frac| <= max` for every
/// input of the domain.
#[derive(Clone, Debug)]
pub struct Fx<V> {
    /// The integer.
    pub v: V,
    /// Its fractional bits.
    pub frac: u32,
    /// A bound on the magnitude of the value it stands for, valid over the whole domain.
    pub max: f64,
}

impl<V> Fx<V> {
    /// A value with its bound.
    pub fn new(v: V, frac: u32, max: f64) -> Self {
        Fx { v, frac, max }
    }

    /// The width the integer's magnitude fits in.
    pub fn int_bits(&self) -> u32 {
        bits_for(self.max * exp2i(self.frac as i32))
    }
}

/// `round(c 2^frac) / 2^frac`.
pub fn constant<A: Arith>(a: &mut A, c: f64, frac: u32) -> Fx<A::V> {
    let v = a.constant(scaled(c, frac));
    Fx::new(v, frac, c.abs() + exp2i(-(frac as i32)))
}

/// The same value with more fractional bits (exact, free).
pub fn lift<A: Arith>(a: &mut A, x: &Fx<A::V>, frac: u32) -> Fx<A::V> {
    assert!(frac >= x.frac, "lift cannot drop bits");
    let v = a.scale(&x.v, pow2(frac - x.frac));
    Fx::new(v, frac, x.max)
}

/// `x + y` (exact, free).
pub fn add<A: Arith>(a: &mut A, x: &Fx<A::V>, y: &Fx<A::V>) -> Fx<A::V> {
    let frac = x.frac.max(y.frac);
    let (x, y) = (lift(a, x, frac), lift(a, y, frac));
    let v = a.add(&x.v, &y.v);
    Fx::new(v, frac, x.max + y.max)
}

/// `x - y` (exact, free).
pub fn sub<A: Arith>(a: &mut A, x: &Fx<A::V>, y: &Fx<A::V>) -> Fx<A::V> {
    let frac = x.frac.max(y.frac);
    let (x, y) = (lift(a, x, frac), lift(a, y, frac));
    let v = a.sub(&x.v, &y.v);
    Fx::new(v, frac, x.max + y.max)
}

/// `-x` (free).
pub fn neg<A: Arith>(a: &mut A, x: &Fx<A::V>) -> Fx<A::V> {
    let v = a.neg(&x.v);
    Fx::new(v, x.frac, x.max)
}

/// `c ? x : y` (one constraint).
pub fn select<A: Arith>(a: &mut A, c: &A::B, x: &Fx<A::V>, y: &Fx<A::V>) -> Fx<A::V> {
    let frac = x.frac.max(y.frac);
    let (x, y) = (lift(a, x, frac), lift(a, y, frac));
    let v = a.select(c, &x.v, &y.v);
    Fx::new(v, frac, x.max.max(y.max))
}

/// `x y`, exact (one constraint): the fractional bits add up.
pub fn mul<A: Arith>(a: &mut A, x: &Fx<A::V>, y: &Fx<A::V>) -> Fx<A::V> {
    let bits = x.int_bits() + y.int_bits();
    assert!(
        bits <= LIMIT_BITS,
        "a {bits}-bit product: rescale a factor first"
    );
    let v = a.mul(&x.v, &y.v);
    Fx::new(v, x.frac + y.frac, x.max * y.max)
}

/// `x y`, first flooring `x` to `frac` bits when the exact product would pass [`LIMIT_BITS`].
pub fn mul_fit<A: Arith>(
    a: &mut A,
    x: &Fx<A::V>,
    y: &Fx<A::V>,
    frac: u32,
    what: &str,
) -> Result<Fx<A::V>, Rejection> {
    if x.int_bits() + y.int_bits() > LIMIT_BITS {
        let x = rescale(a, x, frac, what)?;
        Ok(mul(a, &x, y))
    } else {
        Ok(mul(a, x, y))
    }
}

/// `floor(x 2^frac) / 2^frac`: a floor when `frac < x.frac` (about `x.int_bits()`
/// constraints), exact otherwise.
pub fn rescale<A: Arith>(
    a: &mut A,
    x: &Fx<A::V>,
    frac: u32,
    what: &str,
) -> Result<Fx<A::V>, Rejection> {
    if frac >= x.frac {
        return Ok(lift(a, x, frac));
    }
    // |floor(v / 2^s)| <= |v| / 2^s + 1.
    let q_bits = bits_for(x.max * exp2i(frac as i32) + 1.0) + 1;
    let v = a.shr(&x.v, x.frac - frac, q_bits, &|| {
        overflow(what, "a rescaling")
    })?;
    Ok(Fx::new(v, frac, x.max + exp2i(-(frac as i32))))
}

/// `floor(num / den)` with `frac` fractional bits, given `den >= den_min > 0` and
/// `|num / den| <= q_max` for every input of the domain.
pub fn div<A: Arith>(
    a: &mut A,
    num: &Fx<A::V>,
    den: &Fx<A::V>,
    den_min: f64,
    q_max: f64,
    frac: u32,
    what: &str,
) -> Result<Fx<A::V>, Rejection> {
    assert!(
        den_min * exp2i(den.frac as i32) >= 1.0,
        "the divisor's integer must be at least 1"
    );
    // floor(floor(n / 2^s) / d) = floor(n / (2^s d)) for a positive integer d, so flooring the
    // numerator first changes nothing.
    let num = rescale(a, num, frac + den.frac, what)?;
    let b_bits = den.int_bits();
    let q_bits = bits_for(q_max * exp2i(frac as i32) + 1.0) + 1;
    let v = a.div(&num.v, &den.v, b_bits, q_bits, &|| {
        overflow(what, "a division")
    })?;
    Ok(Fx::new(v, frac, q_max + exp2i(-(frac as i32))))
}

/// `sum c_i x^i` (coefficients lowest degree first, rounded to `coeff_frac` bits) by Horner's
/// rule, flooring the accumulator back to `coeff_frac` bits only when the next product would
/// pass [`LIMIT_BITS`]. The result keeps whatever fractional bits the last product left.
pub fn poly<A: Arith>(
    a: &mut A,
    x: &Fx<A::V>,
    coeffs: &[f64],
    coeff_frac: u32,
    what: &str,
) -> Result<Fx<A::V>, Rejection> {
    let (last, rest) = coeffs.split_last().expect("a polynomial has coefficients");
    let mut acc = constant(a, *last, coeff_frac);
    for c in rest.iter().rev() {
        if acc.int_bits() + x.int_bits() > LIMIT_BITS {
            acc = rescale(a, &acc, coeff_frac, what)?;
        }
        acc = mul(a, &acc, x);
        let c = constant(a, *c, acc.frac);
        acc = add(a, &acc, &c);
    }
    Ok(acc)
}

/// Booleans for the low `n` bits of a hint (0 when the hint is not a small non-negative integer,
/// which only happens in a circuit built from out-of-domain inputs, whose constraints then fail).
fn hint_bits<A: Arith>(a: &mut A, hint: Option<i128>, n: u32) -> Vec<A::B> {
    let k = hint.filter(|k| *k >= 0 && bit_len(*k) <= n).unwrap_or(0);
    (0..n).map(|j| a.input_bool((k >> j) & 1 == 1)).collect()
}

/// `sum 2^j bits_j`.
fn from_bits<A: Arith>(a: &mut A, bits: &[A::B]) -> A::V {
    let mut acc = a.zero();
    for (j, b) in bits.iter().enumerate() {
        let v = a.bit(b);
        let t = a.scale(&v, pow2(j as u32));
        acc = a.add(&acc, &t);
    }
    acc
}

/// `2^(2^n - 1 - k)` for `k = sum 2^j bits_j`, `n = bits.len()`: a product of one selected
/// power of two per bit (`n - 1` constraints), exact.
fn pow2_complement<A: Arith>(a: &mut A, bits: &[A::B]) -> A::V {
    let mut acc: Option<A::V> = None;
    for (j, b) in bits.iter().enumerate() {
        // b ? 1 : 2^(2^j)
        let p = pow2(1 << j);
        let bv = a.bit(b);
        let t = a.scale(&bv, Fr::one() - p);
        let f = a.offset(&t, p);
        acc = Some(match acc {
            None => f,
            Some(acc) => a.mul(&acc, &f),
        });
    }
    acc.unwrap_or_else(|| a.int(1))
}

/// `table[sum 2^j bits_j]` for a table of `2^bits.len()` integers, as the multilinear form in
/// the bits (one constraint per product of two or more bits).
fn lookup<A: Arith>(a: &mut A, bits: &[A::B], table: &[i128]) -> A::V {
    let n = bits.len();
    assert_eq!(table.len(), 1 << n, "table size");
    // Coefficient of the monomial prod_{j in S} b_j: the Moebius transform of the table.
    let mut coef = table.to_vec();
    for j in 0..n {
        for s in 0..coef.len() {
            if s >> j & 1 == 1 {
                coef[s] -= coef[s ^ (1 << j)];
            }
        }
    }
    let mut monomials: Vec<Option<A::B>> = vec![None; 1 << n];
    let mut acc = a.int(coef[0]);
    for s in 1..(1usize << n) {
        let top = usize::BITS - 1 - s.leading_zeros();
        let rest = s ^ (1 << top);
        let m = match &monomials[rest] {
            None => bits[top as usize].clone(),
            Some(r) => {
                let r = r.clone();
                a.and(&r, &bits[top as usize])
            }
        };
        let mv = a.bit(&m);
        let t = a.scale(&mv, fr_from_i128(coef[s]));
        acc = a.add(&acc, &t);
        monomials[s] = Some(m);
    }
    acc
}

/// `e^-y` for `0 <= y <= y.max` (a `y < 0` leaves the circuit unsatisfied), `y` best given
/// with [`EXP_FRAC`] or more fractional bits. The result (at most 1) keeps the fractional bits of
/// its final exact product; rescale it to the precision needed.
pub fn exp_neg<A: Arith>(a: &mut A, y: &Fx<A::V>, what: &str) -> Result<Fx<A::V>, Rejection> {
    let y = if y.frac > EXP_FRAC + 4 {
        rescale(a, y, EXP_FRAC, what)?
    } else {
        y.clone()
    };
    let f = y.frac;
    // y = k step + u, 0 <= u < step, step ~ ln 2 / 16.
    let step = scaled_i128(LN_2 / 16.0, f);
    let k_max = (y.max * exp2i(f as i32)) as i128 / step + 1;
    let n = bit_len(k_max).max(TABLE_BITS);
    let hint = i128_from_fr(a.value(&y.v)).map(|v| v.div_euclid(step));
    let bits = hint_bits(a, hint, n);
    let k = from_bits(a, &bits);
    let ks = a.scale(&k, fr_from_i128(step));
    let u = a.sub(&y.v, &ks);
    let u_bits = bit_len(step - 1);
    let why = || overflow(what, "the exponential's range reduction");
    a.range(&u, u_bits, &why)?;
    let top = a.int(step - 1);
    let gap = a.sub(&top, &u);
    a.range(&gap, u_bits, &why)?;
    let u = Fx::new(u, f, (step - 1) as f64 * exp2i(-(f as i32)));

    // e^-u = 1 - u + u^2 G(u), G(u) = sum_i (-u)^i / (i + 2)! (Taylor to degree EXP_DEGREE).
    // u^2 < 2^-9, so G needs far less precision than the result: it runs on u floored to
    // G_FRAC bits (error below 2^-G_FRAC / 6 in G, 2^-(G_FRAC + 12) in the result).
    let v = rescale(a, &u, G_FRAC, what)?;
    let mut coeffs = [0.0f64; EXP_DEGREE - 1];
    let mut fact = 1.0f64;
    for (i, c) in coeffs.iter_mut().enumerate() {
        fact *= (i + 2) as f64;
        *c = if i % 2 == 0 { 1.0 / fact } else { -1.0 / fact };
    }
    let g = poly(a, &v, &coeffs, G_FRAC + 8, what)?;
    let u2 = mul(a, &u, &u);
    let u2g = mul_fit(a, &g, &u2, G_FRAC + 8, what)?;
    let one = constant(a, 1.0, u.frac);
    let linear = sub(a, &one, &u);
    let p = add(a, &linear, &u2g);
    let p = rescale(a, &p, FRAC_HI, what)?;

    // 2^-((k mod 16) / 16) from the table, 2^-floor(k / 16) as 2^(M - floor(k / 16)) / 2^M.
    let (low, high) = bits.split_at(TABLE_BITS as usize);
    let table: Vec<i128> = EXP2_NEG_SIXTEENTHS
        .iter()
        .map(|t| scaled_i128(*t, FRAC_HI))
        .collect();
    let t = lookup(a, low, &table);
    let t = Fx::new(t, FRAC_HI, 1.0);
    let m = (1u32 << high.len()) - 1;
    let h = pow2_complement(a, high);
    let h = Fx::new(h, m, 1.0);
    let th = mul(a, &t, &h);
    mul_fit(a, &p, &th, FRAC_HI, what)
}

/// `ln x` with `frac` (at least `2 FRAC_HI`) fractional bits, for `x_min <= x <= x.max`,
/// `0 < x_min`, `x` with enough fractional bits that `m = x 2^-k` keeps [`FRAC_HI`] or more (an
/// `x` out of that range leaves the circuit unsatisfied).
pub fn ln<A: Arith>(
    a: &mut A,
    x: &Fx<A::V>,
    x_min: f64,
    frac: u32,
    what: &str,
) -> Result<Fx<A::V>, Rejection> {
    assert!(
        frac >= 2 * FRAC_HI,
        "ln gives at least {} fractional bits",
        2 * FRAC_HI
    );
    // k ranges over [k_lo, k_hi], k = floor(log2 x).
    let floor_log2 = |v: f64| -> i32 {
        let mut k = 0i32;
        while exp2i(k) > v {
            k -= 1;
        }
        while exp2i(k + 1) <= v {
            k += 1;
        }
        k
    };
    let (k_lo, k_hi) = (floor_log2(x_min), floor_log2(x.max));
    let n = bit_len(i128::from(k_hi - k_lo)).max(1);
    let m_top = (1i32 << n) - 1;
    // m' = x 2^(M - j), j = k - k_lo, is m with fm fractional bits.
    let fm = x.frac as i32 + m_top + k_lo;
    assert!(fm > 0, "ln needs more fractional bits on its input");
    let fm = fm as u32;
    let hint = i128_from_fr(a.value(&x.v))
        .filter(|v| *v > 0)
        .map(|v| bit_len(v) as i128 - 1 + i128::from(m_top) - i128::from(fm));
    let bits = hint_bits(a, hint, n);
    let scale = pow2_complement(a, &bits);
    let mp = a.mul(&x.v, &scale);
    let one = pow2(fm);
    let above = a.offset(&mp, -one);
    a.range(&above, fm, &|| {
        overflow(what, "the logarithm's range reduction")
    })?;

    // z = (m - c) / (m + c) with c = C / 2^fm ~ sqrt 2: |z| <= (2 - c) / (2 + c).
    let c_int = scaled(SQRT_2, fm);
    let c = SQRT_2; // within 2^-52 of C / 2^fm
    let num = a.offset(&mp, -c_int);
    let den = a.offset(&mp, c_int);
    let num = Fx::new(num, fm, 1.0);
    let den = Fx::new(den, fm, 2.0 + c + 1e-9);
    let z_max = (2.0 - c) / (2.0 + c) + 1e-9;
    let z = div(a, &num, &den, 1.0 + c - 1e-9, z_max, FRAC_HI, what)?;
    let w = mul(a, &z, &z);
    let w = rescale(a, &w, FRAC_HI, what)?;
    let coeffs: Vec<f64> = (0..ATANH_TERMS).map(|i| 1.0 / (2 * i + 1) as f64).collect();
    let h = poly(a, &w, &coeffs, FRAC_HI, what)?;
    // Floor the series (the smaller factor) so that z h lands on `frac` bits.
    let h = rescale(a, &h, frac - z.frac, what)?;
    let zh = mul(a, &z, &h);
    let two_zh = Fx::new(a.scale(&zh.v, Fr::from(2u64)), zh.frac, 2.0 * zh.max);

    // ln x = ln c' + 2 atanh z + (j + k_lo) ln 2 for the rounded constant c' = C / 2^fm:
    // ln c' = ln 2 / 2 + (c' - c) / c to within 1e-16 (|c' - c| <= 2^-(fm + 1), and c = SQRT_2 is
    // within 2^-53 of sqrt 2).
    let f = two_zh.frac;
    let c_rounded = scaled_i128(SQRT_2, fm) as f64 * exp2i(-(fm as i32));
    let ln_c = LN_2 / 2.0 + (c_rounded - c) / c;
    let base = LN_2 * f64::from(k_lo) + ln_c;
    let j = from_bits(a, &bits);
    let ln2 = scaled(LN_2, f);
    let jl = a.scale(&j, ln2);
    let sum = a.add(&two_zh.v, &jl);
    let v = a.offset(&sum, scaled(base, f));
    // For an x in the domain j is the one that puts m in [1, 2), so |ln x| is bounded by the ends
    // of the domain (plus the approximation's error, far below the headroom).
    let max = x_min.ln().abs().max(x.max.ln().abs()) + 1e-6;
    Ok(Fx::new(v, f, max))
}

/// `N(d)`, the standard normal CDF, with [`FRAC_HI`] fractional bits, in `[0, 1]`. `d` has at
/// most [`FRAC_HI`] fractional bits and `d.max` must bound it honestly: it sets the width of the
/// sign and clamp comparisons.
pub fn normal_cdf<A: Arith>(a: &mut A, d: &Fx<A::V>, what: &str) -> Result<Fx<A::V>, Rejection> {
    let why = || overflow(what, "the normal CDF's argument");
    let d_bits = d.int_bits() + 1;
    let negative = a.sign(&d.v, d_bits, &why)?;
    let abs = a.abs(&d.v, &negative);
    let cap = a.constant(scaled(CDF_CLAMP, d.frac));
    let over = a.ge(&abs, &cap, d_bits + 1, &why)?;
    let x = a.select(&over, &cap, &abs);
    let x = Fx::new(x, d.frac, CDF_CLAMP);

    // Powers x^2..x^7, each floored to FRAC_HI bits: P and Q are then free linear combinations.
    let mut powers = vec![x.clone()];
    for _ in 2..=7 {
        let prev = powers.last().expect("x").clone();
        let p = mul(a, &prev, &x);
        powers.push(rescale(a, &p, FRAC_HI, what)?);
    }
    let combine = |a: &mut A, coeffs: &[f64]| -> Fx<A::V> {
        // coefficients with COEFF_FRAC bits; the sum has FRAC_HI + COEFF_FRAC.
        const COEFF_FRAC: u32 = 32;
        let f = FRAC_HI + COEFF_FRAC;
        let mut acc = constant(a, coeffs[0], f);
        for (c, p) in coeffs[1..].iter().zip(&powers) {
            let p = lift(a, p, FRAC_HI);
            let v = a.scale(&p.v, scaled(*c, COEFF_FRAC));
            // |round(c 2^COEFF_FRAC)| <= (|c| + 2^-COEFF_FRAC) 2^COEFF_FRAC.
            let t = Fx::new(v, f, (c.abs() + exp2i(-(COEFF_FRAC as i32))) * p.max);
            acc = add(a, &acc, &t);
        }
        acc
    };
    let p = combine(a, &HART_P);
    let q = combine(a, &HART_Q);

    // y = x^2 / 2: the integer of x^2 read with one more fractional bit.
    let x2 = &powers[1];
    let y = Fx::new(x2.v.clone(), x2.frac + 1, x2.max / 2.0);
    let e = exp_neg(a, &y, what)?;
    let e = rescale(a, &e, FRAC_HI, what)?;
    let ep = mul(a, &e, &p);
    // P / Q <= max_i p_i / q_i = 1/2 for x >= 0 and e^-y <= 1: the tail is at most 1/2 (plus
    // rounding); 1 is a safe bound.
    let q_min = HART_Q[0] * 0.999;
    let tail = div(a, &ep, &q, q_min, 1.0, FRAC_HI, what)?;
    let one = constant(a, 1.0, FRAC_HI);
    let upper = sub(a, &one, &tail);
    let n = select(a, &negative, &tail, &upper);
    Ok(Fx::new(n.v, n.frac, 1.0 + exp2i(-(FRAC_HI as i32))))
}

/// An `f64` normal CDF independent of Hart's: Marsaglia's series
/// `N(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3 5) + ...)`, all terms of one sign, absolute error
/// about `1e-16`; `|x| > 9` is taken as 0 or 1 (the true tail is below `1.2e-19`).
#[cfg(test)]
pub(crate) fn reference_normal_cdf(x: f64) -> f64 {
    if x < -9.0 {
        return 0.0;
    }
    if x > 9.0 {
        return 1.0;
    }
    let x2 = x * x;
    let (mut term, mut sum, mut n) = (x, x, 1.0f64);
    loop {
        n += 2.0;
        term *= x2 / n;
        let next = sum + term;
        if next == sum {
            break;
        }
        sum = next;
    }
    0.5 + sum * (-x2 / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::Native;

    fn real(v: Fr, frac: u32) -> f64 {
        i128_from_fr(v).expect("small") as f64 * exp2i(-(frac as i32))
    }

    #[test]
    fn constants_are_rounded_exactly() {
        assert_eq!(scaled(1.5, 1), Fr::from(3u64));
        assert_eq!(scaled(-1.5, 0), -Fr::from(2u64));
        assert_eq!(scaled(0.25, 1), Fr::from(1u64));
        assert_eq!(scaled_i128(LN_2, 60), (LN_2 * exp2i(60)) as i128);
        assert_eq!(scaled(3.0, 200), Fr::from(3u64) * pow2(200));
        assert_eq!(bits_for(0.0), 1);
        assert_eq!(bits_for(254.0), 8);
        assert_eq!(bits_for(255.0), 9);
    }

    #[test]
    fn the_reference_cdf_is_right() {
        // Published values of the standard normal CDF.
        for (x, n) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.96, 0.024_997_895_148_220_43),
            (3.0, 0.998_650_101_968_369_9),
            (-6.0, 9.865_876_450_376_946e-10),
        ] {
            assert!((reference_normal_cdf(x) - n).abs() < 2e-16, "N({x})");
        }
    }

    #[test]
    fn exp_neg_is_accurate() {
        let mut worst = 0.0f64;
        for frac in [45u32, 64] {
            for i in 0..=4000 {
                let y = 32.0 * f64::from(i) / 4000.0;
                let raw = scaled(y, frac);
                let mut n = Native;
                let e = exp_neg(&mut n, &Fx::new(raw, frac, 32.0), "test").unwrap();
                let e = rescale(&mut n, &e, 50, "test").unwrap();
                let exact = (-real(raw, frac)).exp();
                worst = worst.max((real(e.v, 50) - exact).abs());
            }
        }
        println!("exp_neg: max abs error {worst:.3e}");
        assert!(worst < 3e-12, "{worst}");
    }

    #[test]
    fn ln_is_accurate() {
        let mut worst = 0.0f64;
        for i in 0..=8000 {
            let x = (1.0f64 / 16.0) * 256f64.powf(f64::from(i) / 8000.0);
            let raw = scaled(x, 40);
            let mut n = Native;
            let l = ln(&mut n, &Fx::new(raw, 40, 16.0), 1.0 / 16.0, 97, "test").unwrap();
            let l = rescale(&mut n, &l, 60, "test").unwrap();
            let exact = real(raw, 40).ln();
            worst = worst.max((real(l.v, 60) - exact).abs());
        }
        println!("ln: max abs error {worst:.3e}");
        assert!(worst < 5e-12, "{worst}");
    }

    #[test]
    fn the_normal_cdf_is_accurate() {
        let mut worst = 0.0f64;
        for i in -12000..=12000 {
            let d = f64::from(i) / 1000.0;
            let raw = scaled(d, 33);
            let mut n = Native;
            let c = normal_cdf(&mut n, &Fx::new(raw, 33, 1e6), "test").unwrap();
            let exact = reference_normal_cdf(real(raw, 33));
            worst = worst.max((real(c.v, FRAC_HI) - exact).abs());
        }
        println!("normal_cdf: max abs error {worst:.3e}");
        assert!(worst < 3e-12, "{worst}");
        // Far tails clamp.
        let mut n = Native;
        for (d, want) in [(-1e6, 0.0), (1e6, 1.0)] {
            let c = normal_cdf(&mut n, &Fx::new(scaled(d, 33), 33, 1e6), "test").unwrap();
            assert!((real(c.v, FRAC_HI) - want).abs() < 1e-15);
        }
    }
}

#[cfg(test)]
mod costs {
    use super::*;
    use crate::circuit_machine::{proving_system, Circuit};

    /// Constraints and witnesses of `f` run on a fresh circuit with the input `x`.
    fn shape(x: Fr, f: impl Fn(&mut Circuit, Fx<crate::circuit_machine::Var>)) -> (usize, usize) {
        let cs = proving_system();
        let mut c = Circuit::new(cs.clone());
        let v = c.input(x);
        f(&mut c, Fx::new(v, 0, 0.0));
        (cs.num_constraints(), cs.num_witness_variables())
    }

    #[test]
    fn each_function_has_one_shape() {
        type F = fn(&mut Circuit, Fx<crate::circuit_machine::Var>);
        let cases: [(&str, F, [f64; 3]); 4] = [
            (
                "exp_neg, y <= 32 at 41 bits",
                |c, x| {
                    exp_neg(c, &Fx::new(x.v, 41, 32.0), "cost").unwrap();
                },
                [0.0, 3.3, 32.0],
            ),
            (
                "exp_neg, y <= 8 at 64 bits",
                |c, x| {
                    exp_neg(c, &Fx::new(x.v, 64, 8.0), "cost").unwrap();
                },
                [0.0, 0.7, 8.0],
            ),
            (
                "ln, x in [1/16, 16] at 40 bits",
                |c, x| {
                    ln(c, &Fx::new(x.v, 40, 16.0), 1.0 / 16.0, 97, "cost").unwrap();
                },
                [1.0 / 16.0, 1.0, 16.0],
            ),
            (
                "normal_cdf, |d| < 2^21 at 33 bits",
                |c, x| {
                    normal_cdf(c, &Fx::new(x.v, 33, 1.5e6), "cost").unwrap();
                },
                [-1.4e6, 0.3, 7.9],
            ),
        ];
        for (name, f, xs) in cases {
            let frac = match name {
                n if n.contains("41 bits") => 41,
                n if n.contains("64 bits") => 64,
                n if n.contains("40 bits") => 40,
                _ => 33,
            };
            let shapes: Vec<(usize, usize)> =
                xs.iter().map(|x| shape(scaled(*x, frac), f)).collect();
            assert!(
                shapes.windows(2).all(|w| w[0] == w[1]),
                "{name}: {shapes:?}"
            );
            println!("{name}: {} constraints", shapes[0].0);
        }
    }
}
