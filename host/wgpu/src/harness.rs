//! Field and curve operations on arrays through test-only kernels (`harness_field.wgsl`,
//! `harness_curve.wgsl`, `bench.wgsl`): how the tests compare thousands of WGSL results with
//! arkworks, and how the limb-size benchmark times Montgomery multiplication.

use ark_bn254::{Fq, Fq2, Fr};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::Field;

use kiln_host::error::{Error, Result};
use kiln_host::layout::{self, Coordinate, Form, FIELD_BYTES};

use super::context::{Bind, Gpu};
use super::radix::{fq_unscale, kernel_words, xyzz_to_jacobian, KernelCoordinate};
use super::shader::{curve_module, module, source, Part};

/// A field operation of the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOp {
    Add = 0,
    Sub = 1,
    Mul = 2,
    /// Squares the left operand.
    Square = 3,
}

fn run_field(
    gpu: &Gpu,
    entry: &'static str,
    op: FieldOp,
    a: &[u8],
    b: &[u8],
    unit: usize,
) -> Result<Vec<u8>> {
    if a.len() != b.len() || !a.len().is_multiple_of(unit) {
        return Err(Error::InvalidArgument(
            "harness operands differ in length".into(),
        ));
    }
    let shape = gpu.shape();
    let pipeline = gpu.pipeline("harness-field", entry, || {
        module(
            shape,
            &[Part::Fr, Part::Fq, Part::Fq2],
            source::HARNESS_FIELD(),
            &[],
        )
    })?;
    let (ba, bb) = (
        gpu.buffer_with("harness a", a)?,
        gpu.buffer_with("harness b", b)?,
    );
    let out = gpu.storage_buffer("harness out", a.len() as u64)?;
    let mut batch = gpu.batch("harness");
    batch.dispatch(
        &pipeline,
        &[op as u32],
        &[
            (1, Bind::from(&ba)),
            (2, Bind::from(&bb)),
            (3, Bind::from(&out)),
        ],
        (a.len() / unit) as u64,
    )?;
    batch.submit()?;
    gpu.read("harness", &out, 0, a.len() as u64)
}

/// `a[i] op b[i]` in Fr on the device.
pub fn fr_op(gpu: &Gpu, op: FieldOp, a: &[Fr], b: &[Fr]) -> Result<Vec<Fr>> {
    let bytes = run_field(
        gpu,
        "field_fr",
        op,
        &layout::scalars_to_bytes(a, Form::Montgomery),
        &layout::scalars_to_bytes(b, Form::Montgomery),
        FIELD_BYTES,
    )?;
    Ok(layout::scalars_from_bytes(&bytes, Form::Montgomery)?)
}

fn coords_to_bytes<C: Coordinate>(values: &[C]) -> Vec<u8> {
    let mut out = vec![0u8; values.len() * C::BYTES];
    for (v, chunk) in values.iter().zip(out.chunks_exact_mut(C::BYTES)) {
        v.write(chunk);
    }
    out
}

fn coords_from_bytes<C: Coordinate>(bytes: &[u8]) -> Result<Vec<C>> {
    Ok(bytes
        .chunks_exact(C::BYTES)
        .map(C::read)
        .collect::<std::result::Result<_, _>>()?)
}

/// `a[i] op b[i]` in Fq on the device.
pub fn fq_op(gpu: &Gpu, op: FieldOp, a: &[Fq], b: &[Fq]) -> Result<Vec<Fq>> {
    let bytes = run_field(
        gpu,
        "field_fq",
        op,
        &coords_to_bytes(a),
        &coords_to_bytes(b),
        FIELD_BYTES,
    )?;
    coords_from_bytes(&bytes)
}

/// `a[i] op b[i]` in Fq2 on the device.
pub fn fq2_op(gpu: &Gpu, op: FieldOp, a: &[Fq2], b: &[Fq2]) -> Result<Vec<Fq2>> {
    let bytes = run_field(
        gpu,
        "field_fq2",
        op,
        &coords_to_bytes(a),
        &coords_to_bytes(b),
        2 * FIELD_BYTES,
    )?;
    coords_from_bytes(&bytes)
}

/// A curve operation of the harness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveOp {
    /// `p + q`, mixed addition (XYZZ + affine).
    AddMixed = 0,
    /// `p + q`, full XYZZ addition.
    Add = 1,
    /// `2p`.
    Double = 2,
    /// `2q` from affine.
    DoubleAffine = 3,
    /// `k p` for the small `k` given to [`curve_op`].
    MulSmall = 4,
}

/// Runs `op` on `(p[i], q[i])` in G1 (`g2 = false`) or G2. `p` enters in XYZZ form built from
/// its Jacobian coordinates (`X, Y, Z^2, Z^3`), so random `Z`s exercise general XYZZ inputs.
pub fn curve_op<P>(
    gpu: &Gpu,
    op: CurveOp,
    p: &[Projective<P>],
    q: &[Affine<P>],
    k: u32,
) -> Result<Vec<Projective<P>>>
where
    P: SWCurveConfig,
    P::BaseField: Coordinate + KernelCoordinate,
{
    if p.len() != q.len() {
        return Err(Error::InvalidArgument(
            "harness operands differ in length".into(),
        ));
    }
    let n = <P::BaseField as Coordinate>::BYTES;
    let g2 = n == 2 * FIELD_BYTES;
    let mut pb = vec![0u8; p.len() * 4 * n];
    for (pt, c) in p.iter().zip(pb.chunks_exact_mut(4 * n)) {
        let zz = pt.z.square();
        pt.x.write(&mut c[..n]);
        pt.y.write(&mut c[n..2 * n]);
        zz.write(&mut c[2 * n..3 * n]);
        (zz * pt.z).write(&mut c[3 * n..]);
    }
    let mut qb = Vec::with_capacity(q.len() * 2 * n);
    for pt in q {
        qb.extend_from_slice(&layout::affine_to_bytes(pt));
        debug_assert!(pt.is_zero() || pt.is_on_curve());
    }
    let shape = gpu.shape();
    let key = if g2 { "harness-g2" } else { "harness-g1" };
    let pipeline = gpu.pipeline(key, "curve_op", || {
        curve_module(shape, g2, source::HARNESS_CURVE())
    })?;
    let (bp, bq) = (
        gpu.buffer_with("harness p", &pb)?,
        gpu.buffer_with("harness q", &qb)?,
    );
    let out = gpu.storage_buffer("harness out", pb.len() as u64)?;
    let mut batch = gpu.batch("harness");
    batch.dispatch(
        &pipeline,
        &[op as u32, k],
        &[
            (1, Bind::from(&bp)),
            (2, Bind::from(&bq)),
            (3, Bind::from(&out)),
        ],
        p.len() as u64,
    )?;
    batch.submit()?;
    xyzz_to_jacobian::<P>(&gpu.read("harness", &out, 0, pb.len() as u64)?, shape)
}

/// Resident inputs for timing chained Fq multiplications (`bench.wgsl`).
pub struct MulBench {
    pipeline: wgpu::ComputePipeline,
    xs: wgpu::Buffer,
    ys: wgpu::Buffer,
    threads: u64,
    rounds: u32,
}

impl MulBench {
    /// `threads` threads, each multiplying `rounds` times; compiles the kernel.
    pub fn new(gpu: &Gpu, xs: &[Fq], ys: &[Fq], rounds: u32) -> Result<MulBench> {
        let shape = gpu.shape();
        let pipeline = gpu.pipeline("bench-mul", "chained_mul", || {
            module(shape, &[Part::Fq], source::BENCH(), &[])
        })?;
        // The chain runs in the kernel radix R': hand the inputs over in it.
        let words = |v: &[Fq]| -> Vec<u8> {
            v.iter()
                .flat_map(|x| kernel_words(x, shape))
                .flat_map(u32::to_le_bytes)
                .collect()
        };
        Ok(MulBench {
            pipeline,
            xs: gpu.buffer_with("bench x", &words(xs))?,
            ys: gpu.buffer_with("bench y", &words(ys))?,
            threads: xs.len().min(ys.len()) as u64,
            rounds,
        })
    }

    /// One run, waited for.
    pub fn run(&self, gpu: &Gpu) -> Result<()> {
        let mut batch = gpu.batch("bench");
        batch.dispatch(
            &self.pipeline,
            &[self.rounds],
            &[(1, Bind::from(&self.xs)), (2, Bind::from(&self.ys))],
            self.threads,
        )?;
        batch.submit()
    }

    /// The current `x` values (checked against arkworks by the bench before timing).
    pub fn read_x(&self, gpu: &Gpu) -> Result<Vec<Fq>> {
        let bytes = gpu.read("bench", &self.xs, 0, self.threads * FIELD_BYTES as u64)?;
        let unscale = fq_unscale(gpu.shape());
        bytes
            .chunks_exact(FIELD_BYTES)
            .map(|c| Fq::read_kernel(c, unscale))
            .collect()
    }
}
