// Radix-2 NTT of resident Fr vectors (device layout, Montgomery radix 2^256), as planned by
// kiln-ntt: scale the input, bit-reverse, log2(n) butterfly stages (decimation in time), scale the
// output. A vector larger than one storage binding is split into power-of-two chunks; the `_pair`
// kernels take two chunks when a butterfly or a bit-reversal swap crosses between them.
//
// Powers (twiddles w^e and coset factors c * g^e) come from two small tables in the kernel
// radix R' = 2^T: lo[e mod L] * hi[e / L], so no table of n entries is ever built.
//
// Bindings: 0 parameters, 1 chunk `a`, 2 chunk `b` (pair kernels), 3 table lo, 4 table hi.
// Parameters: [threads, log_n, chunk_bits, chunk a, chunk b, half (stage), table_bits].

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read> lo: array<u32>;
@group(0) @binding(4) var<storage, read> hi: array<u32>;

fn load_a(i: u32) -> Limbs {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        w[k] = a[8u * i + k];
    }
    return fr_unpack(w);
}

fn store_a(i: u32, x: Limbs) {
    var w = fr_pack(x);
    for (var k = 0u; k < 8u; k++) {
        a[8u * i + k] = w[k];
    }
}

fn load_b(i: u32) -> Limbs {
    var w: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        w[k] = b[8u * i + k];
    }
    return fr_unpack(w);
}

fn store_b(i: u32, x: Limbs) {
    var w = fr_pack(x);
    for (var k = 0u; k < 8u; k++) {
        b[8u * i + k] = w[k];
    }
}

fn swap_words_a(i: u32, j: u32) {
    for (var k = 0u; k < 8u; k++) {
        let t = a[8u * i + k];
        a[8u * i + k] = a[8u * j + k];
        a[8u * j + k] = t;
    }
}

fn swap_words_ab(i: u32, j: u32) {
    for (var k = 0u; k < 8u; k++) {
        let t = a[8u * i + k];
        a[8u * i + k] = b[8u * j + k];
        b[8u * j + k] = t;
    }
}

// table_power(e) = lo[e mod L] * hi[e / L], in the kernel radix.
fn table_power(e: u32) -> Limbs {
    let bits = prm[6];
    let l = e & ((1u << bits) - 1u);
    let h = e >> bits;
    var wl: array<u32, 8>;
    var wh: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        wl[k] = lo[8u * l + k];
        wh[k] = hi[8u * h + k];
    }
    return fr_mul(fr_unpack(wl), fr_unpack(wh));
}

fn bit_reverse(i: u32, bits: u32) -> u32 {
    if (bits == 0u) {
        return 0u;
    }
    return reverseBits(i) >> (32u - bits);
}

// a[i] *= lo/hi power of its global index: input and output scalings.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let global = (prm[3] << prm[2]) + i;
    store_a(i, fr_mul(load_a(i), table_power(global)));
}

// Bit-reversal swaps whose both ends lie in chunk a.
@compute @workgroup_size(WORKGROUP_SIZE)
fn bitrev_same(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let chunk_bits = prm[2];
    let gi = (prm[3] << chunk_bits) + i;
    let gj = bit_reverse(gi, prm[1]);
    if (gi < gj && (gj >> chunk_bits) == prm[3]) {
        swap_words_a(i, gj & ((1u << chunk_bits) - 1u));
    }
}

// Bit-reversal swaps from chunk a into a later chunk b.
@compute @workgroup_size(WORKGROUP_SIZE)
fn bitrev_pair(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let chunk_bits = prm[2];
    let gi = (prm[3] << chunk_bits) + i;
    let gj = bit_reverse(gi, prm[1]);
    if ((gj >> chunk_bits) == prm[4]) {
        swap_words_ab(i, gj & ((1u << chunk_bits) - 1u));
    }
}

// One butterfly stage with half-size `half` < chunk size: both ends in chunk a.
// Thread t handles pair (i, i + half) with i = (t / half) * 2 half + t mod half.
@compute @workgroup_size(WORKGROUP_SIZE)
fn butterfly_same(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = thread_index(gid, nwg);
    if (t >= prm[0]) {
        return;
    }
    let half = prm[5];
    let k = t % half;
    let i = (t / half) * 2u * half + k;
    let j = i + half;
    // w_{2 half}^k = w_n^(k n / (2 half))
    let e = k << (prm[1] - 1u - firstTrailingBit(half));
    let u = load_a(i);
    let v = fr_mul(load_a(j), table_power(e));
    store_a(i, fr_add(u, v));
    store_a(j, fr_sub(u, v));
}

// One butterfly stage with half-size >= chunk size: element i of chunk a pairs with element i of
// chunk b (b = a + half / chunk).
@compute @workgroup_size(WORKGROUP_SIZE)
fn butterfly_pair(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let half = prm[5];
    let gi = (prm[3] << prm[2]) + i;
    let k = gi & (half - 1u);
    let e = k << (prm[1] - 1u - firstTrailingBit(half));
    let u = load_a(i);
    let v = fr_mul(load_b(i), table_power(e));
    store_a(i, fr_add(u, v));
    store_b(i, fr_sub(u, v));
}
