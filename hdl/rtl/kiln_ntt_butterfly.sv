// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Radix-2 decimation-in-time butterfly over Fr: (a, b, w) -> (a + w b, a - w b), all in
// Montgomery form and below the modulus. One butterfly per cycle; latency
// kiln_arch_pkg::ButterflyLatency (MulLatency + 1 = 10): the product, then one add/sub stage.
// The tag travels alongside unchanged (the NTT engine puts the write-back addresses there).
//
// The NTT engine also runs element-wise vector operations through it by choosing operands:
// a * b is (0, b, a)'s first output, a + b is (a, b, 1)'s, a - b is (a, b, 1)'s second.

`include "kiln_assert.svh"

module kiln_ntt_butterfly #(
  parameter logic [255:0] Modulus  = kiln_pkg::FrModulus,
  parameter logic [63:0]  NPrime   = kiln_pkg::FrNPrime,
  parameter int           TagWidth = 16
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                in_valid_i,
  input  logic [255:0]        a_i,
  input  logic [255:0]        b_i,
  input  logic [255:0]        w_i,
  input  logic [TagWidth-1:0] tag_i,
  output logic                out_valid_o,
  output logic [255:0]        out0_o,
  output logic [255:0]        out1_o,
  output logic [TagWidth-1:0] tag_o
);

  localparam int M = kiln_arch_pkg::MulLatency;

  logic         prod_valid;
  logic [255:0] prod;
  kiln_montmul #(.Modulus(Modulus), .NPrime(NPrime)) u_mul (
    .clk_i, .rst_ni, .in_valid_i, .a_i(w_i), .b_i(b_i), .out_valid_o(prod_valid), .y_o(prod));

  logic [255:0]        a_dly;
  logic [TagWidth-1:0] tag_dly, tag_q;
  kiln_delay #(.Width(256 + TagWidth), .Depth(M)) u_dly (
    .clk_i, .rst_ni, .valid_i(in_valid_i), .data_i({tag_i, a_i}), .data_o({tag_dly, a_dly}));

  kiln_modadd #(.Modulus(Modulus)) u_add (
    .clk_i, .rst_ni, .in_valid_i(prod_valid), .a_i(a_dly), .b_i(prod), .out_valid_o(out_valid_o),
    .y_o(out0_o));
  kiln_modsub #(.Modulus(Modulus)) u_sub (
    .clk_i, .rst_ni, .in_valid_i(prod_valid), .a_i(a_dly), .b_i(prod), .out_valid_o(),
    .y_o(out1_o));

  always_ff @(posedge clk_i) begin
    if (prod_valid) begin
      tag_q <= tag_dly;
    end
  end
  assign tag_o = tag_q;

  // The tag travels with its butterfly (operand and result ranges are the multiplier's and the
  // add/sub's assertions).
  `KILN_ASSERT_KNOWN_IF(TagKnown_A, tag_o, out_valid_o)

endmodule
