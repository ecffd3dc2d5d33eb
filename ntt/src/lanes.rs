//! The CPU NTT's butterflies eight abreast, with AVX-512 IFMA ([`kiln_field::ifma`]).
//!
//! A butterfly is one field multiplication and two additions; on the scalar path the
//! multiplication is most of it (BENCHMARKS.md: within 1.1x-1.4x of that floor at large
//! sizes). Every butterfly of a stage is independent, so eight run at once in
//! [`Lanes`](kiln_field::ifma::Lanes) (five 52-bit limbs per element, limb-major). Converting
//! between arkworks' layout and lanes costs about as much as a butterfly, so it is paid once per
//! block, not per stage:
//!
//! - a block of at most [`LANE_BLOCK`] values (the depth-first recursion's blocks, in cache) is
//!   gathered into lanes once, runs every remaining stage there, and is scattered back;
//! - stages whose butterflies pair values at least eight apart pair whole vectors (value
//!   `8v + k` sits in lane `k` of vector `v`);
//! - the last three stages pair values within a vector, so each group of eight vectors is
//!   transposed (per limb, an 8x8 transpose) and those stages, an eight-point transform of
//!   every group of eight values, run across the transposed vectors with constant twiddles;
//!   the scatter back writes the transposed vectors straight to their values;
//! - larger blocks run their radix-4 passes in lanes too, converting per pass.
//!
//! Bounds ([`kiln_field::ifma`]'s loose reduction): every stored value stays below `16 p`
//! (sums by [`add_below_16p`](kiln_field::ifma::IfmaModulus::add_below_16p); differences
//! `a - b + 16 p < 32 p` feed a multiplication whose product by a twiddle below `16 p` is below
//! `8 p`), and the scatter writes canonical arkworks values. Results equal the scalar path's
//! exactly (`ntt/tests/cpu_ntt.rs` runs every op with lanes on and off against arkworks).

#[cfg(not(target_arch = "x86_64"))]
use ark_bn254::Fr;

/// Blocks of at most this many values run all their stages in lanes (32 KB of values per
/// 2^10; with their twiddles they stay in a core's L2).
pub const LANE_BLOCK: usize = 1 << 12;
/// The smallest block that runs in lanes: eight vectors, the unit of the transposed tail.
pub const MIN_LANE_BLOCK: usize = 64;

#[cfg(target_arch = "x86_64")]
pub use x86::{release_thread_scratch, LaneNtt};

/// What [`LaneNtt::powers`] does with the powers `first * ratio^k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Powers {
    /// `values[k] = first * ratio^k` (twiddle tables, coset points).
    Write,
    /// `values[k] *= first * ratio^k` (a coset's scaling).
    Multiply,
}

/// Without x86-64 there are no lanes: [`LaneNtt::new`] is always `None`.
#[cfg(not(target_arch = "x86_64"))]
pub struct LaneNtt(());

/// Without x86-64 no thread holds lane scratch.
#[cfg(not(target_arch = "x86_64"))]
pub fn release_thread_scratch() {}

#[cfg(not(target_arch = "x86_64"))]
impl LaneNtt {
    pub fn new() -> Option<Self> {
        None
    }
    pub fn block(&self, _: &mut [Fr], _: &[Fr], _: usize) {
        unreachable!("no LaneNtt exists without x86-64")
    }
    pub fn radix4(&self, _: usize, _: [&mut [Fr]; 4], _: &[Fr], _: usize, _: usize) {
        unreachable!("no LaneNtt exists without x86-64")
    }
    pub fn powers(&self, _: &mut [Fr], _: Fr, _: Fr, _: Powers) {
        unreachable!("no LaneNtt exists without x86-64")
    }
    pub fn scale(&self, _: &mut [Fr], _: Fr) {
        unreachable!("no LaneNtt exists without x86-64")
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use core::arch::x86_64::*;
    use std::cell::RefCell;

    use ark_bn254::Fr;
    use ark_ff::Field;
    use kiln_field::ifma::{Abreast, IfmaModulus, Lanes, Multiple};

    use super::{Powers, MIN_LANE_BLOCK};

    /// The eight-lane butterflies, for CPUs with AVX-512 IFMA. Holding one proves the CPU has
    /// it (it exists only through [`LaneNtt::new`]), which is what makes its methods safe.
    pub struct LaneNtt {
        modulus: IfmaModulus,
    }

    thread_local! {
        /// A block's lanes and one stage's twiddles, reused by every block a thread runs (a
        /// fresh 160 KB allocation per block would be mapped and faulted in each time).
        static SCRATCH: RefCell<(Vec<Lanes>, Vec<Lanes>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    }

    /// Frees this thread's block scratch (up to 160 KB); the next block allocates it again.
    pub fn release_thread_scratch() {
        SCRATCH.with(|scratch| {
            if let Ok(mut held) = scratch.try_borrow_mut() {
                *held = (Vec::new(), Vec::new());
            }
        });
    }

    /// Word offsets of eight values `stride` values apart (four words each).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn offsets(stride: usize) -> __m512i {
        let s = 4 * stride as i64;
        _mm512_set_epi64(7 * s, 6 * s, 5 * s, 4 * s, 3 * s, 2 * s, s, 0)
    }

    /// An 8x8 transpose of 64-bit words: row `r` of the result holds word `r` of every input.
    /// Three stages, each swapping one bit of the row index with the same bit of the column's.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn transpose8(rows: [__m512i; 8]) -> [__m512i; 8] {
        // Per stage: the indices (0..8 from the lower row, 8..16 from the upper) of the rows
        // whose index has the bit clear and set.
        let stages = [
            (
                1,
                _mm512_set_epi64(14, 6, 12, 4, 10, 2, 8, 0),
                _mm512_set_epi64(15, 7, 13, 5, 11, 3, 9, 1),
            ),
            (
                2,
                _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0),
                _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2),
            ),
            (
                4,
                _mm512_set_epi64(11, 10, 9, 8, 3, 2, 1, 0),
                _mm512_set_epi64(15, 14, 13, 12, 7, 6, 5, 4),
            ),
        ];
        let mut r = rows;
        for (bit, clear, set) in stages {
            let previous = r;
            for i in (0..8).filter(|i| i & bit == 0) {
                r[i] = _mm512_permutex2var_epi64(previous[i], clear, previous[i | bit]);
                r[i | bit] = _mm512_permutex2var_epi64(previous[i], set, previous[i | bit]);
            }
        }
        r
    }

    impl LaneNtt {
        /// The lanes, where this CPU has AVX-512 IFMA and they are not turned off
        /// ([`kiln_field::ifma::set_enabled`], `KILN_IFMA=off`).
        pub fn new() -> Option<Self> {
            <Fr as Abreast>::lanes_modulus().map(|modulus| LaneNtt { modulus })
        }

        /// Eight values `stride` apart from `first`, in lanes (below `16 p`).
        ///
        /// # Safety
        /// The eight values are readable; the CPU has IFMA (`self` exists).
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        unsafe fn load(&self, first: *const Fr, stride: usize) -> Lanes {
            let index = offsets(stride);
            let base = first.cast::<i64>();
            let words: [__m512i; 4] = core::array::from_fn(|k| unsafe {
                _mm512_i64gather_epi64::<8>(index, base.add(k))
            });
            unsafe { Fr::from_words(&self.modulus, &words) }
        }

        /// One value in all eight lanes.
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        unsafe fn broadcast(&self, value: &Fr) -> Lanes {
            let words: [__m512i; 4] =
                core::array::from_fn(|k| _mm512_set1_epi64((value.0).0[k] as i64));
            unsafe { Fr::from_words(&self.modulus, &words) }
        }

        /// Writes the eight canonical values of `v` to `stride` apart from `first`.
        ///
        /// # Safety
        /// The eight values are writable; `v` is below `64 p`.
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        unsafe fn store(&self, v: &Lanes, first: *mut Fr, stride: usize) {
            let index = offsets(stride);
            let base = first.cast::<i64>();
            let mut words = [_mm512_setzero_si512(); 4];
            unsafe { Fr::to_words(&self.modulus, v, &mut words) };
            for (k, word) in words.iter().enumerate() {
                unsafe { _mm512_i64scatter_epi64::<8>(base.add(k), index, *word) };
            }
        }

        /// The butterfly `(a, b) -> (a + b, (a - b) w)`.
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        fn butterfly(&self, a: &mut Lanes, b: &mut Lanes, w: &Lanes) {
            let m = &self.modulus;
            let (x, y) = (*a, *b);
            *a = m.add_below_16p(&x, &y);
            *b = m.mul(&m.sub(&x, &y, Multiple::P16), w);
        }

        /// The butterfly with twiddle one: `(a, b) -> (a + b, a - b)`.
        #[target_feature(enable = "avx512f,avx512ifma")]
        #[inline]
        fn butterfly_one(&self, a: &mut Lanes, b: &mut Lanes) {
            let m = &self.modulus;
            let (x, y) = (*a, *b);
            *a = m.add_below_16p(&x, &y);
            *b = m.sub_below_16p(&x, &y);
        }

        /// Every DIF stage of one block, as the scalar recursion would run them: `values` is a
        /// block of `m` values (a power of two, at least [`MIN_LANE_BLOCK`]) of an `n`-point
        /// transform, `roots[k] = w^k` for `k < n / 2`, `stride = n / m`. Leaves the block's
        /// transform in bit-reversed order.
        pub fn block(&self, values: &mut [Fr], roots: &[Fr], stride: usize) {
            let m = values.len();
            assert!(
                m.is_power_of_two() && m >= MIN_LANE_BLOCK,
                "lane block of {m} values"
            );
            assert!(
                roots.len() * 2 >= m * stride,
                "{} roots for a block of {m} at stride {stride}",
                roots.len()
            );
            SCRATCH.with(|scratch| {
                let (data, twiddles) = &mut *scratch.borrow_mut();
                // SAFETY: `self` proves the CPU features; the asserts above bound every index
                // the block touches (see `block_stages`).
                unsafe { self.block_stages(values, roots, stride, data, twiddles) }
            });
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn block_stages(
            &self,
            values: &mut [Fr],
            roots: &[Fr],
            stride: usize,
            data: &mut Vec<Lanes>,
            twiddles: &mut Vec<Lanes>,
        ) {
            let m = values.len();
            let vectors = m / 8;
            data.clear();
            for v in 0..vectors {
                // SAFETY: values 8v .. 8v + 8 are in the block.
                data.push(unsafe { self.load(values.as_ptr().add(8 * v), 1) });
            }
            // Stages pairing values h >= 8 apart pair vectors hv = h / 8 apart; the twiddle of
            // the j-th pair of a group is w^(j stride m / 2h).
            let mut h = m / 2;
            while h >= 8 {
                let hv = h / 8;
                let step = stride * (m / (2 * h));
                twiddles.clear();
                for j in 0..hv {
                    // SAFETY: the largest index is (h - 1) step < stride m / 2 <= roots.len().
                    twiddles.push(unsafe { self.load(roots.as_ptr().add(8 * j * step), step) });
                }
                for group in (0..vectors).step_by(2 * hv) {
                    let (lower, upper) = data[group..group + 2 * hv].split_at_mut(hv);
                    for ((a, b), w) in lower.iter_mut().zip(upper.iter_mut()).zip(twiddles.iter()) {
                        self.butterfly(a, b, w);
                    }
                }
                h /= 2;
            }
            // The last three stages: an eight-point transform of every eight consecutive values,
            // across the transposed vectors (t[k] lane g holds value 8g + k of the group), with
            // the twiddles w_8^k = roots[k n / 8].
            let eighth = stride * m / 8;
            let w8: [Lanes; 4] =
                core::array::from_fn(|k| unsafe { self.broadcast(&roots[k * eighth]) });
            for group in (0..vectors).step_by(8) {
                let rows = &data[group..group + 8];
                let mut limbs = [[_mm512_setzero_si512(); 8]; 5];
                for (l, limb) in limbs.iter_mut().enumerate() {
                    *limb = transpose8(core::array::from_fn(|r| rows[r].0[l]));
                }
                let mut t: [Lanes; 8] =
                    core::array::from_fn(|k| Lanes(core::array::from_fn(|l| limbs[l][k])));
                // Pairs four apart, twiddles w_8^k.
                let (low, high) = t.split_at_mut(4);
                for (k, (a, b)) in low.iter_mut().zip(high.iter_mut()).enumerate() {
                    if k == 0 {
                        self.butterfly_one(a, b);
                    } else {
                        self.butterfly(a, b, &w8[k]);
                    }
                }
                // Pairs two apart in each half, twiddles 1 and w_4 = w_8^2.
                for half in [0, 4] {
                    let (a, b) = t[half..half + 4].split_at_mut(2);
                    self.butterfly_one(&mut a[0], &mut b[0]);
                    self.butterfly(&mut a[1], &mut b[1], &w8[2]);
                }
                // Neighbours, twiddle 1.
                for pair in t.chunks_exact_mut(2) {
                    let (a, b) = pair.split_at_mut(1);
                    self.butterfly_one(&mut a[0], &mut b[0]);
                }
                // t[k] lane g is value 8 (group + g) + k: written eight values apart.
                for (k, v) in t.iter().enumerate() {
                    // SAFETY: values 8 group + k + 8 g for g < 8 are in the block.
                    unsafe { self.store(v, values.as_mut_ptr().add(8 * group + k), 8) };
                }
            }
        }

        /// `values[k] = first * ratio^k` or `values[k] *= first * ratio^k` ([`Powers`]), eight
        /// abreast: the lanes hold eight consecutive powers and step by `ratio^8` (two lane
        /// products per eight values where the scalar loop takes two products per value).
        pub fn powers(&self, values: &mut [Fr], first: Fr, ratio: Fr, what: Powers) {
            // SAFETY: `self` proves the CPU features; indices stay below `values.len()`.
            unsafe { self.powers_lanes(values, first, ratio, what) }
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn powers_lanes(&self, values: &mut [Fr], first: Fr, ratio: Fr, what: Powers) {
            let m = &self.modulus;
            let whole = values.len() / 8 * 8;
            let mut eight = [first; 8];
            for k in 1..8 {
                eight[k] = eight[k - 1] * ratio;
            }
            // SAFETY: `eight` is eight readable values.
            let mut p = unsafe { self.load(eight.as_ptr(), 1) };
            let step = unsafe { self.broadcast(&ratio.pow([8])) };
            for k in (0..whole).step_by(8) {
                // SAFETY: k + 8 <= whole <= values.len().
                unsafe {
                    let at = values.as_mut_ptr().add(k);
                    let out = match what {
                        Powers::Write => p,
                        Powers::Multiply => m.mul(&self.load(at, 1), &p),
                    };
                    self.store(&out, at, 1);
                }
                p = m.mul(&p, &step);
            }
            let mut power = first * ratio.pow([whole as u64]);
            for v in &mut values[whole..] {
                match what {
                    Powers::Write => *v = power,
                    Powers::Multiply => *v *= power,
                }
                power *= ratio;
            }
        }

        /// `values[k] *= c`, eight abreast.
        pub fn scale(&self, values: &mut [Fr], c: Fr) {
            // SAFETY: as for `powers`.
            unsafe { self.scale_lanes(values, c) }
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn scale_lanes(&self, values: &mut [Fr], c: Fr) {
            let whole = values.len() / 8 * 8;
            let factor = unsafe { self.broadcast(&c) };
            for k in (0..whole).step_by(8) {
                // SAFETY: k + 8 <= whole <= values.len().
                unsafe {
                    let at = values.as_mut_ptr().add(k);
                    self.store(&self.modulus.mul(&self.load(at, 1), &factor), at, 1);
                }
            }
            for v in &mut values[whole..] {
                *v *= c;
            }
        }

        /// The scalar recursion's radix-4 step (a block's first two stages) on one chunk of
        /// its quarters `q`, whose first pair index is `offset`: converting per pass, for
        /// blocks larger than [`super::LANE_BLOCK`]. Chunks are a multiple of eight long.
        pub fn radix4(
            &self,
            offset: usize,
            q: [&mut [Fr]; 4],
            roots: &[Fr],
            stride: usize,
            quarter: usize,
        ) {
            let len = q[0].len();
            assert!(
                len.is_multiple_of(8) && q.iter().all(|q| q.len() == len),
                "radix-4 chunk of {len}"
            );
            if len == 0 {
                return;
            }
            let last = offset + len - 1;
            assert!(
                (last + quarter) * stride < roots.len() && 2 * last * stride < roots.len(),
                "radix-4 chunk past the roots"
            );
            // SAFETY: `self` proves the CPU features; the asserts bound every index.
            unsafe { self.radix4_lanes(offset, q, roots, stride, quarter) }
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn radix4_lanes(
            &self,
            offset: usize,
            q: [&mut [Fr]; 4],
            roots: &[Fr],
            stride: usize,
            quarter: usize,
        ) {
            let [q0, q1, q2, q3] = q;
            let root = |k: usize| unsafe { roots.as_ptr().add(k * stride) };
            for k in (0..q0.len()).step_by(8) {
                let j = offset + k;
                // SAFETY (every load and store): k + 8 <= the chunk's length; the roots' bounds
                // were asserted by `radix4`.
                let (mut a, mut b, mut c, mut d) = unsafe {
                    (
                        self.load(q0.as_ptr().add(k), 1),
                        self.load(q1.as_ptr().add(k), 1),
                        self.load(q2.as_ptr().add(k), 1),
                        self.load(q3.as_ptr().add(k), 1),
                    )
                };
                let (w1, w3, w2) = unsafe {
                    (
                        self.load(root(j), stride),
                        self.load(root(j + quarter), stride),
                        self.load(root(2 * j), 2 * stride),
                    )
                };
                self.butterfly(&mut a, &mut c, &w1);
                self.butterfly(&mut b, &mut d, &w3);
                self.butterfly(&mut a, &mut b, &w2);
                self.butterfly(&mut c, &mut d, &w2);
                unsafe {
                    self.store(&a, q0.as_mut_ptr().add(k), 1);
                    self.store(&b, q1.as_mut_ptr().add(k), 1);
                    self.store(&c, q2.as_mut_ptr().add(k), 1);
                    self.store(&d, q3.as_mut_ptr().add(k), 1);
                }
            }
        }
    }
}
