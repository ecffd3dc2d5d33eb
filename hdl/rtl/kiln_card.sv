// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Top level of the kiln card design: what sits behind the Xilinx XDMA IP on a PCIe card.
//
//   - AXI4-Lite slave on the XDMA user BAR (/dev/xdma<N>_user): the register file of
//     hdl/REGISTERS.md, in 4 KiB blocks (card information, MSM kernel, NTT kernel, flash).
//   - Two card-memory master ports (the MSM and NTT engines). On a board they go through an AXI
//     interconnect to the DDR/HBM controller that the XDMA DMA channels (/dev/xdma<N>_h2c_0,
//     _c2h_0) also write and read; card addresses are the same on both sides.
//   - A port to the configuration flash chip.
// The Verilator model wraps this module with C++ models of the card memory and the flash chip
// (hdl/sim/card_sim.cpp).

`include "kiln_assert.svh"

module kiln_card #(
  parameter logic [31:0] CardId          = kiln_pkg::SimCardId,
  parameter int          ClockMhz        = 250,
  parameter int          DramLog2        = 28,
  parameter int          BucketAddrWidth = 14,
  parameter int          MaxWindows      = 64,
  parameter int          NttLogMax       = 11,
  parameter int          FlashBytes      = 1 << 20,
  parameter int          FlashSector     = 4096,
  parameter int          FlashPage       = 256,
  parameter int          BitstreamBytes  = 65536
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // AXI4-Lite register interface.
  input  logic         s_awvalid_i,
  output logic         s_awready_o,
  input  logic [15:0]  s_awaddr_i,
  input  logic         s_wvalid_i,
  output logic         s_wready_o,
  input  logic [31:0]  s_wdata_i,
  input  logic [3:0]   s_wstrb_i,
  output logic         s_bvalid_o,
  input  logic         s_bready_i,
  output logic [1:0]   s_bresp_o,
  input  logic         s_arvalid_i,
  output logic         s_arready_o,
  input  logic [15:0]  s_araddr_i,
  output logic         s_rvalid_o,
  input  logic         s_rready_i,
  output logic [31:0]  s_rdata_o,
  output logic [1:0]   s_rresp_o,
  // Card memory, MSM engine.
  output logic         m0_req_valid_o,
  input  logic         m0_req_ready_i,
  output logic         m0_req_we_o,
  output logic [63:0]  m0_req_addr_o,
  output logic [255:0] m0_req_wdata_o,
  input  logic         m0_rsp_valid_i,
  input  logic [255:0] m0_rsp_rdata_i,
  // Card memory, NTT engine.
  output logic         m1_req_valid_o,
  input  logic         m1_req_ready_i,
  output logic         m1_req_we_o,
  output logic [63:0]  m1_req_addr_o,
  output logic [255:0] m1_req_wdata_o,
  input  logic         m1_rsp_valid_i,
  input  logic [255:0] m1_rsp_rdata_i,
  // Configuration flash chip.
  output logic         flash_req_valid_o,
  input  logic         flash_req_ready_i,
  output logic [2:0]   flash_req_op_o,
  output logic [31:0]  flash_req_addr_o,
  output logic [31:0]  flash_req_data_o,
  input  logic         flash_rsp_valid_i,
  input  logic [31:0]  flash_rsp_data_i,
  // Kernel interrupts (bit 0 MSM done, bit 1 NTT done), for the XDMA user interrupt lines.
  output logic [1:0]   irq_o
);

  logic        reg_we, reg_re, reg_err;
  logic [15:0] reg_addr;
  logic [31:0] reg_wdata, reg_rdata;

  kiln_axil_slave u_axil (
    .clk_i, .rst_ni,
    .s_awvalid_i, .s_awready_o, .s_awaddr_i, .s_wvalid_i, .s_wready_o, .s_wdata_i, .s_wstrb_i,
    .s_bvalid_o, .s_bready_i, .s_bresp_o, .s_arvalid_i, .s_arready_o, .s_araddr_i,
    .s_rvalid_o, .s_rready_i, .s_rdata_o, .s_rresp_o,
    .reg_we_o(reg_we), .reg_re_o(reg_re), .reg_addr_o(reg_addr), .reg_wdata_o(reg_wdata),
    .reg_rdata_i(reg_rdata), .reg_err_i(reg_err));

  // Block select: the address bits above kiln_pkg::BlockShift; the blocks see the bits below.
  localparam int Bs = kiln_pkg::BlockShift;
  logic sel_card, sel_msm, sel_ntt, sel_flash;
  logic [Bs-1:0] blk_addr;
  assign sel_card  = (reg_addr[15:Bs] == kiln_pkg::BlockCard[15:Bs]);
  assign sel_msm   = (reg_addr[15:Bs] == kiln_pkg::BlockMsm[15:Bs]);
  assign sel_ntt   = (reg_addr[15:Bs] == kiln_pkg::BlockNtt[15:Bs]);
  assign sel_flash = (reg_addr[15:Bs] == kiln_pkg::BlockFlash[15:Bs]);
  assign blk_addr  = reg_addr[Bs-1:0];

  logic        msm_hit, ntt_hit, flash_hit, card_hit;
  logic [31:0] msm_rdata, ntt_rdata, flash_rdata, card_rdata;
  logic        msm_busy, ntt_busy, flash_busy;

  kiln_msm_engine #(
    .BucketAddrWidth(BucketAddrWidth), .MaxWindows(MaxWindows), .DramLog2(DramLog2)
  ) u_msm (
    .clk_i, .rst_ni,
    .reg_we_i(reg_we && sel_msm), .reg_re_i(reg_re && sel_msm), .reg_addr_i(blk_addr),
    .reg_wdata_i(reg_wdata), .reg_hit_o(msm_hit), .reg_rdata_o(msm_rdata),
    .mem_req_valid_o(m0_req_valid_o), .mem_req_ready_i(m0_req_ready_i),
    .mem_req_we_o(m0_req_we_o), .mem_req_addr_o(m0_req_addr_o),
    .mem_req_wdata_o(m0_req_wdata_o), .mem_rsp_valid_i(m0_rsp_valid_i),
    .mem_rsp_rdata_i(m0_rsp_rdata_i), .busy_o(msm_busy), .irq_o(irq_o[0]));

  kiln_ntt_engine #(.LogMax(NttLogMax), .DramLog2(DramLog2)) u_ntt (
    .clk_i, .rst_ni,
    .reg_we_i(reg_we && sel_ntt), .reg_re_i(reg_re && sel_ntt), .reg_addr_i(blk_addr),
    .reg_wdata_i(reg_wdata), .reg_hit_o(ntt_hit), .reg_rdata_o(ntt_rdata),
    .mem_req_valid_o(m1_req_valid_o), .mem_req_ready_i(m1_req_ready_i),
    .mem_req_we_o(m1_req_we_o), .mem_req_addr_o(m1_req_addr_o),
    .mem_req_wdata_o(m1_req_wdata_o), .mem_rsp_valid_i(m1_rsp_valid_i),
    .mem_rsp_rdata_i(m1_rsp_rdata_i), .busy_o(ntt_busy), .irq_o(irq_o[1]));

  kiln_flash_ctrl #(
    .FlashBytes(FlashBytes), .SectorBytes(FlashSector), .PageBytes(FlashPage)
  ) u_flash (
    .clk_i, .rst_ni,
    .reg_we_i(reg_we && sel_flash), .reg_re_i(reg_re && sel_flash),
    .reg_addr_i(blk_addr), .reg_wdata_i(reg_wdata), .reg_hit_o(flash_hit),
    .reg_rdata_o(flash_rdata),
    .flash_req_valid_o, .flash_req_ready_i, .flash_req_op_o, .flash_req_addr_o,
    .flash_req_data_o, .flash_rsp_valid_i, .flash_rsp_data_i, .busy_o(flash_busy));

  kiln_card_info #(
    .CardId(CardId), .ClockMhz(ClockMhz), .DramLog2(DramLog2),
    .MsmBuckets(2 ** BucketAddrWidth), .MsmMaxWindows(MaxWindows), .NttLogMax(NttLogMax),
    .FlashBytes(FlashBytes), .FlashSector(FlashSector), .FlashPage(FlashPage),
    .BitstreamBytes(BitstreamBytes)
  ) u_info (
    .clk_i, .rst_ni,
    .reg_we_i(reg_we && sel_card), .reg_addr_i(blk_addr), .reg_wdata_i(reg_wdata),
    .reg_hit_o(card_hit), .reg_rdata_o(card_rdata),
    .status_i({flash_busy, ntt_busy, msm_busy}));

  always_comb begin
    reg_rdata = 32'h0;
    reg_err   = 1'b1;
    if (sel_card) begin
      reg_rdata = card_rdata;
      reg_err   = !card_hit;
    end else if (sel_msm) begin
      reg_rdata = msm_rdata;
      reg_err   = !msm_hit;
    end else if (sel_ntt) begin
      reg_rdata = ntt_rdata;
      reg_err   = !ntt_hit;
    end else if (sel_flash) begin
      reg_rdata = flash_rdata;
      reg_err   = !flash_hit;
    end
  end

  // The blocks do not overlap: an address selects at most one.
  `KILN_ASSERT(OneBlock_A, $onehot0({sel_card, sel_msm, sel_ntt, sel_flash}))
  `KILN_ASSERT_KNOWN(IrqKnown_A, irq_o)

endmodule
