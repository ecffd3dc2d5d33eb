//! A memory-mapped key's pages leave the process once decoded (`FileBytes::release`), without
//! changing what the map reads; and a key read from a map equals the same key read from memory.
//! The resident sizes are read from /proc/self/smaps, so the size check runs on Linux only.

use kiln_host::conformance::seeded_rng;
use kiln_prover::iden3::{FileBytes, FileSource};

use ark_std::rand::RngCore;

/// The resident kilobytes of the mapping that starts at `start`, from /proc/self/smaps.
#[cfg(target_os = "linux")]
fn resident_kb(start: *const u8) -> u64 {
    let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
    let wanted = format!("{:x}-", start as usize);
    let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&wanted));
    assert!(lines.next().is_some(), "mapping {wanted} not in smaps");
    lines
        .find_map(|l| l.strip_prefix("Rss:"))
        .map(|kb| kb.trim().trim_end_matches(" kB").trim().parse().unwrap())
        .unwrap()
}

#[test]
fn released_pages_leave_the_process_and_read_back_unchanged() {
    let mut rng = seeded_rng("mapped release");
    let mut contents = vec![0u8; 16 << 20];
    rng.fill_bytes(&mut contents);
    let dir = std::env::temp_dir().join(format!("kiln-release-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.bin");
    std::fs::write(&path, &contents).unwrap();

    let map = FileBytes::open(&path).unwrap();
    let sum: u64 = map.bytes().iter().map(|&b| u64::from(b)).sum();
    #[cfg(target_os = "linux")]
    let before = resident_kb(map.bytes().as_ptr());

    // An unaligned part: the pages wholly inside it go, the two partial ones may stay.
    let part = &map.bytes()[1000..map.bytes().len() - 1000];
    FileSource::Mapped(&map).release(part);
    #[cfg(target_os = "linux")]
    {
        let after = resident_kb(map.bytes().as_ptr());
        println!("resident: {before} kB before release, {after} kB after");
        assert!(before >= 15 << 10, "the map was not resident: {before} kB");
        assert!(after <= 256, "released pages still resident: {after} kB");
    }

    // Reading again faults the same bytes back in.
    assert_eq!(map.bytes(), &contents[..]);
    assert_eq!(sum, contents.iter().map(|&b| u64::from(b)).sum::<u64>());

    // Bytes in memory belong to the caller: releasing them changes nothing.
    let copy = contents.clone();
    FileSource::Bytes(&copy).release(&copy);
    assert_eq!(copy, contents);
    drop(map);
    std::fs::remove_dir_all(&dir).unwrap();
}
