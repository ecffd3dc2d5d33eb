// Test harness (not used by the backend): one curve operation over arrays, instantiated for G1
// and G2 like msm_accumulate.wgsl. Inputs are in the device layout (radix 2^256): `p` an XYZZ
// point (four coordinates), `q` an affine point. The output is XYZZ in the kernel radix, decoded
// by the same host code that decodes MSM results.
//
// Bindings: 0 parameters [threads, op, k], 1 p, 2 q, 3 out.
// op: 0 p + q (mixed), 1 p + q (full, q lifted to XYZZ), 2 2p, 3 2q (affine doubling),
//     4 k * p (small multiple).

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> p_in: array<u32>;
@group(0) @binding(2) var<storage, read> q_in: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

fn p_coord(i: u32, j: u32) -> CF_t {
    var w: array<u32, CWORDS>;
    for (var k = 0u; k < CWORDS; k++) {
        w[k] = p_in[(4u * i + j) * CWORDS + k];
    }
    return CF_to_dev(CF_unpack(w));
}

fn q_coord(i: u32, j: u32) -> CF_t {
    var w: array<u32, CWORDS>;
    for (var k = 0u; k < CWORDS; k++) {
        w[k] = q_in[(2u * i + j) * CWORDS + k];
    }
    return CF_to_dev(CF_unpack(w));
}

fn store_coord(i: u32, j: u32, x: CF_t) {
    var w = CF_pack(x);
    for (var k = 0u; k < CWORDS; k++) {
        out[(4u * i + j) * CWORDS + k] = w[k];
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn curve_op(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let p = CURVE_xyzz(p_coord(i, 0u), p_coord(i, 1u), p_coord(i, 2u), p_coord(i, 3u));
    let q = CURVE_affine(q_coord(i, 0u), q_coord(i, 1u));
    var r: CURVE_xyzz;
    switch prm[1] {
        case 0u: { r = CURVE_add_affine(p, q); }
        case 1u: { r = CURVE_add(p, CURVE_from_affine(q)); }
        case 2u: { r = CURVE_double(p); }
        case 3u: { r = CURVE_double_affine(q); }
        default: { r = CURVE_mul_small(p, prm[2], 16u); }
    }
    store_coord(i, 0u, r.x);
    store_coord(i, 1u, r.y);
    store_coord(i, 2u, r.zz);
    store_coord(i, 3u, r.zzz);
}
