//! Handing freed memory back to the system after a proof's MSMs (every Groth16 proof, so that
//! a resident prover does not hold the buckets' pages between proofs) and, in a one-shot proof
//! (`kiln prove`), also between the witness map and the MSMs.
//!
//! glibc's allocator returns a freed block to the system only when it is large (its own
//! mapping) or at the top of its arena; the vectors a stage frees in the middle of an arena
//! (the witness map's rows and NTT temporaries, an MSM's buckets) stay resident, and the next
//! stage's peak is counted on top of them. `malloc_trim(0)` gives back every whole free page
//! of every arena, in a few microseconds at these sizes.

/// Returns the allocator's free pages to the system, where the allocator allows it (glibc);
/// elsewhere does nothing.
pub fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists, under its locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
