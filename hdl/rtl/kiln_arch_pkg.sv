// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Architecture constants of the kiln card: pipeline latencies and memory sizes shared by
// several modules. Field constants and the register map live in the generated kiln_pkg.

package kiln_arch_pkg;

  // kiln_montmul: two stages per 64-bit word of b (four words), plus the final subtraction.
  localparam int MulLatency = 9;

  // kiln_ec_add_xyzz: a negation stage, four multiplier levels and 11 add/sub and select
  // stages (see the schedule in that module).
  localparam int EcAddLatency = 4 * MulLatency + 12;

  // kiln_ntt_butterfly: one multiplication, then one add/sub stage.
  localparam int ButterflyLatency = MulLatency + 1;

  // Card memory data beats are one field element wide.
  localparam int BeatBits = 256;

endpackage
