// MSM, part 1 (any group): signed-digit windows and a counting sort of points by bucket.
//
// For a batch of `nw` windows starting at window `w0`, with c-bit windows and B = 2^(c-1) buckets:
//   digits:  per scalar, the canonical integer (out of Montgomery form) cut into signed digits
//            d in [-B, B] (a window above B borrows 2^c from the next), stored packed as
//            |d| << 1 | sign, and a histogram of bucket sizes. A base at infinity gets no digits.
//   scan:    per window, an exclusive prefix sum of the histogram: where each bucket's points go.
//   scatter: per scalar, its index (with the sign in bit 31) into its bucket's slot of each window.
// Each window's row of `counts`/`offsets` has B + 2 entries: offsets[b] is bucket b's first slot
// (b = 1..B) and offsets[B + 1] the window's total.
//
// Bindings: 0 parameters, 1 scalars (the range matching the bound bases), 2 bases, 3 digits,
// 4 counts (atomic), 5 offsets, 6 sorted.
// Parameters: [threads, first point of this dispatch, n, c, w0, nw, words per base].

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read> scalars: array<u32>;
@group(0) @binding(2) var<storage, read> bases: array<u32>;
@group(0) @binding(3) var<storage, read_write> digits: array<u32>;
@group(0) @binding(4) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(6) var<storage, read_write> sorted: array<u32>;

fn base_is_infinity(i: u32, words: u32) -> bool {
    var acc = 0u;
    for (var k = 0u; k < words; k++) {
        acc |= bases[words * i + k];
    }
    return acc == 0u;
}

// Bits [start, start + c) of a 256-bit integer in eight words; c <= 16 spans at most two words.
fn window_bits(s: array<u32, 8>, start: u32, c: u32) -> u32 {
    var w = s;
    let wi = start >> 5u;
    let sh = start & 31u;
    if (wi >= 8u) {
        return 0u;
    }
    var v = w[wi] >> sh;
    if (sh + c > 32u && wi + 1u < 8u) {
        v |= w[wi + 1u] << (32u - sh);
    }
    return v & ((1u << c) - 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn digits_and_counts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let local = thread_index(gid, nwg);
    if (local >= prm[0]) {
        return;
    }
    let i = prm[1] + local;
    let n = prm[2];
    let c = prm[3];
    let w0 = prm[4];
    let nw = prm[5];
    let stride = (1u << (c - 1u)) + 2u;
    if (base_is_infinity(i, prm[6])) {
        for (var w = 0u; w < nw; w++) {
            digits[w * n + i] = 0u;
        }
        return;
    }
    var raw: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        raw[k] = scalars[8u * local + k];
    }
    // Montgomery (x 2^256) to canonical x: one product by 2^(T - 256).
    let s = fr_pack(fr_mul(fr_unpack(raw), fr_TO_CANON));
    let half = 1u << (c - 1u);
    var carry = 0u;
    for (var w = 0u; w < w0 + nw; w++) {
        let v = window_bits(s, w * c, c) + carry;
        var packed = v << 1u;
        carry = 0u;
        if (v > half) {
            packed = (((1u << c) - v) << 1u) | 1u;
            carry = 1u;
        }
        if (w >= w0) {
            let wl = w - w0;
            digits[wl * n + i] = packed;
            if (packed > 1u) {
                atomicAdd(&counts[wl * stride + (packed >> 1u)], 1u);
            }
        }
    }
}

var<workgroup> partial_sums: array<u32, WORKGROUP_SIZE>;

// One workgroup per window: its threads each sum a run of buckets, thread 0 scans their sums,
// then each thread writes its run's exclusive prefix into offsets and the scatter cursors.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let w = wid.x + wid.y * nwg.x;
    let nw = prm[5];
    let c = prm[3];
    let stride = (1u << (c - 1u)) + 2u;
    let run = (stride + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
    let first = min(lid * run, stride);
    let last = min(first + run, stride);
    var sum = 0u;
    if (w < nw) {
        for (var b = first; b < last; b++) {
            sum += atomicLoad(&counts[w * stride + b]);
        }
    }
    partial_sums[lid] = sum;
    workgroupBarrier();
    if (lid == 0u) {
        var acc = 0u;
        for (var k = 0u; k < WORKGROUP_SIZE; k++) {
            let t = partial_sums[k];
            partial_sums[k] = acc;
            acc += t;
        }
    }
    workgroupBarrier();
    if (w < nw) {
        var acc = partial_sums[lid];
        for (var b = first; b < last; b++) {
            let t = atomicLoad(&counts[w * stride + b]);
            offsets[w * stride + b] = acc;
            // The histogram row becomes the scatter cursor row.
            atomicStore(&counts[w * stride + b], acc);
            acc += t;
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    let n = prm[2];
    let c = prm[3];
    let nw = prm[5];
    let stride = (1u << (c - 1u)) + 2u;
    for (var w = 0u; w < nw; w++) {
        let d = digits[w * n + i];
        if (d > 1u) {
            let slot = atomicAdd(&counts[w * stride + (d >> 1u)], 1u);
            sorted[w * n + slot] = i | ((d & 1u) << 31u);
        }
    }
}
