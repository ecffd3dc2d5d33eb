//! What bounds one BN254 Fq product on a CPU without AVX-512 IFMA, on one thread:
//!
//! `cargo run --release -p kiln-field --example product_bound`
//!
//! - arkworks' product over 1,024 independent values (throughput) and along one dependent
//!   chain (latency): equal times mean the integer units' throughput bounds a product, not its
//!   dependency chain, so a reordered scalar product cannot gain much;
//! - a prototype of four products abreast on AVX2 (`vpmuludq`, nine 29-bit limbs, Montgomery
//!   with `R = 2^261`), one vector and two interleaved, each result checked against arkworks.
//!
//! It answers whether products four abreast on AVX2 could do for CPUs without IFMA what
//! `kiln_field::ifma` does for those with it (BENCHMARKS.md, "Stop 34"). Median of 7 runs each.

use std::time::Instant;

use ark_bn254::Fq;
use ark_ff::UniformRand;
use kiln_host::conformance::seeded_rng;

/// Median nanoseconds per product of `f`, which computes `products` of them.
fn median_ns(products: usize, mut f: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e9 / products as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[3]
}

fn main() {
    let mut rng = seeded_rng("product_bound");
    let values: Vec<Fq> = (0..1024).map(|_| Fq::rand(&mut rng)).collect();
    let factor = Fq::rand(&mut rng);
    let rounds = 2000;

    let mut v = values.clone();
    let throughput = median_ns(v.len() * rounds, || {
        for _ in 0..rounds {
            v.iter_mut().for_each(|x| *x *= factor);
        }
        std::hint::black_box(&v);
    });
    let chain = 2_000_000;
    let latency = median_ns(chain, || {
        let mut x = values[0];
        for _ in 0..chain {
            x *= factor;
        }
        std::hint::black_box(x);
    });
    println!("arkworks Fq product: {throughput:.2} ns independent, {latency:.2} ns in a chain");

    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present (checked just above).
        unsafe { avx2::report(&values, factor, rounds) };
        return;
    }
    println!("AVX2 prototype: not run (no AVX2 on this CPU)");
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use ark_bn254::{Fq, FqConfig};
    use ark_ff::MontConfig;

    use super::median_ns;

    const LIMBS: usize = 9;
    const BITS: u32 = 29;
    const MASK: u64 = (1 << BITS) - 1;
    const MODULUS: [u64; 4] = <FqConfig as MontConfig<4>>::MODULUS.0;

    type Lanes = [__m256i; LIMBS];

    /// 29-bit limbs of a 256-bit little-endian value below 2^261.
    fn split(x: &[u64; 4]) -> [u64; LIMBS] {
        std::array::from_fn(|i| {
            let bit = i * BITS as usize;
            let (word, shift) = (bit / 64, bit % 64);
            let mut v = x[word] >> shift;
            if shift + BITS as usize > 64 && word + 1 < 4 {
                v |= x[word + 1] << (64 - shift);
            }
            v & MASK
        })
    }

    /// The value of carried (29-bit) limbs, reduced once below the modulus.
    fn join(limbs: &[u64; LIMBS]) -> [u64; 4] {
        let mut x = [0u64; 4];
        for (i, &l) in limbs.iter().enumerate() {
            let bit = i * BITS as usize;
            let (word, shift) = (bit / 64, bit % 64);
            if word < 4 {
                x[word] |= l << shift;
            }
            if shift + BITS as usize > 64 && word + 1 < 4 {
                x[word + 1] |= l >> (64 - shift);
            }
        }
        let mut reduced = [0u64; 4];
        let mut borrow = false;
        for j in 0..4 {
            let (d, b1) = x[j].overflowing_sub(MODULUS[j]);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            reduced[j] = d;
            borrow = b1 | b2;
        }
        if borrow {
            x
        } else {
            reduced
        }
    }

    /// `x * 2^261 mod p`, canonical: the form the prototype computes in.
    fn to_form(x: Fq) -> [u64; 4] {
        (x * Fq::from(1u64 << 5)).0 .0 // arkworks holds x * 2^256
    }

    fn broadcast(limbs: &[u64; LIMBS]) -> Lanes {
        // SAFETY: AVX2 is enabled by the callers' check; these are plain register moves.
        std::array::from_fn(|i| unsafe { _mm256_set1_epi64x(limbs[i] as i64) })
    }

    /// Four products `a * b / 2^261 mod p` (below 2p) lane by lane, for limbs below 2^29.
    /// Limbs take up to eighteen 58-bit products before the final carry, far below 2^64.
    #[target_feature(enable = "avx2")]
    unsafe fn mul4(a: &Lanes, b: &Lanes, p: &Lanes, p_inv: __m256i) -> Lanes {
        let mask = _mm256_set1_epi64x(MASK as i64);
        let mut t = [_mm256_setzero_si256(); LIMBS + 1];
        for &bi in b {
            for j in 0..LIMBS {
                t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(a[j], bi));
            }
            let m = _mm256_and_si256(_mm256_mul_epu32(t[0], p_inv), mask);
            for j in 0..LIMBS {
                t[j] = _mm256_add_epi64(t[j], _mm256_mul_epu32(p[j], m));
            }
            // t[0] is now a multiple of 2^29: drop it, carrying its high part up.
            let carry = _mm256_srli_epi64(t[0], BITS as i32);
            t[0] = _mm256_add_epi64(t[1], carry);
            t.copy_within(2.., 1);
            t[LIMBS] = _mm256_setzero_si256();
        }
        let mut out = [_mm256_setzero_si256(); LIMBS];
        let mut carry = _mm256_setzero_si256();
        for j in 0..LIMBS {
            let v = _mm256_add_epi64(t[j], carry);
            out[j] = _mm256_and_si256(v, mask);
            carry = _mm256_srli_epi64(v, BITS as i32);
        }
        out
    }

    #[target_feature(enable = "avx2")]
    unsafe fn one_vector(v: &mut [Lanes], f: &Lanes, p: &Lanes, p_inv: __m256i, rounds: usize) {
        for _ in 0..rounds {
            for x in v.iter_mut() {
                *x = mul4(x, f, p, p_inv);
            }
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn two_vectors(v: &mut [Lanes], f: &Lanes, p: &Lanes, p_inv: __m256i, rounds: usize) {
        for _ in 0..rounds {
            for pair in v.chunks_exact_mut(2) {
                // Independent, so the core may overlap them; inlined into one loop body.
                let (x, y) = (mul4(&pair[0], f, p, p_inv), mul4(&pair[1], f, p, p_inv));
                pair[0] = x;
                pair[1] = y;
            }
        }
    }

    fn lane(v: &Lanes, k: usize) -> [u64; LIMBS] {
        std::array::from_fn(|i| {
            let mut words = [0u64; 4];
            // SAFETY: an unaligned store of one 256-bit register into four words.
            unsafe { _mm256_storeu_si256(words.as_mut_ptr() as *mut __m256i, v[i]) };
            words[k]
        })
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn report(values: &[Fq], factor: Fq, rounds: usize) {
        let p_limbs = split(&MODULUS);
        let p = broadcast(&p_limbs);
        // -p^-1 mod 2^29, by Newton's iteration on the 64-bit inverse.
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(p_limbs[0].wrapping_mul(inv)));
        }
        let p_inv = _mm256_set1_epi64x((inv.wrapping_neg() & MASK) as i64);
        let f = broadcast(&split(&to_form(factor)));
        let packed: Vec<Lanes> = values
            .chunks_exact(4)
            .map(|c| {
                let l: Vec<[u64; LIMBS]> = c.iter().map(|x| split(&to_form(*x))).collect();
                std::array::from_fn(|i| {
                    _mm256_set_epi64x(
                        l[3][i] as i64,
                        l[2][i] as i64,
                        l[1][i] as i64,
                        l[0][i] as i64,
                    )
                })
            })
            .collect();

        let mut checked = packed.clone();
        one_vector(&mut checked, &f, &p, p_inv, 1);
        for (k, v) in checked.iter().enumerate() {
            for l in 0..4 {
                let want = to_form(values[4 * k + l] * factor);
                assert_eq!(
                    join(&lane(v, l)),
                    want,
                    "AVX2 product {} differs from arkworks",
                    4 * k + l
                );
            }
        }
        println!(
            "AVX2 prototype: {} products equal arkworks'",
            4 * checked.len()
        );

        let products = 4 * packed.len() * rounds;
        let mut v = packed.clone();
        let one = median_ns(products, || unsafe {
            one_vector(&mut v, &f, &p, p_inv, rounds)
        });
        let mut v = packed;
        let two = median_ns(products, || unsafe {
            two_vectors(&mut v, &f, &p, p_inv, rounds)
        });
        println!("AVX2 four abreast: {one:.2} ns a product; two vectors interleaved: {two:.2} ns");
    }
}
