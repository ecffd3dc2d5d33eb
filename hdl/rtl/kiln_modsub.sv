// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Modular subtraction, registered: y = (a - b) mod Modulus, one cycle after in_valid_i.
// Requires a, b < Modulus < 2^255. The register loads only for valid inputs.

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

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_valid_o <= 1'b0;
    end else begin
      out_valid_o <= in_valid_i;
    end
  end

  always_ff @(posedge clk_i) begin : sub
    logic [256:0] diff;
    if (in_valid_i) begin
      diff = {1'b0, a_i} - {1'b0, b_i};
      // On a borrow the low 256 bits hold a - b + 2^256; adding the modulus wraps to a - b + p.
      y_o <= diff[256] ? diff[255:0] + Modulus : diff[255:0];
    end
  end

endmodule
