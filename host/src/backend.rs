//! The backend seam: the one interface through which provers do everything heavy.
//!
//! A backend owns one device and implements [`Backend`]: uploads into resident device buffers,
//! G1 and G2 multi-scalar multiplication over resident bases, forward/inverse/coset NTTs over
//! resident Fr vectors, and the few element-wise vector operations a prover needs between NTTs.
//! Data stays on the device between calls: a prover uploads a proving key's bases once and then
//! streams only scalars; NTT results feed the next NTT or an MSM without coming back to the host.
//!
//! Callers use the checked methods on `dyn Backend` ([`msm_g1`](trait.Backend.html#method.msm_g1) and
//! friends, defined in `impl dyn Backend`), which validate lengths, sizes and buffer ownership and
//! then call the backend's lean `*_unchecked` entry points. A backend author implements only those
//! entry points and may rely on the documented preconditions.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ff::Zero;

use crate::device::DeviceInfo;
use crate::error::{Error, Result};

/// The largest NTT: BN254's Fr has 2-adicity 28, so radix-2 domains exist up to 2^28 points.
pub const MAX_LOG_NTT: u32 = 28;

/// Identifies one backend instance, so a buffer cannot be used with a backend that did not make it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackendId(u64);

impl BackendId {
    /// A fresh id, distinct from every other id in this process.
    pub fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        BackendId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A buffer of `T` values resident on a backend's device.
///
/// The handle records its owner and length; the storage itself is the backend's business (a host
/// `Vec` for the CPU backend, a device allocation for the GPU backends) and is only reachable by
/// that backend through [`DeviceBuffer::storage`]. Dropping the handle frees the device memory.
pub struct DeviceBuffer<T> {
    owner: BackendId,
    owner_name: &'static str,
    len: usize,
    storage: Box<dyn Any + Send + Sync>,
    _values: PhantomData<fn() -> T>,
}

impl<T> DeviceBuffer<T> {
    /// Wraps backend-specific storage holding `len` values. Called by backends only.
    pub fn new(backend: &dyn Backend, len: usize, storage: Box<dyn Any + Send + Sync>) -> Self {
        DeviceBuffer {
            owner: backend.id(),
            owner_name: backend.name(),
            len,
            storage,
            _values: PhantomData,
        }
    }

    /// Number of values in the buffer.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The backend instance that owns this buffer.
    pub fn owner(&self) -> BackendId {
        self.owner
    }

    /// The backend's own storage, downcast to its concrete type. `None` means the storage is not
    /// a `S`, which for a buffer that passed the ownership check is a bug in that backend.
    pub fn storage<S: 'static>(&self) -> Option<&S> {
        self.storage.downcast_ref()
    }

    /// Mutable access to the backend's own storage.
    pub fn storage_mut<S: 'static>(&mut self) -> Option<&mut S> {
        self.storage.downcast_mut()
    }

    fn check_owner(&self, backend: &dyn Backend, op: &'static str) -> Result<()> {
        if self.owner == backend.id() {
            Ok(())
        } else {
            Err(Error::ForeignBuffer {
                op,
                expected: backend.id().0,
                found: self.owner.0,
                found_name: self.owner_name,
            })
        }
    }
}

impl<T> fmt::Debug for DeviceBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceBuffer")
            .field("owner", &self.owner_name)
            .field("len", &self.len)
            .finish()
    }
}

/// Resident G1 bases.
pub type G1Bases = DeviceBuffer<G1Affine>;
/// Resident G2 bases.
pub type G2Bases = DeviceBuffer<G2Affine>;
/// A resident vector of Fr scalars.
pub type Scalars = DeviceBuffer<Fr>;

/// Which transform to apply. All transforms take and return values in natural order.
///
/// With `n` the vector length (a power of two) and `w` arkworks' primitive n-th root of unity
/// (`Fr::get_root_of_unity(n)`, i.e. `TWO_ADIC_ROOT_OF_UNITY^(2^(28 - log n))`):
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NttOp {
    /// Coefficients to evaluations: `out[j] = sum_i in[i] * w^(i*j)`.
    Forward,
    /// Evaluations to coefficients: the inverse of [`NttOp::Forward`].
    Inverse,
    /// Coefficients to evaluations on the coset `g * <w>`: `out[j] = sum_i in[i] * (g * w^j)^i`.
    CosetForward(Fr),
    /// Evaluations on the coset `g * <w>` to coefficients: the inverse of `CosetForward(g)`.
    CosetInverse(Fr),
}

impl NttOp {
    /// A short name for logs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            NttOp::Forward => "ntt",
            NttOp::Inverse => "intt",
            NttOp::CosetForward(_) => "coset-ntt",
            NttOp::CosetInverse(_) => "coset-intt",
        }
    }
}

/// An element-wise operation on a resident vector `a`: `a[i] <- a[i] op rhs[i]`, or with a
/// constant `c`. These are what provers need between NTTs (Groth16's `A*B - C`, PLONK's quotient
/// over the 4n coset), so the data never leaves the device.
#[derive(Clone, Copy, Debug)]
pub enum VecOp<'a> {
    /// `a[i] + rhs[i]`
    Add(&'a Scalars),
    /// `a[i] - rhs[i]`
    Sub(&'a Scalars),
    /// `a[i] * rhs[i]`
    Mul(&'a Scalars),
    /// `a[i] * c`
    Scale(Fr),
    /// `a[i] + c`
    AddScalar(Fr),
    /// `rhs[i]`: a device-to-device copy into an existing buffer of the same length.
    Copy(&'a Scalars),
}

impl VecOp<'_> {
    /// A short name for logs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            VecOp::Add(_) => "vec-add",
            VecOp::Sub(_) => "vec-sub",
            VecOp::Mul(_) => "vec-mul",
            VecOp::Scale(_) => "vec-scale",
            VecOp::AddScalar(_) => "vec-add-scalar",
            VecOp::Copy(_) => "vec-copy",
        }
    }

    /// The right-hand vector, for the operations that have one.
    pub fn rhs(&self) -> Option<&Scalars> {
        match *self {
            VecOp::Add(rhs) | VecOp::Sub(rhs) | VecOp::Mul(rhs) | VecOp::Copy(rhs) => Some(rhs),
            VecOp::Scale(_) | VecOp::AddScalar(_) => None,
        }
    }
}

/// One accelerator: what each backend (cpu, cuda, wgpu, fpga, fpga-sim) implements.
///
/// The `*_unchecked` methods are the device entry points. They may assume what the checked
/// wrappers on `dyn Backend` guarantee: every buffer argument was made by this backend instance,
/// lengths match, and NTT lengths are powers of two no larger than 2^[`MAX_LOG_NTT`].
pub trait Backend: Send + Sync {
    /// The name the backend is selected by (`"cpu"`, `"arkworks"`, `"cuda"`, ...).
    fn name(&self) -> &'static str;
    /// This instance's id; buffers remember it.
    fn id(&self) -> BackendId;
    /// The device this instance drives.
    fn device_info(&self) -> DeviceInfo;
    /// Whether it computes on the host CPU in host memory (`arkworks`, `cpu`). Such a backend
    /// shares the rayon pool, so a prover runs its independent operations concurrently; its
    /// results are checked bit for bit against the reference in the test suite, so a proof
    /// that does not verify is blamed on the inputs without proving again on the reference.
    fn on_host(&self) -> bool {
        false
    }

    /// Frees the host memory the backend keeps between operations for speed (per-thread
    /// scratch), for a caller that will not run those operations again soon: a one-shot
    /// prover between its stages. Costs the next such operation its allocation again.
    fn release_scratch(&self) {}

    /// Copies G1 bases to the device.
    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases>;
    /// Copies G2 bases to the device.
    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases>;
    /// Moves G1 bases to the device. Backends whose device memory is host memory keep the
    /// vector itself, so a prover loading a key holds one copy of its bases, not two.
    fn upload_g1_owned(&self, bases: Vec<G1Affine>) -> Result<G1Bases> {
        self.upload_g1(&bases)
    }
    /// Moves G2 bases to the device (as [`upload_g1_owned`](Backend::upload_g1_owned)).
    fn upload_g2_owned(&self, bases: Vec<G2Affine>) -> Result<G2Bases> {
        self.upload_g2(&bases)
    }
    /// Copies scalars to the device.
    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars>;
    /// Moves scalars to the device (as [`upload_g1_owned`](Backend::upload_g1_owned)): a
    /// prover's working vectors, which it does not read again on the host.
    fn upload_scalars_owned(&self, values: Vec<Fr>) -> Result<Scalars> {
        self.upload_scalars(&values)
    }
    /// Copies scalars back to the host.
    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>>;

    /// `sum_i scalars[i] * bases[i]`, with `bases.len() == scalars.len()`.
    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective>;
    /// `sum_i scalars[i] * bases[i]` in G2, with `bases.len() == scalars.len()`.
    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective>;
    /// Transforms `values` in place; the length is a power of two, at most 2^28.
    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()>;
    /// Applies `op` element-wise; any right-hand vector has the same length as `values`.
    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()>;
}

fn same_len(
    op: &'static str,
    left_name: &'static str,
    left: usize,
    right_name: &'static str,
    right: usize,
) -> Result<()> {
    if left == right {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            op,
            left_name,
            left,
            right_name,
            right,
        })
    }
}

/// The checked entry points. Provers and tools call these.
impl dyn Backend + '_ {
    /// Copies a resident scalar vector back to the host.
    pub fn download_scalars(&self, values: &Scalars) -> Result<Vec<Fr>> {
        values.check_owner(self, "download")?;
        self.download_scalars_unchecked(values)
    }

    /// G1 multi-scalar multiplication over resident bases. Lengths must match exactly; an empty
    /// MSM is the identity.
    pub fn msm_g1(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        bases.check_owner(self, "msm-g1")?;
        scalars.check_owner(self, "msm-g1")?;
        same_len("msm-g1", "bases", bases.len(), "scalars", scalars.len())?;
        if scalars.is_empty() {
            return Ok(G1Projective::zero());
        }
        self.msm_g1_unchecked(bases, scalars)
    }

    /// G2 multi-scalar multiplication over resident bases. Lengths must match exactly.
    pub fn msm_g2(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        bases.check_owner(self, "msm-g2")?;
        scalars.check_owner(self, "msm-g2")?;
        same_len("msm-g2", "bases", bases.len(), "scalars", scalars.len())?;
        if scalars.is_empty() {
            return Ok(G2Projective::zero());
        }
        self.msm_g2_unchecked(bases, scalars)
    }

    /// An NTT in place on a resident vector whose length is a power of two up to 2^28.
    pub fn ntt(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        values.check_owner(self, op.name())?;
        let len = values.len();
        if !len.is_power_of_two() {
            return Err(Error::NttLength {
                len,
                why: "not a power of two",
            });
        }
        if len > 1usize << MAX_LOG_NTT {
            return Err(Error::NttLength {
                len,
                why: "larger than 2^28, the largest power-of-two subgroup of BN254's Fr",
            });
        }
        if let NttOp::CosetForward(g) | NttOp::CosetInverse(g) = op {
            if g.is_zero() {
                return Err(Error::ZeroCosetShift);
            }
        }
        self.ntt_unchecked(values, op)
    }

    /// An element-wise operation on resident vectors of equal length.
    pub fn vec_op(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        values.check_owner(self, op.name())?;
        if let Some(rhs) = op.rhs() {
            rhs.check_owner(self, op.name())?;
            same_len(op.name(), "left", values.len(), "right", rhs.len())?;
        }
        self.vec_op_unchecked(values, op)
    }
}
