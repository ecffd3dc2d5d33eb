//! snarkjs's PLONK `proof.json` and `verification_key.json` (public signals are the same
//! `public.json` as for Groth16: [`crate::snarkjs_json::public_from_json`]).
//!
//! Parsing is as strict as the Groth16 files' ([`crate::snarkjs_json`]): canonical integers below
//! the modulus, points on the curve (G1 has cofactor 1, so that is membership in the group; G2
//! is also checked for the subgroup), infinity written `["0", "1", "0"]` as ffjavascript's
//! `G1.toObject` writes it (any x, y with z = 0 reads as infinity, as `fromObject` reads it).
//!
//! snarkjs reads these files with `JSON.parse`, so key order does not matter when reading; the
//! `*_to_text` functions reproduce snarkjs's files byte for byte (its key order, one-space
//! indentation, no final newline) for tools that diff them. `serde_json::Value` without the
//! `preserve_order` feature sorts keys, so the `*_to_json` values carry the same content only.

use ark_bn254::Fr;
use ark_ff::FftField;
use serde_json::{json, Map, Value};

use super::{PlonkProof, PlonkVerifyingKey};
use crate::snarkjs_json::{
    decimal, err, expect_bn254, expect_tag, field, g1_from_json, g1_to_json, g2_from_json,
    g2_to_json, to_decimal, Result,
};

/// The largest `power` a key can have: BN254's scalar field has roots of unity of order up to
/// 2^28 (snarkjs's `Fr.w[power]` is undefined beyond it).
pub const MAX_POWER: u32 = Fr::TWO_ADICITY;

/// The proof's fields in the order `snarkjs plonk prove` writes them.
fn proof_fields(p: &PlonkProof) -> Vec<(&'static str, Value)> {
    vec![
        ("A", g1_to_json(&p.a)),
        ("B", g1_to_json(&p.b)),
        ("C", g1_to_json(&p.c)),
        ("Z", g1_to_json(&p.z)),
        ("T1", g1_to_json(&p.t1)),
        ("T2", g1_to_json(&p.t2)),
        ("T3", g1_to_json(&p.t3)),
        ("Wxi", g1_to_json(&p.wxi)),
        ("Wxiw", g1_to_json(&p.wxiw)),
        ("eval_a", to_decimal(&p.eval_a)),
        ("eval_b", to_decimal(&p.eval_b)),
        ("eval_c", to_decimal(&p.eval_c)),
        ("eval_s1", to_decimal(&p.eval_s1)),
        ("eval_s2", to_decimal(&p.eval_s2)),
        ("eval_zw", to_decimal(&p.eval_zw)),
        ("protocol", json!("plonk")),
        ("curve", json!("bn128")),
    ]
}

/// The key's fields in the order `snarkjs zkey export verificationkey` writes them.
fn verifying_key_fields(vk: &PlonkVerifyingKey) -> Vec<(&'static str, Value)> {
    let mut fields = vec![
        ("protocol", json!("plonk")),
        ("curve", json!("bn128")),
        ("nPublic", json!(vk.n_public)),
        ("power", json!(vk.power)),
        ("k1", to_decimal(&vk.k1)),
        ("k2", to_decimal(&vk.k2)),
        ("Qm", g1_to_json(&vk.qm)),
        ("Ql", g1_to_json(&vk.ql)),
        ("Qr", g1_to_json(&vk.qr)),
        ("Qo", g1_to_json(&vk.qo)),
        ("Qc", g1_to_json(&vk.qc)),
        ("S1", g1_to_json(&vk.s1)),
        ("S2", g1_to_json(&vk.s2)),
        ("S3", g1_to_json(&vk.s3)),
        ("X_2", g2_to_json(&vk.x_2)),
    ];
    // A key whose power has no root of unity cannot come from snarkjs (and is refused when
    // read); leaving `w` out keeps writing total.
    if let Some(w) = super::verifier::domain_root(vk.power) {
        fields.push(("w", to_decimal(&w)));
    }
    fields
}

fn object(fields: Vec<(&'static str, Value)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<_, _>>(),
    )
}

/// `JSON.stringify(value, null, 1)` of an object with these fields in this order: what snarkjs
/// (bfj with `space: 1`) writes. Nested values here are only arrays, strings and numbers.
fn snarkjs_text(fields: &[(&'static str, Value)]) -> String {
    fn write(v: &Value, depth: usize, out: &mut String) {
        match v {
            Value::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push('\n');
                    out.push_str(&" ".repeat(depth + 1));
                    write(item, depth + 1, out);
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                }
                out.push('\n');
                out.push_str(&" ".repeat(depth));
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        out.push_str("\n ");
        out.push_str(&Value::String(key.to_string()).to_string());
        out.push_str(": ");
        write(value, 1, &mut out);
        if i + 1 < fields.len() {
            out.push(',');
        }
    }
    out.push_str("\n}");
    out
}

/// `proof.json` as a JSON value (keys sorted by serde_json; see the module docs).
pub fn proof_to_json(proof: &PlonkProof) -> Value {
    object(proof_fields(proof))
}

/// `proof.json` exactly as snarkjs writes it: its key order and indentation, no final newline.
pub fn proof_to_text(proof: &PlonkProof) -> String {
    snarkjs_text(&proof_fields(proof))
}

/// Parses a PLONK `proof.json`.
pub fn proof_from_json(v: &Value) -> Result<PlonkProof> {
    // snarkjs's verifier ignores these tags in a proof; kiln checks them only when present, as
    // for Groth16.
    if v.get("protocol").is_some() {
        expect_tag(v, "protocol", "plonk", "proof")?;
    }
    if v.get("curve").is_some() {
        expect_bn254(v, "proof")?;
    }
    let g1 = |key: &str| g1_from_json(field(v, key, "proof")?, &format!("proof {key}"));
    let fr = |key: &str| decimal::<Fr>(field(v, key, "proof")?, &format!("proof {key}"));
    Ok(PlonkProof {
        a: g1("A")?,
        b: g1("B")?,
        c: g1("C")?,
        z: g1("Z")?,
        t1: g1("T1")?,
        t2: g1("T2")?,
        t3: g1("T3")?,
        wxi: g1("Wxi")?,
        wxiw: g1("Wxiw")?,
        eval_a: fr("eval_a")?,
        eval_b: fr("eval_b")?,
        eval_c: fr("eval_c")?,
        eval_s1: fr("eval_s1")?,
        eval_s2: fr("eval_s2")?,
        eval_zw: fr("eval_zw")?,
    })
}

/// `verification_key.json` as a JSON value (keys sorted by serde_json; see the module docs).
pub fn verifying_key_to_json(vk: &PlonkVerifyingKey) -> Value {
    object(verifying_key_fields(vk))
}

/// `verification_key.json` exactly as snarkjs writes it.
pub fn verifying_key_to_text(vk: &PlonkVerifyingKey) -> String {
    snarkjs_text(&verifying_key_fields(vk))
}

/// A JSON number that is a whole number (snarkjs writes `nPublic` and `power` as numbers).
fn whole_number(v: &Value, key: &str, what: &str) -> Result<u64> {
    let n = field(v, key, what)?;
    n.as_u64()
        .ok_or_else(|| err(what, format!("{key} must be a whole number, found {n}")))
}

/// Parses a PLONK `verification_key.json`.
///
/// `w` is not read: snarkjs's verifier never uses it either (it takes `Fr.w[power]`, and so does
/// kiln's), and the Solidity verifier is generated from the zkey, not from this file.
pub fn verifying_key_from_json(v: &Value) -> Result<PlonkVerifyingKey> {
    let what = "verification key";
    expect_tag(v, "protocol", "plonk", what)?;
    expect_bn254(v, what)?;
    let n_public = usize::try_from(whole_number(v, "nPublic", what)?)
        .map_err(|_| err(what, "nPublic is too large"))?;
    let power = whole_number(v, "power", what)?;
    if power > u64::from(MAX_POWER) {
        return Err(err(
            what,
            format!("power is {power}, BN254 has domains of at most 2^{MAX_POWER}"),
        ));
    }
    let g1 = |key: &str| g1_from_json(field(v, key, what)?, key);
    Ok(PlonkVerifyingKey {
        n_public,
        power: power as u32,
        k1: decimal(field(v, "k1", what)?, "k1")?,
        k2: decimal(field(v, "k2", what)?, "k2")?,
        qm: g1("Qm")?,
        ql: g1("Ql")?,
        qr: g1("Qr")?,
        qo: g1("Qo")?,
        qc: g1("Qc")?,
        s1: g1("S1")?,
        s2: g1("S2")?,
        s3: g1("S3")?,
        x_2: g2_from_json(field(v, "X_2", what)?, "X_2")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use ark_ff::{PrimeField, UniformRand};

    fn random_proof(rng: &mut impl ark_std::rand::RngCore) -> PlonkProof {
        let mut g1 = || G1Affine::rand(rng);
        let (a, b, c, z, t1, t2, t3, wxi, wxiw) =
            (g1(), g1(), g1(), g1(), g1(), g1(), g1(), g1(), g1());
        let mut fr = || Fr::rand(rng);
        PlonkProof {
            a,
            b,
            c,
            z,
            t1,
            t2,
            t3,
            wxi,
            wxiw,
            eval_a: fr(),
            eval_b: fr(),
            eval_c: fr(),
            eval_s1: fr(),
            eval_s2: fr(),
            eval_zw: fr(),
        }
    }

    #[test]
    fn proofs_round_trip_and_keep_snarkjs_key_order() {
        let mut rng = kiln_host::conformance::seeded_rng("plonk json proof");
        let mut proof = random_proof(&mut rng);
        proof.t3 = G1Affine::identity();
        let v = proof_to_json(&proof);
        assert_eq!(proof_from_json(&v), Ok(proof.clone()));
        let text = proof_to_text(&proof);
        let reread: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reread, v);
        let keys: Vec<_> = text
            .lines()
            .filter(|l| l.starts_with(" \""))
            .map(|l| l.trim().split('"').nth(1).unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "A", "B", "C", "Z", "T1", "T2", "T3", "Wxi", "Wxiw", "eval_a", "eval_b", "eval_c",
                "eval_s1", "eval_s2", "eval_zw", "protocol", "curve"
            ]
        );
        assert!(text.contains("\"T3\": [\n  \"0\",\n  \"1\",\n  \"0\"\n ],"));
    }

    #[test]
    fn malformed_proofs_are_refused_with_the_field_named() {
        let mut rng = kiln_host::conformance::seeded_rng("plonk json malformed");
        let v = proof_to_json(&random_proof(&mut rng));
        let refused = |v: &Value, needle: &str| {
            let e = proof_from_json(v).expect_err("accepted a malformed proof");
            assert!(e.to_string().contains(needle), "{e} (expected {needle})");
        };
        let mut t = v.clone();
        t.as_object_mut().unwrap().remove("Wxiw");
        refused(&t, "missing field 'Wxiw'");
        let mut t = v.clone();
        t["eval_s2"] = json!(num_bigint::BigUint::from(Fr::MODULUS).to_string());
        refused(&t, "proof eval_s2");
        let mut t = v.clone();
        t["eval_a"] = json!("12x");
        refused(&t, "proof eval_a");
        let mut t = v.clone();
        t["Z"][0] = json!("1");
        refused(&t, "not on the curve");
        let mut t = v.clone();
        t["protocol"] = json!("groth16");
        refused(&t, "protocol");
    }

    #[test]
    fn verifying_keys_round_trip_and_bad_powers_are_refused() {
        let mut rng = kiln_host::conformance::seeded_rng("plonk json vk");
        let mut g1 = || G1Affine::rand(&mut rng);
        let vk = PlonkVerifyingKey {
            n_public: 3,
            power: 11,
            k1: Fr::from(2u64),
            k2: Fr::from(3u64),
            qm: g1(),
            ql: g1(),
            qr: G1Affine::identity(),
            qo: g1(),
            qc: g1(),
            s1: g1(),
            s2: g1(),
            s3: g1(),
            x_2: G2Affine::generator(),
        };
        let v = verifying_key_to_json(&vk);
        assert_eq!(verifying_key_from_json(&v), Ok(vk.clone()));
        let text = verifying_key_to_text(&vk);
        assert!(text.starts_with("{\n \"protocol\": \"plonk\",\n \"curve\": \"bn128\",\n \"nPublic\": 3,\n \"power\": 11,"));
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
        // `w` is ignored, as snarkjs's verifier ignores it.
        let mut t = v.clone();
        t["w"] = json!("5");
        assert_eq!(verifying_key_from_json(&t), Ok(vk));
        for (key, bad) in [
            ("power", json!(29)),
            ("power", json!("11")),
            ("nPublic", json!(-1)),
            ("protocol", json!("groth16")),
            ("curve", json!("bls12381")),
        ] {
            let mut t = v.clone();
            t[key] = bad;
            assert!(verifying_key_from_json(&t).is_err(), "{key}");
        }
    }
}
