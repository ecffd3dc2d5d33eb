//! The `cpu` backend: kiln's own CPU multi-scalar multiplication behind the seam.
//!
//! The default backend on a machine without an accelerator. MSMs are kiln-msm's CPU method
//! ([`kiln_msm::cpu`]: signed digits, batched affine buckets, parallel over windows and point
//! chunks); NTTs are kiln-ntt's cache-blocked CPU transform ([`kiln_ntt::cpu`]); vector
//! operations and storage are the host buffers it shares with the `arkworks` reference
//! ([`kiln_host::host_memory`]), so the two differ only in their MSMs and NTTs, which the
//! conformance suite checks bit for bit.
//!
//! **Fixed-base tables.** Bases uploaded once and used for many MSMs (a proving key's) may be
//! kept as [`FixedBaseTable`]s, `2^(c j) P` for every window `j`, which saves each MSM its
//! per-window bucket reductions and lets it take wider windows. A table holds `windows` copies
//! of its bases (15 to 17 for proving-key sizes), so tables are built only within a memory
//! budget ([`CpuBackend::with_table_budget`]); uploads take from the budget in order and give
//! back when their buffer is dropped. The default budget is 0: building a table costs tens of
//! plain MSMs, which only a key proving many times recovers (BENCHMARKS.md, "Fixed-base tables").

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective};
use kiln_host::host_memory::{self, wrap_scalars};
use kiln_host::{
    Backend, BackendId, DeviceBuffer, DeviceInfo, G1Bases, G2Bases, NttOp, Result, Scalars, VecOp,
};
use kiln_msm::cpu::{CpuCurve, FixedBaseTable};

/// kiln's CPU backend.
#[derive(Debug)]
pub struct CpuBackend {
    id: BackendId,
    /// Bytes still free for fixed-base tables, shared with the buffers that hold tables.
    table_budget: Arc<AtomicUsize>,
}

/// Bases as the cpu backend holds them: plain, or as a fixed-base table that also returns its
/// share of the budget when dropped.
enum HostBases<P: CpuCurve> {
    Plain(Vec<Affine<P>>),
    Table {
        table: FixedBaseTable<P>,
        bytes: usize,
        budget: Arc<AtomicUsize>,
    },
}

impl<P: CpuCurve> Drop for HostBases<P> {
    fn drop(&mut self) {
        if let HostBases::Table { bytes, budget, .. } = self {
            budget.fetch_add(*bytes, Ordering::Relaxed);
        }
    }
}

impl CpuBackend {
    /// The name it is selected by.
    pub const NAME: &'static str = "cpu";

    /// A backend with no room for fixed-base tables.
    pub fn new() -> Self {
        Self::with_table_budget(0)
    }

    /// A backend that may keep fixed-base tables of up to `bytes` in all.
    pub fn with_table_budget(bytes: usize) -> Self {
        CpuBackend {
            id: BackendId::fresh(),
            table_budget: Arc::new(AtomicUsize::new(bytes)),
        }
    }

    /// Bytes of the table budget not yet taken.
    pub fn table_budget_left(&self) -> usize {
        self.table_budget.load(Ordering::Relaxed)
    }

    /// Holds `bases` as a table when one fits the budget and pays off, else as they are.
    fn hold<P: CpuCurve>(&self, bases: Vec<Affine<P>>) -> HostBases<P> {
        let Some(schedule) = FixedBaseTable::<P>::plan(bases.len(), self.table_budget_left())
        else {
            return HostBases::Plain(bases);
        };
        let bytes = FixedBaseTable::<P>::bytes(bases.len(), &schedule);
        let taken = self
            .table_budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            });
        if taken.is_err() {
            // Another upload took the room in the meantime.
            return HostBases::Plain(bases);
        }
        HostBases::Table {
            table: FixedBaseTable::new(&bases, schedule),
            bytes,
            budget: Arc::clone(&self.table_budget),
        }
    }

    fn upload<P: CpuCurve>(&self, bases: Vec<Affine<P>>) -> DeviceBuffer<Affine<P>> {
        let len = bases.len();
        DeviceBuffer::new(self, len, Box::new(self.hold(bases)))
    }
}

impl Default for CpuBackend {
    fn default() -> Self {
        Self::new()
    }
}

/// The MSM over bases held by the cpu backend.
fn msm<P: CpuCurve>(
    bases: &DeviceBuffer<Affine<P>>,
    scalars: &Scalars,
    op: &'static str,
) -> Result<Projective<P>> {
    // The canonical form is the buffer's, shared with the other MSMs over it.
    let canonical = host_memory::scalars(scalars, op)?.canonical();
    let scalars: &[[u64; 4]] = &canonical;
    let held = bases
        .storage::<HostBases<P>>()
        .ok_or(kiln_host::Error::Device {
            op,
            message: "buffer storage is not a cpu bases buffer".into(),
        })?;
    Ok(match held {
        HostBases::Plain(bases) => kiln_msm::cpu::msm_canonical(bases, scalars),
        HostBases::Table { table, .. } => table.msm_canonical(scalars),
    })
}

impl Backend for CpuBackend {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn id(&self) -> BackendId {
        self.id
    }

    fn device_info(&self) -> DeviceInfo {
        let mut info = kiln_host::cpu_device_info(Self::NAME);
        info.properties.push((
            "fixed-base budget".into(),
            format!("{} MiB left", self.table_budget_left() >> 20),
        ));
        info
    }

    fn on_host(&self) -> bool {
        true
    }

    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        Ok(self.upload(bases.to_vec()))
    }

    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        Ok(self.upload(bases.to_vec()))
    }

    fn upload_g1_owned(&self, bases: Vec<G1Affine>) -> Result<G1Bases> {
        Ok(self.upload(bases))
    }

    fn upload_g2_owned(&self, bases: Vec<G2Affine>) -> Result<G2Bases> {
        Ok(self.upload(bases))
    }

    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        Ok(wrap_scalars(self, values.to_vec()))
    }

    fn upload_scalars_owned(&self, values: Vec<Fr>) -> Result<Scalars> {
        Ok(wrap_scalars(self, values))
    }

    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        Ok(host_memory::scalars(values, "download")?.values().to_vec())
    }

    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        msm(bases, scalars, "msm-g1")
    }

    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        msm(bases, scalars, "msm-g2")
    }

    fn release_scratch(&self) {
        kiln_ntt::cpu::release_scratch();
    }

    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        // The seam has checked the length and the coset shift.
        kiln_ntt::cpu::transform(host_memory::scalars_mut(values, op.name())?, op);
        Ok(())
    }

    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        host_memory::vec_op(values, op)
    }
}
