// SPDX-License-Identifier: MIT OR Apache-2.0
//
// One source, three compilers: NVRTC (device code, no standard headers), and g++ (the same
// headers as host C++ for the CI tests, kernels/cuda/hosttest). This header papers over the
// differences so that everything else is written once.
//
// * KILN_HD marks functions compiled for both host and device.
// * KILN_DEVICE is defined inside device code (`__CUDA_ARCH__`), where inline PTX is used; host
//   code takes the portable path of every primitive instead.

#ifndef KILN_UTIL_COMPAT_CUH
#define KILN_UTIL_COMPAT_CUH

#if defined(__CUDACC_RTC__)
// NVRTC ships no C library headers.
typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
#else
#include <stdint.h>
#endif

#if defined(__CUDACC__)
#define KILN_HD __host__ __device__ __forceinline__
// For the large operations (point additions, Fq2 products): a real call on the device keeps the
// kernels' code size, register allocation and NVRTC compile time in check. The call costs a few
// instructions against hundreds in the body.
#define KILN_HD_CALL __host__ __device__ __noinline__
#else
// Host C++: the CUDA qualifiers mean nothing.
#define KILN_HD inline
#define KILN_HD_CALL inline
#define __host__
#define __device__
#define __global__
#define __shared__
#define __forceinline__ inline
#endif

#if defined(__CUDA_ARCH__)
#define KILN_DEVICE 1
#endif

#if defined(__CUDACC__)
#define KILN_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define KILN_UNROLL _Pragma("GCC unroll 16")
#else
#define KILN_UNROLL
#endif

#endif  // KILN_UTIL_COMPAT_CUH
