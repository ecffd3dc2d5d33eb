// SPDX-License-Identifier: MIT OR Apache-2.0
// Program `msm_sort`: signed digits and the counting sort by bucket, for both curves (msm/sort.cuh).
#include "msm/sort.cuh"

KILN_THREAD_KERNEL(msm_digits, msm_digits_params, msm_digits_body)
KILN_THREAD_KERNEL(msm_histogram, msm_histogram_params, msm_histogram_body)
KILN_THREAD_KERNEL(msm_scatter, msm_scatter_params, msm_scatter_body)
KILN_BLOCK_KERNEL(scan_blocks, scan_params, 2 * KILN_SCAN_BLOCK, scan_blocks_phases, scan_blocks_body)
KILN_THREAD_KERNEL(scan_add, scan_params, scan_add_body)
