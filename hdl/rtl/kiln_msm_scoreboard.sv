// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// The MSM engine's bucket scoreboard: which buckets have an addition in flight, from the bucket
// RAM read that starts it to the write-back of its sum, so that a pair whose bucket is among them
// waits (a hazard) instead of reading a bucket value that is about to be overwritten.
//
// The scoreboard is a shift register of the buckets issued 1 .. Depth cycles ago, newest at
// index 0. Depth must cover the whole read-modify-write: an issue in cycle t reads the RAM at
// the end of t, the adder takes the value in t + 1 and writes the sum back at the end of
// t + 1 + EcAddLatency, so the same bucket may be read again from t + 2 + EcAddLatency on, and
// Depth = EcAddLatency + 1.
//
// The assertions check that against an independent model: one bit per bucket, set by an issue
// and cleared by the adder's write-back (rd_*, wb_*: the engine's RAM reads and write-backs, used
// by nothing else). No bucket read may see its bucket in flight (NoStaleRead_A), and every
// write-back ends an addition in flight (WriteBackInFlight_A). hdl/tb/tb_msm_scoreboard_late.sv
// gives the scoreboard a write-back one cycle later than its depth covers, and
// tests/fpga_units.rs checks that NoStaleRead_A then stops the simulation.

`include "kiln_assert.svh"

module kiln_msm_scoreboard #(
  parameter int IdxWidth = 14,
  parameter int Depth    = kiln_arch_pkg::EcAddLatency + 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // The pair waiting to issue; hazard_o: its bucket has an addition in flight.
  input  logic                cand_valid_i,
  input  logic [IdxWidth-1:0] cand_idx_i,
  output logic                hazard_o,
  // The pair issues in this cycle (its bucket is read).
  input  logic                issue_i,
  // Some addition is in flight.
  output logic                busy_o,
  // For the assertions only: every bucket RAM read, and the adder's write-backs.
  input  logic                rd_valid_i,
  input  logic [IdxWidth-1:0] rd_idx_i,
  input  logic                wb_valid_i,
  input  logic [IdxWidth-1:0] wb_idx_i
);

  logic [Depth-1:0]          sb_valid_q, sb_valid_d;
  logic [Depth*IdxWidth-1:0] sb_idx_q;
  logic                      shift;

  always_comb begin
    hazard_o = 1'b0;
    if (cand_valid_i) begin
      for (int k = 0; k < Depth; k++) begin
        if (sb_valid_q[k] && sb_idx_q[k*IdxWidth +: IdxWidth] == cand_idx_i) begin
          hazard_o = 1'b1;
        end
      end
    end
  end

  assign sb_valid_d = {sb_valid_q[Depth-2:0], issue_i};
  assign shift      = issue_i || (sb_valid_q != 0);
  assign busy_o     = (sb_valid_q != 0);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sb_valid_q <= '0;
    end else begin
      sb_valid_q <= sb_valid_d;
    end
  end

  // The bucket indices load only while something is in flight (no reset: sb_valid_q says which
  // are meaningful), so an idle scoreboard costs a simulator nothing.
  always_ff @(posedge clk_i) begin
    if (shift) begin
      sb_idx_q <= {sb_idx_q[(Depth-1)*IdxWidth-1:0], cand_idx_i};
    end
  end

  // The engine issues only a waiting pair, and never one with a hazard.
  `KILN_ASSERT(IssueCandidate_A, issue_i |-> (cand_valid_i && !hazard_o))

`ifdef KILN_ASSERT_ON
  // The independent model: buckets with an addition in flight, one bit each. Simulation only,
  // so it starts empty without a reset (a reset loop over the array would cost every edge).
  logic inflight_q [2**IdxWidth];
  initial begin
    for (int i = 0; i < 2**IdxWidth; i++) begin
      inflight_q[i] = 1'b0;
    end
  end
  always_ff @(posedge clk_i) begin
    if (wb_valid_i) begin
      inflight_q[wb_idx_i] <= 1'b0;
    end
    if (issue_i) begin
      inflight_q[cand_idx_i] <= 1'b1;
    end
  end

  // (Read out of the array first: Verilator 5.006 cannot index an unpacked array in a property.)
  logic rd_inflight, wb_inflight;
  assign rd_inflight = inflight_q[rd_idx_i];
  assign wb_inflight = inflight_q[wb_idx_i];

  // No bucket hazard slips through: a bucket is never read while an addition to it is in flight.
  `KILN_ASSERT(NoStaleRead_A, rd_valid_i |-> !rd_inflight)
  `KILN_ASSERT(WriteBackInFlight_A, wb_valid_i |-> wb_inflight)
`else
  logic unused_check;
  assign unused_check = ^{rd_valid_i, rd_idx_i, wb_valid_i, wb_idx_i};
`endif

endmodule
