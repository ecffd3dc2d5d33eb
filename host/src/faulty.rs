//! A backend with faults, for showing that the checks guarding real backends work.
//!
//! [`FaultyBackend`] wraps any backend and makes it wrong in two ways:
//!
//! - **Deterministic faults** ([`Fault`]), always on: the conformance suite must reject such a
//!   backend, and a prover must refuse to return its proofs (`kiln selftest --backend faulty`).
//! - **Injected faults** ([`FaultRates`]), drawn per call from a seeded generator, as a device
//!   fails in the field: one bit flipped in an MSM result or in one element of an NTT's output,
//!   the device lost (that call and every later one fail), an upload refused for lack of device
//!   memory. [`FaultyBackend::injected`] counts what was injected, so a fault campaign
//!   (`kiln_prover::fault_campaign`) can check every fault was recovered from or reported.
//!
//! The wrapper reports `on_host() == false` whatever it wraps: a prover must treat it as a device
//! whose results are not trusted, so a proof that fails verification is re-proved on the
//! reference rather than blamed on the inputs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Projective, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, Field, PrimeField, Zero};
use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

use crate::arkworks::ArkworksBackend;
use crate::backend::{Backend, BackendId, G1Bases, G2Bases, NttOp, Scalars, VecOp};
use crate::device::DeviceInfo;
use crate::error::{Error, Result};

/// One way to be wrong, on every call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// G1 MSMs skip the last pair: the classic off-by-one of a bucket loop.
    MsmG1DropsLastTerm,
    /// G1 MSMs add the generator to their result: well-formed, plausible and false.
    MsmG1AddsGenerator,
    /// Coset NTTs ignore the shift and transform over the subgroup itself.
    CosetIgnoresShift,
}

/// Probabilities of injected faults, each per call of the kind named.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    /// A G1 or G2 MSM result has one bit of one coordinate flipped.
    pub msm_bit_flip: f64,
    /// An NTT's output has one bit of one element flipped.
    pub ntt_bit_flip: f64,
    /// The device is lost at this call (any operation): it and every later call fail.
    pub device_lost: f64,
    /// An upload (bases or scalars) fails for lack of device memory.
    pub upload_out_of_memory: f64,
}

/// How many faults of each kind were injected so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InjectedFaults {
    pub msm_bit_flips: u64,
    pub ntt_bit_flips: u64,
    /// 0 or 1: a lost device stays lost.
    pub device_lost: u64,
    pub out_of_memory: u64,
}

impl InjectedFaults {
    /// All injected faults.
    pub fn total(&self) -> u64 {
        self.msm_bit_flips + self.ntt_bit_flips + self.device_lost + self.out_of_memory
    }
}

/// The message of the error a lost device returns.
pub const DEVICE_LOST: &str = "device lost (injected fault)";

#[derive(Default)]
struct Counters {
    msm_bit_flips: AtomicU64,
    ntt_bit_flips: AtomicU64,
    out_of_memory: AtomicU64,
}

/// `inner` with the given faults; selected by nobody but `kiln selftest --backend faulty`.
pub struct FaultyBackend<B: Backend = ArkworksBackend> {
    inner: B,
    faults: Vec<Fault>,
    rates: FaultRates,
    rng: Mutex<StdRng>,
    lost: AtomicBool,
    counters: Counters,
}

impl FaultyBackend<ArkworksBackend> {
    /// The arkworks reference with deterministic `faults` and nothing injected.
    pub fn new(faults: &[Fault]) -> Self {
        FaultyBackend::wrapping(ArkworksBackend::new(), faults, FaultRates::default(), 0)
    }
}

impl<B: Backend> FaultyBackend<B> {
    /// `inner` with deterministic `faults` and faults injected at `rates`, drawn from a
    /// generator seeded with `seed`.
    pub fn wrapping(inner: B, faults: &[Fault], rates: FaultRates, seed: u64) -> Self {
        FaultyBackend {
            inner,
            faults: faults.to_vec(),
            rates,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            lost: AtomicBool::new(false),
            counters: Counters::default(),
        }
    }

    /// The faults injected so far.
    pub fn injected(&self) -> InjectedFaults {
        InjectedFaults {
            msm_bit_flips: self.counters.msm_bit_flips.load(Ordering::Relaxed),
            ntt_bit_flips: self.counters.ntt_bit_flips.load(Ordering::Relaxed),
            device_lost: u64::from(self.lost.load(Ordering::Relaxed)),
            out_of_memory: self.counters.out_of_memory.load(Ordering::Relaxed),
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Draws whether a fault of probability `rate` happens now, and a number for where.
    fn draw(&self, rate: f64) -> Option<u64> {
        if rate <= 0.0 {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.gen_bool(rate.min(1.0)).then(|| rng.gen())
    }

    /// Every call starts here: a lost device fails, and may be lost now.
    fn alive(&self, op: &'static str) -> Result<()> {
        if self.lost.load(Ordering::Relaxed) || self.draw(self.rates.device_lost).is_some() {
            self.lost.store(true, Ordering::Relaxed);
            return Err(Error::Device {
                op,
                message: DEVICE_LOST.into(),
            });
        }
        Ok(())
    }

    fn upload_memory(&self, op: &'static str, bytes: usize) -> Result<()> {
        self.alive(op)?;
        if self.draw(self.rates.upload_out_of_memory).is_some() {
            self.counters.out_of_memory.fetch_add(1, Ordering::Relaxed);
            return Err(Error::OutOfMemory {
                what: format!("{op} (injected fault)"),
                needed_bytes: bytes as u64,
            });
        }
        Ok(())
    }

    fn msm_result<P: SWCurveConfig>(&self, mut result: Projective<P>) -> Projective<P> {
        if let Some(at) = self.draw(self.rates.msm_bit_flip) {
            self.counters.msm_bit_flips.fetch_add(1, Ordering::Relaxed);
            let coordinate = match at % 3 {
                0 => &mut result.x,
                1 => &mut result.y,
                _ => &mut result.z,
            };
            *coordinate = flip_bit(*coordinate, at / 3);
        }
        result
    }
}

/// `x` with one bit of one of its base prime field elements flipped (reduced again if that
/// leaves the field): always a different element.
fn flip_bit<F: Field>(x: F, at: u64) -> F {
    let mut parts: Vec<F::BasePrimeField> = x.to_base_prime_field_elements().collect();
    let i = (at % parts.len() as u64) as usize;
    let bits = F::BasePrimeField::MODULUS_BIT_SIZE as u64 - 1;
    let bit = ((at / parts.len() as u64) % bits) as usize;
    let mut bytes = parts[i].into_bigint().to_bytes_le();
    bytes[bit / 8] ^= 1 << (bit % 8);
    parts[i] = F::BasePrimeField::from_le_bytes_mod_order(&bytes);
    F::from_base_prime_field_elems(parts).expect("as many elements as taken")
}

impl<B: Backend> Backend for FaultyBackend<B> {
    fn name(&self) -> &'static str {
        "faulty"
    }
    fn id(&self) -> BackendId {
        self.inner.id()
    }
    fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            backend: self.name(),
            ..self.inner.device_info()
        }
    }
    fn upload_g1(&self, bases: &[G1Affine]) -> Result<G1Bases> {
        self.upload_memory("upload-g1", std::mem::size_of_val(bases))?;
        self.inner.upload_g1(bases)
    }
    fn upload_g2(&self, bases: &[G2Affine]) -> Result<G2Bases> {
        self.upload_memory("upload-g2", std::mem::size_of_val(bases))?;
        self.inner.upload_g2(bases)
    }
    fn upload_scalars(&self, values: &[Fr]) -> Result<Scalars> {
        self.upload_memory("upload-scalars", std::mem::size_of_val(values))?;
        self.inner.upload_scalars(values)
    }
    fn download_scalars_unchecked(&self, values: &Scalars) -> Result<Vec<Fr>> {
        self.alive("download")?;
        self.inner.download_scalars_unchecked(values)
    }
    fn msm_g1_unchecked(&self, bases: &G1Bases, scalars: &Scalars) -> Result<G1Projective> {
        self.alive("msm-g1")?;
        let mut result = if self.has(Fault::MsmG1DropsLastTerm) {
            let mut values = self.inner.download_scalars_unchecked(scalars)?;
            if let Some(last) = values.last_mut() {
                *last = Fr::zero();
            }
            self.inner
                .msm_g1_unchecked(bases, &self.inner.upload_scalars(&values)?)?
        } else {
            self.inner.msm_g1_unchecked(bases, scalars)?
        };
        if self.has(Fault::MsmG1AddsGenerator) {
            result += G1Affine::generator();
        }
        Ok(self.msm_result(result))
    }
    fn msm_g2_unchecked(&self, bases: &G2Bases, scalars: &Scalars) -> Result<G2Projective> {
        self.alive("msm-g2")?;
        let result = self.inner.msm_g2_unchecked(bases, scalars)?;
        Ok(self.msm_result(result))
    }
    fn ntt_unchecked(&self, values: &mut Scalars, op: NttOp) -> Result<()> {
        self.alive(op.name())?;
        let op = match op {
            NttOp::CosetForward(_) if self.has(Fault::CosetIgnoresShift) => NttOp::Forward,
            NttOp::CosetInverse(_) if self.has(Fault::CosetIgnoresShift) => NttOp::Inverse,
            other => other,
        };
        self.inner.ntt_unchecked(values, op)?;
        if let Some(at) = self.draw(self.rates.ntt_bit_flip) {
            self.counters.ntt_bit_flips.fetch_add(1, Ordering::Relaxed);
            // The wrapper cannot reach the inner backend's storage: read the output back, flip
            // one element, and copy the result over the buffer on the device.
            let mut host = self.inner.download_scalars_unchecked(values)?;
            let i = (at % host.len() as u64) as usize;
            host[i] = flip_bit(host[i], at / host.len() as u64);
            let flipped = self.inner.upload_scalars(&host)?;
            self.inner.vec_op_unchecked(values, VecOp::Copy(&flipped))?;
        }
        Ok(())
    }
    fn vec_op_unchecked(&self, values: &mut Scalars, op: VecOp<'_>) -> Result<()> {
        self.alive(op.name())?;
        self.inner.vec_op_unchecked(values, op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::seeded_rng;
    use ark_ff::UniformRand;

    #[test]
    fn a_flipped_bit_always_changes_the_element() {
        let mut rng = seeded_rng("faulty: flip_bit");
        for _ in 0..2000 {
            let x = ark_bn254::Fq2::rand(&mut rng);
            let at: u64 = rng.gen();
            assert_ne!(flip_bit(x, at), x, "at = {at}");
            let y = Fr::rand(&mut rng);
            assert_ne!(flip_bit(y, at), y, "at = {at}");
        }
        // The elements closest to the modulus: a flip past it is reduced, still different.
        let top = -Fr::from(1u64);
        for at in 0..254 {
            assert_ne!(flip_bit(top, at), top, "at = {at}");
        }
    }

    #[test]
    fn injected_faults_are_counted_and_a_lost_device_stays_lost() {
        let all = FaultRates {
            msm_bit_flip: 1.0,
            ntt_bit_flip: 1.0,
            device_lost: 0.0,
            upload_out_of_memory: 0.0,
        };
        let b = FaultyBackend::wrapping(ArkworksBackend::new(), &[], all, 7);
        let d: &dyn Backend = &b;
        let bases = d.upload_g1(&[G1Affine::generator(); 4]).unwrap();
        let scalars = d.upload_scalars(&[Fr::from(3u64); 4]).unwrap();
        let want = G1Affine::generator() * Fr::from(12u64);
        assert_ne!(d.msm_g1(&bases, &scalars).unwrap(), want);
        let mut v = d.upload_scalars(&[Fr::from(5u64); 4]).unwrap();
        let reference = ArkworksBackend::new();
        let r: &dyn Backend = &reference;
        let mut w = r.upload_scalars(&[Fr::from(5u64); 4]).unwrap();
        d.ntt(&mut v, NttOp::Forward).unwrap();
        r.ntt(&mut w, NttOp::Forward).unwrap();
        let (got, want) = (
            d.download_scalars(&v).unwrap(),
            r.download_scalars(&w).unwrap(),
        );
        assert_eq!(got.iter().zip(&want).filter(|(a, b)| a != b).count(), 1);
        assert_eq!(b.injected().msm_bit_flips, 1);
        assert_eq!(b.injected().ntt_bit_flips, 1);

        let lost = FaultRates {
            device_lost: 1.0,
            ..FaultRates::default()
        };
        let b = FaultyBackend::wrapping(ArkworksBackend::new(), &[], lost, 7);
        let d: &dyn Backend = &b;
        for _ in 0..3 {
            assert!(matches!(
                d.upload_scalars(&[Fr::from(1u64)]),
                Err(Error::Device { message, .. }) if message == DEVICE_LOST
            ));
        }
        assert_eq!(b.injected().device_lost, 1);

        let oom = FaultRates {
            upload_out_of_memory: 1.0,
            ..FaultRates::default()
        };
        let b = FaultyBackend::wrapping(ArkworksBackend::new(), &[], oom, 7);
        let d: &dyn Backend = &b;
        assert!(matches!(
            d.upload_g2(&[G2Affine::generator(); 2]),
            Err(Error::OutOfMemory { needed_bytes, .. }) if needed_bytes == 2 * std::mem::size_of::<G2Affine>() as u64
        ));
        assert_eq!(b.injected().out_of_memory, 1);
    }
}
