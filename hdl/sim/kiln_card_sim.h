/* Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
 *
 * C ABI of the card model (target/sim/libkiln_card_sim.so): the Verilated top level kiln_card
 * (hdl/rtl) on a simulated board: card memory behind both engines' memory ports, a
 * SPI-NOR-like configuration flash chip, and an AXI4-Lite master for register access. This is
 * what kiln's `sim` transport (kiln-ffi) drives, with the same register offsets and card
 * addresses as the XDMA transport uses on a real card.
 *
 * Time only passes inside these calls: every register access runs the clock until the AXI
 * handshake completes, and kiln_card_sim_run runs it idle. DMA transfers copy into card memory
 * directly (the XDMA IP and the memory interconnect are not part of hdl/ and are not modelled
 * cycle by cycle).
 */
#ifndef KILN_CARD_SIM_H
#define KILN_CARD_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes; kiln checks it when it loads the library. */
#define KILN_CARD_SIM_ABI_VERSION 2

/** Success. */
#define KILN_CARD_SIM_OK 0
/** The card answered SLVERR: an unmapped register offset, or a write it refused. */
#define KILN_CARD_SIM_ERR_SLVERR 1
/** A register offset that is not a multiple of 4. */
#define KILN_CARD_SIM_ERR_ALIGN 2
/** A DMA transfer outside card memory. */
#define KILN_CARD_SIM_ERR_RANGE 3
/** The card gave no AXI response within the model's limit. */
#define KILN_CARD_SIM_ERR_TIMEOUT 4
/** An assertion in the RTL failed and stopped the model (see kiln_card_sim_assertion). */
#define KILN_CARD_SIM_ERR_ASSERTION 5

/** One simulated card. Not thread-safe: one thread at a time per card. */
typedef struct kiln_card_sim kiln_card_sim;

/** How the board behaves. */
typedef struct kiln_card_sim_config {
  /** Cycles from a card-memory read request to its data (at least 1). */
  uint32_t mem_latency;
  /** Per mille of cycles in which a memory port refuses requests (back-pressure), 0..1000. */
  uint32_t mem_stall_permille;
  /** Seed of the back-pressure pattern. */
  uint64_t seed;
} kiln_card_sim_config;

/** The ABI version of the library (KILN_CARD_SIM_ABI_VERSION when it was built). */
uint32_t kiln_card_sim_abi_version(void);

/** Makes and resets a card; NULL if `config` is invalid or memory runs out. */
kiln_card_sim *kiln_card_sim_new(const kiln_card_sim_config *config);

/** Frees a card (NULL is ignored). */
void kiln_card_sim_free(kiln_card_sim *sim);

/** Reads the 32-bit register at `offset` of the user BAR. */
int kiln_card_sim_reg_read(kiln_card_sim *sim, uint32_t offset, uint32_t *value);

/** Writes the 32-bit register at `offset` of the user BAR. */
int kiln_card_sim_reg_write(kiln_card_sim *sim, uint32_t offset, uint32_t value);

/** Copies `len` bytes to card memory at `addr` (the host-to-card DMA channel). */
int kiln_card_sim_dma_write(kiln_card_sim *sim, uint64_t addr, const uint8_t *data, uint64_t len);

/** Copies `len` bytes from card memory at `addr` (the card-to-host DMA channel). */
int kiln_card_sim_dma_read(kiln_card_sim *sim, uint64_t addr, uint8_t *data, uint64_t len);

/** Runs the clock for `cycles` cycles with no register access (fewer if an assertion fails). */
void kiln_card_sim_run(kiln_card_sim *sim, uint64_t cycles);

/**
 * Where the RTL assertion that stopped the model is, as "<file>:<line>" (Verilator has printed
 * the assertion's name on standard output), or NULL while no assertion has failed. Once one has,
 * every register access answers KILN_CARD_SIM_ERR_ASSERTION.
 */
const char *kiln_card_sim_assertion(const kiln_card_sim *sim);

/** Clock cycles since the card was made. */
uint64_t kiln_card_sim_cycles(const kiln_card_sim *sim);

/** Card memory size in bytes. */
uint64_t kiln_card_sim_mem_bytes(const kiln_card_sim *sim);

/** Memory requests from the design outside card memory so far (a design bug if non-zero). */
uint64_t kiln_card_sim_faults(const kiln_card_sim *sim);

/**
 * Cuts the flash chip's power after `commands` more program or erase commands: later ones
 * change nothing, as if the card had lost power mid-flash. Negative: never (the default).
 */
void kiln_card_sim_flash_power_cut(kiln_card_sim *sim, int64_t commands);

#ifdef __cplusplus
}
#endif

#endif /* KILN_CARD_SIM_H */
