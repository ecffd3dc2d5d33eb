/* Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * C ABI of the unit test library (target/sim/libkiln_units_sim.so): each hdl/tb/tb_<name>.sv
 * wrapper, Verilated, driven one clock cycle at a time. Inputs and outputs are the wrapper's
 * in_data_i / out_data_o bit vectors as little-endian bytes (bit 0 is bit 0 of byte 0), which
 * for field elements is kiln's device layout. Used by the Rust unit tests in ffi/tests.
 */
#ifndef KILN_UNIT_SIM_H
#define KILN_UNIT_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One Verilated unit wrapper. Not thread-safe: one thread per unit at a time. */
typedef struct kiln_unit kiln_unit;

/** Makes the unit `name` (see kiln_unit_names) and resets it; NULL for an unknown name. */
kiln_unit *kiln_unit_new(const char *name);

/** Frees a unit made by kiln_unit_new (NULL is ignored). */
void kiln_unit_free(kiln_unit *unit);

/** Bytes of one input bundle. */
uint32_t kiln_unit_in_bytes(const kiln_unit *unit);

/** Bytes of one output bundle. */
uint32_t kiln_unit_out_bytes(const kiln_unit *unit);

/**
 * Runs one clock cycle. With `in` non-NULL (kiln_unit_in_bytes long) the bundle is presented
 * with in_valid_i set; with NULL, in_valid_i is clear. Returns 1 and fills `out`
 * (kiln_unit_out_bytes long) when out_valid_o is set after the clock edge, 0 otherwise, and -1
 * once an RTL assertion has failed (the unit then runs no more; see kiln_unit_assertion).
 */
int kiln_unit_cycle(kiln_unit *unit, const uint8_t *in, uint8_t *out);

/**
 * Where the RTL assertion that stopped the unit is, as "<file>:<line>" (Verilator has printed
 * the assertion's name on standard output), or NULL while no assertion has failed.
 */
const char *kiln_unit_assertion(const kiln_unit *unit);

/** The names kiln_unit_new accepts, comma-separated. */
const char *kiln_unit_names(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_UNIT_SIM_H */
