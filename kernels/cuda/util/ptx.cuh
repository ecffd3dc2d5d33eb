// SPDX-License-Identifier: MIT OR Apache-2.0
//
// 32-bit carry-chain primitives: inline PTX on the device, an exact emulation on the host.
//
// The field arithmetic (ff/mont.cuh) is written once as a sequence of these instructions. On the
// device each is one PTX instruction that reads and writes the condition-code carry flag
// (CC.CF); on the host the flag is an ordinary variable `cf`, declared by KILN_CARRY_DECL at the
// top of every function that uses a chain. The host tests therefore run the very instruction
// sequence the GPU runs, with PTX's semantics (PTX ISA, "Extended-Precision Integer
// Arithmetic Instructions"):
//
//   add.cc    d = a + b            CF = carry out
//   addc.cc   d = a + b + CF       CF = carry out
//   addc      d = a + b + CF
//   sub.cc    d = a - b            CF = borrow out
//   subc.cc   d = a - b - CF       CF = borrow out
//   subc      d = a - b - CF
//   mad.lo.cc d = lo(a*b) + c      CF = carry out   (mad.hi: the high word of a*b)
//   madc.lo.cc d = lo(a*b) + c + CF, and so on.
//
// A chain must not be interrupted by code that itself uses the carry flag; every chain in kiln
// lives inside one function with straight-line, fully unrolled code.

#ifndef KILN_UTIL_PTX_CUH
#define KILN_UTIL_PTX_CUH

#include "compat.cuh"

#if defined(KILN_DEVICE)

#define KILN_CARRY_DECL
#define KILN_ADD_CC(d, a, b) asm volatile("add.cc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_ADDC_CC(d, a, b) asm volatile("addc.cc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_ADDC(d, a, b) asm volatile("addc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_SUB_CC(d, a, b) asm volatile("sub.cc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_SUBC_CC(d, a, b) asm volatile("subc.cc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_SUBC(d, a, b) asm volatile("subc.u32 %0, %1, %2;" : "=r"(d) : "r"(a), "r"(b))
#define KILN_MAD_LO_CC(d, a, b, c) \
    asm volatile("mad.lo.cc.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c))
#define KILN_MADC_LO_CC(d, a, b, c) \
    asm volatile("madc.lo.cc.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c))
#define KILN_MAD_HI_CC(d, a, b, c) \
    asm volatile("mad.hi.cc.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c))
#define KILN_MADC_HI_CC(d, a, b, c) \
    asm volatile("madc.hi.cc.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c))
#define KILN_MADC_HI(d, a, b, c) \
    asm volatile("madc.hi.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c))

#else  // host emulation

#define KILN_CARRY_DECL \
    uint32_t cf = 0;    \
    (void)cf
#define KILN_EMU_SET(d, expr)               \
    do {                                    \
        const uint64_t kiln_t_ = (expr);    \
        (d) = (uint32_t)kiln_t_;            \
        cf = (uint32_t)(kiln_t_ >> 32) & 1; \
    } while (0)
#define KILN_EMU_SET_NOCF(d, expr)       \
    do {                                 \
        const uint64_t kiln_t_ = (expr); \
        (d) = (uint32_t)kiln_t_;         \
    } while (0)
// In 64-bit two's complement a negative difference (a borrow) sets bit 32 as well.
#define KILN_ADD_CC(d, a, b) KILN_EMU_SET(d, (uint64_t)(uint32_t)(a) + (uint32_t)(b))
#define KILN_ADDC_CC(d, a, b) KILN_EMU_SET(d, (uint64_t)(uint32_t)(a) + (uint32_t)(b) + cf)
#define KILN_ADDC(d, a, b) KILN_EMU_SET_NOCF(d, (uint64_t)(uint32_t)(a) + (uint32_t)(b) + cf)
#define KILN_SUB_CC(d, a, b) KILN_EMU_SET(d, (uint64_t)(uint32_t)(a) - (uint32_t)(b))
#define KILN_SUBC_CC(d, a, b) KILN_EMU_SET(d, (uint64_t)(uint32_t)(a) - (uint32_t)(b) - cf)
#define KILN_SUBC(d, a, b) KILN_EMU_SET_NOCF(d, (uint64_t)(uint32_t)(a) - (uint32_t)(b) - cf)
#define KILN_MUL_LO_(a, b) ((uint64_t)(uint32_t)((uint64_t)(uint32_t)(a) * (uint32_t)(b)))
#define KILN_MUL_HI_(a, b) (((uint64_t)(uint32_t)(a) * (uint32_t)(b)) >> 32)
#define KILN_MAD_LO_CC(d, a, b, c) KILN_EMU_SET(d, KILN_MUL_LO_(a, b) + (uint32_t)(c))
#define KILN_MADC_LO_CC(d, a, b, c) KILN_EMU_SET(d, KILN_MUL_LO_(a, b) + (uint32_t)(c) + cf)
#define KILN_MAD_HI_CC(d, a, b, c) KILN_EMU_SET(d, KILN_MUL_HI_(a, b) + (uint32_t)(c))
#define KILN_MADC_HI_CC(d, a, b, c) KILN_EMU_SET(d, KILN_MUL_HI_(a, b) + (uint32_t)(c) + cf)
#define KILN_MADC_HI(d, a, b, c) KILN_EMU_SET_NOCF(d, KILN_MUL_HI_(a, b) + (uint32_t)(c) + cf)

#endif

#endif  // KILN_UTIL_PTX_CUH
