// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// The simulated board around the Verilated kiln_card: card memory (both engines' ports), the
// configuration flash chip, and an AXI4-Lite master. Implements kiln_card_sim.h.
//
// Each clock cycle (tick): present the models' inputs, settle the design, sample every
// handshake (valid && ready) that happens at the coming edge, clock, then let the models react
// to what was accepted and prepare the next cycle's inputs. A failed RTL assertion stops the
// model for good (kiln_sim_stop.h): every later register access answers
// KILN_CARD_SIM_ERR_ASSERTION.

#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <string>

#include "Vkiln_card.h"
#include "kiln_card_sim.h"
#include "kiln_sim_stop.h"
#include "verilated.h"

namespace {

constexpr int kBeatBytes = 32;
constexpr int kAxiTimeoutCycles = 10000;
// Flash chip timings, in cycles: scaled far down from a real chip's milliseconds so that
// programming a test image stays quick; the controller polls, so only the cycle count changes.
constexpr uint64_t kEraseCycles = 2000;
constexpr uint64_t kProgramCycles = 300;

// Flash chip operations (kiln_flash_ctrl's OpRead .. OpStatus).
enum FlashOp : uint32_t { kRead = 0, kLoad = 1, kProgram = 2, kErase = 3, kStatus = 4 };

struct ReadReq {
  uint64_t due;
  uint32_t data[kBeatBytes / 4];
};

// One card-memory port: posted writes, reads answered in order after a fixed latency.
struct MemPort {
  std::deque<ReadReq> pending;
  bool ready = true;
  bool rsp_valid = false;
  uint32_t rsp_data[kBeatBytes / 4] = {};
};

struct Fire {
  bool m[2] = {false, false};
  bool m_we[2] = {false, false};
  uint64_t m_addr[2] = {0, 0};
  uint32_t m_wdata[2][kBeatBytes / 4] = {};
  bool aw = false, w = false, b = false, ar = false, r = false;
  uint32_t bresp = 0, rresp = 0, rdata = 0;
  bool flash = false;
  uint32_t flash_op = 0, flash_addr = 0, flash_data = 0;
};

uint64_t xorshift(uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

}  // namespace

struct kiln_card_sim {
  VerilatedContext ctx;
  Vkiln_card top{&ctx};
  kiln_card_sim_config cfg{};
  uint64_t rng = 0;
  uint64_t cycle = 0;
  uint64_t faults = 0;

  uint8_t *mem = nullptr;
  uint64_t mem_bytes = 0;
  MemPort port[2];

  std::unique_ptr<uint8_t[]> flash;
  uint32_t flash_bytes = 0;
  uint32_t flash_sector = 0;
  uint32_t flash_page = 0;
  std::unique_ptr<uint32_t[]> flash_buf;
  uint64_t flash_busy_until = 0;
  int64_t flash_power = -1;  // program/erase commands left before the power cut; < 0: never
  bool flash_rsp_valid = false;
  uint32_t flash_rsp_data = 0;

  Fire last;
  bool stopped = false;
  std::string assertion;  // where the RTL assertion that stopped the model is, "<file>:<line>"

  ~kiln_card_sim() {
    top.final();
    std::free(mem);
  }

  bool mem_ok(uint64_t addr, uint64_t len) const {
    return mem && addr <= mem_bytes && len <= mem_bytes - addr;
  }

  void present_inputs() {
    top.m0_req_ready_i = port[0].ready;
    top.m1_req_ready_i = port[1].ready;
    top.m0_rsp_valid_i = port[0].rsp_valid;
    top.m1_rsp_valid_i = port[1].rsp_valid;
    if (port[0].rsp_valid)
      for (int w = 0; w < kBeatBytes / 4; w++) top.m0_rsp_rdata_i[w] = port[0].rsp_data[w];
    if (port[1].rsp_valid)
      for (int w = 0; w < kBeatBytes / 4; w++) top.m1_rsp_rdata_i[w] = port[1].rsp_data[w];
    top.flash_req_ready_i = 1;
    top.flash_rsp_valid_i = flash_rsp_valid;
    top.flash_rsp_data_i = flash_rsp_data;
  }

  void sample(Fire &f) {
    f.m[0] = top.m0_req_valid_o && top.m0_req_ready_i;
    f.m[1] = top.m1_req_valid_o && top.m1_req_ready_i;
    if (f.m[0]) {
      f.m_we[0] = top.m0_req_we_o;
      f.m_addr[0] = top.m0_req_addr_o;
      if (f.m_we[0])
        for (int w = 0; w < kBeatBytes / 4; w++) f.m_wdata[0][w] = top.m0_req_wdata_o[w];
    }
    if (f.m[1]) {
      f.m_we[1] = top.m1_req_we_o;
      f.m_addr[1] = top.m1_req_addr_o;
      if (f.m_we[1])
        for (int w = 0; w < kBeatBytes / 4; w++) f.m_wdata[1][w] = top.m1_req_wdata_o[w];
    }
    f.aw = top.s_awvalid_i && top.s_awready_o;
    f.w = top.s_wvalid_i && top.s_wready_o;
    f.b = top.s_bvalid_o && top.s_bready_i;
    f.bresp = top.s_bresp_o;
    f.ar = top.s_arvalid_i && top.s_arready_o;
    f.r = top.s_rvalid_o && top.s_rready_i;
    f.rresp = top.s_rresp_o;
    f.rdata = top.s_rdata_o;
    f.flash = top.flash_req_valid_o && top.flash_req_ready_i;
    if (f.flash) {
      f.flash_op = top.flash_req_op_o;
      f.flash_addr = top.flash_req_addr_o;
      f.flash_data = top.flash_req_data_o;
    }
  }

  void memory_react(int p, const Fire &f) {
    MemPort &mp = port[p];
    if (f.m[p]) {
      uint64_t addr = f.m_addr[p];
      if (f.m_we[p]) {
        if (mem_ok(addr, kBeatBytes)) std::memcpy(mem + addr, f.m_wdata[p], kBeatBytes);
        else faults++;
      } else {
        ReadReq r;
        r.due = cycle + cfg.mem_latency - 1;
        if (mem_ok(addr, kBeatBytes)) std::memcpy(r.data, mem + addr, kBeatBytes);
        else {
          std::memset(r.data, 0, kBeatBytes);
          faults++;
        }
        mp.pending.push_back(r);
      }
    }
    mp.rsp_valid = false;
    if (!mp.pending.empty() && mp.pending.front().due <= cycle) {
      mp.rsp_valid = true;
      std::memcpy(mp.rsp_data, mp.pending.front().data, kBeatBytes);
      mp.pending.pop_front();
    }
    mp.ready = cfg.mem_stall_permille == 0 || (xorshift(rng) % 1000) >= cfg.mem_stall_permille;
  }

  bool flash_powered() {
    if (flash_power < 0) return true;
    if (flash_power == 0) return false;
    flash_power--;
    return true;
  }

  void flash_react(const Fire &f) {
    flash_rsp_valid = false;
    if (!f.flash) return;
    uint32_t addr = f.flash_addr;
    switch (f.flash_op) {
      case kRead: {
        uint32_t word = 0;
        if (addr % 4 == 0 && addr < flash_bytes) std::memcpy(&word, &flash[addr], 4);
        flash_rsp_valid = true;
        flash_rsp_data = word;
        break;
      }
      case kLoad:
        if (addr / 4 < flash_page / 4) flash_buf[addr / 4] = f.flash_data;
        break;
      case kProgram:
        if (addr % flash_page == 0 && addr < flash_bytes && flash_powered()) {
          const auto *bytes = reinterpret_cast<const uint8_t *>(flash_buf.get());
          // NOR flash: programming only clears bits.
          for (uint32_t i = 0; i < flash_page; i++) flash[addr + i] &= bytes[i];
          flash_busy_until = cycle + kProgramCycles;
        }
        std::memset(flash_buf.get(), 0xFF, flash_page);
        break;
      case kErase:
        if (addr % flash_sector == 0 && addr < flash_bytes && flash_powered()) {
          std::memset(&flash[addr], 0xFF, flash_sector);
          flash_busy_until = cycle + kEraseCycles;
        }
        break;
      case kStatus:
        flash_rsp_valid = true;
        flash_rsp_data = cycle < flash_busy_until ? 1u : 0u;
        break;
      default:
        break;
    }
  }

  void tick() {
    present_inputs();
    top.clk_i = 0;
    top.eval();
    Fire f;
    sample(f);
    top.clk_i = 1;
    top.eval();
    ctx.timeInc(1);
    cycle++;
    if (kiln_sim::stopped(ctx, assertion)) stopped = true;
    memory_react(0, f);
    memory_react(1, f);
    flash_react(f);
    last = f;
  }

  void idle_axi() {
    top.s_awvalid_i = 0;
    top.s_wvalid_i = 0;
    top.s_bready_i = 0;
    top.s_arvalid_i = 0;
    top.s_rready_i = 0;
  }

  int reg_write(uint32_t offset, uint32_t value) {
    if (offset % 4 != 0) return KILN_CARD_SIM_ERR_ALIGN;
    if (stopped) return KILN_CARD_SIM_ERR_ASSERTION;
    top.s_awvalid_i = 1;
    top.s_awaddr_i = offset & 0xFFFF;
    top.s_wvalid_i = 1;
    top.s_wdata_i = value;
    top.s_wstrb_i = 0xF;
    top.s_bready_i = 1;
    for (int i = 0; i < kAxiTimeoutCycles; i++) {
      tick();
      if (stopped) {
        idle_axi();
        return KILN_CARD_SIM_ERR_ASSERTION;
      }
      if (last.aw) top.s_awvalid_i = 0;
      if (last.w) top.s_wvalid_i = 0;
      if (last.b) {
        idle_axi();
        return last.bresp == 0 ? KILN_CARD_SIM_OK : KILN_CARD_SIM_ERR_SLVERR;
      }
    }
    idle_axi();
    return KILN_CARD_SIM_ERR_TIMEOUT;
  }

  int reg_read(uint32_t offset, uint32_t *value) {
    if (offset % 4 != 0) return KILN_CARD_SIM_ERR_ALIGN;
    if (stopped) return KILN_CARD_SIM_ERR_ASSERTION;
    top.s_arvalid_i = 1;
    top.s_araddr_i = offset & 0xFFFF;
    top.s_rready_i = 1;
    for (int i = 0; i < kAxiTimeoutCycles; i++) {
      tick();
      if (stopped) {
        idle_axi();
        return KILN_CARD_SIM_ERR_ASSERTION;
      }
      if (last.ar) top.s_arvalid_i = 0;
      if (last.r) {
        idle_axi();
        *value = last.rdata;
        return last.rresp == 0 ? KILN_CARD_SIM_OK : KILN_CARD_SIM_ERR_SLVERR;
      }
    }
    idle_axi();
    return KILN_CARD_SIM_ERR_TIMEOUT;
  }

  // Reset, then size the board models from the design's own information registers.
  bool init() {
    rng = cfg.seed ? cfg.seed : 0x6b696c6e;
    idle_axi();
    top.rst_ni = 0;
    top.clk_i = 0;
    top.eval();
    for (int i = 0; i < 4; i++) tick();
    top.rst_ni = 1;
    top.eval();
    uint32_t dram_log2 = 0, fbytes = 0, fsector = 0, fpage = 0;
    // Register offsets as in kiln_ffi::regs::card (DRAM_LOG2, FLASH_BYTES, _SECTOR, _PAGE).
    if (reg_read(0x014, &dram_log2) || reg_read(0x024, &fbytes) || reg_read(0x028, &fsector) ||
        reg_read(0x02C, &fpage))
      return false;
    if (dram_log2 < 12 || dram_log2 > 40 || fpage == 0 || fsector == 0 || fbytes == 0 ||
        fbytes % fsector != 0 || fsector % fpage != 0)
      return false;
    mem_bytes = uint64_t{1} << dram_log2;
    // calloc maps zero pages lazily: untouched card memory costs no host memory.
    mem = static_cast<uint8_t *>(std::calloc(mem_bytes, 1));
    if (!mem) return false;
    flash_bytes = fbytes;
    flash_sector = fsector;
    flash_page = fpage;
    flash.reset(new (std::nothrow) uint8_t[fbytes]);
    flash_buf.reset(new (std::nothrow) uint32_t[fpage / 4]);
    if (!flash || !flash_buf) return false;
    std::memset(flash.get(), 0xFF, fbytes);
    std::memset(flash_buf.get(), 0xFF, fpage);
    return true;
  }
};

extern "C" {

uint32_t kiln_card_sim_abi_version(void) { return KILN_CARD_SIM_ABI_VERSION; }

kiln_card_sim *kiln_card_sim_new(const kiln_card_sim_config *config) {
  if (!config || config->mem_latency == 0 || config->mem_latency > 1000 ||
      config->mem_stall_permille > 999)
    return nullptr;
  auto *sim = new (std::nothrow) kiln_card_sim;
  if (!sim) return nullptr;
  sim->cfg = *config;
  if (!sim->init()) {
    delete sim;
    return nullptr;
  }
  return sim;
}

void kiln_card_sim_free(kiln_card_sim *sim) { delete sim; }

int kiln_card_sim_reg_read(kiln_card_sim *sim, uint32_t offset, uint32_t *value) {
  return sim->reg_read(offset, value);
}

int kiln_card_sim_reg_write(kiln_card_sim *sim, uint32_t offset, uint32_t value) {
  return sim->reg_write(offset, value);
}

int kiln_card_sim_dma_write(kiln_card_sim *sim, uint64_t addr, const uint8_t *data, uint64_t len) {
  if (!sim->mem_ok(addr, len)) return KILN_CARD_SIM_ERR_RANGE;
  if (len) std::memcpy(sim->mem + addr, data, len);
  return KILN_CARD_SIM_OK;
}

int kiln_card_sim_dma_read(kiln_card_sim *sim, uint64_t addr, uint8_t *data, uint64_t len) {
  if (!sim->mem_ok(addr, len)) return KILN_CARD_SIM_ERR_RANGE;
  if (len) std::memcpy(data, sim->mem + addr, len);
  return KILN_CARD_SIM_OK;
}

void kiln_card_sim_run(kiln_card_sim *sim, uint64_t cycles) {
  for (uint64_t i = 0; i < cycles && !sim->stopped; i++) sim->tick();
}

const char *kiln_card_sim_assertion(const kiln_card_sim *sim) {
  return sim->stopped ? sim->assertion.c_str() : nullptr;
}

uint64_t kiln_card_sim_cycles(const kiln_card_sim *sim) { return sim->cycle; }

uint64_t kiln_card_sim_mem_bytes(const kiln_card_sim *sim) { return sim->mem_bytes; }

uint64_t kiln_card_sim_faults(const kiln_card_sim *sim) { return sim->faults; }

void kiln_card_sim_flash_power_cut(kiln_card_sim *sim, int64_t commands) {
  sim->flash_power = commands < 0 ? -1 : commands;
}

}  // extern "C"
