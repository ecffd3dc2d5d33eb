// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// The unit test library: every hdl/tb wrapper behind the C ABI of kiln_unit_sim.h. Each
// wrapper has the same ports (clk_i, rst_ni, in_valid_i, in_data_i, out_valid_o, out_data_o),
// so one template drives them all.

#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "kiln_sim_stop.h"
#include "kiln_unit_sim.h"
#include "verilated.h"

#include "Vtb_ec_add.h"
#include "Vtb_modadd_fq.h"
#include "Vtb_modadd_fr.h"
#include "Vtb_modsub_fq.h"
#include "Vtb_modsub_fr.h"
#include "Vtb_montmul_fq.h"
#include "Vtb_montmul_fr.h"
#include "Vtb_msm_scoreboard.h"
#include "Vtb_ntt_butterfly.h"

namespace {

// Little-endian bytes to and from a Verilator wide signal (32-bit words, least significant
// first).
template <std::size_t Words>
void to_wide(VlWide<Words> &dst, const uint8_t *src, std::size_t bytes) {
  for (std::size_t w = 0; w < Words; w++) dst[w] = 0;
  for (std::size_t i = 0; i < bytes; i++) dst[i / 4] |= static_cast<uint32_t>(src[i]) << (8 * (i % 4));
}

template <std::size_t Words>
void from_wide(uint8_t *dst, const VlWide<Words> &src, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; i++) dst[i] = static_cast<uint8_t>(src[i / 4] >> (8 * (i % 4)));
}

// Signals of up to 64 bits are plain integers.
template <typename T, typename = std::enable_if_t<std::is_integral<T>::value>>
void to_wide(T &dst, const uint8_t *src, std::size_t bytes) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; i++) v |= static_cast<uint64_t>(src[i]) << (8 * i);
  dst = static_cast<T>(v);
}

template <typename T, typename = std::enable_if_t<std::is_integral<T>::value>>
void from_wide(uint8_t *dst, const T &src, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; i++) dst[i] = static_cast<uint8_t>(uint64_t{src} >> (8 * i));
}

template <typename T>
struct WideBits;
template <std::size_t Words>
struct WideBits<VlWide<Words>> {
  static constexpr std::size_t words = Words;
};

struct Unit {
  virtual ~Unit() = default;
  virtual uint32_t in_bytes() const = 0;
  virtual uint32_t out_bytes() const = 0;
  virtual int cycle(const uint8_t *in, uint8_t *out) = 0;
  virtual const char *assertion() const = 0;
};

template <typename V>
struct UnitImpl final : Unit {
  VerilatedContext ctx;
  V top;
  uint32_t in_b;
  uint32_t out_b;
  bool stopped = false;
  std::string where;  // the failed RTL assertion, "<file>:<line>"

  UnitImpl(uint32_t in_bits, uint32_t out_bits)
      : top(&ctx), in_b((in_bits + 7) / 8), out_b((out_bits + 7) / 8) {
    top.clk_i = 0;
    top.rst_ni = 0;
    top.in_valid_i = 0;
    top.eval();
    for (int i = 0; i < 2; i++) tick();
    top.rst_ni = 1;
    top.eval();
  }

  ~UnitImpl() override { top.final(); }

  void tick() {
    top.clk_i = 0;
    top.eval();
    top.clk_i = 1;
    top.eval();
    ctx.timeInc(1);
    if (kiln_sim::stopped(ctx, where)) stopped = true;
  }

  uint32_t in_bytes() const override { return in_b; }
  uint32_t out_bytes() const override { return out_b; }

  const char *assertion() const override { return stopped ? where.c_str() : nullptr; }

  int cycle(const uint8_t *in, uint8_t *out) override {
    if (stopped) return -1;
    if (in) {
      to_wide(top.in_data_i, in, in_b);
      top.in_valid_i = 1;
    } else {
      top.in_valid_i = 0;
    }
    tick();
    if (stopped) return -1;
    if (!top.out_valid_o) return 0;
    from_wide(out, top.out_data_o, out_b);
    return 1;
  }
};

template <typename V>
Unit *make(uint32_t in_bits, uint32_t out_bits) {
  return new UnitImpl<V>(in_bits, out_bits);
}

struct Entry {
  const char *name;
  Unit *(*make)(uint32_t, uint32_t);
  uint32_t in_bits;
  uint32_t out_bits;
};

// Bit widths are those of each wrapper's in_data_i and out_data_o.
const Entry kUnits[] = {
    {"montmul_fq", make<Vtb_montmul_fq>, 512, 256},
    {"montmul_fr", make<Vtb_montmul_fr>, 512, 256},
    {"modadd_fq", make<Vtb_modadd_fq>, 512, 256},
    {"modadd_fr", make<Vtb_modadd_fr>, 512, 256},
    {"modsub_fq", make<Vtb_modsub_fq>, 512, 256},
    {"modsub_fr", make<Vtb_modsub_fr>, 512, 256},
    {"ntt_butterfly", make<Vtb_ntt_butterfly>, 784, 528},
    {"ec_add", make<Vtb_ec_add>, 1568, 1040},
    {"msm_scoreboard", make<Vtb_msm_scoreboard>, 16, 8},
};

}  // namespace

struct kiln_unit {
  std::unique_ptr<Unit> impl;
};

extern "C" {

kiln_unit *kiln_unit_new(const char *name) {
  if (!name) return nullptr;
  for (const Entry &e : kUnits) {
    if (std::strcmp(e.name, name) == 0) {
      auto *u = new kiln_unit;
      u->impl.reset(e.make(e.in_bits, e.out_bits));
      return u;
    }
  }
  return nullptr;
}

void kiln_unit_free(kiln_unit *unit) { delete unit; }

uint32_t kiln_unit_in_bytes(const kiln_unit *unit) { return unit->impl->in_bytes(); }

uint32_t kiln_unit_out_bytes(const kiln_unit *unit) { return unit->impl->out_bytes(); }

int kiln_unit_cycle(kiln_unit *unit, const uint8_t *in, uint8_t *out) {
  return unit->impl->cycle(in, out);
}

const char *kiln_unit_assertion(const kiln_unit *unit) { return unit->impl->assertion(); }

const char *kiln_unit_names(void) {
  static const std::string names = [] {
    std::string s;
    for (const Entry &e : kUnits) {
      if (!s.empty()) s += ",";
      s += e.name;
    }
    return s;
  }();
  return names.c_str();
}

}  // extern "C"
