//! Buffers in host memory, shared by the two CPU backends (`arkworks`, the reference, and
//! `cpu`, kiln's own MSM in `host/cpu`): the same storage, NTTs and vector operations, so the
//! backends differ only where they mean to, in their MSMs.
//!
//! Scalars are stored as [`HostScalars`]: a `Vec<Fr>` (Montgomery form, as arkworks keeps
//! them) and, once an MSM asks for it, the values' canonical form. NTTs are ark-poly's radix-2
//! domains and vector operations run on the rayon pool.

use std::sync::{RwLock, RwLockReadGuard};

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, PrimeField};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::backend::{Backend, DeviceBuffer, NttOp, Scalars, VecOp};
use crate::error::{Error, Result};

/// Points a host buffer of bases holds as a plain `Vec` (scalars are [`HostScalars`]).
pub trait HostBase: Send + Sync + 'static {}

impl<P: SWCurveConfig> HostBase for Affine<P> {}

/// Wraps host bases as a buffer of `backend`.
pub fn wrap<T: HostBase>(backend: &dyn Backend, values: Vec<T>) -> DeviceBuffer<T> {
    let len = values.len();
    DeviceBuffer::new(backend, len, Box::new(values))
}

/// The host storage behind a buffer of bases. A failed downcast means a buffer whose owner id
/// matched but whose storage is not a host `Vec`: an internal bug, reported rather than
/// panicked on.
pub fn host<'a, T: HostBase>(buf: &'a DeviceBuffer<T>, op: &'static str) -> Result<&'a Vec<T>> {
    buf.storage::<Vec<T>>().ok_or(not_host(op))
}

/// A scalar buffer in host memory, in one of two forms: Montgomery (`Fr`, what arkworks, the
/// NTTs and the vector operations take) or canonical limbs (what the cpu MSM's digits are read
/// from). The first MSM over a buffer converts it ([`HostScalars::canonical`]) and the MSMs
/// after it share that form: a Groth16 proof runs four MSMs over one assignment at once, which
/// so hold one copy of it between them, not five. A change to the values converts back.
///
/// The form sits behind a lock that is never waited on while it is read: conversions take it
/// with `try_write` and run on the calling thread alone (rayon inside could steal a job that
/// reads this buffer further up the same stack), so a reader only ever waits for a conversion
/// in progress, which waits on nothing. Where readers hold the other form, a caller gets a
/// converted copy of its own instead.
#[derive(Debug)]
pub struct HostScalars {
    len: usize,
    form: RwLock<Form>,
}

#[derive(Debug)]
enum Form {
    Montgomery(Vec<Fr>),
    Canonical(Vec<[u64; 4]>),
}

fn to_canonical(values: &[Fr]) -> Vec<[u64; 4]> {
    values.iter().map(|s| s.into_bigint().0).collect()
}

fn to_montgomery(limbs: &[[u64; 4]]) -> Vec<Fr> {
    // Every limb vector came from `into_bigint` of an `Fr`, so it is below the modulus.
    limbs
        .iter()
        .map(|l| Fr::from_bigint(BigInt(*l)).unwrap_or_default())
        .collect()
}

/// A view of a buffer in the form asked for: the buffer's own (shared, read-locked) or a
/// converted copy where the buffer is in the other form and in use.
pub struct View<'a, T>(Held<'a, T>);

enum Held<'a, T> {
    /// Only made while the guarded form is `T`'s, which the lock then keeps.
    Shared(RwLockReadGuard<'a, Form>),
    Copy(Vec<T>),
}

impl std::ops::Deref for View<'_, Fr> {
    type Target = [Fr];
    fn deref(&self) -> &[Fr] {
        match &self.0 {
            Held::Shared(guard) => match &**guard {
                Form::Montgomery(v) => v,
                Form::Canonical(_) => unreachable!("a shared Fr view holds Montgomery values"),
            },
            Held::Copy(v) => v,
        }
    }
}

impl std::ops::Deref for View<'_, [u64; 4]> {
    type Target = [[u64; 4]];
    fn deref(&self) -> &[[u64; 4]] {
        match &self.0 {
            Held::Shared(guard) => match &**guard {
                Form::Canonical(v) => v,
                Form::Montgomery(_) => unreachable!("a shared limb view holds canonical limbs"),
            },
            Held::Copy(v) => v,
        }
    }
}

impl HostScalars {
    pub fn new(values: Vec<Fr>) -> Self {
        HostScalars {
            len: values.len(),
            form: RwLock::new(Form::Montgomery(values)),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A conversion in progress may hold the lock; it finishes without waiting on anything.
    fn read(&self) -> RwLockReadGuard<'_, Form> {
        self.form
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The values in Montgomery form.
    pub fn values(&self) -> View<'_, Fr> {
        let guard = self.read();
        match &*guard {
            Form::Montgomery(_) => View(Held::Shared(guard)),
            Form::Canonical(limbs) => View(Held::Copy(to_montgomery(limbs))),
        }
    }

    /// The values to change in place (converted back to Montgomery form if an MSM had
    /// converted them).
    pub fn values_mut(&mut self) -> &mut Vec<Fr> {
        let form = self
            .form
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Form::Canonical(limbs) = form {
            *form = Form::Montgomery(to_montgomery(limbs));
        }
        match form {
            Form::Montgomery(values) => values,
            Form::Canonical(_) => unreachable!("converted just above"),
        }
    }

    /// The values' canonical limbs (little-endian), converting the buffer on first use.
    pub fn canonical(&self) -> View<'_, [u64; 4]> {
        {
            let guard = self.read();
            if let Form::Canonical(_) = &*guard {
                return View(Held::Shared(guard));
            }
        }
        if let Ok(mut form) = self.form.try_write() {
            if let Form::Montgomery(values) = &*form {
                *form = Form::Canonical(to_canonical(values));
            }
        }
        // Converted (here or by another caller that held the lock), or read as Montgomery
        // values by someone else (a vector operation's operand, or another MSM that was just
        // looking, which is rare): then a copy of this caller's own rather than a wait.
        let guard = self.read();
        match &*guard {
            Form::Canonical(_) => View(Held::Shared(guard)),
            Form::Montgomery(values) => View(Held::Copy(to_canonical(values))),
        }
    }
}

/// Wraps host scalar `values` as a buffer of `backend`.
pub fn wrap_scalars(backend: &dyn Backend, values: Vec<Fr>) -> Scalars {
    let len = values.len();
    DeviceBuffer::new(backend, len, Box::new(HostScalars::new(values)))
}

/// The host storage behind a scalar buffer.
pub fn scalars<'a>(buf: &'a Scalars, op: &'static str) -> Result<&'a HostScalars> {
    buf.storage::<HostScalars>().ok_or(not_host(op))
}

/// The values of a host scalar buffer, to change in place.
pub fn scalars_mut<'a>(buf: &'a mut Scalars, op: &'static str) -> Result<&'a mut Vec<Fr>> {
    Ok(buf
        .storage_mut::<HostScalars>()
        .ok_or(not_host(op))?
        .values_mut())
}

fn not_host(op: &'static str) -> Error {
    Error::Device {
        op,
        message: "buffer storage is not a host buffer".into(),
    }
}

fn domain(len: usize) -> Result<Radix2EvaluationDomain<Fr>> {
    Radix2EvaluationDomain::new(len).ok_or(Error::NttLength {
        len,
        why: "no radix-2 domain of this size",
    })
}

/// `op` on a host scalar buffer, in place.
pub fn ntt(values: &mut Scalars, op: NttOp) -> Result<()> {
    let v = scalars_mut(values, op.name())?;
    let subgroup = domain(v.len())?;
    let coset = |g| {
        subgroup.get_coset(g).ok_or(Error::NttLength {
            len: v.len(),
            why: "no coset domain of this size",
        })
    };
    match op {
        NttOp::Forward => subgroup.fft_in_place(v),
        NttOp::Inverse => subgroup.ifft_in_place(v),
        NttOp::CosetForward(g) => coset(g)?.fft_in_place(v),
        NttOp::CosetInverse(g) => coset(g)?.ifft_in_place(v),
    }
    Ok(())
}

/// `op` element-wise on host scalar buffers, in place.
pub fn vec_op(values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
    let name = op.name();
    let (rhs, f): (&Scalars, fn(&mut Fr, &Fr)) = match op {
        VecOp::Add(rhs) => (rhs, |a, b| *a += b),
        VecOp::Sub(rhs) => (rhs, |a, b| *a -= b),
        VecOp::Mul(rhs) => (rhs, |a, b| *a *= b),
        VecOp::Copy(rhs) => (rhs, |a, b| *a = *b),
        VecOp::Scale(c) => {
            scalars_mut(values, name)?
                .par_iter_mut()
                .for_each(|a| *a *= c);
            return Ok(());
        }
        VecOp::AddScalar(c) => {
            scalars_mut(values, name)?
                .par_iter_mut()
                .for_each(|a| *a += c);
            return Ok(());
        }
    };
    let rhs = scalars(rhs, name)?.values();
    let rhs: &[Fr] = &rhs;
    let lhs = scalars_mut(values, name)?;
    lhs.par_iter_mut()
        .zip(rhs.par_iter())
        .for_each(|(a, b)| f(a, b));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::seeded_rng;
    use ark_ff::{AdditiveGroup, UniformRand};

    fn random(len: usize, label: &str) -> Vec<Fr> {
        let mut rng = seeded_rng(label);
        let mut values: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
        // The edges: zero, one, r - 1.
        values.extend([Fr::from(0u64), Fr::from(1u64), -Fr::from(1u64)]);
        values
    }

    fn limbs(values: &[Fr]) -> Vec<[u64; 4]> {
        values.iter().map(|v| v.into_bigint().0).collect()
    }

    #[test]
    fn both_forms_read_the_same_values_and_a_change_converts_back() {
        let values = random(300, "host scalars forms");
        let mut buffer = HostScalars::new(values.clone());
        assert_eq!(&*buffer.canonical(), limbs(&values).as_slice());
        // Now canonical: Montgomery readers get a converted copy, MSMs the buffer's own.
        assert_eq!(&*buffer.values(), values.as_slice());
        assert_eq!(&*buffer.canonical(), limbs(&values).as_slice());
        // A change goes to Montgomery values, and the next MSM sees it.
        let doubled: Vec<Fr> = values.iter().map(|v| v.double()).collect();
        for v in buffer.values_mut().iter_mut() {
            *v = v.double();
        }
        assert_eq!(&*buffer.values(), doubled.as_slice());
        assert_eq!(&*buffer.canonical(), limbs(&doubled).as_slice());
        assert_eq!(buffer.len(), values.len());
    }

    /// A caller that holds the Montgomery values (a vector operation's right-hand side, up the
    /// same thread's stack) and then asks for the canonical form must get it without waiting on
    /// itself: a copy, the buffer left as it is.
    #[test]
    fn asking_for_limbs_while_values_are_read_makes_a_copy_instead_of_waiting() {
        let values = random(100, "host scalars held");
        let buffer = HostScalars::new(values.clone());
        let held = buffer.values();
        assert_eq!(&*buffer.canonical(), limbs(&values).as_slice());
        assert_eq!(&*held, values.as_slice());
        drop(held);
        // The reverse: limbs held, values asked for.
        let held = buffer.canonical();
        assert_eq!(&*buffer.values(), values.as_slice());
        assert_eq!(&*held, limbs(&values).as_slice());
    }

    /// Many threads asking at once convert once and all read the same limbs.
    #[test]
    fn concurrent_msms_share_one_conversion() {
        let values = random(5000, "host scalars concurrent");
        let want = limbs(&values);
        let buffer = HostScalars::new(values);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| assert_eq!(&*buffer.canonical(), want.as_slice()));
            }
        });
        let form = buffer.form.read().unwrap();
        assert!(matches!(&*form, Form::Canonical(_)));
    }
}
