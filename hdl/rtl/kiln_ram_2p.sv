// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// True dual-port RAM with synchronous reads (block RAM / UltraRAM): each port reads or writes
// one word per cycle; a read returns the word in the next cycle. Writing the same address from
// both ports in one cycle is not allowed (the callers never do; NoWriteCollision_A checks).

`include "kiln_assert.svh"

module kiln_ram_2p #(
  parameter int Width     = 256,
  parameter int AddrWidth = 10
) (
  input  logic                 clk_i,
  input  logic                 a_en_i,
  input  logic                 a_we_i,
  input  logic [AddrWidth-1:0] a_addr_i,
  input  logic [Width-1:0]     a_wdata_i,
  output logic [Width-1:0]     a_rdata_o,
  input  logic                 b_en_i,
  input  logic                 b_we_i,
  input  logic [AddrWidth-1:0] b_addr_i,
  input  logic [Width-1:0]     b_wdata_i,
  output logic [Width-1:0]     b_rdata_o
);

  logic [Width-1:0] mem [2**AddrWidth];

  always_ff @(posedge clk_i) begin
    if (a_en_i) begin
      if (a_we_i) begin
        mem[a_addr_i] <= a_wdata_i;
      end else begin
        a_rdata_o <= mem[a_addr_i];
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (b_en_i) begin
      if (b_we_i) begin
        mem[b_addr_i] <= b_wdata_i;
      end else begin
        b_rdata_o <= mem[b_addr_i];
      end
    end
  end

  `KILN_ASSERT_NORST(NoWriteCollision_A, (a_en_i && a_we_i && b_en_i && b_we_i) |->
                                         (a_addr_i != b_addr_i))

endmodule
