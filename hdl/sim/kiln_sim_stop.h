// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// What a failed RTL assertion does to a model library. The models are verilated with --assert:
// a failed assertion prints "%Error: <file>:<line>: Assertion failed in <instance>.<Name_A>"
// and calls vl_stop. Verilator's own vl_stop aborts the process; build_sim.sh compiles the
// Verilator runtime with VL_USER_STOP, so this definition replaces it (each library includes
// this header exactly once). It records where the assertion is and marks the model's context
// as stopped; the library then refuses to run the model further and reports the assertion
// through its C ABI, so the Rust caller fails with a message instead of dying.
#ifndef KILN_SIM_STOP_H
#define KILN_SIM_STOP_H

#include <string>

#include "verilated.h"

namespace kiln_sim {

// "<file>:<line>" of the last stop on this thread (a model runs on one thread at a time).
inline thread_local std::string last_stop;

// The stop the model behind `ctx` came to in its last eval, if any: "<file>:<line>".
inline bool stopped(const VerilatedContext &ctx, std::string &where) {
  if (!ctx.gotError()) return false;
  where = last_stop.empty() ? "an unknown place" : last_stop;
  return true;
}

}  // namespace kiln_sim

void vl_stop(const char *filename, int linenum, const char * /*hier*/) {
  Verilated::threadContextp()->gotError(true);
  Verilated::threadContextp()->gotFinish(true);
  kiln_sim::last_stop = std::string(filename && filename[0] ? filename : "?") + ":" +
                        std::to_string(linenum);
  VL_PRINTF("%%Error: %s: Verilog $stop: the model stops here\n", kiln_sim::last_stop.c_str());
  Verilated::runFlushCallbacks();
}

#endif  // KILN_SIM_STOP_H
