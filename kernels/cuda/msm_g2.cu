// SPDX-License-Identifier: MIT OR Apache-2.0
// Program `msm_g2`: bucket accumulation and reduction in G2 (coordinates in Fq2) (msm/accumulate.cuh).
#include "msm/accumulate.cuh"

KILN_THREAD_KERNEL(msm_g2_accumulate, msm_accumulate_params, msm_accumulate_body<fq2_bn254_t>)
KILN_THREAD_KERNEL(msm_g2_bucket_reduce, msm_bucket_reduce_params, msm_bucket_reduce_body<fq2_bn254_t>)
KILN_THREAD_KERNEL(msm_g2_pairwise, msm_pairwise_params, msm_pairwise_body<fq2_bn254_t>)
KILN_THREAD_KERNEL(msm_g2_to_jacobian, msm_to_jacobian_params, msm_to_jacobian_body<fq2_bn254_t>)
