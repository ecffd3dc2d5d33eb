//! The iden3 readers on real circom/snarkjs files, on targeted corruptions, and under mutation
//! fuzzing.
//!
//! The files come from `tests/interop/fixtures.sh` (circom2 + snarkjs), pointed to by
//! `KILN_FIXTURES`; `make test` generates them and sets it. Without it these tests say so and
//! return.

use std::path::PathBuf;

use ark_bn254::G2Affine;
use ark_ff::{One, UniformRand};
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::{self, Form};
use kiln_prover::iden3::{
    groth16_zkey::read_zkey, r1cs::read_r1cs, wtns::read_wtns, FileBytes, FormatError,
};
use proptest::prelude::*;

const CIRCUITS: [&str; 5] = [
    "multiplier",
    "poseidon",
    "range",
    "many_public",
    "mimc_chain",
];

/// The fixture folder, or `None` when `KILN_SKIP_INTEROP=1` says to skip. Missing fixtures
/// without that are a failure, so a run can never pass by testing nothing.
fn fixtures() -> Option<PathBuf> {
    if std::env::var("KILN_SKIP_INTEROP").as_deref() == Ok("1") {
        println!("KILN_SKIP_INTEROP=1: reader tests on snarkjs files skipped");
        return None;
    }
    Some(PathBuf::from(std::env::var_os("KILN_FIXTURES").expect(
        "KILN_FIXTURES is not set: run `make test` (or tests/interop/fixtures.sh DIR and set it), or KILN_SKIP_INTEROP=1",
    )))
}

fn read(dir: &std::path::Path, circuit: &str, file: &str) -> Vec<u8> {
    let path = dir.join(circuit).join(file);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn snarkjs_files_read_and_agree_with_each_other() {
    let Some(dir) = fixtures() else { return };
    for circuit in CIRCUITS {
        let (header, r1cs) = read_r1cs(&read(&dir, circuit, "circuit.r1cs")).unwrap();
        let witness = read_wtns(&read(&dir, circuit, "witness.wtns")).unwrap();
        let zkey = read_zkey(&read(&dir, circuit, "circuit.zkey")).unwrap();
        // Read from a map, whose pages are handed back section by section: the same key.
        let map = FileBytes::open(&dir.join(circuit).join("circuit.zkey")).unwrap();
        let mapped = read_zkey(&map).unwrap();
        assert_eq!(mapped.coefficients, zkey.coefficients, "{circuit}");
        assert_eq!(
            [
                &mapped.a_query,
                &mapped.b_g1_query,
                &mapped.c_query,
                &mapped.h_query
            ],
            [
                &zkey.a_query,
                &zkey.b_g1_query,
                &zkey.c_query,
                &zkey.h_query
            ],
            "{circuit}"
        );
        assert_eq!(mapped.b_g2_query, zkey.b_g2_query, "{circuit}");
        assert_eq!(witness.len(), header.n_wires as usize, "{circuit}");
        assert_eq!(zkey.n_vars, header.n_wires as usize, "{circuit}");
        assert_eq!(zkey.n_public, header.n_public() as usize, "{circuit}");
        assert!(
            zkey.domain_size > header.n_constraints as usize + zkey.n_public,
            "{circuit}"
        );
        assert!(witness[0].is_one());
        // Independent readers, one statement: circom's witness satisfies circom's constraints.
        r1cs.check_satisfied(&witness)
            .unwrap_or_else(|e| panic!("{circuit}: {e}"));
        // snarkjs's public.json is the witness's public slice.
        let public: serde_json::Value =
            serde_json::from_slice(&read(&dir, circuit, "public.json")).unwrap();
        let public = kiln_prover::snarkjs_json::public_from_json(&public).unwrap();
        assert_eq!(public, witness[1..=zkey.n_public].to_vec(), "{circuit}");
        // The key's verifying key is the one snarkjs exported.
        let vk: serde_json::Value =
            serde_json::from_slice(&read(&dir, circuit, "verification_key.json")).unwrap();
        assert_eq!(
            kiln_prover::snarkjs_json::verifying_key_from_json(&vk).unwrap(),
            zkey.verifying_key(),
            "{circuit}"
        );
    }
}

/// The sections of a container: (id, body start, body length).
fn sections(data: &[u8]) -> Vec<(u32, usize, usize)> {
    let count = u32::from_le_bytes(data[8..12].try_into().unwrap());
    let mut pos = 12;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = u32::from_le_bytes(data[pos..pos + 4].try_into().unwrap());
        let len = u64::from_le_bytes(data[pos + 4..pos + 12].try_into().unwrap()) as usize;
        out.push((id, pos + 12, len));
        pos += 12 + len;
    }
    out
}

fn section(data: &[u8], id: u32) -> (usize, usize) {
    sections(data)
        .into_iter()
        .find(|s| s.0 == id)
        .map(|(_, start, len)| (start, len))
        .unwrap()
}

#[test]
fn corrupted_keys_are_refused_with_the_reason() {
    let Some(dir) = fixtures() else { return };
    let good = read(&dir, "range", "circuit.zkey");
    let corrupt = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = good.clone();
        f(&mut bytes);
        read_zkey(&bytes)
    };
    assert!(matches!(
        corrupt(&|b| b[0] = b'x'),
        Err(FormatError::BadMagic { .. })
    ));
    assert!(matches!(
        corrupt(&|b| b[4] = 7),
        Err(FormatError::Version { found: 7, .. })
    ));
    // Truncated anywhere: an error, never a panic.
    for cut in [3, 11, 20, good.len() / 3, good.len() / 2, good.len() - 1] {
        assert!(
            read_zkey(&good[..cut]).is_err(),
            "accepted a key cut at {cut}"
        );
    }
    // A missing section (section 9, H, renamed).
    let h_header = section(&good, 9).0 - 12;
    assert!(matches!(
        corrupt(&|b| b[h_header..h_header + 4].copy_from_slice(&99u32.to_le_bytes())),
        Err(FormatError::MissingSection { id: 9, .. })
    ));
    // A section length field claiming more than the file holds.
    assert!(matches!(
        corrupt(&|b| b[h_header + 4..h_header + 12].copy_from_slice(&u64::MAX.to_le_bytes())),
        Err(FormatError::Truncated { .. })
    ));
    // A wrong field prime (the curve's q in the header).
    let (h2, _) = section(&good, 2);
    assert!(matches!(
        corrupt(&|b| b[h2 + 4] ^= 1),
        Err(FormatError::WrongPrime { .. })
    ));
    // Not Groth16.
    let (p1, _) = section(&good, 1);
    assert!(matches!(
        corrupt(&|b| b[p1] = 2),
        Err(FormatError::NotGroth16(2))
    ));
    // A point off the curve: the last A-query point (a signal's point, not infinity), x changed.
    let (a_start, a_len) = section(&good, 5);
    let last = a_start + a_len - 64;
    assert!(matches!(
        corrupt(&|b| b[last] ^= 1),
        Err(FormatError::BadPoint {
            what: "A query",
            ..
        })
    ));
    // Two points off the curve: the first of them is named, whichever thread decoded it.
    let count = a_len / 64;
    assert!(matches!(
        corrupt(&|b| {
            b[last] ^= 1;
            b[last - 64] ^= 1;
        }),
        Err(FormatError::BadPoint {
            what: "A query",
            index,
            ..
        }) if index as usize == count - 2
    ));
    // A G2 point on the twist but outside the subgroup in the B2 query.
    let mut rng = seeded_rng("zkey subgroup");
    let rogue = loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(ark_bn254::Fq2::rand(&mut rng), false)
        {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
    };
    let mut encoded = [0u8; 128];
    encoded[..64].copy_from_slice(&layout::fq2_to_bytes(&rogue.x, Form::Montgomery));
    encoded[64..].copy_from_slice(&layout::fq2_to_bytes(&rogue.y, Form::Montgomery));
    let (b2, _) = section(&good, 7);
    assert!(matches!(
        corrupt(&|b| b[b2..b2 + 128].copy_from_slice(&encoded)),
        Err(FormatError::BadPoint {
            what: "B query (G2)",
            ..
        })
    ));
    // Loaded without the B-query subgroup checks, the same key is accepted, but it never yields
    // a proof: B[0] pairs with the constant signal, so pi_B leaves the subgroup and the prover's
    // gate refuses it.
    let mut rogue_key = good.clone();
    rogue_key[b2..b2 + 128].copy_from_slice(&encoded);
    let trusted = kiln_prover::iden3::groth16_zkey::read_zkey_with(
        &rogue_key,
        kiln_host::layout::PointCheck::OnCurveOnly,
    )
    .unwrap();
    let witness = read_wtns(&read(&dir, "range", "witness.wtns")).unwrap();
    let cpu = kiln_host::ArkworksBackend::new();
    let prover = kiln_prover::groth16::SnarkjsProver::new(&cpu, trusted).unwrap();
    assert!(prover
        .prove_with_randomness(
            &witness,
            ark_bn254::Fr::from(2u64),
            ark_bn254::Fr::from(3u64)
        )
        .is_err());
    // A coordinate that is not a field element.
    let (ic, _) = section(&good, 3);
    assert!(matches!(
        corrupt(&|b| b[ic..ic + 32].fill(0xff)),
        Err(FormatError::BadPoint { what: "IC", .. })
    ));
}

#[test]
fn corrupted_witnesses_and_constraint_systems_are_refused() {
    let Some(dir) = fixtures() else { return };
    let wtns = read(&dir, "poseidon", "witness.wtns");
    let mut bad = wtns.clone();
    bad[0] = b'r';
    assert!(matches!(read_wtns(&bad), Err(FormatError::BadMagic { .. })));
    for cut in [0, 5, 12, 40, wtns.len() - 7] {
        assert!(
            read_wtns(&wtns[..cut]).is_err(),
            "accepted a witness cut at {cut}"
        );
    }
    // A count claiming 2^32 - 1 values: refused before anything that size is allocated.
    let (h, _) = section(&wtns, 1);
    let mut huge = wtns.clone();
    huge[h + 36..h + 40].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        read_wtns(&huge),
        Err(FormatError::Truncated { .. })
    ));
    // A value not below r.
    let (values, _) = section(&wtns, 2);
    let mut unreduced = wtns.clone();
    unreduced[values + 32..values + 64].fill(0xff);
    assert!(matches!(
        read_wtns(&unreduced),
        Err(FormatError::BadFieldElement { index: 1, .. })
    ));

    let r1cs = read(&dir, "range", "circuit.r1cs");
    let (h, _) = section(&r1cs, 1);
    let mut wrong_prime = r1cs.clone();
    wrong_prime[h + 10] ^= 0x40;
    assert!(matches!(
        read_r1cs(&wrong_prime),
        Err(FormatError::WrongPrime { .. })
    ));
    let mut huge = r1cs.clone();
    // nConstraints is the header's last u32.
    huge[h + 4 + 32 + 16 + 8..h + 4 + 32 + 16 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(read_r1cs(&huge).is_err());
    for cut in [4, 30, r1cs.len() / 2, r1cs.len() - 3] {
        assert!(
            read_r1cs(&r1cs[..cut]).is_err(),
            "accepted a constraint system cut at {cut}"
        );
    }
}

/// Applies `edits` to `bytes`: overwrite a byte, overwrite 4 bytes with a u32, or truncate.
fn mutate(bytes: &[u8], edits: &[(u8, usize, u32)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(kind, at, value) in edits {
        if out.is_empty() {
            break;
        }
        let at = at % out.len();
        match kind % 3 {
            0 => out[at] = value as u8,
            1 => {
                let end = (at + 4).min(out.len());
                out[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
            }
            _ => out.truncate(at),
        }
    }
    out
}

fn edits() -> impl Strategy<Value = Vec<(u8, usize, u32)>> {
    prop::collection::vec(
        (
            any::<u8>(),
            any::<usize>(),
            prop_oneof![any::<u32>(), Just(u32::MAX), 0u32..64],
        ),
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutated files parse or fail; they never panic (proptest reports a panic as a failure) and
    /// never allocate by an unchecked length (an attempt would abort the test process).
    #[test]
    fn mutated_files_never_panic(zkey_edits in edits(), wtns_edits in edits(), r1cs_edits in edits()) {
        let Some(dir) = fixtures() else { return Ok(()) };
        let zkey = read(&dir, "multiplier", "circuit.zkey");
        let _ = read_zkey(&mutate(&zkey, &zkey_edits));
        let wtns = read(&dir, "range", "witness.wtns");
        let _ = read_wtns(&mutate(&wtns, &wtns_edits));
        let r1cs = read(&dir, "range", "circuit.r1cs");
        let _ = read_r1cs(&mutate(&r1cs, &r1cs_edits));
    }
}
