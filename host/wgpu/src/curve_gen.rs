//! The XYZZ curve formulas as data: small programs over a register file of coordinate-field
//! elements, run by one interpreter loop in `kernels/wgsl/curve.wgsl`.
//!
//! Why not plain WGSL functions: Mesa's shader compiler inlines every call, so a kernel that
//! calls point additions a few times carries hundreds of inlined field multiplications. On
//! lavapipe (LLVM) that took 10 s (G1) and 95 s (G2) to compile for the curve test kernel, and ran
//! slower than the interpreter. Interpreted, each kernel holds one multiplication, one addition
//! and one subtraction per call of the interpreter, whatever the formula length.
//!
//! Each line is `dst = a op b` with `op` one of `*`, `+`, `-`. Register names shared with the
//! WGSL side (inputs, outputs, the values its control flow tests) are fixed; every other name is
//! a temporary given its own register. The formulas are those of the Explicit-Formulas Database
//! for short Weierstrass curves with a = 0 in XYZZ coordinates: madd-2008-s, mdbl-2008-s-1,
//! dbl-2008-s-1 and add-2008-s.

use std::collections::HashMap;
use std::fmt::Write;

/// Registers the WGSL code addresses by number (`CR_X1` ...), in this order.
pub const FIXED: &[&str] = &[
    "x1", "y1", "zz1", "zzz1", // P, the accumulator: input and output
    "x2", "y2", "zz2", "zzz2", // Q: affine (x2, y2) or XYZZ
    "p_", "r_", // the differences the special cases test
];

/// `P <- P + Q` for affine Q, first half: the differences that decide the special cases.
const MADD_A: &[&str] = &[
    "u2 = x2 * zz1",
    "s2 = y2 * zzz1",
    "p_ = u2 - x1",
    "r_ = s2 - y1",
];

/// Second half (P, Q finite, x1/zz1 != x2).
const MADD_B: &[&str] = &[
    "pp = p_ * p_",
    "ppp = p_ * pp",
    "q = x1 * pp",
    "rr = r_ * r_",
    "t = rr - ppp",
    "q2 = q + q",
    "x3 = t - q2",
    "d = q - x3",
    "e = r_ * d",
    "f = y1 * ppp",
    "y1 = e - f",
    "x1 = x3 + zero",
    "zz1 = zz1 * pp",
    "zzz1 = zzz1 * ppp",
];

/// `P <- 2 Q` for affine, finite Q (the mixed addition's P = Q case).
const MDBL: &[&str] = &[
    "u = y2 + y2",
    "v = u * u",
    "w = u * v",
    "s = x2 * v",
    "xx = x2 * x2",
    "m2 = xx + xx",
    "m = m2 + xx",
    "mm = m * m",
    "s2 = s + s",
    "x3 = mm - s2",
    "d = s - x3",
    "e = m * d",
    "f = w * y2",
    "y1 = e - f",
    "x1 = x3 + zero",
    "zz1 = v + zero",
    "zzz1 = w + zero",
];

/// `P <- 2 P`; infinity (zz1 = 0) stays infinity since zz1' = v zz1.
const DBL: &[&str] = &[
    "u = y1 + y1",
    "v = u * u",
    "w = u * v",
    "s = x1 * v",
    "xx = x1 * x1",
    "m2 = xx + xx",
    "m = m2 + xx",
    "mm = m * m",
    "s2 = s + s",
    "x3 = mm - s2",
    "d = s - x3",
    "e = m * d",
    "f = w * y1",
    "y1 = e - f",
    "x1 = x3 + zero",
    "zz1 = v * zz1",
    "zzz1 = w * zzz1",
];

/// `P <- P + Q` for XYZZ Q, first half.
const ADD_A: &[&str] = &[
    "u1 = x1 * zz2",
    "u2 = x2 * zz1",
    "s1 = y1 * zzz2",
    "s2 = y2 * zzz1",
    "p_ = u2 - u1",
    "r_ = s2 - s1",
];

/// Second half (P, Q finite, P != +-Q). Uses u1 and s1 from the first half.
const ADD_B: &[&str] = &[
    "pp = p_ * p_",
    "ppp = p_ * pp",
    "q = u1 * pp",
    "rr = r_ * r_",
    "t = rr - ppp",
    "q2 = q + q",
    "x3 = t - q2",
    "d = q - x3",
    "e = r_ * d",
    "f = s1 * ppp",
    "y1 = e - f",
    "x1 = x3 + zero",
    "g = zz1 * zz2",
    "zz1 = g * pp",
    "h = zzz1 * zzz2",
    "zzz1 = h * ppp",
];

/// The programs, by the name of their WGSL constant.
pub const PROGRAMS: &[(&str, &[&str])] = &[
    ("PROG_MADD_A", MADD_A),
    ("PROG_MADD_B", MADD_B),
    ("PROG_MDBL", MDBL),
    ("PROG_DBL", DBL),
    ("PROG_ADD_A", ADD_A),
    ("PROG_ADD_B", ADD_B),
];

/// Interpreter opcodes (the top byte of an instruction).
const OP_MUL: u32 = 0;
const OP_ADD: u32 = 1;
const OP_SUB: u32 = 2;

/// The WGSL declarations: register numbers of the fixed names, the register count, each
/// program's `(start, length)` and the instruction table. Temporaries share registers across
/// programs (no value lives from one program to the next except through fixed names, `u1` and
/// `s1`, which are therefore given the same register in every program that names them).
pub fn programs_wgsl() -> String {
    let mut regs: HashMap<&str, u32> = HashMap::new();
    for (i, name) in FIXED.iter().enumerate() {
        regs.insert(name, i as u32);
    }
    // The constant zero register: never written, zero-initialised.
    let zero = FIXED.len() as u32;
    regs.insert("zero", zero);
    let mut next = zero + 1;
    let mut words = Vec::new();
    let mut out = String::new();
    for (name, lines) in PROGRAMS {
        let start = words.len();
        for line in *lines {
            let (dst, rhs) = line.split_once(" = ").expect("`dst = a op b`");
            let parts: Vec<&str> = rhs.split(' ').collect();
            assert_eq!(parts.len(), 3, "`{line}`");
            let op = match parts[1] {
                "*" => OP_MUL,
                "+" => OP_ADD,
                "-" => OP_SUB,
                other => panic!("unknown operator {other} in `{line}`"),
            };
            let mut reg = |n: &'static str| {
                *regs.entry(n).or_insert_with(|| {
                    next += 1;
                    next - 1
                })
            };
            let (d, a, b) = (reg(dst), reg(parts[0]), reg(parts[2]));
            assert_ne!(d, zero, "`{line}` writes the zero register");
            words.push(op << 24 | d << 16 | a << 8 | b);
        }
        let _ = writeln!(
            out,
            "const {name}: vec2<u32> = vec2<u32>({start}u, {}u);",
            words.len() - start
        );
    }
    for (i, name) in FIXED.iter().enumerate() {
        let _ = writeln!(
            out,
            "const CR_{}: u32 = {i}u;",
            name.trim_end_matches('_').to_uppercase()
        );
    }
    let _ = writeln!(out, "const CR_COUNT: u32 = {next}u;");
    let list: Vec<String> = words.iter().map(|w| format!("{w:#x}u")).collect();
    let _ = writeln!(
        out,
        "var<private> PROGRAM: array<u32, {}> = array<u32, {}>({});",
        words.len(),
        words.len(),
        list.join(", ")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fq, G1Projective};
    use ark_ec::{AdditiveGroup, CurveGroup, PrimeGroup};
    use ark_ff::{One, UniformRand, Zero};

    /// Runs a program over Fq registers on the host: the formulas checked against arkworks
    /// without any GPU.
    fn run(prog: &[&str], regs: &mut HashMap<String, Fq>) {
        for line in prog {
            let (dst, rhs) = line.split_once(" = ").unwrap();
            let p: Vec<&str> = rhs.split(' ').collect();
            let get = |n: &str| if n == "zero" { Fq::zero() } else { regs[n] };
            let (a, b) = (get(p[0]), get(p[2]));
            let v = match p[1] {
                "*" => a * b,
                "+" => a + b,
                _ => a - b,
            };
            regs.insert(dst.to_string(), v);
        }
    }

    fn xyzz(p: G1Projective, z: Fq) -> [Fq; 4] {
        let a = p.into_affine();
        [a.x * z * z, a.y * z * z * z, z * z, z * z * z]
    }

    fn affine_of(r: &HashMap<String, Fq>) -> (Fq, Fq) {
        (r["x1"] / r["zz1"], r["y1"] / r["zzz1"])
    }

    #[test]
    fn formulas_match_arkworks_on_the_host() {
        let mut rng = kiln_host::conformance::seeded_rng("curve programs");
        let g = G1Projective::generator();
        for _ in 0..20 {
            let p = g * ark_bn254::Fr::rand(&mut rng);
            let q = g * ark_bn254::Fr::rand(&mut rng);
            let (zp, zq) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            let load = |r: &mut HashMap<String, Fq>, p: [Fq; 4], q: [Fq; 4]| {
                for (n, v) in ["x1", "y1", "zz1", "zzz1", "x2", "y2", "zz2", "zzz2"]
                    .iter()
                    .zip(p.iter().chain(q.iter()))
                {
                    r.insert(n.to_string(), *v);
                }
            };
            let expect = |e: G1Projective| {
                let a = e.into_affine();
                (a.x, a.y)
            };
            // Mixed addition.
            let mut r = HashMap::new();
            load(&mut r, xyzz(p, zp), xyzz(q, Fq::one()));
            run(MADD_A, &mut r);
            run(MADD_B, &mut r);
            assert_eq!(affine_of(&r), expect(p + q));
            // Full addition.
            let mut r = HashMap::new();
            load(&mut r, xyzz(p, zp), xyzz(q, zq));
            run(ADD_A, &mut r);
            run(ADD_B, &mut r);
            assert_eq!(affine_of(&r), expect(p + q));
            // Doublings.
            let mut r = HashMap::new();
            load(&mut r, xyzz(p, zp), xyzz(q, Fq::one()));
            run(DBL, &mut r);
            assert_eq!(affine_of(&r), expect(p.double()));
            run(MDBL, &mut r);
            assert_eq!(affine_of(&r), expect(q.double()));
        }
        assert!(programs_wgsl().contains("PROG_ADD_B"));
    }
}
