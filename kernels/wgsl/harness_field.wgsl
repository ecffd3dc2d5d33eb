// Test harness (not used by the backend): one field operation over arrays, so the tests can
// compare thousands of results with arkworks. Inputs and outputs are in the device layout
// (Montgomery radix 2^256); each kernel converts to the kernel radix and back, so the radix
// conversions are under test too.
//
// Bindings: 0 parameters [threads, op], 1 a, 2 b, 3 out. op: 0 add, 1 sub, 2 mul, 3 square.

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

fn words8(buf_is_a: bool, i: u32) -> array<u32, 8> {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        if (buf_is_a) {
            w[k] = a[8u * i + k];
        } else {
            w[k] = b[8u * i + k];
        }
    }
    return w;
}

fn store8(i: u32, w_in: array<u32, 8>) {
    var w = w_in;
    for (var k = 0u; k < 8u; k++) {
        out[8u * i + k] = w[k];
    }
}

fn fr_apply(op: u32, x: Limbs, y: Limbs) -> Limbs {
    switch op {
        case 0u: { return fr_add(x, y); }
        case 1u: { return fr_sub(x, y); }
        case 2u: { return fr_mul(x, y); }
        default: { return fr_square(x); }
    }
}

fn fq_apply(op: u32, x: Limbs, y: Limbs) -> Limbs {
    switch op {
        case 0u: { return fq_add(x, y); }
        case 1u: { return fq_sub(x, y); }
        case 2u: { return fq_mul(x, y); }
        default: { return fq_square(x); }
    }
}

fn fq2_apply(op: u32, x: fq2_t, y: fq2_t) -> fq2_t {
    switch op {
        case 0u: { return fq2_add(x, y); }
        case 1u: { return fq2_sub(x, y); }
        case 2u: { return fq2_mul(x, y); }
        default: { return fq2_square(x); }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn field_fr(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let x = fr_to_dev(fr_unpack(words8(true, i)));
    let y = fr_to_dev(fr_unpack(words8(false, i)));
    store8(i, fr_pack(fr_from_dev(fr_apply(prm[1], x, y))));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn field_fq(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let x = fq_to_dev(fq_unpack(words8(true, i)));
    let y = fq_to_dev(fq_unpack(words8(false, i)));
    store8(i, fq_pack(fq_from_dev(fq_apply(prm[1], x, y))));
}

// Fq2 elements are two consecutive 8-word slots (c0, c1).
@compute @workgroup_size(WORKGROUP_SIZE)
fn field_fq2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let x = fq2_to_dev(fq2_t(fq_unpack(words8(true, 2u * i)), fq_unpack(words8(true, 2u * i + 1u))));
    let y = fq2_to_dev(fq2_t(fq_unpack(words8(false, 2u * i)), fq_unpack(words8(false, 2u * i + 1u))));
    let r = fq2_from_dev(fq2_apply(prm[1], x, y));
    store8(2u * i, fq_pack(r.c0));
    store8(2u * i + 1u, fq_pack(r.c1));
}
