// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// AXI4-Lite slave (32-bit data, 16-bit addresses: the XDMA user BAR) turned into a simple
// register bus: one access at a time, a one-cycle write strobe or read strobe, and a read data /
// error answer from the addressed block in the same cycle.
//
// Writes need both AW and W (in either order); a write with a partial byte strobe, and any
// access to an unaligned or unmapped offset, answers SLVERR and changes nothing. Reads have
// side effects (ap_done clears when read), so the read strobe fires exactly once per AR.

`include "kiln_assert.svh"

module kiln_axil_slave (
  input  logic        clk_i,
  input  logic        rst_ni,
  // AXI4-Lite
  input  logic        s_awvalid_i,
  output logic        s_awready_o,
  input  logic [15:0] s_awaddr_i,
  input  logic        s_wvalid_i,
  output logic        s_wready_o,
  input  logic [31:0] s_wdata_i,
  input  logic [3:0]  s_wstrb_i,
  output logic        s_bvalid_o,
  input  logic        s_bready_i,
  output logic [1:0]  s_bresp_o,
  input  logic        s_arvalid_i,
  output logic        s_arready_o,
  input  logic [15:0] s_araddr_i,
  output logic        s_rvalid_o,
  input  logic        s_rready_i,
  output logic [31:0] s_rdata_o,
  output logic [1:0]  s_rresp_o,
  // Register bus
  output logic        reg_we_o,
  output logic        reg_re_o,
  output logic [15:0] reg_addr_o,
  output logic [31:0] reg_wdata_o,
  input  logic [31:0] reg_rdata_i,
  input  logic        reg_err_i
);

  localparam logic [1:0] RespOkay   = 2'b00;
  localparam logic [1:0] RespSlverr = 2'b10;

  typedef enum logic [1:0] {
    StIdle,
    StRead,
    StWriteResp,
    StReadResp
  } state_e;

  state_e      state_q, state_d;
  logic        aw_got_q, aw_got_d;
  logic        w_got_q, w_got_d;
  logic [15:0] awaddr_q, awaddr_d;
  logic [15:0] araddr_q, araddr_d;
  logic [31:0] wdata_q, wdata_d;
  logic [3:0]  wstrb_q, wstrb_d;
  logic [1:0]  bresp_q, bresp_d;
  logic [31:0] rdata_q, rdata_d;
  logic [1:0]  rresp_q, rresp_d;

  logic aw_fire, w_fire, ar_fire, write_now, write_ok;

  assign s_awready_o = (state_q == StIdle) && !aw_got_q;
  assign s_wready_o  = (state_q == StIdle) && !w_got_q;
  // Reads wait while half a write has arrived, so the two never interleave.
  assign s_arready_o = (state_q == StIdle) && !aw_got_q && !w_got_q;
  assign aw_fire     = s_awvalid_i && s_awready_o;
  assign w_fire      = s_wvalid_i && s_wready_o;
  assign ar_fire     = s_arvalid_i && s_arready_o;

  // The write happens in the cycle both halves are present (latched or arriving).
  logic [15:0] waddr;
  logic [3:0]  wstrb;
  assign waddr     = aw_got_q ? awaddr_q : s_awaddr_i;
  assign wstrb     = w_got_q ? wstrb_q : s_wstrb_i;
  assign write_now = (state_q == StIdle) && (aw_got_q || aw_fire) && (w_got_q || w_fire);
  assign write_ok  = (wstrb == 4'hF) && (waddr[1:0] == 2'b00) && !reg_err_i;

  always_comb begin
    state_d  = state_q;
    aw_got_d = aw_got_q;
    w_got_d  = w_got_q;
    awaddr_d = awaddr_q;
    araddr_d = araddr_q;
    wdata_d  = wdata_q;
    wstrb_d  = wstrb_q;
    bresp_d  = bresp_q;
    rdata_d  = rdata_q;
    rresp_d  = rresp_q;

    reg_we_o    = 1'b0;
    reg_re_o    = 1'b0;
    reg_addr_o  = araddr_q;
    reg_wdata_o = w_got_q ? wdata_q : s_wdata_i;

    unique case (state_q)
      StIdle: begin
        if (aw_fire) begin
          aw_got_d = 1'b1;
          awaddr_d = s_awaddr_i;
        end
        if (w_fire) begin
          w_got_d = 1'b1;
          wdata_d = s_wdata_i;
          wstrb_d = s_wstrb_i;
        end
        if (write_now) begin
          reg_addr_o = waddr;
          reg_we_o   = write_ok;
          bresp_d    = write_ok ? RespOkay : RespSlverr;
          aw_got_d   = 1'b0;
          w_got_d    = 1'b0;
          state_d    = StWriteResp;
        end else if (ar_fire) begin
          araddr_d = s_araddr_i;
          state_d  = StRead;
        end
      end
      StRead: begin
        reg_addr_o = araddr_q;
        reg_re_o   = (araddr_q[1:0] == 2'b00) && !reg_err_i;
        rdata_d    = reg_re_o ? reg_rdata_i : 32'h0;
        rresp_d    = reg_re_o ? RespOkay : RespSlverr;
        state_d    = StReadResp;
      end
      StWriteResp: begin
        if (s_bready_i) begin
          state_d = StIdle;
        end
      end
      StReadResp: begin
        if (s_rready_i) begin
          state_d = StIdle;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= StIdle;
      aw_got_q <= 1'b0;
      w_got_q  <= 1'b0;
      awaddr_q <= '0;
      araddr_q <= '0;
      wdata_q  <= '0;
      wstrb_q  <= '0;
      bresp_q  <= RespOkay;
      rdata_q  <= '0;
      rresp_q  <= RespOkay;
    end else begin
      state_q  <= state_d;
      aw_got_q <= aw_got_d;
      w_got_q  <= w_got_d;
      awaddr_q <= awaddr_d;
      araddr_q <= araddr_d;
      wdata_q  <= wdata_d;
      wstrb_q  <= wstrb_d;
      bresp_q  <= bresp_d;
      rdata_q  <= rdata_d;
      rresp_q  <= rresp_d;
    end
  end

  assign s_bvalid_o = (state_q == StWriteResp);
  assign s_bresp_o  = bresp_q;
  assign s_rvalid_o = (state_q == StReadResp);
  assign s_rdata_o  = rdata_q;
  assign s_rresp_o  = rresp_q;

  // AXI: a response stays valid and unchanged until it is taken. The register bus sees one
  // aligned access at a time, and only accesses it answered without an error.
  `KILN_ASSERT(BHeld_A, (s_bvalid_o && !s_bready_i) |=> (s_bvalid_o && $stable(s_bresp_o)))
  `KILN_ASSERT(RHeld_A, (s_rvalid_o && !s_rready_i) |=>
                        (s_rvalid_o && $stable(s_rdata_o) && $stable(s_rresp_o)))
  `KILN_ASSERT(OneAccess_A, !(reg_we_o && reg_re_o))
  `KILN_ASSERT(AlignedAccess_A, (reg_we_o || reg_re_o) |-> (reg_addr_o[1:0] == 2'b00 && !reg_err_i))
  `KILN_ASSERT_KNOWN(ValidKnown_A, {s_awready_o, s_wready_o, s_arready_o, s_bvalid_o, s_rvalid_o})
  `KILN_ASSERT_KNOWN_IF(RDataKnown_A, {s_rdata_o, s_rresp_o}, s_rvalid_o)

endmodule
