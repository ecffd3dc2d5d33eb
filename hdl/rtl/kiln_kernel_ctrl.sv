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
// A start while running is ignored. The engine reports the end of a run with done_i and its
// error flags (non-zero flags mean the run was refused or its result is not valid).

module kiln_kernel_ctrl (
  input  logic        clk_i,
  input  logic        rst_ni,
  // Register bus, already decoded to this block (offset within the block).
  input  logic        reg_we_i,
  input  logic        reg_re_i,
  input  logic [11:0] reg_addr_i,
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

  logic        busy_q, done_q, gie_q, ier_q, isr_q;
  logic [7:0]  error_q;
  logic [63:0] cycles_q;

  logic sel_ctrl, sel_gie, sel_ier, sel_isr, sel_err, sel_cyc_lo, sel_cyc_hi;
  assign sel_ctrl   = (reg_addr_i == kiln_pkg::CtrlApCtrl[11:0]);
  assign sel_gie    = (reg_addr_i == kiln_pkg::CtrlGie[11:0]);
  assign sel_ier    = (reg_addr_i == kiln_pkg::CtrlIer[11:0]);
  assign sel_isr    = (reg_addr_i == kiln_pkg::CtrlIsr[11:0]);
  assign sel_err    = (reg_addr_i == kiln_pkg::CtrlError[11:0]);
  assign sel_cyc_lo = (reg_addr_i == kiln_pkg::CtrlCyclesLo[11:0]);
  assign sel_cyc_hi = (reg_addr_i == kiln_pkg::CtrlCyclesHi[11:0]);
  assign reg_hit_o  = sel_ctrl | sel_gie | sel_ier | sel_isr | sel_err | sel_cyc_lo | sel_cyc_hi;

  assign start_o = reg_we_i && sel_ctrl && reg_wdata_i[0] && !busy_q;

  // Only bit 0 of any control register is writable.
  logic unused_wdata;
  assign unused_wdata = ^reg_wdata_i[31:1];
  assign busy_o  = busy_q;
  assign irq_o   = gie_q && ier_q && isr_q;

  always_comb begin
    reg_rdata_o = 32'h0;
    if (sel_ctrl) begin
      reg_rdata_o = {28'h0, done_q, !busy_q, done_q, busy_q};
    end else if (sel_gie) begin
      reg_rdata_o = {31'h0, gie_q};
    end else if (sel_ier) begin
      reg_rdata_o = {31'h0, ier_q};
    end else if (sel_isr) begin
      reg_rdata_o = {31'h0, isr_q};
    end else if (sel_err) begin
      reg_rdata_o = {24'h0, error_q};
    end else if (sel_cyc_lo) begin
      reg_rdata_o = cycles_q[31:0];
    end else if (sel_cyc_hi) begin
      reg_rdata_o = cycles_q[63:32];
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
      if (start_o) begin
        busy_q   <= 1'b1;
        done_q   <= 1'b0;
        error_q  <= '0;
        cycles_q <= '0;
      end else if (busy_q) begin
        cycles_q <= cycles_q + 64'd1;
        if (done_i) begin
          busy_q  <= 1'b0;
          done_q  <= 1'b1;
          error_q <= error_i;
          if (ier_q) begin
            isr_q <= 1'b1;
          end
        end
      end
      // ap_done (and ap_ready) clear when AP_CTRL is read, unless set in this very cycle.
      if (reg_re_i && sel_ctrl && !(busy_q && done_i)) begin
        done_q <= 1'b0;
      end
      if (reg_we_i && sel_gie) begin
        gie_q <= reg_wdata_i[0];
      end
      if (reg_we_i && sel_ier) begin
        ier_q <= reg_wdata_i[0];
      end
      if (reg_we_i && sel_isr && reg_wdata_i[0]) begin
        isr_q <= 1'b0;
      end
    end
  end

endmodule
