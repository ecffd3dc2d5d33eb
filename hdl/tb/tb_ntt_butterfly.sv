// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
// Test wrapper: kiln_ntt_butterfly over Fr. in_data = a || b || w || tag (two bytes);
// out = a + w b || a - w b || tag (two bytes).
module tb_ntt_butterfly (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         in_valid_i,
  input  logic [783:0] in_data_i,
  output logic         out_valid_o,
  output logic [527:0] out_data_o
);
  kiln_ntt_butterfly #(.TagWidth(16)) u_dut (
    .clk_i, .rst_ni, .in_valid_i, .a_i(in_data_i[255:0]), .b_i(in_data_i[511:256]),
    .w_i(in_data_i[767:512]), .tag_i(in_data_i[783:768]), .out_valid_o,
    .out0_o(out_data_o[255:0]), .out1_o(out_data_o[511:256]), .tag_o(out_data_o[527:512]));
endmodule
