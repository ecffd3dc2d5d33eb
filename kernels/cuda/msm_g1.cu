// SPDX-License-Identifier: MIT OR Apache-2.0
// Program `msm_g1`: bucket accumulation and reduction in G1 (coordinates in Fq) (msm/accumulate.cuh).
#include "msm/accumulate.cuh"

KILN_THREAD_KERNEL(msm_g1_accumulate, msm_accumulate_params, msm_accumulate_body<fq_t>)
KILN_THREAD_KERNEL(msm_g1_bucket_reduce, msm_bucket_reduce_params, msm_bucket_reduce_body<fq_t>)
KILN_THREAD_KERNEL(msm_g1_pairwise, msm_pairwise_params, msm_pairwise_body<fq_t>)
KILN_THREAD_KERNEL(msm_g1_to_jacobian, msm_to_jacobian_params, msm_to_jacobian_body<fq_t>)
