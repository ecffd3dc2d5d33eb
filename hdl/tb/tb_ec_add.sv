// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
// Test wrapper: kiln_ec_add_xyzz. in_data = X1 || Y1 || ZZ1 || ZZZ1 || x2 || y2 || neg (one byte,
// bit 0) || tag (two bytes) || padding; out = X3 || Y3 || ZZ3 || ZZZ3 || tag (two bytes).
module tb_ec_add (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          in_valid_i,
  input  logic [1567:0] in_data_i,
  output logic          out_valid_o,
  output logic [1039:0] out_data_o
);
  kiln_ec_add_xyzz #(.TagWidth(16)) u_dut (
    .clk_i, .rst_ni, .in_valid_i,
    .bx_i(in_data_i[255:0]), .by_i(in_data_i[511:256]), .bzz_i(in_data_i[767:512]),
    .bzzz_i(in_data_i[1023:768]), .px_i(in_data_i[1279:1024]), .py_i(in_data_i[1535:1280]),
    .neg_i(in_data_i[1536]), .tag_i(in_data_i[1559:1544]),
    .out_valid_o, .x_o(out_data_o[255:0]), .y_o(out_data_o[511:256]),
    .zz_o(out_data_o[767:512]), .zzz_o(out_data_o[1023:768]), .tag_o(out_data_o[1039:1024]));
  logic unused;
  assign unused = ^{in_data_i[1543:1537], in_data_i[1567:1560]};
endmodule
