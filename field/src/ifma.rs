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
//! Callers keep every value below `64 p` (below `2^260`); [`IfmaModulus::new`] refuses the
//! moduli for which these bounds do not hold. `field/tests/ifma.rs` compares every operation
//! with arkworks.
//!
//! A quadratic extension with `u^2 = -1` (BN254's `Fq2`) runs as two [`Lanes`] ([`Lanes2`]);
//! [`Abreast`] gives both fields one interface, and [`chord_batch`] is the batched chord
//! addition the MSM's buckets reach through [`crate::ChordBatch`].

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
    /// [`IfmaModulus::store`] use: 1, 2, 4, 16, 48.
    multiples: [[__m512i; 5]; 5],
}

/// The multiples of `p` kept by [`IfmaModulus`], as indices into `multiples`.
#[derive(Clone, Copy)]
pub enum Multiple {
    P1 = 0,
    P2 = 1,
    P4 = 2,
    P16 = 3,
    P48 = 4,
}

const MULTIPLES: [u64; 5] = [1, 2, 4, 16, 48];

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
    /// modulus is too large for the loose reduction: `64 p` must fit in 260 bits, and the
    /// chord batch's bounds need a product of factors below `32 p` each to stay below `16 p`,
    /// that is `1024 p / 2^260 <= 15` (`p < 2^253.9`; BN254's `Fq` and `Fr` are below
    /// `2^253.7`).
    pub fn new<C: MontConfig<4>>() -> Option<Self> {
        let m = C::MODULUS.0;
        if !available() || m[3] >= 1 << 62 || times(&m, 1024)[4] >= 15 << 4 {
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
        let words: [__m512i; 4] = core::array::from_fn(|i| {
            let column: [u64; 8] = core::array::from_fn(|k| (xs[k].0).0[i]);
            // SAFETY: `column` is 64 readable bytes.
            unsafe { _mm512_loadu_si512(column.as_ptr().cast()) }
        });
        self.lanes_of_words(words)
    }

    /// Lanes from the four 64-bit words of eight canonical arkworks elements (word `i` of
    /// each in `w[i]`): `16 x` in 52-bit limbs; limb `j` of `16 x` is bits `52 j - 4 ..
    /// 52 j + 48` of `x`.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    fn lanes_of_words(&self, w: [__m512i; 4]) -> Lanes {
        let mask = _mm512_set1_epi64(LIMB_MASK as i64);
        let [w0, w1, w2, w3] = w;
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
        let words = self.to_words(v);
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

    /// The four 64-bit words of the canonical arkworks form of each lane of `v` (below `64 p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    fn to_words(&self, v: &Lanes) -> [__m512i; 4] {
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
        [
            _mm512_or_si512(q[0], _mm512_slli_epi64::<52>(q[1])),
            _mm512_or_si512(_mm512_srli_epi64::<12>(q[1]), _mm512_slli_epi64::<40>(q[2])),
            _mm512_or_si512(_mm512_srli_epi64::<24>(q[2]), _mm512_slli_epi64::<28>(q[3])),
            _mm512_or_si512(_mm512_srli_epi64::<36>(q[3]), _mm512_slli_epi64::<16>(q[4])),
        ]
    }

    /// `q - m p` in the lanes where that is not negative, `q` elsewhere.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
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

    /// `a - b`, plus `16 p` in the lanes where that is negative: below `16 p` when `a` and
    /// `b` are, without the `+ 16 p` of [`IfmaModulus::sub`] in every lane.
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn sub_below_16p(&self, a: &Lanes, b: &Lanes) -> Lanes {
        let mut d: [__m512i; 5] = core::array::from_fn(|i| _mm512_sub_epi64(a.0[i], b.0[i]));
        normalise(&mut d);
        let negative = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
        let sixteen = &self.multiples[Multiple::P16 as usize];
        let mut fixed: [__m512i; 5] = core::array::from_fn(|i| _mm512_add_epi64(d[i], sixteen[i]));
        normalise(&mut fixed);
        Lanes(core::array::from_fn(|i| {
            _mm512_mask_blend_epi64(negative, d[i], fixed[i])
        }))
    }

    /// `a + b`, less `16 p` in the lanes where the sum reaches it: below `16 p` when `a` and
    /// `b` are (the NTT's butterflies, whose sums would otherwise double at every stage).
    #[target_feature(enable = "avx512f,avx512ifma")]
    #[inline]
    pub fn add_below_16p(&self, a: &Lanes, b: &Lanes) -> Lanes {
        Lanes(self.subtract_if_fits(self.add(a, b).0, Multiple::P16))
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

/// A field whose elements can run eight abreast: the 4-limb prime fields (one [`Lanes`]) and
/// their quadratic extensions by `u^2 = -1` (two, BN254's `Fq2`). Elements are read from and
/// written to memory as `WORDS` 64-bit words, in their arkworks layout.
///
/// # Safety
///
/// The lane methods are compiled for AVX-512 IFMA; they may only run with an [`IfmaModulus`]
/// from [`Abreast::lanes_modulus`], whose existence proves the CPU has it; that is every
/// method's one safety condition.
#[allow(clippy::missing_safety_doc)]
pub unsafe trait Abreast: ark_ff::Field {
    /// Eight elements.
    type V: Copy;
    /// 64-bit words per element.
    const WORDS: usize;

    /// The base field's constants, when this CPU and this field can run abreast.
    fn lanes_modulus() -> Option<IfmaModulus>;

    /// Eight elements from their words (`w[i]`: word `i` of each, `WORDS` of them).
    unsafe fn from_words(m: &IfmaModulus, w: &[__m512i]) -> Self::V;
    /// The canonical words of eight elements (inputs below `64 p` per component).
    unsafe fn to_words(m: &IfmaModulus, v: &Self::V, w: &mut [__m512i]);
    /// `a - b + k p` per component.
    unsafe fn lanes_sub(m: &IfmaModulus, a: &Self::V, b: &Self::V, k: Multiple) -> Self::V;
    /// `a b`. Components below `32 p` (one factor may go to `64 p` if the other stays below
    /// `13 p`) give components below `30 p`; see the module notes.
    unsafe fn lanes_mul(m: &IfmaModulus, a: &Self::V, b: &Self::V) -> Self::V;
}

/// `true` when `F` is laid out as exactly `words` 64-bit words, as the gathers assume.
fn is_words<F>(words: usize) -> bool {
    core::mem::size_of::<F>() == 8 * words && core::mem::align_of::<F>() == 8
}

unsafe impl<C: MontConfig<4>> Abreast for Fp4<C> {
    type V = Lanes;
    const WORDS: usize = 4;

    fn lanes_modulus() -> Option<IfmaModulus> {
        // An Fp is its BigInt, which is its four limbs, low first.
        if !is_words::<Self>(4) || core::mem::offset_of!(Self, 0) != 0 {
            return None;
        }
        IfmaModulus::new::<C>()
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn from_words(m: &IfmaModulus, w: &[__m512i]) -> Lanes {
        m.lanes_of_words([w[0], w[1], w[2], w[3]])
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn to_words(m: &IfmaModulus, v: &Lanes, w: &mut [__m512i]) {
        w[..4].copy_from_slice(&m.to_words(v));
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn lanes_sub(m: &IfmaModulus, a: &Lanes, b: &Lanes, k: Multiple) -> Lanes {
        m.sub(a, b, k)
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn lanes_mul(m: &IfmaModulus, a: &Lanes, b: &Lanes) -> Lanes {
        m.mul(a, b)
    }
}

/// Eight elements of a quadratic extension: `c0 + c1 u`.
#[derive(Clone, Copy)]
pub struct Lanes2 {
    pub c0: Lanes,
    pub c1: Lanes,
}

unsafe impl<P: ark_ff::Fp2Config> Abreast for ark_ff::Fp2<P>
where
    P::Fp: Abreast<V = Lanes>,
{
    type V = Lanes2;
    const WORDS: usize = 8;

    fn lanes_modulus() -> Option<IfmaModulus> {
        use ark_ff::One;
        let (c0, c1) = (
            core::mem::offset_of!(Self, c0),
            core::mem::offset_of!(Self, c1),
        );
        // The multiplication below is for u^2 = -1 only.
        if !is_words::<Self>(8) || (c0, c1) != (0, 32) || P::NONRESIDUE != -P::Fp::one() {
            return None;
        }
        P::Fp::lanes_modulus()
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn from_words(m: &IfmaModulus, w: &[__m512i]) -> Lanes2 {
        Lanes2 {
            c0: P::Fp::from_words(m, &w[..4]),
            c1: P::Fp::from_words(m, &w[4..8]),
        }
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn to_words(m: &IfmaModulus, v: &Lanes2, w: &mut [__m512i]) {
        P::Fp::to_words(m, &v.c0, &mut w[..4]);
        P::Fp::to_words(m, &v.c1, &mut w[4..8]);
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn lanes_sub(m: &IfmaModulus, a: &Lanes2, b: &Lanes2, k: Multiple) -> Lanes2 {
        Lanes2 {
            c0: m.sub(&a.c0, &b.c0, k),
            c1: m.sub(&a.c1, &b.c1, k),
        }
    }

    /// Schoolbook, four products: Karatsuba's three would need `(a0 + a1)(b0 + b1)` with
    /// sums of loose components, past the `64 p` bound. Components below `A p` and `B p`
    /// give products below `(A B p / 2^260 + 1) p`, at most `13.1 p` in the chord batch
    /// (`A B <= 1024`), so `c0 = a0 b0 - a1 b1` (plus `16 p` where negative) stays below
    /// `16 p` and `c1 = a0 b1 + a1 b0` below `27 p`. With `c0` below `16 p` every bound of the
    /// chord batch holds for `Fq2` as for `Fq` (`x3 < 48 p`, `y3 < 43 p`).
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn lanes_mul(m: &IfmaModulus, a: &Lanes2, b: &Lanes2) -> Lanes2 {
        let (a0b0, a1b1) = (m.mul(&a.c0, &b.c0), m.mul(&a.c1, &b.c1));
        let (a0b1, a1b0) = (m.mul(&a.c0, &b.c1), m.mul(&a.c1, &b.c0));
        Lanes2 {
            c0: m.sub_below_16p(&a0b0, &a1b1),
            c1: m.add(&a0b1, &a1b0),
        }
    }
}

/// Where a row of entries sits: the word offset of each of eight consecutive entries and the
/// mask of those that exist (the last row may be short).
struct Row {
    first_word: __m512i,
    present: __mmask8,
}

/// [`crate::ChordBatch::chord_batch`] eight additions abreast: entry `e` runs in lane
/// `e % 8`, and each lane keeps its own running product of denominators; the eight lane
/// products share one arkworks batch inversion. Coordinates are gathered from the entries and
/// the sums scattered back, so no transposed copy is made.
///
/// # Safety
///
/// `m` must come from `F::lanes_modulus()`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub unsafe fn chord_batch<F: Abreast + crate::Invert>(m: &IfmaModulus, entries: &mut [[F; 4]]) {
    use Multiple::{P16, P48};
    if entries.is_empty() {
        return;
    }
    let count = entries.len();
    let rows = count.div_ceil(8);
    let stride = 4 * F::WORDS as i64;
    let words = entries.as_mut_ptr().cast::<i64>();
    let row = |r: usize| {
        let present = (8 - (r * 8 + 8).saturating_sub(count)) as u32;
        Row {
            first_word: _mm512_mullo_epi64(
                _mm512_add_epi64(
                    _mm512_set1_epi64((r * 8) as i64),
                    _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                ),
                _mm512_set1_epi64(stride),
            ),
            present: ((1u32 << present) - 1) as __mmask8,
        }
    };
    // Missing lanes read as (1, 0) + (0, 0): a harmless nonzero denominator.
    let zero = [_mm512_setzero_si512(); 8];
    let one = F::one();
    // SAFETY: F is WORDS words (lanes_modulus checked it).
    let one_words: [__m512i; 8] = core::array::from_fn(|i| {
        if i < F::WORDS {
            _mm512_set1_epi64(unsafe { *(&one as *const F).cast::<i64>().add(i) })
        } else {
            _mm512_setzero_si512()
        }
    });
    let gather = |row: &Row, coordinate: i64, padding: &[__m512i; 8]| -> F::V {
        let w: [__m512i; 8] = core::array::from_fn(|i| {
            if i >= F::WORDS {
                return _mm512_setzero_si512();
            }
            let index = _mm512_add_epi64(
                row.first_word,
                _mm512_set1_epi64(coordinate * F::WORDS as i64 + i as i64),
            );
            // SAFETY: the present lanes index words of `entries`; the others are masked off.
            unsafe { _mm512_mask_i64gather_epi64::<8>(padding[i], row.present, index, words) }
        });
        unsafe { F::from_words(m, &w[..F::WORDS]) }
    };
    // Bounds (module notes): gathered values < 16 p, so x2 - x1 + 16 p < 32 p, and the
    // running products stay below 32 p.
    let mut x1s = Vec::with_capacity(rows);
    let mut x2s = Vec::with_capacity(rows);
    let mut denominators = Vec::with_capacity(rows);
    let mut products: Vec<F::V> = Vec::with_capacity(rows);
    for r in 0..rows {
        let at = row(r);
        let (x1, x2) = (gather(&at, 0, &zero), gather(&at, 2, &one_words));
        let d = F::lanes_sub(m, &x2, &x1, P16);
        let product = match products.last() {
            Some(previous) => F::lanes_mul(m, previous, &d),
            None => d,
        };
        x1s.push(x1);
        x2s.push(x2);
        denominators.push(d);
        products.push(product);
    }
    // The eight lane products through memory, inverted by arkworks, and back.
    let mut totals = [F::zero(); 8];
    let all = Row {
        first_word: _mm512_mullo_epi64(
            _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
            _mm512_set1_epi64(F::WORDS as i64),
        ),
        present: 0xff,
    };
    let mut w = [_mm512_setzero_si512(); 8];
    F::to_words(m, &products[rows - 1], &mut w[..F::WORDS]);
    let totals_words = totals.as_mut_ptr().cast::<i64>();
    for (i, word) in w[..F::WORDS].iter().enumerate() {
        let index = _mm512_add_epi64(all.first_word, _mm512_set1_epi64(i as i64));
        _mm512_i64scatter_epi64::<8>(totals_words, index, *word);
    }
    crate::inverse::batch_invert_array(&mut totals);
    let mut w: [__m512i; 8] = core::array::from_fn(|i| {
        if i >= F::WORDS {
            return _mm512_setzero_si512();
        }
        let index = _mm512_add_epi64(all.first_word, _mm512_set1_epi64(i as i64));
        _mm512_i64gather_epi64::<8>(index, totals_words)
    });
    // Below 16 p, and it stays there as it takes up each row's denominator.
    let mut inverse = F::from_words(m, &w[..F::WORDS]);
    for r in (0..rows).rev() {
        let row_inverse = if r == 0 {
            inverse
        } else {
            let own = F::lanes_mul(m, &products[r - 1], &inverse);
            inverse = F::lanes_mul(m, &inverse, &denominators[r]);
            own
        };
        let at = row(r);
        let (x1, x2) = (&x1s[r], &x2s[r]);
        let (y1, y2) = (gather(&at, 1, &zero), gather(&at, 3, &zero));
        // Per component (Fq2's bounds; Fq's are lower): lambda < 16 p, lambda^2 < 16 p,
        // x3 < 48 p, so 0 < x1 - x3 + 48 p < 64 p; y3 < 43 p.
        let lambda = F::lanes_mul(m, &F::lanes_sub(m, &y2, &y1, P16), &row_inverse);
        let x3 = F::lanes_sub(
            m,
            &F::lanes_sub(m, &F::lanes_mul(m, &lambda, &lambda), x1, P16),
            x2,
            P16,
        );
        let y3 = F::lanes_sub(
            m,
            &F::lanes_mul(m, &lambda, &F::lanes_sub(m, x1, &x3, P48)),
            &y1,
            P16,
        );
        for (coordinate, value) in [(0i64, &x3), (1, &y3)] {
            F::to_words(m, value, &mut w[..F::WORDS]);
            for (i, word) in w[..F::WORDS].iter().enumerate() {
                let index = _mm512_add_epi64(
                    at.first_word,
                    _mm512_set1_epi64(coordinate * F::WORDS as i64 + i as i64),
                );
                // SAFETY: as for the gathers; the entries are borrowed mutably.
                _mm512_mask_i64scatter_epi64::<8>(words, at.present, index, *word);
            }
        }
    }
}
