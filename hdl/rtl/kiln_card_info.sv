// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// The card information block (offsets 0x000 ..): identity, version, capabilities and the sizes
// the host plans with, a scratch register and the engines' busy bits. Everything but SCRATCH is
// read-only. See hdl/REGISTERS.md; the offsets and bits are kiln_pkg's (from ffi/src/regs.rs).

module kiln_card_info #(
  parameter logic [31:0] CardId         = kiln_pkg::SimCardId,
  parameter int          ClockMhz       = 250,
  parameter int          DramLog2       = 28,
  parameter int          MsmBuckets     = 1 << 14,
  parameter int          MsmMaxWindows  = 64,
  parameter int          NttLogMax      = 11,
  parameter int          FlashBytes     = 1 << 20,
  parameter int          FlashSector    = 4096,
  parameter int          FlashPage      = 256,
  parameter int          BitstreamBytes = 65536
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        reg_we_i,
  input  logic [kiln_pkg::BlockShift-1:0] reg_addr_i,
  input  logic [31:0] reg_wdata_i,
  output logic        reg_hit_o,
  output logic [31:0] reg_rdata_o,
  input  logic [2:0]  status_i   // busy: {flash, NTT, MSM}
);

  localparam logic [31:0] Caps = kiln_pkg::CapMsmG1 | kiln_pkg::CapNtt | kiln_pkg::CapVec |
                                 kiln_pkg::CapFlash;

  logic [31:0] scratch_q, scratch_d;

  always_comb begin
    reg_hit_o   = 1'b1;
    reg_rdata_o = 32'h0;
    if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegId)) begin
      reg_rdata_o = kiln_pkg::IdMagic;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegVersion)) begin
      reg_rdata_o = kiln_pkg::Version;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegCardId)) begin
      reg_rdata_o = CardId;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegCaps)) begin
      reg_rdata_o = Caps;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegClockMhz)) begin
      reg_rdata_o = 32'(ClockMhz);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegDramLog2)) begin
      reg_rdata_o = 32'(DramLog2);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegMsmBuckets)) begin
      reg_rdata_o = 32'(MsmBuckets);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegMsmLatency)) begin
      reg_rdata_o = 32'(kiln_arch_pkg::EcAddLatency);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegNttLogMax)) begin
      reg_rdata_o = 32'(NttLogMax);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegFlashBytes)) begin
      reg_rdata_o = 32'(FlashBytes);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegFlashSector)) begin
      reg_rdata_o = 32'(FlashSector);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegFlashPage)) begin
      reg_rdata_o = 32'(FlashPage);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegBitstreamBytes)) begin
      reg_rdata_o = 32'(BitstreamBytes);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegScratch)) begin
      reg_rdata_o = scratch_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegStatus)) begin
      reg_rdata_o = (status_i[0] ? kiln_pkg::CardStatusMsm : 32'h0) |
                    (status_i[1] ? kiln_pkg::CardStatusNtt : 32'h0) |
                    (status_i[2] ? kiln_pkg::CardStatusFlash : 32'h0);
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegMsmMaxWindows)) begin
      reg_rdata_o = 32'(MsmMaxWindows);
    end else begin
      reg_hit_o = 1'b0;
    end
  end

  always_comb begin
    scratch_d = scratch_q;
    if (reg_we_i && kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CardRegScratch)) begin
      scratch_d = reg_wdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scratch_q <= '0;
    end else begin
      scratch_q <= scratch_d;
    end
  end

endmodule
