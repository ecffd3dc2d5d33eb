//! The limb-level WGSL of a prime field, emitted as straight-line code for one [`LimbShape`].
//!
//! WGSL has neither macros nor control over unrolling, and Mesa's lavapipe (LLVM) compiled limb
//! arrays indexed in loops at about 0.5 s per inlined multiplication; a curve kernel inlines
//! dozens. Straight-line code over the scalar fields of a struct, with the rows of a
//! multiplication kept as one loop (`mul_rows()`, which the compiler cannot see through when the
//! shape is `compact`), compiles in about 12 ms per multiplication. The output is a template in
//! `FIELD` like `kernels/wgsl/field.wgsl`, instantiated per field with that field's constants.

use std::fmt::Write;

use super::shader::LimbShape;

/// `struct Limbs { l0: u32, ... }`: one element's limbs, least significant first.
pub fn limbs_struct(shape: LimbShape) -> String {
    let fields: Vec<String> = (0..shape.limbs()).map(|i| format!("l{i}: u32")).collect();
    format!("struct Limbs {{ {} }}\n", fields.join(", "))
}

fn join(n: u32, f: impl Fn(u32) -> String, sep: &str) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(sep)
}

fn limbs_of(n: u32, name: &str) -> String {
    format!("Limbs({})", join(n, |i| format!("{name}{i}"), ", "))
}

/// The limb-level functions, with `FIELD` standing for the field's prefix.
pub fn limb_functions(shape: LimbShape) -> String {
    let n = shape.limbs();
    let b = shape.bits;
    let mut o = String::new();
    let w = &mut o;

    // Comparisons.
    let _ = writeln!(
        w,
        "fn FIELD_is_zero(a: Limbs) -> bool {{ return ({}) == 0u; }}",
        join(n, |i| format!("a.l{i}"), " | ")
    );
    let _ = writeln!(
        w,
        "fn FIELD_eq(a: Limbs, b: Limbs) -> bool {{ return ({}) == 0u; }}",
        join(n, |i| format!("(a.l{i} ^ b.l{i})"), " | ")
    );

    // x - p if x >= p (x < 2p). Limbs are below 2^16, so a negative difference wraps to
    // >= 2^31 and bit 31 is the borrow; the choice is branch-free.
    let _ = writeln!(w, "fn FIELD_reduce_once(x: Limbs) -> Limbs {{");
    let _ = writeln!(w, "    var s: u32;\n    var br = 0u;");
    for i in 0..n {
        let _ = writeln!(
            w,
            "    s = x.l{i} - FIELD_P.l{i} - br; let d{i} = s & LIMB_MASK; br = s >> 31u;"
        );
    }
    let _ = writeln!(w, "    let keep = br != 0u;");
    let _ = writeln!(
        w,
        "    return Limbs({});\n}}",
        join(n, |i| format!("select(d{i}, x.l{i}, keep)"), ", ")
    );

    // a + b (2p < 2^T: no carry out of the top limb).
    let _ = writeln!(w, "fn FIELD_add(a: Limbs, b: Limbs) -> Limbs {{");
    let _ = writeln!(w, "    var s: u32;\n    var c = 0u;");
    for i in 0..n {
        let _ = writeln!(
            w,
            "    s = a.l{i} + b.l{i} + c; let r{i} = s & LIMB_MASK; c = s >> LIMB_BITS;"
        );
    }
    let _ = writeln!(w, "    return FIELD_reduce_once({});\n}}", limbs_of(n, "r"));

    // a - b, plus p when it borrowed (branch-free: p masked by the borrow).
    let _ = writeln!(w, "fn FIELD_sub(a: Limbs, b: Limbs) -> Limbs {{");
    let _ = writeln!(w, "    var s: u32;\n    var br = 0u;\n    var c = 0u;");
    for i in 0..n {
        let _ = writeln!(
            w,
            "    s = a.l{i} - b.l{i} - br; let d{i} = s & LIMB_MASK; br = s >> 31u;"
        );
    }
    let _ = writeln!(w, "    let mask = 0u - br;");
    for i in 0..n {
        let _ = writeln!(
            w,
            "    s = d{i} + (FIELD_P.l{i} & mask) + c; let r{i} = s & LIMB_MASK; c = s >> LIMB_BITS;"
        );
    }
    let _ = writeln!(w, "    return {};\n}}", limbs_of(n, "r"));

    mul_cios(w, shape);
    if shape.deferred {
        mul_deferred(w, shape);
    }

    // Eight little-endian words (the device layout) to limbs, and back.
    let _ = writeln!(w, "fn FIELD_unpack(w: array<u32, 8>) -> Limbs {{");
    let limb = |i: u32| {
        let bit = i * b;
        let (wi, sh) = (bit / 32, bit % 32);
        if wi >= 8 {
            return "0u".to_string();
        }
        let mut e = format!("(w[{wi}] >> {sh}u)");
        if sh + b > 32 && wi + 1 < 8 {
            e = format!("({e} | (w[{}] << {}u))", wi + 1, 32 - sh);
        }
        format!("{e} & LIMB_MASK")
    };
    let _ = writeln!(w, "    return Limbs({});\n}}", join(n, limb, ", "));
    let _ = writeln!(w, "fn FIELD_pack(x: Limbs) -> array<u32, 8> {{");
    let word = |k: u32| {
        let mut terms = Vec::new();
        for i in 0..n {
            let bit = i * b;
            let (wi, sh) = (bit / 32, bit % 32);
            if wi == k {
                terms.push(format!("(x.l{i} << {sh}u)"));
            } else if wi + 1 == k && sh + b > 32 {
                terms.push(format!("(x.l{i} >> {}u)", 32 - sh));
            }
        }
        if terms.is_empty() {
            "0u".to_string()
        } else {
            terms.join(" | ")
        }
    };
    let _ = writeln!(w, "    return array<u32, 8>({});\n}}", join(8, word, ", "));
    o
}

/// The rows of a multiplication: one loop the compiler cannot unroll (compact), or unrolled.
/// `body` writes one row given the expression of the row's limb of `b`.
fn rows(w: &mut String, shape: LimbShape, body: impl Fn(&mut String, &str)) {
    let n = shape.limbs();
    if shape.compact {
        let _ = writeln!(
            w,
            "    var bw = array<u32, {n}>({});",
            join(n, |i| format!("b.l{i}"), ", ")
        );
        let _ = writeln!(w, "    for (var i = 0u; i < mul_rows(); i++) {{");
        let _ = writeln!(w, "    let bi = bw[i];");
        body(w, "bi");
        let _ = writeln!(w, "    }}");
    } else {
        for i in 0..n {
            let _ = writeln!(w, "    {{");
            body(w, &format!("b.l{i}"));
            let _ = writeln!(w, "    }}");
        }
    }
}

/// a * b / R' mod p by CIOS (coarsely integrated operand scanning), carrying after every
/// product: t + a*b + carry <= (2^16 - 1) + (2^16 - 1)^2 + (2^16 - 1) < 2^32 for any limb size.
fn mul_cios(w: &mut String, shape: LimbShape) {
    let n = shape.limbs();
    let _ = writeln!(w, "fn FIELD_mul_cios(a: Limbs, b: Limbs) -> Limbs {{");
    let _ = writeln!(
        w,
        "    var s: u32;\n    var c: u32;\n    var m: u32;\n    {}",
        join(n + 2, |i| format!("var t{i} = 0u;"), " ")
    );
    rows(w, shape, |w, bi| {
        let _ = writeln!(w, "    c = 0u;");
        for j in 0..n {
            let _ = writeln!(
                w,
                "    s = t{j} + a.l{j} * {bi} + c; t{j} = s & LIMB_MASK; c = s >> LIMB_BITS;"
            );
        }
        let _ = writeln!(
            w,
            "    s = t{n} + c; t{n} = s & LIMB_MASK; t{} = s >> LIMB_BITS;",
            n + 1
        );
        // m makes t divisible by 2^LIMB_BITS; u32 products wrap and only the low bits matter.
        let _ = writeln!(w, "    m = (t0 * FIELD_MU) & LIMB_MASK;");
        let _ = writeln!(w, "    s = t0 + m * FIELD_P.l0; c = s >> LIMB_BITS;");
        for j in 1..n {
            let _ = writeln!(
                w,
                "    s = t{j} + m * FIELD_P.l{j} + c; t{} = s & LIMB_MASK; c = s >> LIMB_BITS;",
                j - 1
            );
        }
        let _ = writeln!(
            w,
            "    s = t{n} + c; t{} = s & LIMB_MASK; t{n} = t{} + (s >> LIMB_BITS);",
            n - 1,
            n + 1
        );
    });
    // t < 2p < 2^T here, so the top word is zero.
    let _ = writeln!(w, "    return FIELD_reduce_once({});\n}}", limbs_of(n, "t"));
}

/// a * b / R' mod p with carries deferred (after Mitscha-Baude): every column accumulates raw
/// products and only the lowest is carried per row. Sound only when 2 * limbs products fit in
/// 32 bits ([`LimbShape::new`] allows it only then: 13-bit limbs, 40 * (2^13 - 1)^2 < 2^32).
fn mul_deferred(w: &mut String, shape: LimbShape) {
    let n = shape.limbs();
    let _ = writeln!(w, "fn FIELD_mul_deferred(a: Limbs, b: Limbs) -> Limbs {{");
    let _ = writeln!(
        w,
        "    var s: u32;\n    var c: u32;\n    var m: u32;\n    {}",
        join(n, |i| format!("var t{i} = 0u;"), " ")
    );
    rows(w, shape, |w, bi| {
        for j in 0..n {
            let _ = writeln!(w, "    t{j} += a.l{j} * {bi};");
        }
        let _ = writeln!(w, "    m = (t0 * FIELD_MU) & LIMB_MASK;");
        for j in 0..n {
            let _ = writeln!(w, "    t{j} += m * FIELD_P.l{j};");
        }
        // t0 is now divisible by 2^LIMB_BITS: shift a limb down, carrying t0's high part.
        let _ = writeln!(w, "    c = t0 >> LIMB_BITS;");
        let _ = writeln!(w, "    t0 = t1 + c;");
        for j in 1..n - 1 {
            let _ = writeln!(w, "    t{j} = t{};", j + 1);
        }
        let _ = writeln!(w, "    t{} = 0u;", n - 1);
    });
    let _ = writeln!(w, "    c = 0u;");
    for j in 0..n {
        let _ = writeln!(
            w,
            "    s = t{j} + c; let r{j} = s & LIMB_MASK; c = s >> LIMB_BITS;"
        );
    }
    let _ = writeln!(w, "    return FIELD_reduce_once({});\n}}", limbs_of(n, "r"));
}
