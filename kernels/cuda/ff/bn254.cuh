// SPDX-License-Identifier: MIT OR Apache-2.0
//
// BN254's fields: fr_t (scalars, NTT data), fq_t (G1 coordinates), fq2_t (G2 coordinates).
// The constants come from ff/bn254_constants.cuh, generated from arkworks' field configs.

#ifndef KILN_FF_BN254_CUH
#define KILN_FF_BN254_CUH

#include "../util/compat.cuh"
#include "bn254_constants.cuh"
#include "fq2.cuh"
#include "mont.cuh"

// Each constant is read limb by limb with a compile-time index after unrolling, so the arrays
// fold into immediates and never reach memory.
#define KILN_FIELD_CONFIG(NAME, PREFIX)                                                   \
    struct NAME {                                                                         \
        static constexpr uint32_t M0INV = PREFIX##_M0INV;                                 \
        static constexpr int MODULUS_BITS = PREFIX##_MODULUS_BITS;                        \
        KILN_HD static constexpr uint32_t modulus(int i) {                                \
            constexpr uint32_t v[8] = PREFIX##_MODULUS;                                   \
            return v[i];                                                                  \
        }                                                                                 \
        KILN_HD static constexpr uint32_t one(int i) {                                    \
            constexpr uint32_t v[8] = PREFIX##_ONE;                                       \
            return v[i];                                                                  \
        }                                                                                 \
        KILN_HD static constexpr uint32_t r2(int i) {                                     \
            constexpr uint32_t v[8] = PREFIX##_R2;                                        \
            return v[i];                                                                  \
        }                                                                                 \
    }

KILN_FIELD_CONFIG(bn254_fr_config, KILN_BN254_FR);
KILN_FIELD_CONFIG(bn254_fq_config, KILN_BN254_FQ);

typedef mont_t<bn254_fr_config> fr_t;
typedef mont_t<bn254_fq_config> fq_t;
typedef fq2_t<fq_t> fq2_bn254_t;

#endif  // KILN_FF_BN254_CUH
