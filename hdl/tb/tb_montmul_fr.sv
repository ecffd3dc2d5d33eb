// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
// Test wrapper: kiln_montmul over Fr. in_data = a || b (32 bytes each, little-endian), out = y.
module tb_montmul_fr (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         in_valid_i,
  input  logic [511:0] in_data_i,
  output logic         out_valid_o,
  output logic [255:0] out_data_o
);
  kiln_montmul #(.Modulus(kiln_pkg::FrModulus), .NPrime(kiln_pkg::FrNPrime)) u_dut (
    .clk_i, .rst_ni, .in_valid_i, .a_i(in_data_i[255:0]), .b_i(in_data_i[511:256]),
    .out_valid_o, .y_o(out_data_o));
endmodule
