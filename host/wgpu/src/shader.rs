//! WGSL source generation: the limb shape and every field constant come from arkworks here, and
//! the templates in `kernels/wgsl/` are instantiated per field and per curve.
//!
//! Nothing numeric is typed into WGSL by hand: the modulus, `-p^-1 mod 2^LIMB_BITS`, `R' mod p`
//! and the radix conversion constants are computed from `ark_bn254`'s `MontConfig`s and printed
//! into a prelude, so the one description of each field (arkworks') serves Rust and WGSL alike.

use ark_bn254::{Fq, Fr};
use ark_ff::{BigInteger, PrimeField};

/// The templates and kernels, kept beside each other in `kernels/wgsl/` and compiled in.
/// `KILN_WGSL_DIR=path/to/kernels/wgsl` reads them from disk instead, for kernel development
/// without rebuilding.
pub mod source {
    macro_rules! kernels {
        ($($name:ident = $file:literal;)*) => {
            $(
                #[allow(non_snake_case)]
                #[doc = concat!("`kernels/wgsl/", $file, "`")]
                pub fn $name() -> std::borrow::Cow<'static, str> {
                    if let Some(dir) = std::env::var_os("KILN_WGSL_DIR") {
                        if let Ok(text) = std::fs::read_to_string(std::path::Path::new(&dir).join($file)) {
                            return text.into();
                        }
                    }
                    include_str!(concat!("../../../kernels/wgsl/", $file)).into()
                }
            )*
        };
    }
    kernels! {
        FIELD = "field.wgsl";
        FQ2 = "fq2.wgsl";
        CURVE = "curve.wgsl";
        VEC = "vec.wgsl";
        NTT = "ntt.wgsl";
        MSM_SORT = "msm_sort.wgsl";
        MSM_ACCUMULATE = "msm_accumulate.wgsl";
        HARNESS_FIELD = "harness_field.wgsl";
        HARNESS_CURVE = "harness_curve.wgsl";
        BENCH = "bench.wgsl";
    }
}

/// How a field element is split into limbs inside the kernels, and which Montgomery
/// multiplication runs on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LimbShape {
    /// Bits per limb, 12..=16; each limb lives in a `u32`.
    pub bits: u32,
    /// Carry-deferred multiplication instead of CIOS (only where its sums cannot overflow).
    pub deferred: bool,
    /// Keep the rows of each multiplication a loop the shader compiler cannot unroll. Curve
    /// kernels inline dozens of multiplications; unrolled, they take minutes to compile on
    /// software Vulkan (LLVM), so compact code is the default there.
    pub compact: bool,
}

impl LimbShape {
    /// The shape the backend uses unless told otherwise: 16-bit limbs with CIOS, the fastest of
    /// the measured candidates on lavapipe (BENCHMARKS.md, "WGSL limb size").
    pub const DEFAULT: LimbShape = LimbShape {
        bits: 16,
        deferred: false,
        compact: true,
    };

    /// A shape, validated: `bits` in 12..=16, and `deferred` only when `2 * limbs` products of
    /// two limbs fit in 32 bits.
    pub fn new(bits: u32, deferred: bool) -> Result<Self, String> {
        if !(12..=16).contains(&bits) {
            return Err(format!("limb size {bits} is outside 12..=16 bits"));
        }
        let shape = LimbShape {
            bits,
            deferred,
            compact: true,
        };
        if deferred && !shape.deferred_fits() {
            return Err(format!(
                "carry-deferred multiplication overflows u32 with {bits}-bit limbs"
            ));
        }
        Ok(shape)
    }

    /// Limbs per element: the fewest with `2p < 2^(limbs * bits)` (BN254's moduli are below
    /// 2^254), which Montgomery reduction with one final subtraction needs.
    pub fn limbs(&self) -> u32 {
        255u32.div_ceil(self.bits)
    }

    /// The kernels' Montgomery radix exponent `T`: `R' = 2^T`.
    pub fn radix_bits(&self) -> u32 {
        self.limbs() * self.bits
    }

    fn deferred_fits(&self) -> bool {
        let max_limb = (1u64 << self.bits) - 1;
        // 2 * limbs products per column, plus the carry moved into the lowest column.
        2 * u64::from(self.limbs()) * max_limb * max_limb + (1u64 << (32 - self.bits)) < 1u64 << 32
    }

    /// A short name for reports: `16-bit cios`, `13-bit deferred, unrolled`.
    pub fn name(&self) -> String {
        let kind = if self.deferred { "deferred" } else { "cios" };
        let code = if self.compact { "" } else { ", unrolled" };
        format!("{}-bit {kind}{code}", self.bits)
    }
}

/// `2^e mod p` for a possibly negative `e`, as an integer (not in Montgomery form).
fn pow2<F: PrimeField>(e: i64) -> F::BigInt {
    let two = F::from(2u64);
    let v = two.pow([e.unsigned_abs()]);
    let v = if e < 0 {
        v.inverse().expect("2 is invertible")
    } else {
        v
    };
    v.into_bigint()
}

/// `x`'s limbs of `bits` bits each, least significant first.
fn split<B: BigInteger>(x: &B, shape: LimbShape) -> Vec<u32> {
    let words = x.as_ref();
    (0..shape.limbs())
        .map(|i| {
            let bit = i * shape.bits;
            let (w, sh) = ((bit / 64) as usize, bit % 64);
            let mut v = words.get(w).copied().unwrap_or(0) >> sh;
            if sh + shape.bits > 64 {
                v |= words.get(w + 1).copied().unwrap_or(0) << (64 - sh);
            }
            (v & ((1u64 << shape.bits) - 1)) as u32
        })
        .collect()
}

fn limbs_literal<B: BigInteger>(x: &B, shape: LimbShape) -> String {
    let parts: Vec<String> = split(x, shape).iter().map(|l| format!("{l:#x}u")).collect();
    format!("Limbs({})", parts.join(", "))
}

/// `-p^-1 mod 2^bits`, from the modulus's lowest word by Newton iteration.
fn mont_mu<B: BigInteger>(modulus: &B, bits: u32) -> u32 {
    let p0 = modulus.as_ref()[0];
    let mut inv = 1u64; // p0 is odd; each step doubles the correct low bits.
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(inv)));
    }
    (inv.wrapping_neg() & ((1u64 << bits) - 1)) as u32
}

/// The constants of one field for the `field.wgsl` template.
fn field_constants<F: PrimeField>(prefix: &str, shape: LimbShape) -> String {
    let t = i64::from(shape.radix_bits());
    let lit = |e: i64| limbs_literal(&pow2::<F>(e), shape);
    let mul = if shape.deferred { "deferred" } else { "cios" };
    format!(
        "const {prefix}_P: Limbs = {p};\n\
         const {prefix}_MU: u32 = {mu:#x}u;\n\
         const {prefix}_ONE: Limbs = {one};\n\
         const {prefix}_TO_DEV: Limbs = {to_dev};\n\
         const {prefix}_FROM_DEV: Limbs = {from_dev};\n\
         const {prefix}_TO_CANON: Limbs = {to_canon};\n\
         fn {prefix}_mul(a: Limbs, b: Limbs) -> Limbs {{ return {prefix}_mul_{mul}(a, b); }}\n",
        p = limbs_literal(&F::MODULUS, shape),
        mu = mont_mu(&F::MODULUS, shape.bits),
        one = lit(t),
        to_dev = lit(2 * t - 256),
        from_dev = lit(256),
        to_canon = lit(t - 256),
    )
}

/// The shared prelude: the limb shape.
fn prelude(shape: LimbShape) -> String {
    let nl = shape.limbs();
    format!(
        "// Generated by kiln-wgpu (host/wgpu/src/shader.rs) for {name} limbs.\n\
         // Threads per workgroup of every kernel: crate::WORKGROUP, which the host's dispatches use.\n\
         const WORKGROUP_SIZE: u32 = {workgroup}u;\n\
         const LIMB_BITS: u32 = {bits}u;\n\
         const LIMB_MASK: u32 = {mask:#x}u;\n\
         const NL: u32 = {nl}u;\n\
         const T_IS_256: bool = {t256};\n\
         {limbs}\
         // Every kernel runs on a 2-D grid of workgroups (one dimension stops at 65535).\n\
         fn thread_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {{ return gid.x + gid.y * nwg.x * WORKGROUP_SIZE; }}\n\
         // The row count of a Montgomery multiplication, {rows_doc}.\n\
         fn mul_rows() -> u32 {{ {rows} }}\n",
        rows_doc = if shape.compact {
            "hidden from the compiler (prm[0], the thread count, is never 2^32 - 1) so that it cannot unroll the rows: compact code, quick to compile"
        } else {
            "a constant: the compiler may unroll everything"
        },
        rows = if shape.compact {
            "return select(NL, NL + 1u, prm[0] == 0xffffffffu);"
        } else {
            "return NL;"
        },
        name = shape.name(),
        workgroup = crate::WORKGROUP,
        bits = shape.bits,
        mask = (1u32 << shape.bits) - 1,
        limbs = super::field_gen::limbs_struct(shape),
        t256 = shape.radix_bits() == 256,
    )
}

/// What a module contains, in dependency order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Fr arithmetic (`fr_`).
    Fr,
    /// Fq arithmetic (`fq_`).
    Fq,
    /// Fq2 arithmetic (`fq2_`); needs [`Part::Fq`].
    Fq2,
    /// G1 in XYZZ (`g1_`); needs [`Part::Fq`].
    G1,
    /// G2 in XYZZ (`g2_`); needs [`Part::Fq2`].
    G2,
}

/// One field: its constants, the generated limb-level code and the element-level template.
fn field<F: PrimeField>(prefix: &str, shape: LimbShape) -> String {
    let mut out = field_constants::<F>(prefix, shape);
    out += &super::field_gen::limb_functions(shape).replace("FIELD", prefix);
    out += &source::FIELD().replace("FIELD", prefix);
    out
}

fn curve(prefix: &str, field: &str, words: u32) -> String {
    let programs = super::curve_gen::programs_wgsl();
    programs
        + &source::CURVE()
            .replace("CURVE_", &format!("{prefix}_"))
            .replace("CF_", &format!("{field}_"))
            .replace("CWORDS", &words.to_string())
}

/// A complete WGSL module: the prelude, the requested parts and one kernel source. `replace`
/// substitutes placeholders in the kernel source (kernel templates instantiated per curve).
pub fn module(
    shape: LimbShape,
    parts: &[Part],
    kernel: impl AsRef<str>,
    replace: &[(&str, &str)],
) -> String {
    let mut out = prelude(shape);
    for part in parts {
        out.push('\n');
        match part {
            Part::Fr => out += &field::<Fr>("fr", shape),
            Part::Fq => out += &field::<Fq>("fq", shape),
            Part::Fq2 => out += &source::FQ2(),
            Part::G1 => out += &curve("g1", "fq", 8),
            Part::G2 => out += &curve("g2", "fq2", 16),
        }
    }
    let mut kernel = kernel.as_ref().to_string();
    for (from, to) in replace {
        kernel = kernel.replace(from, to);
    }
    out.push('\n');
    out += &kernel;
    out
}

/// A kernel over one curve: the fields that curve needs, the curve itself, and the kernel with
/// its placeholders bound to G1 or G2 (`CURVE_` the curve's functions, `CF_` its coordinate
/// field's, `CWORDS` the words of one coordinate).
pub fn curve_module(shape: LimbShape, g2: bool, kernel: impl AsRef<str>) -> String {
    if g2 {
        module(
            shape,
            &[Part::Fq, Part::Fq2, Part::G2],
            kernel,
            &[("CURVE_", "g2_"), ("CF_", "fq2_"), ("CWORDS", "16")],
        )
    } else {
        module(
            shape,
            &[Part::Fq, Part::G1],
            kernel,
            &[("CURVE_", "g1_"), ("CF_", "fq_"), ("CWORDS", "8")],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInt, Field, One};

    #[test]
    fn limb_shapes_cover_the_modulus_with_room_for_2p() {
        for bits in 12..=16 {
            let s = LimbShape::new(bits, false).unwrap();
            assert!(s.radix_bits() >= 255, "{bits}");
            assert!(s.radix_bits() - s.bits < 255, "{bits}: one limb too many");
        }
        assert!(LimbShape::new(13, true).is_ok());
        assert!(LimbShape::new(14, true).is_err());
        assert!(LimbShape::new(16, true).is_err());
        assert!(LimbShape::new(17, false).is_err());
    }

    #[test]
    fn mu_is_minus_the_inverse_of_p_mod_the_limb_radix() {
        for bits in 12..=16 {
            for modulus in [Fr::MODULUS, Fq::MODULUS] {
                let mu = u64::from(mont_mu(&modulus, bits));
                let p0 = modulus.0[0];
                let mask = (1u64 << bits) - 1;
                assert_eq!(p0.wrapping_mul(mu).wrapping_add(1) & mask, 0, "{bits}");
            }
        }
    }

    #[test]
    fn limb_split_reassembles() {
        let x = Fq::from(-Fq::one()).into_bigint();
        for bits in 12..=16 {
            let shape = LimbShape::new(bits, false).unwrap();
            let limbs = split(&x, shape);
            let mut back = BigInt::<4>::zero();
            for (i, l) in limbs.iter().enumerate() {
                let mut term = BigInt::<4>::from(u64::from(*l));
                term <<= i as u32 * bits;
                back.add_with_carry(&term);
            }
            assert_eq!(back, x, "{bits}");
        }
        // The conversion constants: TO_DEV * FROM_DEV = 2^(2T) = R'^2 (mod p).
        let shape = LimbShape::new(13, true).unwrap();
        let t = i64::from(shape.radix_bits());
        let prod = Fq::from_bigint(pow2::<Fq>(2 * t - 256)).unwrap()
            * Fq::from_bigint(pow2::<Fq>(256)).unwrap();
        assert_eq!(prod, Fq::from(2u64).pow([2 * t as u64]));
    }
}
