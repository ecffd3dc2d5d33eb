//! Loading large Groth16 keys: the batched G2 subgroup check refuses a key with one bad point
//! and names it, and the cache of checked keys recognises exactly the bytes it checked.
//!
//! The key is the `mimc_chain` fixture (2551 G2 points in its B query, enough for the batched
//! path) from `KILN_FIXTURES`, as in `iden3_readers.rs`; bad points are written into its
//! section 7 in place.

use std::path::{Path, PathBuf};

use ark_bn254::G2Affine;
use ark_std::rand::{rngs::StdRng, Rng};
use kiln_host::conformance::seeded_rng;
use kiln_host::layout::{self, PointCheck, G2_AFFINE_BYTES};
use kiln_msm::subgroup::twist;
use kiln_prover::api::{G2Checks, KeyChecks, ProvingKey};
use kiln_prover::iden3::groth16_zkey::read_zkey_with;
use kiln_prover::iden3::{zkey_sections, FormatError};
use kiln_prover::key_cache::CheckedKeys;

/// The fixture key, or `None` when `KILN_SKIP_INTEROP=1` says to skip (missing fixtures without
/// it fail, so a run never passes by testing nothing).
fn big_key() -> Option<Vec<u8>> {
    if std::env::var("KILN_SKIP_INTEROP").as_deref() == Ok("1") {
        println!("KILN_SKIP_INTEROP=1: key loading tests skipped");
        return None;
    }
    let dir = PathBuf::from(std::env::var_os("KILN_FIXTURES").expect(
        "KILN_FIXTURES is not set: run `make test` (or tests/interop/fixtures.sh DIR and set it), or KILN_SKIP_INTEROP=1",
    ));
    let path = dir.join("mimc_chain").join("circuit.zkey");
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The byte range of section `id`.
fn section(key: &[u8], id: u32) -> std::ops::Range<usize> {
    zkey_sections::open(key)
        .unwrap()
        .0
        .section_range(id, "test")
        .unwrap()
}

/// `key` with B-query (G2) point `index` replaced by `point`.
fn with_g2_point(key: &[u8], index: usize, point: &G2Affine) -> Vec<u8> {
    let at = section(key, 7).start + index * G2_AFFINE_BYTES;
    let mut out = key.to_vec();
    out[at..at + G2_AFFINE_BYTES].copy_from_slice(&layout::g2_to_bytes(point));
    out
}

fn g2_count(key: &[u8]) -> usize {
    section(key, 7).len() / G2_AFFINE_BYTES
}

/// Asserts that `key` is refused for B-query point `index` being outside the subgroup.
fn assert_refused_at(key: &[u8], index: usize, kind: &str) {
    match read_zkey_with(key, PointCheck::Full) {
        Err(FormatError::BadPoint {
            what,
            index: found,
            reason,
        }) => {
            assert_eq!(what, "B query (G2)", "{kind}");
            assert_eq!(found, index as u64, "{kind}");
            assert!(reason.contains("subgroup"), "{kind}: {reason}");
        }
        other => panic!("{kind} at {index}: expected BadPoint, got {other:?}"),
    }
}

fn bad_points(rng: &mut StdRng) -> Vec<(&'static str, G2Affine)> {
    vec![
        ("order 10069", twist::point_of_cofactor_order(0, rng)),
        ("order r * 10069", twist::point_of_order_r_times(0, rng)),
        (
            "order r * 1875725156269",
            twist::point_of_order_r_times(2, rng),
        ),
        ("random twist point", twist::random_point(rng)),
    ]
}

#[test]
fn a_key_with_one_g2_point_outside_the_subgroup_is_refused_and_the_point_named() {
    let Some(key) = big_key() else { return };
    let n = g2_count(&key);
    assert!(n > 2000, "the fixture has {n} G2 points");
    assert!(read_zkey_with(&key, PointCheck::Full).is_ok());
    let mut rng = seeded_rng("a_key_with_one_g2_point_outside_the_subgroup_is_refused");
    for (kind, bad) in bad_points(&mut rng) {
        for index in [0, n - 1, rng.gen_range(1..n - 1)] {
            let bad_key = with_g2_point(&key, index, &bad);
            assert_refused_at(&bad_key, index, kind);
            // Through the file-level API too, with and without a cache.
            let cache = TempDir::new("refused");
            for checks in [
                KeyChecks::Full,
                KeyChecks::Cached(CheckedKeys::at(&cache.0)),
            ] {
                assert!(matches!(
                    ProvingKey::load_bytes(&bad_key, &checks),
                    Err(FormatError::BadPoint { index: i, .. }) if i == index as u64
                ));
            }
            // Nothing was recorded for a refused key.
            assert_eq!(
                std::fs::read_dir(&cache.0).map(|d| d.count()).unwrap_or(0),
                0
            );
            // Trusted, it is read (on the curve): the checks are what refused it.
            assert!(read_zkey_with(&bad_key, PointCheck::OnCurveOnly).is_ok());
        }
    }
}

/// A folder under the system's temporary one, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "kiln-key-cache-{name}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        TempDir(dir)
    }
}

fn rand_suffix() -> u64 {
    use ark_std::rand::SeedableRng;
    StdRng::from_entropy().gen()
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load(key: &[u8], dir: &Path) -> kiln_prover::api::KeyLoad {
    let (_, load) = ProvingKey::load_bytes(key, &KeyChecks::Cached(CheckedKeys::at(dir))).unwrap();
    load
}

#[test]
fn a_checked_key_is_recognised_by_its_digest_and_only_then() {
    let Some(key) = big_key() else { return };
    let cache = TempDir::new("recognised");

    let first = load(&key, &cache.0);
    assert_eq!(first.g2_checks, G2Checks::Ran);
    assert!(first.recorded && first.cache_warning.is_none());
    let digest = first.digest.expect("a cached load hashes the key");

    let second = load(&key, &cache.0);
    assert_eq!(second.g2_checks, G2Checks::Recognised);
    assert_eq!(second.digest, Some(digest));
    assert!(!second.recorded);

    // One byte changed where no check looks (section 10, the contributions, is not read): the
    // key still loads, but it is not the key that was checked, so the checks run again.
    let mut changed = key.clone();
    let at = section(&key, 10).start + 5;
    changed[at] ^= 1;
    let third = load(&changed, &cache.0);
    assert_eq!(third.g2_checks, G2Checks::Ran);
    assert_ne!(third.digest, Some(digest));

    // The attack the digest stops: a recorded key with one G2 point swapped for a bad one.
    let mut rng = seeded_rng("a_checked_key_is_recognised_by_its_digest_and_only_then");
    let index = rng.gen_range(0..g2_count(&key));
    let bad = with_g2_point(&key, index, &twist::point_of_order_r_times(0, &mut rng));
    assert!(matches!(
        ProvingKey::load_bytes(&bad, &KeyChecks::Cached(CheckedKeys::at(&cache.0))),
        Err(FormatError::BadPoint { index: i, .. }) if i == index as u64
    ));

    // Full ignores the cache; Trusted neither hashes nor checks.
    let (_, full) = ProvingKey::load_bytes(&key, &KeyChecks::Full).unwrap();
    assert_eq!((full.g2_checks, full.digest), (G2Checks::Ran, None));
    let (_, trusted) = ProvingKey::load_bytes(&key, &KeyChecks::Trusted).unwrap();
    assert_eq!(
        (trusted.g2_checks, trusted.digest),
        (G2Checks::Trusted, None)
    );
}

#[test]
fn a_cache_that_cannot_be_written_does_not_fail_the_load() {
    let Some(key) = big_key() else { return };
    let tmp = TempDir::new("unwritable");
    std::fs::create_dir_all(&tmp.0).unwrap();
    // A folder below a plain file cannot be made, even by root.
    let file = tmp.0.join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    let dir = file.join("checked-keys");
    for _ in 0..2 {
        let load = load(&key, &dir);
        assert_eq!(load.g2_checks, G2Checks::Ran);
        assert!(!load.recorded);
        let warning = load.cache_warning.expect("a warning says why");
        assert!(warning.contains("checked-keys"), "{warning}");
    }
}
