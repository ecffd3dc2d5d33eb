// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Modular subtraction, registered: y = (a - b) mod Modulus, one cycle after in_valid_i.
// Requires a, b < Modulus < 2^255. The register loads only for valid inputs.

`include "kiln_assert.svh"

module kiln_modsub #(
  parameter logic [255:0] Modulus = kiln_pkg::FqModulus
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         in_valid_i,
  input  logic [255:0] a_i,
  input  logic [255:0] b_i,
  output logic         out_valid_o,
  output logic [255:0] y_o
);

  // (a - b) mod Modulus; on a borrow the low 256 bits hold a - b + 2^256, and adding the
  // modulus wraps them to a - b + Modulus.
  function automatic logic [255:0] sub_mod(input logic [255:0] a, input logic [255:0] b);
    logic [256:0] diff;
    diff    = {1'b0, a} - {1'b0, b};
    sub_mod = diff[256] ? diff[255:0] + Modulus : diff[255:0];
  endfunction

  logic         valid_q;
  logic [255:0] y_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
    end else begin
      valid_q <= in_valid_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_valid_i) begin
      y_q <= sub_mod(a_i, b_i);
    end
  end

  assign out_valid_o = valid_q;
  assign y_o         = y_q;

  `KILN_ASSERT_IF(OperandsReduced_A, a_i < Modulus && b_i < Modulus, in_valid_i)
  `KILN_ASSERT_IF(DifferenceReduced_A, y_o < Modulus, out_valid_o)
  `KILN_ASSERT_KNOWN_IF(DifferenceKnown_A, y_o, out_valid_o)

endmodule
