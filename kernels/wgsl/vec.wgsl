// Element-wise operations on resident Fr vectors (device layout: eight u32 words per element,
// Montgomery form with radix 2^256): what provers need between NTTs.
//
// Bindings: 0 parameters [threads, op, c (8 words, kernel radix)], 1 the vector `a` (one chunk),
// 2 the right-hand vector `b` (the matching chunk; a one-element dummy for scalar ops).

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;

fn load_a(i: u32) -> Limbs {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        w[k] = a[8u * i + k];
    }
    return fr_unpack(w);
}

fn load_b(i: u32) -> Limbs {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        w[k] = b[8u * i + k];
    }
    return fr_unpack(w);
}

fn store_a(i: u32, x: Limbs) {
    var w = fr_pack(x);
    for (var k = 0u; k < 8u; k++) {
        a[8u * i + k] = w[k];
    }
}

fn param_constant() -> Limbs {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        w[k] = prm[2u + k];
    }
    return fr_unpack(w);
}

// op: 0 add, 1 sub, 2 mul, 3 scale by c, 4 add c.
@compute @workgroup_size(WORKGROUP_SIZE)
fn vec_op(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let op = prm[1];
    let x = load_a(i);
    var r: Limbs;
    switch op {
        case 0u: {
            r = fr_add(x, load_b(i));
        }
        case 1u: {
            r = fr_sub(x, load_b(i));
        }
        case 2u: {
            // (x R)(y R) / R' is x y R^2 / R'; one more product by TO_DEV restores radix R.
            r = fr_to_dev(fr_mul(x, load_b(i)));
        }
        case 3u: {
            // c arrives in the kernel radix (c R'), so the product keeps radix R.
            r = fr_mul(x, param_constant());
        }
        default: {
            r = fr_add(x, param_constant());
        }
    }
    store_a(i, r);
}
