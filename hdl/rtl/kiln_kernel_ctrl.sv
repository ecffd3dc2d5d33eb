// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// The HLS-style control registers of one kernel block (UG1399's layout), shared by the MSM and
// NTT engines:
//   0x00 AP_CTRL  bit 0 ap_start (write 1 to start; reads 1 while running), bit 1 ap_done
//                 (set at the end of a run, cleared when AP_CTRL is read), bit 2 ap_idle,
//                 bit 3 ap_ready (set with ap_done, cleared the same way)
//   0x04 GIE      global interrupt enable, bit 0
//   0x08 IER      interrupt enable, bit 0 = done
//   0x0C ISR      interrupt status, bit 0 = done; write 1 to clear
//   0x80 ERROR    the engine's error flags for the last run (cleared by ap_start)
//   0x90 CYCLES   cycles from ap_start to ap_done, low word; 0x94 high word
// Offsets and bits are kiln_pkg's (from ffi/src/regs.rs). A start while running is ignored.
// The engine reports the end of a run with done_i and its error flags (non-zero flags mean the
// run was refused or its result is not valid).

`include "kiln_assert.svh"

module kiln_kernel_ctrl (
  input  logic        clk_i,
  input  logic        rst_ni,
  // Register bus, already decoded to this block (offset within the block).
  input  logic        reg_we_i,
  input  logic        reg_re_i,
  input  logic [kiln_pkg::BlockShift-1:0] reg_addr_i,
  input  logic [31:0] reg_wdata_i,
  output logic        reg_hit_o,
  output logic [31:0] reg_rdata_o,
  // Engine handshake.
  output logic        start_o,
  output logic        busy_o,
  input  logic        done_i,
  input  logic [7:0]  error_i,
  output logic        irq_o
);

  logic        busy_q, busy_d;
  logic        done_q, done_d;
  logic        gie_q, gie_d;
  logic        ier_q, ier_d;
  logic        isr_q, isr_d;
  logic [7:0]  error_q, error_d;
  logic [63:0] cycles_q, cycles_d;

  logic sel_ctrl, sel_gie, sel_ier, sel_isr, sel_err, sel_cyc_lo, sel_cyc_hi;
  assign sel_ctrl   = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlApCtrl);
  assign sel_gie    = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlGie);
  assign sel_ier    = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlIer);
  assign sel_isr    = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlIsr);
  assign sel_err    = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlError);
  assign sel_cyc_lo = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlCyclesLo);
  assign sel_cyc_hi = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::CtrlCyclesHi);
  assign reg_hit_o  = sel_ctrl | sel_gie | sel_ier | sel_isr | sel_err | sel_cyc_lo | sel_cyc_hi;

  // Only the single bit of each control register is writable.
  logic wr_start, wr_gie, wr_ier, wr_isr;
  assign wr_start = (reg_wdata_i & kiln_pkg::CtrlApStart) != 0;
  assign wr_gie   = (reg_wdata_i & kiln_pkg::CtrlGieEnable) != 0;
  assign wr_ier   = (reg_wdata_i & kiln_pkg::CtrlIntDone) != 0;
  assign wr_isr   = (reg_wdata_i & kiln_pkg::CtrlIntDone) != 0;

  assign start_o = reg_we_i && sel_ctrl && wr_start && !busy_q;
  assign busy_o  = busy_q;
  assign irq_o   = gie_q && ier_q && isr_q;

  always_comb begin
    reg_rdata_o = 32'h0;
    if (sel_ctrl) begin
      reg_rdata_o = (busy_q ? kiln_pkg::CtrlApStart : 32'h0) |
                    (done_q ? kiln_pkg::CtrlApDone : 32'h0) |
                    (!busy_q ? kiln_pkg::CtrlApIdle : 32'h0) |
                    (done_q ? kiln_pkg::CtrlApReady : 32'h0);
    end else if (sel_gie) begin
      reg_rdata_o = gie_q ? kiln_pkg::CtrlGieEnable : 32'h0;
    end else if (sel_ier) begin
      reg_rdata_o = ier_q ? kiln_pkg::CtrlIntDone : 32'h0;
    end else if (sel_isr) begin
      reg_rdata_o = isr_q ? kiln_pkg::CtrlIntDone : 32'h0;
    end else if (sel_err) begin
      reg_rdata_o = {24'h0, error_q};
    end else if (sel_cyc_lo) begin
      reg_rdata_o = cycles_q[31:0];
    end else if (sel_cyc_hi) begin
      reg_rdata_o = cycles_q[63:32];
    end
  end

  always_comb begin
    busy_d   = busy_q;
    done_d   = done_q;
    gie_d    = gie_q;
    ier_d    = ier_q;
    isr_d    = isr_q;
    error_d  = error_q;
    cycles_d = cycles_q;
    if (start_o) begin
      busy_d   = 1'b1;
      done_d   = 1'b0;
      error_d  = '0;
      cycles_d = '0;
    end else if (busy_q) begin
      cycles_d = cycles_q + 64'd1;
      if (done_i) begin
        busy_d  = 1'b0;
        done_d  = 1'b1;
        error_d = error_i;
        if (ier_q) begin
          isr_d = 1'b1;
        end
      end
    end
    // ap_done (and ap_ready) clear when AP_CTRL is read, unless set in this very cycle.
    if (reg_re_i && sel_ctrl && !(busy_q && done_i)) begin
      done_d = 1'b0;
    end
    if (reg_we_i && sel_gie) begin
      gie_d = wr_gie;
    end
    if (reg_we_i && sel_ier) begin
      ier_d = wr_ier;
    end
    if (reg_we_i && sel_isr && wr_isr) begin
      isr_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q   <= 1'b0;
      done_q   <= 1'b0;
      gie_q    <= 1'b0;
      ier_q    <= 1'b0;
      isr_q    <= 1'b0;
      error_q  <= '0;
      cycles_q <= '0;
    end else begin
      busy_q   <= busy_d;
      done_q   <= done_d;
      gie_q    <= gie_d;
      ier_q    <= ier_d;
      isr_q    <= isr_d;
      error_q  <= error_d;
      cycles_q <= cycles_d;
    end
  end

  // The engine ends only a run it was started for, and is never started twice.
  `KILN_ASSERT(DoneOnlyWhileBusy_A, done_i |-> busy_q)
  `KILN_ASSERT(StartOnlyWhenIdle_A, start_o |-> !busy_q)
  `KILN_ASSERT(StartedRunIsBusy_A, start_o |=> busy_q)
  `KILN_ASSERT_KNOWN(IrqKnown_A, irq_o)

endmodule
