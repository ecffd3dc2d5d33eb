// SPDX-License-Identifier: MIT OR Apache-2.0
// Program `vec`: element-wise Fr vector operations (vec/vec.cuh).
#include "vec/vec.cuh"

KILN_THREAD_KERNEL(vec_op, vec_params, vec_op_body)
