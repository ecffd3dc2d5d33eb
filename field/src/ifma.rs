//! Eight field multiplications at once with AVX-512 IFMA, for the batched affine bucket
//! additions of kiln's CPU MSM.
//!
//! One arkworks `Fq` multiplication is about 50 cycles on kiln's Xeon, and an MSM is mostly
//! multiplications (BENCHMARKS.md: within 1.2x-1.5x of that floor). The additions of one batch
//! are independent of each other, so they can run eight abreast: `vpmadd52luq`/`vpmadd52huq`
//! multiply eight pairs of 52-bit limbs per instruction. Here an element is five 52-bit limbs,
//! and [`Lanes`] holds eight elements limb-major (limb `i` of all eight in one register).
//!
//! The representation is Montgomery with `R = 2^260` (five limbs of 52 bits), and values are
//! kept *loosely* reduced: any representative below `64 p` of the right residue, not the
//! canonical one. That makes the conversions free and lets additions and subtractions skip
//! their reductions:
//!
//! - arkworks stores `a 2^256 mod p`; sixteen times that, `a 2^260`, is this module's form of
//!   the same `a`, so [`IfmaModulus::load`] only shifts (the value is below `16 p`);
//! - [`IfmaModulus::mul`] on inputs below `k1 p` and `k2 p` returns below
//!   `(k1 k2 p / 2^260 + 1) p`: for BN254 (`p < 2^253.7`) below `50 p` for any inputs below
//!   `64 p`, and below `2 p` for small `k1 k2`;
//! - [`IfmaModulus::sub`] adds a multiple of `p` the caller names, large enough to keep the
//!   difference positive;
//! - [`IfmaModulus::store`] divides by 16 modulo `p` (adds the multiple of `p` that makes the
//!   value divisible by 16, then shifts) and reduces to the canonical arkworks value.
//!
//! Callers keep every value below `64 p` (which is below `2^260` for moduli below `2^253.7`):
//! [`IfmaModulus::new`] refuses larger moduli. `field/tests/ifma.rs` compares every operation
//! with arkworks.

use core::arch::x86_64::*;

use ark_ff::{BigInt, MontConfig};

use crate::Fp4;

const LIMB_BITS: u32 = 52;
const LIMB_MASK: u64 = (1 << LIMB_BITS) - 1;

/// Eight field elements, limb-major: `self.0[i]` holds limb `i` (bits `52 i .. 52 i + 52`) of
/// each of the eight. Limbs are below `2^52` except in the intermediate results of
/// [`IfmaModulus::add`]-like sums, which [`IfmaModulus`]'s operations normalise.
#[derive(Clone, Copy)]
pub struct Lanes(pub [__m512i; 5]);

/// The constants of one prime field for the eight-lane arithmetic.
pub struct IfmaModulus {
    /// `p` in 52-bit limbs, each broadcast to all lanes.
    p: [__m512i; 5],
    /// `-p^-1 mod 2^52`.
    p_inv: __m512i,
    /// `k p` in 52-bit limbs for the multiples [`IfmaModulus::sub`] and
    /// [`IfmaModulus::store`] use: 1, 2, 4, 16, 32, 48.
    multiples: [[__m512i; 5]; 6],
}

/// The multiples of `p` kept by [`IfmaModulus`], as indices into `multiples`.
#[derive(Clone, Copy)]
pub enum Multiple {
    P1 = 0,
    P2 = 1,
    P4 = 2,
    P16 = 3,
    P32 = 4,
    P48 = 5,
}

const MULTIPLES: [u64; 6] = [1, 2, 4, 16, 32, 48];

/// Off when the environment says `KILN_IFMA=off` (read once) or after [`set_enabled`]`(false)`.
static ENABLED: std::sync::OnceLock<std::sync::atomic::AtomicBool> = std::sync::OnceLock::new();

fn enabled() -> &'static std::sync::atomic::AtomicBool {
    ENABLED.get_or_init(|| {
        let off = std::env::var("KILN_IFMA").is_ok_and(|v| v == "off" || v == "0");
        std::sync::atomic::AtomicBool::new(!off)
    })
}

/// Turns the eight-lane arithmetic on or off for this process (where the CPU has it): for
/// side-by-side benchmarks, and for operators ruling it out (`KILN_IFMA=off` does the same).
pub fn set_enabled(on: bool) {
    enabled().store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether the eight-lane arithmetic runs here: the CPU has AVX-512 F and IFMA, and it is
/// not turned off.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512ifma")
        && enabled().load(std::sync::atomic::Ordering::Relaxed)
}

/// Splits a 260-bit integer given as 64-bit limbs (the fifth limb holding bits 256..) into
/// 52-bit limbs.
fn limbs52(w: [u64; 5]) -> [u64; 5] {
    [
        w[0] & LIMB_MASK,
        (w[0] >> 52 | w[1] << 12) & LIMB_MASK,
        (w[1] >> 40 | w[2] << 24) & LIMB_MASK,
        (w[2] >> 28 | w[3] << 36) & LIMB_MASK,
        w[3] >> 16 | w[4] << 48,
    ]
}

/// `k m` for a 4-limb `m` and a small `k`, as five 64-bit limbs.
fn times(m: &[u64; 4], k: u64) -> [u64; 5] {
    let mut out = [0u64; 5];
    let mut carry = 0u128;
    for i in 0..4 {
        let t = m[i] as u128 * k as u128 + carry;
        out[i] = t as u64;
        carry = t >> 64;
    }
    out[4] = carry as u64;
    out
}

// The methods below are `unsafe` to call only because they are compiled for AVX-512 IFMA
// (`#[target_feature]`, so that they inline into each other). Their one safety condition is
// that the CPU has those features, and an `IfmaModulus` exists only where it does
// ([`IfmaModulus::new`]): holding one is the proof, so no method repeats it.
#[allow(clippy::missing_safety_doc)]
impl IfmaModulus {
    /// The constants for the field `C`, or `None` when this CPU lacks AVX-512 IFMA or the
    /// modulus is too large for the loose reduction (`64 p` must fit in 260 bits).
    pub fn new<C: MontConfig<4>>() -> Option<Self> {
        let m = C::MODULUS.0;
        if !available() || m[3] >= 1 << 62 || times(&m, 64)[4] >= 1 << 4 {
            return None;
        }
        // -p^-1 mod 2^64 by Newton's iteration; its low 52 bits are -p^-1 mod 2^52.
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        let p_inv = inv.wrapping_neg() & LIMB_MASK;
        // SAFETY: available() checked the CPU features these intrinsics need.
        unsafe {
            let broadcast = |limbs: [u64; 5]| limbs.map(|l| _mm512_set1_epi64(l as i64));
            Some(IfmaModulus {
                p: broadcast(limbs52(times(&m, 1))),
                p_inv: _mm512_set1_epi64(p_inv as i64),
                multiples: MULTIPLES.map(|k| broadcast(limbs52(times(&m, k)))),
            })
        }
    }

    /// Eight arkworks elements in this module's form (`16 x`, below `16 p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn load<C: MontConfig<4>>(&self, xs: [&Fp4<C>; 8]) -> Lanes {
        let column = |i: usize| {
            let w: [u64; 8] = core::array::from_fn(|k| (xs[k].0).0[i]);
            _mm512_set_epi64(
                w[7] as i64,
                w[6] as i64,
                w[5] as i64,
                w[4] as i64,
                w[3] as i64,
                w[2] as i64,
                w[1] as i64,
                w[0] as i64,
            )
        };
        let (w0, w1, w2, w3) = (column(0), column(1), column(2), column(3));
        let mask = _mm512_set1_epi64(LIMB_MASK as i64);
        // Limb j of 16 x is bits 52 j - 4 .. 52 j + 48 of x.
        Lanes([
            _mm512_and_si512(_mm512_slli_epi64::<4>(w0), mask),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64::<48>(w0), _mm512_slli_epi64::<16>(w1)),
                mask,
            ),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64::<36>(w1), _mm512_slli_epi64::<28>(w2)),
                mask,
            ),
            _mm512_and_si512(
                _mm512_or_si512(_mm512_srli_epi64::<24>(w2), _mm512_slli_epi64::<40>(w3)),
                mask,
            ),
            _mm512_srli_epi64::<12>(w3),
        ])
    }

    /// The eight canonical arkworks elements of `v` (below `64 p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn store<C: MontConfig<4>>(&self, v: &Lanes) -> [Fp4<C>; 8] {
        let mut l = v.0;
        // Add k p with k = -v p^-1 mod 16, so that the sum is divisible by 16; the sum stays
        // below 79 p < 2^260.
        let k = _mm512_and_si512(
            _mm512_madd52lo_epu64(_mm512_setzero_si512(), l[0], self.p_inv),
            _mm512_set1_epi64(15),
        );
        for i in 0..5 {
            l[i] = _mm512_madd52lo_epu64(l[i], k, self.p[i]);
            if i < 4 {
                l[i + 1] = _mm512_madd52hi_epu64(l[i + 1], k, self.p[i]);
            }
        }
        normalise(&mut l);
        // Divide by 16: limb j of the quotient is bits 52 j + 4 .. 52 j + 56 of the sum.
        let mask = _mm512_set1_epi64(LIMB_MASK as i64);
        let mut q = [_mm512_setzero_si512(); 5];
        for j in 0..4 {
            q[j] = _mm512_and_si512(
                _mm512_or_si512(
                    _mm512_srli_epi64::<4>(l[j]),
                    _mm512_slli_epi64::<48>(l[j + 1]),
                ),
                mask,
            );
        }
        q[4] = _mm512_srli_epi64::<4>(l[4]);
        // Now below 5 p: subtract 4 p, 2 p and p where they fit.
        for m in [Multiple::P4, Multiple::P2, Multiple::P1] {
            q = self.subtract_if_fits(q, m);
        }
        // Repack five 52-bit limbs into four 64-bit ones.
        let words = [
            _mm512_or_si512(q[0], _mm512_slli_epi64::<52>(q[1])),
            _mm512_or_si512(_mm512_srli_epi64::<12>(q[1]), _mm512_slli_epi64::<40>(q[2])),
            _mm512_or_si512(_mm512_srli_epi64::<24>(q[2]), _mm512_slli_epi64::<28>(q[3])),
            _mm512_or_si512(_mm512_srli_epi64::<36>(q[3]), _mm512_slli_epi64::<16>(q[4])),
        ];
        let mut columns = [[0u64; 8]; 4];
        for (column, word) in columns.iter_mut().zip(words) {
            // SAFETY: `column` is 64 writable bytes.
            unsafe { _mm512_storeu_si512(column.as_mut_ptr().cast(), word) };
        }
        core::array::from_fn(|k| {
            Fp4::<C>::new_unchecked(BigInt([
                columns[0][k],
                columns[1][k],
                columns[2][k],
                columns[3][k],
            ]))
        })
    }

    /// `q - m p` in the lanes where that is not negative, `q` elsewhere.
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn subtract_if_fits(&self, q: [__m512i; 5], m: Multiple) -> [__m512i; 5] {
        let mp = &self.multiples[m as usize];
        let mut d: [__m512i; 5] = core::array::from_fn(|i| _mm512_sub_epi64(q[i], mp[i]));
        normalise(&mut d);
        let negative = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
        core::array::from_fn(|i| _mm512_mask_blend_epi64(negative, d[i], q[i]))
    }

    /// `a b`, Montgomery with `R = 2^260`; see the module notes for the bound.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn mul(&self, a: &Lanes, b: &Lanes) -> Lanes {
        let (a, b) = (&a.0, &b.0);
        let zero = _mm512_setzero_si512();
        // t holds the running sum in limbs that may exceed 52 bits (at most about 20 terms of
        // 2^52 each, far below 2^64).
        let mut t = [zero; 6];
        for bi in b {
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], a[j], *bi);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a[j], *bi);
            }
            // m makes t divisible by 2^52: t + m p has zero low limb.
            let m = _mm512_madd52lo_epu64(zero, t[0], self.p_inv);
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], self.p[j], m);
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], self.p[j], m);
            }
            let carry = _mm512_srli_epi64::<52>(t[0]);
            t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], zero];
        }
        let mut out = [t[0], t[1], t[2], t[3], t[4]];
        normalise(&mut out);
        Lanes(out)
    }

    /// `a + b`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn add(&self, a: &Lanes, b: &Lanes) -> Lanes {
        let mut s: [__m512i; 5] = core::array::from_fn(|i| _mm512_add_epi64(a.0[i], b.0[i]));
        normalise(&mut s);
        Lanes(s)
    }

    /// `a - b + m p`: the caller picks `m p` above `b`'s bound.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn sub(&self, a: &Lanes, b: &Lanes, m: Multiple) -> Lanes {
        let mp = &self.multiples[m as usize];
        let mut s: [__m512i; 5] =
            core::array::from_fn(|i| _mm512_sub_epi64(_mm512_add_epi64(a.0[i], mp[i]), b.0[i]));
        normalise(&mut s);
        Lanes(s)
    }
}

/// Carries every limb's excess (positive or negative) into the next, leaving limbs 0 to 3 in
/// `0 .. 2^52` and the sign of the whole value in limb 4.
#[target_feature(enable = "avx512f")]
#[inline]
fn normalise(l: &mut [__m512i; 5]) {
    let mask = _mm512_set1_epi64(LIMB_MASK as i64);
    for i in 0..4 {
        let carry = _mm512_srai_epi64::<52>(l[i]);
        l[i] = _mm512_and_si512(l[i], mask);
        l[i + 1] = _mm512_add_epi64(l[i + 1], carry);
    }
}

#[allow(clippy::missing_safety_doc)]
impl IfmaModulus {
    /// [`crate::ChordBatch::chord_batch`] eight additions abreast: entry `e` runs in lane
    /// `e % 8`, and each lane keeps its own running product of denominators; the eight lane
    /// products share one arkworks inversion.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub fn chord_batch<C: MontConfig<4>>(&self, entries: &mut [[Fp4<C>; 4]]) {
        use ark_ff::{One, Zero};
        use Multiple::{P16, P48};
        if entries.is_empty() {
            return;
        }
        let rows = entries.len().div_ceil(8);
        // Lanes past the end add (1, 0) to (0, 0): a harmless nonzero denominator.
        let padding = [
            Fp4::<C>::zero(),
            Fp4::<C>::zero(),
            Fp4::<C>::one(),
            Fp4::<C>::zero(),
        ];
        let load = |entries: &[[Fp4<C>; 4]], row: usize, coordinate: usize| {
            self.load(core::array::from_fn(|lane| {
                &entries.get(row * 8 + lane).unwrap_or(&padding)[coordinate]
            }))
        };
        // Bounds (module notes): loaded values < 16 p, so x2 - x1 + 16 p < 32 p, and the
        // running products stay below 32 p.
        let mut denominators = Vec::with_capacity(rows);
        let mut products: Vec<Lanes> = Vec::with_capacity(rows);
        for row in 0..rows {
            let d = self.sub(&load(entries, row, 2), &load(entries, row, 0), P16);
            let product = match products.last() {
                Some(previous) => self.mul(previous, &d),
                None => d,
            };
            denominators.push(d);
            products.push(product);
        }
        let mut totals = self.store::<C>(&products[rows - 1]);
        ark_ff::serial_batch_inversion_and_mul(&mut totals, &Fp4::<C>::one());
        // Below 16 p, and it stays there as it takes up each row's denominator.
        let mut inverse = self.load(totals.each_ref());
        for row in (0..rows).rev() {
            let row_inverse = if row == 0 {
                inverse
            } else {
                let own = self.mul(&products[row - 1], &inverse);
                inverse = self.mul(&inverse, &denominators[row]);
                own
            };
            let (x1, y1) = (load(entries, row, 0), load(entries, row, 1));
            let (x2, y2) = (load(entries, row, 2), load(entries, row, 3));
            // lambda < 4 p, lambda^2 < 2 p; x3 < 34 p; x1 - x3 + 48 p < 64 p; y3 < 20 p.
            let lambda = self.mul(&self.sub(&y2, &y1, P16), &row_inverse);
            let x3 = self.sub(&self.sub(&self.mul(&lambda, &lambda), &x1, P16), &x2, P16);
            let y3 = self.sub(&self.mul(&lambda, &self.sub(&x1, &x3, P48)), &y1, P16);
            let (xs, ys) = (self.store::<C>(&x3), self.store::<C>(&y3));
            for lane in 0..8 {
                if let Some(entry) = entries.get_mut(row * 8 + lane) {
                    entry[0] = xs[lane];
                    entry[1] = ys[lane];
                }
            }
        }
    }
}
