//! snarkjs's Groth16 JSON files: `proof.json`, `public.json` and `verification_key.json`.
//!
//! Numbers are decimal strings. Points are affine, written projectively with `z = "1"`; G2
//! coordinates are `[c0, c1]` pairs. Parsing is strict: every integer must be a canonical decimal
//! below its field's modulus, and every point must be on its curve and in the prime-order
//! subgroup. A file that does not meet this is an error, never a proof or key that silently
//! means something else.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField, Zero};
use ark_groth16::{Proof, VerifyingKey};
use num_bigint::BigUint;
use serde_json::{json, Value};
use thiserror::Error;

/// What is wrong with a JSON file.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{what}: {problem}")]
pub struct JsonError {
    pub what: String,
    pub problem: String,
}

pub(crate) fn err(what: &str, problem: impl Into<String>) -> JsonError {
    JsonError {
        what: what.to_string(),
        problem: problem.into(),
    }
}

pub(crate) type Result<T> = std::result::Result<T, JsonError>;

pub(crate) fn decimal<F: PrimeField<BigInt = BigInt<4>>>(v: &Value, what: &str) -> Result<F> {
    let s = v.as_str().ok_or_else(|| {
        err(
            what,
            format!("expected a string holding an integer, found {v}"),
        )
    })?;
    // As snarkjs reads them: decimal digits, or 0x-prefixed hex. A 256-bit value has at most 78
    // decimal or 64 hex digits (leading zeros aside); longer strings are refused before parsing.
    let (digits, radix) = match s.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    let significant = digits.trim_start_matches('0');
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) || significant.len() > 78 {
        return Err(err(
            what,
            format!("'{s}' is not a decimal (or 0x-hex) integer of at most 256 bits"),
        ));
    }
    let n = BigUint::parse_bytes(
        if significant.is_empty() {
            b"0"
        } else {
            significant.as_bytes()
        },
        radix,
    )
    .ok_or_else(|| err(what, format!("'{s}' is not an integer")))?;
    let limbs =
        BigInt::<4>::try_from(n).map_err(|_| err(what, format!("{s} does not fit in 256 bits")))?;
    F::from_bigint(limbs).ok_or_else(|| err(what, format!("{s} is not below the field modulus")))
}

pub(crate) fn to_decimal<F: PrimeField<BigInt = BigInt<4>>>(x: &F) -> Value {
    Value::String(BigUint::from(x.into_bigint()).to_string())
}

fn array<'a>(v: &'a Value, len: usize, what: &str) -> Result<&'a Vec<Value>> {
    match v.as_array() {
        Some(a) if a.len() == len => Ok(a),
        _ => Err(err(what, format!("expected an array of {len}, found {v}"))),
    }
}

pub(crate) fn field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a Value> {
    v.get(key)
        .ok_or_else(|| err(what, format!("missing field '{key}'")))
}

/// A G1 point written `[x, y, z]` with `z` "1" (or "0" with x = 0, y = 1 for infinity).
pub fn g1_from_json(v: &Value, what: &str) -> Result<G1Affine> {
    let a = array(v, 3, what)?;
    let (x, y, z) = (
        decimal::<Fq>(&a[0], what)?,
        decimal::<Fq>(&a[1], what)?,
        decimal::<Fq>(&a[2], what)?,
    );
    if z.is_zero() {
        return Ok(G1Affine::identity());
    }
    if z != Fq::from(1u64) {
        return Err(err(what, "z must be 1 (affine) or 0 (infinity)"));
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(err(what, "point is not on the curve"));
    }
    Ok(p)
}

/// A G2 point written `[[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]`.
pub fn g2_from_json(v: &Value, what: &str) -> Result<G2Affine> {
    let a = array(v, 3, what)?;
    let fq2 = |v: &Value| -> Result<Fq2> {
        let c = array(v, 2, what)?;
        Ok(Fq2::new(decimal(&c[0], what)?, decimal(&c[1], what)?))
    };
    let (x, y, z) = (fq2(&a[0])?, fq2(&a[1])?, fq2(&a[2])?);
    if z.is_zero() {
        return Ok(G2Affine::identity());
    }
    if z != Fq2::from(1u64) {
        return Err(err(what, "z must be [1, 0] (affine) or [0, 0] (infinity)"));
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(err(what, "point is not on the twist"));
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(err(what, "point is not in the prime-order subgroup"));
    }
    Ok(p)
}

/// A G1 point as snarkjs writes it.
pub fn g1_to_json(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([to_decimal(&x), to_decimal(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

/// A G2 point as snarkjs writes it.
pub fn g2_to_json(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([
            [to_decimal(&x.c0), to_decimal(&x.c1)],
            [to_decimal(&y.c0), to_decimal(&y.c1)],
            ["1", "0"]
        ]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// snarkjs accepts several names for BN254 (it normalises case and punctuation).
pub(crate) fn expect_bn254(v: &Value, what: &str) -> Result<()> {
    match v.get("curve").and_then(Value::as_str) {
        Some(name) => {
            let normal: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if ["bn128", "bn254", "altbn128"].contains(&normal.as_str()) {
                Ok(())
            } else {
                Err(err(
                    what,
                    format!("curve is '{name}', kiln handles BN254 (bn128)"),
                ))
            }
        }
        None => Err(err(what, "missing field 'curve'")),
    }
}

pub(crate) fn expect_tag(v: &Value, key: &str, expected: &str, what: &str) -> Result<()> {
    match v.get(key).and_then(Value::as_str) {
        Some(s) if s == expected => Ok(()),
        Some(s) => Err(err(
            what,
            format!("{key} is '{s}', kiln handles '{expected}'"),
        )),
        None => Err(err(what, format!("missing field '{key}'"))),
    }
}

/// `proof.json`.
pub fn proof_to_json(proof: &Proof<Bn254>) -> Value {
    json!({
        "pi_a": g1_to_json(&proof.a),
        "pi_b": g2_to_json(&proof.b),
        "pi_c": g1_to_json(&proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// Parses `proof.json`.
pub fn proof_from_json(v: &Value) -> Result<Proof<Bn254>> {
    // snarkjs's verifier ignores these tags in a proof; kiln checks them only when present.
    if v.get("protocol").is_some() {
        expect_tag(v, "protocol", "groth16", "proof")?;
    }
    if v.get("curve").is_some() {
        expect_bn254(v, "proof")?;
    }
    Ok(Proof {
        a: g1_from_json(field(v, "pi_a", "proof")?, "proof pi_a")?,
        b: g2_from_json(field(v, "pi_b", "proof")?, "proof pi_b")?,
        c: g1_from_json(field(v, "pi_c", "proof")?, "proof pi_c")?,
    })
}

/// `public.json`: the public signals, outputs first.
pub fn public_to_json(public: &[Fr]) -> Value {
    Value::Array(public.iter().map(to_decimal).collect())
}

/// Parses `public.json`.
pub fn public_from_json(v: &Value) -> Result<Vec<Fr>> {
    let a = v
        .as_array()
        .ok_or_else(|| err("public signals", "expected an array of decimal strings"))?;
    a.iter()
        .enumerate()
        .map(|(i, s)| decimal(s, &format!("public signal {i}")))
        .collect()
}

/// `verification_key.json` (without `vk_alphabeta_12`, which verifiers recompute).
pub fn verifying_key_to_json(vk: &VerifyingKey<Bn254>) -> Value {
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1_to_json(&vk.alpha_g1),
        "vk_beta_2": g2_to_json(&vk.beta_g2),
        "vk_gamma_2": g2_to_json(&vk.gamma_g2),
        "vk_delta_2": g2_to_json(&vk.delta_g2),
        "IC": vk.gamma_abc_g1.iter().map(g1_to_json).collect::<Vec<_>>(),
    })
}

/// Parses a Groth16 `verification_key.json`.
pub fn verifying_key_from_json(v: &Value) -> Result<VerifyingKey<Bn254>> {
    let what = "verification key";
    expect_tag(v, "protocol", "groth16", what)?;
    expect_bn254(v, what)?;
    let ic = field(v, "IC", what)?
        .as_array()
        .ok_or_else(|| err(what, "IC must be an array of G1 points"))?;
    if ic.is_empty() {
        return Err(err(what, "IC is empty"));
    }
    if let Some(n) = v.get("nPublic") {
        if n.as_u64() != Some(ic.len() as u64 - 1) {
            return Err(err(
                what,
                format!("nPublic is {n} but IC has {} points", ic.len()),
            ));
        }
    }
    Ok(VerifyingKey {
        alpha_g1: g1_from_json(field(v, "vk_alpha_1", what)?, "vk_alpha_1")?,
        beta_g2: g2_from_json(field(v, "vk_beta_2", what)?, "vk_beta_2")?,
        gamma_g2: g2_from_json(field(v, "vk_gamma_2", what)?, "vk_gamma_2")?,
        delta_g2: g2_from_json(field(v, "vk_delta_2", what)?, "vk_delta_2")?,
        gamma_abc_g1: ic
            .iter()
            .enumerate()
            .map(|(i, p)| g1_from_json(p, &format!("IC[{i}]")))
            .collect::<Result<_>>()?,
    })
}

/// Verifies a Groth16 proof: `Ok(false)` for a well-formed proof that does not verify, an error
/// when the number of public signals does not match the key.
pub fn verify(vk: &VerifyingKey<Bn254>, public: &[Fr], proof: &Proof<Bn254>) -> Result<bool> {
    if public.len() + 1 != vk.gamma_abc_g1.len() {
        return Err(err(
            "public signals",
            format!(
                "{} given, the verification key expects {}",
                public.len(),
                vk.gamma_abc_g1.len().saturating_sub(1)
            ),
        ));
    }
    let pvk = ark_groth16::prepare_verifying_key(vk);
    ark_groth16::Groth16::<Bn254>::verify_proof(&pvk, proof, public)
        .map_err(|e| err("verification", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn integers_are_read_as_snarkjs_reads_them_and_no_further() {
        let x = Fr::from(255u64);
        assert_eq!(decimal::<Fr>(&json!("255"), "x"), Ok(x));
        assert_eq!(decimal::<Fr>(&json!("000255"), "x"), Ok(x));
        assert_eq!(decimal::<Fr>(&json!("0xff"), "x"), Ok(x));
        assert_eq!(decimal::<Fr>(&json!("0"), "x"), Ok(Fr::zero()));
        for bad in [
            json!(""),
            json!("0x"),
            json!("12a"),
            json!("-1"),
            json!(255),
            json!("9".repeat(79)),
        ] {
            assert!(decimal::<Fr>(&bad, "x").is_err(), "accepted {bad}");
        }
        // r itself is not a field element.
        let r = BigUint::from(Fr::MODULUS).to_string();
        assert!(decimal::<Fr>(&json!(r), "x").is_err());
    }

    #[test]
    fn points_round_trip_and_curve_aliases_are_accepted() {
        let mut rng = kiln_host::conformance::seeded_rng("snarkjs json points");
        let proof = Proof::<Bn254> {
            a: G1Affine::rand(&mut rng),
            b: G2Affine::rand(&mut rng),
            c: G1Affine::rand(&mut rng),
        };
        let mut v = proof_to_json(&proof);
        assert_eq!(proof_from_json(&v), Ok(proof.clone()));
        for alias in ["bn254", "BN254", "alt_bn128", "bn128"] {
            v["curve"] = json!(alias);
            assert_eq!(proof_from_json(&v), Ok(proof.clone()), "{alias}");
        }
        v["curve"] = json!("bls12381");
        assert!(proof_from_json(&v).is_err());
        v.as_object_mut().unwrap().remove("curve");
        v.as_object_mut().unwrap().remove("protocol");
        assert_eq!(proof_from_json(&v), Ok(proof));
        assert_eq!(
            g1_from_json(&g1_to_json(&G1Affine::identity()), "inf"),
            Ok(G1Affine::identity())
        );
        assert_eq!(
            g2_from_json(&g2_to_json(&G2Affine::identity()), "inf"),
            Ok(G2Affine::identity())
        );
    }
}
