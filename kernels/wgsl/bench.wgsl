// Limb-size benchmark kernel (not used by the backend): each thread runs `rounds` dependent
// Fq Montgomery multiplications, x <- x * y, so the time is the multiplication's latency and
// throughput for the limb shape the prelude was generated with.
//
// Bindings: 0 parameters [threads, rounds], 1 x (in/out, eight words each), 2 y.

@group(0) @binding(0) var<storage, read> prm: array<u32>;
@group(0) @binding(1) var<storage, read_write> xs: array<u32>;
@group(0) @binding(2) var<storage, read> ys: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn chained_mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = thread_index(gid, nwg);
    if (i >= prm[0]) {
        return;
    }
    var wx: array<u32, 8>;
    var wy: array<u32, 8>;
    for (var k = 0u; k < 8u; k++) {
        wx[k] = xs[8u * i + k];
        wy[k] = ys[8u * i + k];
    }
    var x = fq_unpack(wx);
    let y = fq_unpack(wy);
    for (var r = 0u; r < prm[1]; r++) {
        x = fq_mul(x, y);
    }
    var w = fq_pack(x);
    for (var k = 0u; k < 8u; k++) {
        xs[8u * i + k] = w[k];
    }
}
