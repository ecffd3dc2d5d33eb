//! Batched chord additions of affine points: the inner loop of the MSM's affine buckets.
//!
//! `(x1, y1) + (x2, y2)` with `x1 != x2` is `lambda = (y2 - y1) / (x2 - x1)`,
//! `x3 = lambda^2 - x1 - x2`, `y3 = lambda (x1 - x3) - y1`. A batch shares one inversion
//! (Montgomery's trick), leaving about six multiplications per addition; on CPUs with AVX-512
//! IFMA the 4-limb prime fields run them eight additions abreast ([`crate::ifma`]).

use crate::inverse::{batch_invert, Invert};
#[cfg(not(target_arch = "x86_64"))]
use ark_ff::{Fp2, Fp2Config, MontConfig};

use crate::BranchFree;
#[cfg(not(target_arch = "x86_64"))]
use crate::Fp4;

/// A field whose affine chord additions can run in batches.
pub trait ChordBatch: BranchFree + Invert {
    /// Whether [`ChordBatch::chord_batch`] runs on vector lanes here (worth gathering the
    /// additions into entries for); otherwise it is [`chord_batch_serial`].
    fn lanes_available() -> bool {
        false
    }

    /// For every entry `[x1, y1, x2, y2]` (which must have `x1 != x2`), writes the sum's `x3`
    /// and `y3` into `entry[0]` and `entry[1]`.
    fn chord_batch(entries: &mut [[Self; 4]]) {
        chord_batch_serial(entries)
    }
}

/// [`ChordBatch::chord_batch`] one addition at a time, with arkworks' multiplication.
pub fn chord_batch_serial<F: BranchFree + Invert>(entries: &mut [[F; 4]]) {
    let mut denominators: Vec<F> = entries.iter().map(|e| e[2].sub_bf(&e[0])).collect();
    batch_invert(&mut denominators);
    for (e, inverse) in entries.iter_mut().zip(&denominators) {
        let [x1, y1, x2, y2] = *e;
        let lambda = y2.sub_bf(&y1) * inverse;
        let x3 = lambda.square().sub_bf(&x1).sub_bf(&x2);
        e[1] = (lambda * x1.sub_bf(&x3)).sub_bf(&y1);
        e[0] = x3;
    }
}

#[cfg(target_arch = "x86_64")]
impl<F: BranchFree + Invert + crate::ifma::Abreast> ChordBatch for F {
    fn lanes_available() -> bool {
        F::lanes_modulus().is_some()
    }

    fn chord_batch(entries: &mut [[Self; 4]]) {
        match F::lanes_modulus() {
            // SAFETY: the modulus is F's own, so the CPU has AVX-512 F and IFMA.
            Some(m) => unsafe { crate::ifma::chord_batch(&m, entries) },
            None => chord_batch_serial(entries),
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl<C: MontConfig<4>> ChordBatch for Fp4<C> {}

#[cfg(not(target_arch = "x86_64"))]
impl<P: Fp2Config> ChordBatch for Fp2<P> where P::Fp: BranchFree {}
