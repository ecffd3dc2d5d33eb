//! MSM on a kiln FPGA card (or its Verilator model), over `kiln_ffi`'s transport.
//!
//! The work is split the way the fastest FPGA MSMs split it: the card does the O(n) part, the
//! bucket accumulation, in a pipelined mixed adder; the host does what is cheap or irregular.
//!
//! 1. Host: choose the window `c` for the card's bucket RAM ([`choose_window`]), split every
//!    scalar into signed digits ([`kiln_msm::signed_digits`]) and write them, point-major, to card
//!    memory ([`pack_digits`]).
//! 2. Card (kiln_msm_engine): for each point, one (bucket, +-point) pair per non-zero digit,
//!    accumulated into XYZZ buckets of all windows at once; the buckets are written back to
//!    card memory.
//! 3. Host: read the buckets, turn each into a Jacobian point, sum each window's buckets
//!    ([`kiln_msm::window_sum`]) and combine the windows ([`kiln_msm::combine_windows`]).
//!
//! Only G1 runs on the card: the engine has an Fq datapath, and a G2 (Fq2) adder would need
//! three times the multipliers. Backends run G2 MSMs on the host.

use std::time::{Duration, Instant};

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, Zero};
use kiln_ffi::{regs, Card, CardMemory, Kernel, Region, TransportError};
use kiln_host::layout::{self, Form};
use kiln_host::Error;
use rayon::prelude::*;

use kiln_msm::plan::{signed_digits, window_count};
use kiln_msm::reduce::{combine_windows, window_sum};

/// Bytes of one affine G1 base in card memory (the device layout).
pub const BASE_BYTES: u64 = layout::G1_AFFINE_BYTES as u64;
/// Bytes of one XYZZ bucket written back by the card.
pub const BUCKET_BYTES: usize = 4 * layout::FIELD_BYTES;
/// The narrowest window the driver uses (the card holds at most 64 digits per point).
pub const MIN_WINDOW_BITS: u32 = 4;
/// The widest window the driver considers.
pub const MAX_WINDOW_BITS: u32 = 16;

/// What one card MSM cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsmStats {
    /// Card clock cycles from start to done.
    pub cycles: u64,
    /// Additions the curve adder did.
    pub pairs: u64,
    /// Cycles a pair waited on a bucket with an addition in flight.
    pub stalls: u64,
    /// Window width and count used.
    pub window_bits: u32,
    pub windows: u32,
    /// Host time spent on digits and on the bucket and window reductions.
    pub host_time: Duration,
    /// Bytes moved by DMA (digits down, buckets up).
    pub dma_bytes: u64,
}

/// Maps a card error to the seam's error type.
pub fn device_error(op: &'static str, e: TransportError) -> Error {
    Error::from_device(op, e.out_of_memory_bytes(), e)
}

/// Estimated card cycles for `n` points with window `c`: one cycle per pair, plus clearing
/// (one cycle per bucket) and flushing (five cycles per bucket) the bucket RAM.
pub fn estimated_cycles(n: usize, c: u32) -> u64 {
    let w = u64::from(window_count(c));
    w * n as u64 + 6 * w * (1u64 << (c - 1))
}

/// The window that minimises [`estimated_cycles`] among those the card can hold: at most
/// `MSM_MAX_WINDOWS` windows and `windows * 2^(c-1)` buckets within its bucket RAM.
pub fn choose_window(n: usize, max_windows: u32, buckets: u32) -> Option<u32> {
    (MIN_WINDOW_BITS..=MAX_WINDOW_BITS)
        .filter(|&c| {
            let w = window_count(c);
            w <= max_windows && u64::from(w) << (c - 1) <= u64::from(buckets)
        })
        .min_by_key(|&c| estimated_cycles(n, c))
}

/// Digits words per point in card memory: `windows` rounded up to whole 32-byte beats.
pub fn digit_words(windows: u32) -> usize {
    (windows as usize).div_ceil(8) * 8
}

/// The digits of every scalar for the card: point-major, each point's `windows` packed digits
/// (magnitude << 1 | sign, little-endian u32) padded with zeros to a whole beat.
pub fn pack_digits(scalars: &[Fr], c: u32) -> Vec<u8> {
    let words = digit_words(window_count(c));
    let mut out = vec![0u8; scalars.len() * words * 4];
    out.par_chunks_exact_mut(words * 4)
        .zip(scalars.par_iter())
        .for_each(|(chunk, s)| {
            for (d, word) in signed_digits(s, c).iter().zip(chunk.chunks_exact_mut(4)) {
                word.copy_from_slice(&d.0.to_le_bytes());
            }
        });
    out
}

/// An XYZZ bucket (x = X / ZZ, y = Y / ZZZ; ZZ = 0 is infinity) as a Jacobian point, without an
/// inversion: Z = ZZ * ZZZ, X = X * ZZ * ZZZ^2, Y = Y * ZZ^3 * ZZZ^2.
pub fn bucket_to_jacobian(x: Fq, y: Fq, zz: Fq, zzz: Fq) -> G1Projective {
    if zz.is_zero() {
        return G1Projective::zero();
    }
    let zzz2 = zzz.square();
    let zz_zzz2 = zz * zzz2;
    G1Projective::new_unchecked(x * zz_zzz2, y * zz.square() * zz_zzz2, zz * zzz)
}

fn decode_bucket(bytes: &[u8]) -> Result<G1Projective, Error> {
    let f = |i: usize| {
        let chunk: &[u8; 32] = bytes[32 * i..32 * (i + 1)]
            .try_into()
            .expect("bucket length");
        layout::fq_from_bytes(chunk, Form::Montgomery)
    };
    Ok(bucket_to_jacobian(f(0)?, f(1)?, f(2)?, f(3)?))
}

/// Frees scratch card memory however the MSM ends.
struct Scratch<'a> {
    memory: &'a mut CardMemory,
    regions: Vec<Region>,
}

impl Scratch<'_> {
    fn alloc(&mut self, len: u64) -> Result<Region, TransportError> {
        let r = self.memory.alloc(len)?;
        self.regions.push(r);
        Ok(r)
    }
}

impl Drop for Scratch<'_> {
    fn drop(&mut self) {
        for r in self.regions.drain(..) {
            self.memory.free(r);
        }
    }
}

const OP: &str = "msm-g1";

/// `sum_i scalars[i] * bases[i]` with the bases resident in card memory at `bases` (64 bytes
/// each, `scalars.len()` of them), with the window [`choose_window`] picks. Scratch space for
/// digits and buckets comes from `memory`.
pub fn msm_g1(
    card: &mut Card,
    memory: &mut CardMemory,
    bases: Region,
    scalars: &[Fr],
) -> Result<(G1Projective, MsmStats), Error> {
    let info = card.info();
    let c = choose_window(scalars.len(), info.msm_max_windows, info.msm_buckets).ok_or_else(
        || Error::Device {
            op: OP,
            message: format!(
                "the card's bucket RAM ({} entries, {} windows) fits no window of {MIN_WINDOW_BITS}..={MAX_WINDOW_BITS} bits",
                info.msm_buckets, info.msm_max_windows
            ),
        },
    )?;
    msm_g1_window(card, memory, bases, scalars, c)
}

/// [`msm_g1`] with an explicit window of `c` bits (which the card must be able to hold).
pub fn msm_g1_window(
    card: &mut Card,
    memory: &mut CardMemory,
    bases: Region,
    scalars: &[Fr],
    c: u32,
) -> Result<(G1Projective, MsmStats), Error> {
    let n = scalars.len();
    if n == 0 {
        return Ok((G1Projective::zero(), MsmStats::default()));
    }
    if (n as u64) * BASE_BYTES > bases.len || n > u32::MAX as usize {
        return Err(Error::InvalidArgument(format!(
            "{OP}: {n} scalars for a base region of {} bytes",
            bases.len
        )));
    }
    if !(MIN_WINDOW_BITS..=MAX_WINDOW_BITS).contains(&c) {
        return Err(Error::InvalidArgument(format!(
            "{OP}: a window of {c} bits is outside {MIN_WINDOW_BITS}..={MAX_WINDOW_BITS}"
        )));
    }
    let info = card.info().clone();
    if !info.has(regs::caps::MSM_G1) {
        return Err(Error::Device {
            op: OP,
            message: "the card has no MSM engine".into(),
        });
    }
    let windows = window_count(c);
    let per_window = 1u32 << (c - 1);
    let total_buckets = windows as usize * per_window as usize;

    let host_start = Instant::now();
    let digits = pack_digits(scalars, c);
    let mut host_time = host_start.elapsed();

    let dev = |e| device_error(OP, e);
    let mut scratch = Scratch {
        memory,
        regions: Vec::new(),
    };
    let digits_region = scratch.alloc(digits.len() as u64).map_err(dev)?;
    let out_region = scratch
        .alloc((total_buckets * BUCKET_BYTES) as u64)
        .map_err(dev)?;
    card.write_mem(digits_region.addr, &digits).map_err(dev)?;

    let k = Kernel::Msm;
    let run = (|| {
        card.write64(k, regs::msm::BASES_LO, bases.addr)?;
        card.write64(k, regs::msm::DIGITS_LO, digits_region.addr)?;
        card.write64(k, regs::msm::OUT_LO, out_region.addr)?;
        card.write(k, regs::msm::COUNT, n as u32)?;
        card.write(k, regs::msm::WINDOWS, windows)?;
        card.write(k, regs::msm::BUCKETS, per_window)?;
        let run = card.run(k)?;
        let pairs = card.read64(k, regs::msm::PAIRS_LO)?;
        let stalls = card.read64(k, regs::msm::STALLS_LO)?;
        let mut buckets = vec![0u8; total_buckets * BUCKET_BYTES];
        card.read_mem(out_region.addr, &mut buckets)?;
        Ok::<_, TransportError>((run, pairs, stalls, buckets))
    })();
    let (run, pairs, stalls, buckets) = run.map_err(dev)?;
    drop(scratch);

    let reduce_start = Instant::now();
    // Windows are independent: their bucket sums run in parallel.
    let window_sums = buckets
        .par_chunks_exact(per_window as usize * BUCKET_BYTES)
        .map(|w| {
            let points = w
                .chunks_exact(BUCKET_BYTES)
                .map(decode_bucket)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(window_sum(&points))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let result = combine_windows(&window_sums, c);
    host_time += reduce_start.elapsed();

    // A card that returns garbage buckets almost surely yields a point off the curve.
    let affine: G1Affine = result.into_affine();
    if !affine.is_zero() && !affine.is_on_curve() {
        return Err(Error::Device {
            op: OP,
            message: "the card's buckets sum to a point that is not on the curve".into(),
        });
    }
    Ok((
        result,
        MsmStats {
            cycles: run.cycles,
            pairs,
            stalls,
            window_bits: c,
            windows,
            host_time,
            dma_bytes: (digits.len() + buckets.len()) as u64,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use kiln_host::conformance::seeded_rng;
    use kiln_msm::plan::Digit;

    #[test]
    fn windows_fit_the_bucket_ram_and_grow_with_n() {
        let small = choose_window(8, 64, 1 << 14).unwrap();
        let large = choose_window(1 << 20, 64, 1 << 14).unwrap();
        assert!(small < large, "{small} vs {large}");
        for n in [1, 100, 1 << 12, 1 << 20] {
            let c = choose_window(n, 64, 1 << 14).unwrap();
            assert!(window_count(c) << (c - 1) <= 1 << 14);
            assert!(window_count(c) <= 64);
        }
        assert_eq!(choose_window(10, 64, 8), None);
    }

    #[test]
    fn packed_digits_are_point_major_and_padded() {
        let mut rng = seeded_rng("fpga digits");
        let scalars: Vec<Fr> = (0..3).map(|_| Fr::rand(&mut rng)).collect();
        let c = 13;
        let packed = pack_digits(&scalars, c);
        let words = digit_words(window_count(c));
        assert_eq!(words % 8, 0);
        assert_eq!(packed.len(), 3 * words * 4);
        for (i, s) in scalars.iter().enumerate() {
            let expected = signed_digits(s, c);
            for (j, d) in expected.iter().enumerate() {
                let at = (i * words + j) * 4;
                let got = u32::from_le_bytes(packed[at..at + 4].try_into().unwrap());
                assert_eq!(Digit(got), *d);
            }
            for j in expected.len()..words {
                let at = (i * words + j) * 4;
                assert_eq!(&packed[at..at + 4], &[0, 0, 0, 0]);
            }
        }
    }

    #[test]
    fn xyzz_buckets_convert_to_the_same_point() {
        let mut rng = seeded_rng("xyzz to jacobian");
        for _ in 0..20 {
            let p = G1Projective::rand(&mut rng).into_affine();
            let z = Fq::rand(&mut rng);
            let (zz, zzz) = (z.square(), z.square() * z);
            let q = bucket_to_jacobian(p.x * zz, p.y * zzz, zz, zzz);
            assert_eq!(q.into_affine(), p);
        }
        assert!(
            bucket_to_jacobian(Fq::from(5u64), Fq::from(7u64), Fq::zero(), Fq::zero()).is_zero()
        );
    }
}
