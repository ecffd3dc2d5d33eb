// MSM, part 2 (per group, instantiated for G1 and G2): bucket accumulation and reduction.
//
//   accumulate: the sorted slots of each window are cut into chunks of K; one thread per chunk
//               adds its points (mixed XYZZ + affine) run by run. A run that is a whole bucket is
//               written to the bucket; a bucket that crosses chunks leaves partial sums: the run
//               that starts a chunk ("head") and the run that ends it ("tail").
//   combine:    one thread per bucket that crosses chunks adds its partial sums (tail or head of
//               its first chunk, then the heads of the following chunks). Threads thus do at most
//               K additions each in `accumulate`, whatever the scalar distribution (all-equal
//               scalars put every point in one bucket).
//   reduce:     the B buckets of a window are cut into S segments; one thread per segment forms
//               sum_{b in segment} b * bucket_b by a running sum plus (first - 1) * (segment sum).
//               The host adds the S results of each window and combines the windows (Horner).
//
// Points in `buckets`, `partials` and `out` are XYZZ, four packed coordinates in the kernel radix.
// Bindings: 0 parameters, 1 bases, 2 digits, 3 sorted, 4 offsets, 5 buckets, 6 partials, 7 out.
// Parameters: [threads, n, c, nw, K, chunks per window, S].

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> bases: array<u32>;
@group(0) @binding(2) var<storage, read> digits: array<u32>;
@group(0) @binding(3) var<storage, read> sorted: array<u32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read_write> buckets: array<u32>;
@group(0) @binding(6) var<storage, read_write> partials: array<u32>;
@group(0) @binding(7) var<storage, read_write> out: array<u32>;

const XYZZ_WORDS: u32 = 4u * CWORDS;

fn coord(w: array<u32, CWORDS>) -> CF_t {
    return CF_unpack(w);
}

fn load_base(i: u32) -> CURVE_affine {
    var x: array<u32, CWORDS>;
    var y: array<u32, CWORDS>;
    let at = 2u * CWORDS * i;
    for (var k = 0u; k < CWORDS; k++) {
        x[k] = bases[at + k];
        y[k] = bases[at + CWORDS + k];
    }
    return CURVE_affine(CF_to_dev(coord(x)), CF_to_dev(coord(y)));
}

fn unpack_xyzz(w_in: array<u32, XYZZ_WORDS>) -> CURVE_xyzz {
    var w = w_in;
    var c: array<array<u32, CWORDS>, 4>;
    for (var j = 0u; j < 4u; j++) {
        for (var k = 0u; k < CWORDS; k++) {
            c[j][k] = w[j * CWORDS + k];
        }
    }
    return CURVE_xyzz(coord(c[0]), coord(c[1]), coord(c[2]), coord(c[3]));
}

fn pack_xyzz(p: CURVE_xyzz) -> array<u32, XYZZ_WORDS> {
    var c = array<array<u32, CWORDS>, 4>(CF_pack(p.x), CF_pack(p.y), CF_pack(p.zz), CF_pack(p.zzz));
    var w: array<u32, XYZZ_WORDS>;
    for (var j = 0u; j < 4u; j++) {
        for (var k = 0u; k < CWORDS; k++) {
            w[j * CWORDS + k] = c[j][k];
        }
    }
    return w;
}

fn load_bucket(i: u32) -> CURVE_xyzz {
    var w: array<u32, XYZZ_WORDS>;
    for (var k = 0u; k < XYZZ_WORDS; k++) {
        w[k] = buckets[XYZZ_WORDS * i + k];
    }
    return unpack_xyzz(w);
}

fn store_bucket(i: u32, p: CURVE_xyzz) {
    var w = pack_xyzz(p);
    for (var k = 0u; k < XYZZ_WORDS; k++) {
        buckets[XYZZ_WORDS * i + k] = w[k];
    }
}

fn load_partial(i: u32) -> CURVE_xyzz {
    var w: array<u32, XYZZ_WORDS>;
    for (var k = 0u; k < XYZZ_WORDS; k++) {
        w[k] = partials[XYZZ_WORDS * i + k];
    }
    return unpack_xyzz(w);
}

fn store_partial(i: u32, p: CURVE_xyzz) {
    var w = pack_xyzz(p);
    for (var k = 0u; k < XYZZ_WORDS; k++) {
        partials[XYZZ_WORDS * i + k] = w[k];
    }
}

fn store_out(i: u32, p: CURVE_xyzz) {
    var w = pack_xyzz(p);
    for (var k = 0u; k < XYZZ_WORDS; k++) {
        out[XYZZ_WORDS * i + k] = w[k];
    }
}

// Writes the run [first, end) of bucket b, accumulated by chunk `chunk` (window wl) that starts at
// `chunk_start`: a whole bucket goes to the bucket, a piece to the chunk's head or tail.
fn flush(wl: u32, chunk: u32, chunk_start: u32, b: u32, first: u32, end: u32, acc: CURVE_xyzz) {
    let stride = (1u << (prm[2] - 1u)) + 2u;
    let nb = 1u << (prm[2] - 1u);
    let s = offsets[wl * stride + b];
    let e = offsets[wl * stride + b + 1u];
    let slot = wl * prm[5] + chunk;
    if (first == s && end == e) {
        store_bucket(wl * nb + b - 1u, acc);
    } else if (first == chunk_start) {
        store_partial(2u * slot, acc);
    } else {
        store_partial(2u * slot + 1u, acc);
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = thread_index(gid, nwg);
    if (t >= prm[0]) {
        return;
    }
    let n = prm[1];
    let stride = (1u << (prm[2] - 1u)) + 2u;
    let k = prm[4];
    let wl = t / prm[5];
    let chunk = t % prm[5];
    let total = offsets[wl * stride + stride - 1u];
    let start = chunk * k;
    if (start >= total) {
        return;
    }
    let end = min(start + k, total);
    var acc = CURVE_zero();
    var bucket = 0u;
    var run_start = start;
    for (var e = start; e < end; e++) {
        let entry = sorted[wl * n + e];
        let i = entry & 0x7fffffffu;
        let b = digits[wl * n + i] >> 1u;
        if (b != bucket) {
            if (bucket != 0u) {
                flush(wl, chunk, start, bucket, run_start, e, acc);
            }
            acc = CURVE_zero();
            bucket = b;
            run_start = e;
        }
        var q = load_base(i);
        if ((entry >> 31u) == 1u) {
            q = CURVE_affine_neg(q);
        }
        acc = CURVE_add_affine(acc, q);
    }
    flush(wl, chunk, start, bucket, run_start, end, acc);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = thread_index(gid, nwg);
    if (t >= prm[0]) {
        return;
    }
    let stride = (1u << (prm[2] - 1u)) + 2u;
    let nb = 1u << (prm[2] - 1u);
    let k = prm[4];
    let wl = t / nb;
    let b = t % nb + 1u;
    let s = offsets[wl * stride + b];
    let e = offsets[wl * stride + b + 1u];
    if (e == s) {
        return;
    }
    let cs = s / k;
    let ce = (e - 1u) / k;
    if (cs == ce) {
        return;
    }
    let row = wl * prm[5];
    var acc: CURVE_xyzz;
    if (s % k == 0u) {
        acc = load_partial(2u * (row + cs));
    } else {
        acc = load_partial(2u * (row + cs) + 1u);
    }
    for (var ch = cs + 1u; ch <= ce; ch++) {
        acc = CURVE_add(acc, load_partial(2u * (row + ch)));
    }
    store_bucket(wl * nb + b - 1u, acc);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let t = thread_index(gid, nwg);
    if (t >= prm[0]) {
        return;
    }
    let c = prm[2];
    let nb = 1u << (c - 1u);
    let segments = prm[6];
    let wl = t / segments;
    let g = t % segments;
    let len = (nb + segments - 1u) / segments;
    let first = min(g * len + 1u, nb + 1u);
    let end = min(first + len, nb + 1u);
    var running = CURVE_zero();
    var sum = CURVE_zero();
    // Buckets end-1 down to first: running += bucket, then sum += running. Both additions share
    // one call (even steps the first, odd steps the second), because each call site is a whole
    // inlined copy of the curve interpreter (curve.wgsl).
    for (var s = 2u * (end - first); s > 0u; s--) {
        let to_running = (s & 1u) == 0u;
        var x = sum;
        var y = running;
        if (to_running) {
            x = running;
            y = load_bucket(wl * nb + first + s / 2u - 2u);
        }
        let r = CURVE_add(x, y);
        if (to_running) {
            running = r;
        } else {
            sum = r;
        }
    }
    // Buckets first..end-1 weigh (first - 1) more than the running sum counted.
    sum = CURVE_add(sum, CURVE_mul_small(running, first - 1u, c));
    store_out(t, sum);
}
