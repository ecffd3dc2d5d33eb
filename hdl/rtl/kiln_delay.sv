// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// A fixed delay line for a never-stalling pipeline: data_o is data_i from Depth cycles ago, for
// the cycles where valid_i was set (other cycles leave the stages untouched). Depth 0 is a
// wire. In hardware this is a shift-register chain (SRL on Xilinx parts).

module kiln_delay #(
  parameter int Width = 256,
  parameter int Depth = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             valid_i,
  input  logic [Width-1:0] data_i,
  output logic [Width-1:0] data_o
);

  // Each stage keeps its own copy of the valid bit so it loads only behind valid data. Stage k
  // reads stage k - 1 in place (no wires between stages: a simulator would copy them).
  for (genvar k = 0; k < Depth; k++) begin : gen_stage
    logic             v_q;
    logic [Width-1:0] d_q;
    logic             v_in;
    logic [Width-1:0] d_in;
    if (k == 0) begin : gen_in
      assign v_in = valid_i;
      assign d_in = data_i;
    end else begin : gen_in
      assign v_in = gen_stage[k-1].v_q;
      assign d_in = gen_stage[k-1].d_q;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        v_q <= 1'b0;
      end else begin
        v_q <= v_in;
      end
    end

    always_ff @(posedge clk_i) begin
      if (v_in) begin
        d_q <= d_in;
      end
    end
  end

  if (Depth == 0) begin : gen_wire
    assign data_o = data_i;
    logic unused;
    assign unused = ^{clk_i, rst_ni, valid_i};
  end else begin : gen_out
    assign data_o = gen_stage[Depth-1].d_q;
    // The last stage's valid bit has no stage behind it.
    logic unused;
    assign unused = gen_stage[Depth-1].v_q;
  end

endmodule
