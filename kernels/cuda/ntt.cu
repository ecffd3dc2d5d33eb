// SPDX-License-Identifier: MIT OR Apache-2.0
// Program `ntt`: the NTT kernels (ntt/ntt.cuh).
#include "ntt/ntt.cuh"

KILN_THREAD_KERNEL(ntt_twiddles, ntt_twiddles_params, ntt_twiddles_body)
KILN_THREAD_KERNEL(ntt_bitrev, ntt_bitrev_params, ntt_bitrev_body)
KILN_THREAD_KERNEL(ntt_scale, ntt_scale_params, ntt_scale_body)
KILN_BLOCK_KERNEL(ntt_pass, ntt_pass_params, KILN_NTT_SMEM_WORDS, ntt_pass_phases, ntt_pass_body)
