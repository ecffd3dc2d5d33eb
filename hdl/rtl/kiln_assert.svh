// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Assertion macros of the kiln RTL, after lowRISC's prim_assert.sv. Every module that asserts
// includes this file and states its properties next to the logic they guard:
//
//   `KILN_ASSERT(Name_A, prop)               prop holds at every rising clk_i out of reset
//   `KILN_ASSERT_NORST(Name_A, prop)         the same, for a module without rst_ni
//   `KILN_ASSERT_KNOWN(Name_A, sig)          sig has no X or Z bit out of reset
//   `KILN_ASSERT_KNOWN_IF(Name_A, sig, en)   sig has no X or Z bit when en is set
//   `KILN_ASSERT_IF(Name_A, expr, en)        expr holds at every rising clk_i where en is set
//
// The properties are concurrent assertions (`assert property`), sampled at the clock edge with
// the values before it, so `a |-> b` reads "whenever a, then b in the same cycle" and `a |=> b`
// "whenever a, then b in the next cycle".
//
// KILN_ASSERT_IF is an immediate assertion in a clocked block of its own: the same check as
// `KILN_ASSERT(Name_A, en |-> expr)` without the per-cycle copies Verilator makes of every
// signal a concurrent assertion samples, which for the 256-bit operands of the arithmetic units
// would double the simulation time. Those units use it; everything else is concurrent.
//
// They are compiled in where the tool runs them: Verilator (the `make sim` models are built with
// --assert, and a failed assertion stops the model and fails the test; `verilator --lint-only`
// checks them too). Synthesis (yosys defines SYNTHESIS) and Icarus 11 (which does not parse
// concurrent assertions) see empty macros. Another simulator can define KILN_ASSERT_ON.
// The KNOWN checks only bite in a four-state simulator (Verilator has no X).

`ifndef KILN_ASSERT_SVH
`define KILN_ASSERT_SVH

`ifdef VERILATOR
  `ifndef SYNTHESIS
    `define KILN_ASSERT_ON
  `endif
`endif

`ifdef KILN_ASSERT_ON

// (`disable iff` reads the asynchronous reset in a clocked property, which Verilator would
// take for a synchronous use of it and warn about.)
`define KILN_ASSERT(__name, __prop) \
  /* verilator lint_off SYNCASYNCNET */ \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) (__prop)); \
  /* verilator lint_on SYNCASYNCNET */

`define KILN_ASSERT_IF(__name, __expr, __en) \
  /* verilator lint_off SYNCASYNCNET */ \
  always @(posedge clk_i) begin \
    if (rst_ni && (__en)) begin \
      __name: assert (__expr); \
    end \
  end \
  /* verilator lint_on SYNCASYNCNET */

`define KILN_ASSERT_NORST(__name, __prop) \
  __name: assert property (@(posedge clk_i) (__prop));

`define KILN_ASSERT_KNOWN(__name, __sig) \
  `KILN_ASSERT(__name, !$isunknown(__sig))

`define KILN_ASSERT_KNOWN_IF(__name, __sig, __en) \
  `KILN_ASSERT(__name, (__en) |-> !$isunknown(__sig))

`else

`define KILN_ASSERT(__name, __prop)
`define KILN_ASSERT_IF(__name, __expr, __en)
`define KILN_ASSERT_NORST(__name, __prop)
`define KILN_ASSERT_KNOWN(__name, __sig)
`define KILN_ASSERT_KNOWN_IF(__name, __sig, __en)

`endif

`endif  // KILN_ASSERT_SVH
