//! Tuning constants that the Rust drivers and the CUDA kernels must agree on, read from the very
//! sources NVRTC compiles (`kiln_cuda::sources::FILES`): a change on one side only fails here
//! instead of corrupting results on a GPU.

use kiln_cuda::sources::FILES;
use kiln_cuda::vec::VecCode;

/// The value of `#define NAME value` in the kernel sources (a trailing `u` allowed).
fn define(name: &str) -> u32 {
    let mut found = FILES.iter().flat_map(|(path, text)| {
        text.lines().filter_map(move |line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("#define") && words.next() == Some(name)).then(|| {
                let value = words
                    .next()
                    .unwrap_or_else(|| panic!("{path}: {name} has no value"));
                value
                    .trim_end_matches('u')
                    .parse::<u32>()
                    .unwrap_or_else(|e| panic!("{path}: {name} = {value}: {e}"))
            })
        })
    });
    let value = found
        .next()
        .unwrap_or_else(|| panic!("#define {name} not found in kernels/cuda"));
    assert!(found.next().is_none(), "{name} is defined twice");
    value
}

#[test]
fn the_scan_block_agrees_with_the_msm_driver() {
    assert_eq!(define("KILN_SCAN_BLOCK"), kiln_cuda::msm::SCAN_BLOCK);
}

#[test]
fn the_ntt_tile_agrees_with_the_ntt_driver() {
    // The driver never puts more butterfly stages in one pass than a shared-memory tile holds.
    assert_eq!(
        define("KILN_NTT_MAX_TILE_BITS"),
        kiln_cuda::ntt::MAX_STAGES_PER_PASS
    );
}

#[test]
fn the_vector_op_codes_agree_with_the_vec_driver() {
    for (name, code) in [
        ("KILN_VEC_ADD", VecCode::Add),
        ("KILN_VEC_SUB", VecCode::Sub),
        ("KILN_VEC_MUL", VecCode::Mul),
        ("KILN_VEC_SCALE", VecCode::Scale),
        ("KILN_VEC_ADD_SCALAR", VecCode::AddScalar),
    ] {
        assert_eq!(define(name), code as u32, "{name}");
    }
}
