// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// MSM bucket accumulation: the card's part of a signed-digit bucket (Pippenger) MSM in G1.
//
// The host decomposes every scalar into `windows` signed digits (kiln_msm::signed_digits, packed
// as magnitude << 1 | sign) and writes them to card memory; the bases are already there (64 bytes
// each, kiln's device layout). For each point i, in order, this engine reads the point and its
// digits once and emits one (bucket, +-point) pair per non-zero digit of window j, into bucket
// j * buckets + |digit| - 1. All windows' buckets live in one on-chip RAM (XYZZ, 128 bytes each),
// so pairs of one point go to different buckets and consecutive points rarely collide.
//
// Each pair is a read-modify-write of its bucket through the pipelined mixed adder
// (kiln_ec_add_xyzz, one pair per cycle, EcAddLatency cycles). A scoreboard holds the buckets
// with an addition in flight, from the RAM read to the write-back; a pair whose bucket is on it
// waits (a hazard stall, counted in STALLS) until that addition has been written back, so every
// pair sees its bucket's latest value. Duplicated bases and repeated digits are therefore only
// slower, never wrong; infinity bases (all-zero bytes) and zero digits produce no pair.
//
// Phases: CHECK the arguments (errors end the run at once), CLEAR windows * buckets entries to
// infinity (one per cycle), STREAM the points, DRAIN the adder, FLUSH every bucket to card
// memory at OUT (X, Y, ZZ, ZZZ as four 32-byte beats), then ap_done. The host sums the buckets
// of each window (kiln_msm::window_sum) and combines the windows (kiln_msm::combine_windows).
//
// Registers (offsets in the block, kiln_pkg's from ffi/src/regs.rs; see hdl/REGISTERS.md):
// the kernel control of kiln_kernel_ctrl, BASES, DIGITS, OUT (64-bit card addresses, 32-byte
// aligned), COUNT, WINDOWS, BUCKETS, and the STALLS and PAIRS counters of the last run.
// Arguments are written while the engine is idle; writes while it runs are ignored.
//
// Style: control registers are `_q` flops with their next values `_d` computed in always_comb
// (defaults first); the wide datapath registers (records, candidate, issue) load with an
// enable in always_ff, so idle cycles cost a simulator nothing.

`include "kiln_assert.svh"

module kiln_msm_engine #(
  parameter int BucketAddrWidth = 14,
  parameter int MaxWindows      = 64,
  parameter int DramLog2        = 28
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // Register bus (offset within this block).
  input  logic         reg_we_i,
  input  logic         reg_re_i,
  input  logic [kiln_pkg::BlockShift-1:0] reg_addr_i,
  input  logic [31:0]  reg_wdata_i,
  output logic         reg_hit_o,
  output logic [31:0]  reg_rdata_o,
  // Card memory port: requests (reads and posted writes), in-order read responses.
  output logic         mem_req_valid_o,
  input  logic         mem_req_ready_i,
  output logic         mem_req_we_o,
  output logic [63:0]  mem_req_addr_o,
  output logic [255:0] mem_req_wdata_o,
  input  logic         mem_rsp_valid_i,
  input  logic [255:0] mem_rsp_rdata_i,
  output logic         busy_o,
  output logic         irq_o
);

  localparam int Capacity   = 2 ** BucketAddrWidth;
  localparam int Bw         = BucketAddrWidth;
  localparam int DigitBits  = MaxWindows * 32;

  // ---- Control and arguments ---------------------------------------------------------------
  logic        start, done;
  logic [7:0]  error_flags;
  logic        ctrl_hit;
  logic [31:0] ctrl_rdata;

  kiln_kernel_ctrl u_ctrl (
    .clk_i, .rst_ni, .reg_we_i, .reg_re_i, .reg_addr_i, .reg_wdata_i,
    .reg_hit_o(ctrl_hit), .reg_rdata_o(ctrl_rdata), .start_o(start), .busy_o,
    .done_i(done), .error_i(error_flags), .irq_o);

  logic [63:0] bases_q, bases_d, digits_q, digits_d, out_q, out_d;
  logic [31:0] count_q, count_d, windows_q, windows_d, buckets_q, buckets_d;
  logic [63:0] stalls_q, stalls_d, pairs_q, pairs_d;

  // The decode is kiln_pkg's, on the offsets of ffi/src/regs.rs.
  always_comb begin
    reg_hit_o   = 1'b1;
    reg_rdata_o = 32'h0;
    if (ctrl_hit) begin
      reg_rdata_o = ctrl_rdata;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBasesLo)) begin
      reg_rdata_o = bases_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBasesHi)) begin
      reg_rdata_o = bases_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmDigitsLo)) begin
      reg_rdata_o = digits_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmDigitsHi)) begin
      reg_rdata_o = digits_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmOutLo)) begin
      reg_rdata_o = out_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmOutHi)) begin
      reg_rdata_o = out_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmCount)) begin
      reg_rdata_o = count_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmWindows)) begin
      reg_rdata_o = windows_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBuckets)) begin
      reg_rdata_o = buckets_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmStallsLo)) begin
      reg_rdata_o = stalls_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmStallsHi)) begin
      reg_rdata_o = stalls_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmPairsLo)) begin
      reg_rdata_o = pairs_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmPairsHi)) begin
      reg_rdata_o = pairs_q[63:32];
    end else begin
      reg_hit_o = 1'b0;
    end
  end

  always_comb begin
    bases_d   = bases_q;
    digits_d  = digits_q;
    out_d     = out_q;
    count_d   = count_q;
    windows_d = windows_q;
    buckets_d = buckets_q;
    if (reg_we_i && !busy_o) begin
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBasesLo))  bases_d[31:0]   = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBasesHi))  bases_d[63:32]  = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmDigitsLo)) digits_d[31:0]  = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmDigitsHi)) digits_d[63:32] = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmOutLo))    out_d[31:0]     = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmOutHi))    out_d[63:32]    = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmCount))    count_d         = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmWindows))  windows_d       = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::MsmBuckets))  buckets_d       = reg_wdata_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bases_q   <= '0;
      digits_q  <= '0;
      out_q     <= '0;
      count_q   <= '0;
      windows_q <= '0;
      buckets_q <= '0;
    end else begin
      bases_q   <= bases_d;
      digits_q  <= digits_d;
      out_q     <= out_d;
      count_q   <= count_d;
      windows_q <= windows_d;
      buckets_q <= buckets_d;
    end
  end

  // ---- Argument check ----------------------------------------------------------------------
  logic [63:0] total_w;       // windows * buckets
  logic [3:0]  dbeats_w;      // digit beats per point: ceil(windows / 8)
  logic [7:0]  check_err;
  always_comb begin
    logic [71:0] end_bases, end_digits, end_out, limit;
    total_w    = {32'h0, windows_q} * {32'h0, buckets_q};
    dbeats_w   = 4'(({1'b0, windows_q} + 33'd7) >> 3);
    limit      = 72'd1 << DramLog2;
    end_bases  = {8'h0, bases_q} + ({40'h0, count_q} << 6);
    end_digits = {8'h0, digits_q} + (({40'h0, count_q} * {68'h0, dbeats_w}) << 5);
    end_out    = {8'h0, out_q} + ({8'h0, total_w} << 7);
    check_err  = '0;
    if (count_q == 0 || windows_q == 0 || windows_q > MaxWindows || buckets_q == 0 ||
        buckets_q > Capacity) begin
      check_err |= kiln_pkg::MsmErrArgs[7:0];
    end
    if (total_w > 64'(Capacity)) begin
      check_err |= kiln_pkg::MsmErrCapacity[7:0];
    end
    if (bases_q[4:0] != 0 || digits_q[4:0] != 0 || out_q[4:0] != 0) begin
      check_err |= kiln_pkg::MsmErrAlign[7:0];
    end
    if (end_bases > limit || end_digits > limit || end_out > limit) begin
      check_err |= kiln_pkg::MsmErrRange[7:0];
    end
  end

  // ---- State -------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    StIdle,
    StCheck,
    StClear,
    StStream,
    StDrain,
    StFlushRead,
    StFlushBeat,
    StDone
  } state_e;

  state_e       state_q, state_d;
  logic [Bw:0]  total_q, total_d;       // windows * buckets, once checked
  logic [3:0]   dbeats_q, dbeats_d;
  logic [Bw:0]  clr_idx_q, clr_idx_d;
  logic [Bw:0]  fl_idx_q, fl_idx_d;
  logic [1:0]   fl_beat_q, fl_beat_d;
  logic [63:0]  out_ptr_q, out_ptr_d;
  logic         digit_err_q, digit_err_d;

  // ---- Fetch: points and digits, two record buffers ----------------------------------------
  logic [31:0]  iss_rec_q, iss_rec_d, rcv_rec_q, rcv_rec_d, cons_rec_q, cons_rec_d;
  logic [3:0]   iss_beat_q, iss_beat_d, rcv_beat_q, rcv_beat_d;
  logic [63:0]  base_ptr_q, base_ptr_d, dig_ptr_q, dig_ptr_d;
  logic         rv0_q, rv0_d, rv1_q, rv1_d;
  logic [255:0] x0_q, x1_q, y0_q, y1_q;
  logic [DigitBits-1:0] d0_q, d1_q;
  logic         inf0_q, inf1_q;

  logic fetch_valid, fetch_fire;
  logic [31:0] in_flight_recs;
  assign in_flight_recs = iss_rec_q - cons_rec_q;
  assign fetch_valid = (state_q == StStream) && (iss_rec_q < count_q) && (in_flight_recs < 2);
  assign fetch_fire  = fetch_valid && mem_req_ready_i;

  // ---- Pair generation and issue -----------------------------------------------------------
  logic [6:0]   win_q, win_d;           // window j of the record being consumed
  logic [Bw:0]  wbase_q, wbase_d;       // j * buckets
  logic         cand_valid_q, cand_valid_d;
  logic         cand_neg_q;
  logic [Bw-1:0] cand_idx_q;
  logic [255:0] cand_x_q, cand_y_q;
  logic         hazard, issue_fire, sb_busy;

  logic         cur_valid, cur_inf;
  logic [255:0] cur_x, cur_y;
  logic [31:0]  cur_digit;
  always_comb begin
    cur_valid = cons_rec_q[0] ? rv1_q : rv0_q;
    cur_inf   = cons_rec_q[0] ? inf1_q : inf0_q;
    cur_x     = cons_rec_q[0] ? x1_q : x0_q;
    cur_y     = cons_rec_q[0] ? y1_q : y0_q;
    cur_digit = cons_rec_q[0] ? d1_q[32*win_q +: 32] : d0_q[32*win_q +: 32];
  end

  logic pg_active, pg_step, pg_last;
  logic [30:0] mag;
  assign mag       = cur_digit[31:1];
  assign pg_active = (state_q == StStream) && cur_valid;
  // The generator moves on when the candidate slot is free or being issued this cycle.
  assign pg_step   = pg_active && (!cand_valid_q || issue_fire);
  // A point at infinity contributes nothing: its whole record is skipped at once.
  assign pg_last   = cur_inf || ({25'h0, win_q} == windows_q - 32'd1);

  assign issue_fire = cand_valid_q && !hazard &&
                      (state_q == StStream || state_q == StDrain);

  // ---- Bucket RAM, scoreboard and adder ----------------------------------------------------
  logic          ram_a_en, ram_b_en;
  logic [Bw-1:0] ram_a_addr, ram_b_addr;
  logic [1023:0] ram_a_wdata, ram_b_rdata, ram_a_rdata_unused;

  logic          iss_valid_q, iss_neg_q;
  logic [Bw-1:0] iss_idx_q;
  logic [255:0]  iss_x_q, iss_y_q;

  logic          sum_valid;
  logic [255:0]  sum_x, sum_y, sum_zz, sum_zzz;
  logic [Bw-1:0] sum_idx;

  // A pair waits while its bucket has an addition in flight (a hazard stall).
  kiln_msm_scoreboard #(.IdxWidth(Bw)) u_sb (
    .clk_i, .rst_ni, .cand_valid_i(cand_valid_q), .cand_idx_i(cand_idx_q), .hazard_o(hazard),
    .issue_i(issue_fire), .busy_o(sb_busy),
    .rd_valid_i(ram_b_en), .rd_idx_i(ram_b_addr), .wb_valid_i(sum_valid), .wb_idx_i(sum_idx));

  kiln_ec_add_xyzz #(.TagWidth(Bw)) u_adder (
    .clk_i, .rst_ni, .in_valid_i(iss_valid_q),
    .bx_i(ram_b_rdata[255:0]), .by_i(ram_b_rdata[511:256]), .bzz_i(ram_b_rdata[767:512]),
    .bzzz_i(ram_b_rdata[1023:768]), .px_i(iss_x_q), .py_i(iss_y_q), .neg_i(iss_neg_q),
    .tag_i(iss_idx_q), .out_valid_o(sum_valid), .x_o(sum_x), .y_o(sum_y), .zz_o(sum_zz),
    .zzz_o(sum_zzz), .tag_o(sum_idx));

  // Port A writes (clear, write-back); port B reads (issue, flush).
  always_comb begin
    ram_a_en    = 1'b0;
    ram_a_addr  = sum_idx;
    ram_a_wdata = {sum_zzz, sum_zz, sum_y, sum_x};
    if (state_q == StClear) begin
      ram_a_en    = 1'b1;
      ram_a_addr  = clr_idx_q[Bw-1:0];
      ram_a_wdata = '0;
    end else if (sum_valid) begin
      ram_a_en = 1'b1;
    end
    ram_b_en   = issue_fire || (state_q == StFlushRead);
    ram_b_addr = (state_q == StFlushRead) ? fl_idx_q[Bw-1:0] : cand_idx_q;
  end

  kiln_ram_2p #(.Width(1024), .AddrWidth(Bw)) u_buckets (
    .clk_i,
    .a_en_i(ram_a_en), .a_we_i(1'b1), .a_addr_i(ram_a_addr), .a_wdata_i(ram_a_wdata),
    .a_rdata_o(ram_a_rdata_unused),
    .b_en_i(ram_b_en), .b_we_i(1'b0), .b_addr_i(ram_b_addr), .b_wdata_i({1024{1'b0}}),
    .b_rdata_o(ram_b_rdata));

  // ---- Memory requests ---------------------------------------------------------------------
  always_comb begin
    mem_req_valid_o = 1'b0;
    mem_req_we_o    = 1'b0;
    mem_req_addr_o  = (iss_beat_q < 2) ? base_ptr_q : dig_ptr_q;
    mem_req_wdata_o = ram_b_rdata[256*fl_beat_q +: 256];
    if (state_q == StFlushBeat) begin
      mem_req_valid_o = 1'b1;
      mem_req_we_o    = 1'b1;
      mem_req_addr_o  = out_ptr_q;
    end else if (fetch_valid) begin
      mem_req_valid_o = 1'b1;
    end
  end

  // ---- Next state --------------------------------------------------------------------------
  logic [7:0] final_err;
  assign final_err = digit_err_q ? kiln_pkg::MsmErrDigit[7:0] : 8'h0;
  assign done        = (state_q == StCheck && check_err != 0) || (state_q == StDone);
  assign error_flags = (state_q == StCheck) ? check_err : final_err;

  always_comb begin
    state_d      = state_q;
    total_d      = total_q;
    dbeats_d     = dbeats_q;
    clr_idx_d    = clr_idx_q;
    fl_idx_d     = fl_idx_q;
    fl_beat_d    = fl_beat_q;
    out_ptr_d    = out_ptr_q;
    digit_err_d  = digit_err_q;
    iss_rec_d    = iss_rec_q;
    rcv_rec_d    = rcv_rec_q;
    cons_rec_d   = cons_rec_q;
    iss_beat_d   = iss_beat_q;
    rcv_beat_d   = rcv_beat_q;
    base_ptr_d   = base_ptr_q;
    dig_ptr_d    = dig_ptr_q;
    rv0_d        = rv0_q;
    rv1_d        = rv1_q;
    win_d        = win_q;
    wbase_d      = wbase_q;
    cand_valid_d = cand_valid_q;
    stalls_d     = stalls_q;
    pairs_d      = pairs_q;

    if (issue_fire) begin
      pairs_d = pairs_q + 64'd1;
    end
    if (cand_valid_q && hazard) begin
      stalls_d = stalls_q + 64'd1;
    end

    unique case (state_q)
      StIdle: begin
        if (start) begin
          state_d = StCheck;
        end
      end
      StCheck: begin
        if (check_err != 0) begin
          state_d = StIdle;
        end else begin
          state_d     = StClear;
          total_d     = total_w[Bw:0];
          dbeats_d    = dbeats_w;
          clr_idx_d   = '0;
          digit_err_d = 1'b0;
          iss_rec_d   = '0;
          rcv_rec_d   = '0;
          cons_rec_d  = '0;
          iss_beat_d  = '0;
          rcv_beat_d  = '0;
          base_ptr_d  = bases_q;
          dig_ptr_d   = digits_q;
          rv0_d       = 1'b0;
          rv1_d       = 1'b0;
          win_d       = '0;
          wbase_d     = '0;
          stalls_d    = '0;
          pairs_d     = '0;
        end
      end
      StClear: begin
        clr_idx_d = clr_idx_q + 1'b1;
        if (clr_idx_q + 1'b1 == total_q) begin
          state_d = StStream;
        end
      end
      StStream: begin
        if (cons_rec_q == count_q) begin
          state_d = StDrain;
        end
      end
      StDrain: begin
        if (!cand_valid_q && !sb_busy) begin
          state_d   = StFlushRead;
          fl_idx_d  = '0;
          fl_beat_d = '0;
          out_ptr_d = out_q;
        end
      end
      StFlushRead: begin
        state_d = StFlushBeat;
      end
      StFlushBeat: begin
        if (mem_req_ready_i) begin
          fl_beat_d = fl_beat_q + 2'd1;
          out_ptr_d = out_ptr_q + 64'd32;
          if (fl_beat_q == 2'd3) begin
            fl_idx_d = fl_idx_q + 1'b1;
            if (fl_idx_q + 1'b1 == total_q) begin
              state_d = StDone;
            end else begin
              state_d = StFlushRead;
            end
          end
        end
      end
      StDone: begin
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase

    // Fetch requests.
    if (fetch_fire) begin
      if (iss_beat_q < 2) begin
        base_ptr_d = base_ptr_q + 64'd32;
      end else begin
        dig_ptr_d = dig_ptr_q + 64'd32;
      end
      if (iss_beat_q == dbeats_q + 4'd1) begin
        iss_beat_d = '0;
        iss_rec_d  = iss_rec_q + 32'd1;
      end else begin
        iss_beat_d = iss_beat_q + 4'd1;
      end
    end

    // Fetch responses: the record's last beat makes its buffer valid.
    if (mem_rsp_valid_i && state_q == StStream) begin
      if (rcv_beat_q == dbeats_q + 4'd1) begin
        rcv_beat_d = '0;
        rcv_rec_d  = rcv_rec_q + 32'd1;
        if (rcv_rec_q[0]) begin
          rv1_d = 1'b1;
        end else begin
          rv0_d = 1'b1;
        end
      end else begin
        rcv_beat_d = rcv_beat_q + 4'd1;
      end
    end

    // Pair generation.
    if (pg_step) begin
      if (pg_last) begin
        win_d      = '0;
        wbase_d    = '0;
        cons_rec_d = cons_rec_q + 32'd1;
        if (cons_rec_q[0]) begin
          rv1_d = 1'b0;
        end else begin
          rv0_d = 1'b0;
        end
      end else begin
        win_d   = win_q + 7'd1;
        wbase_d = wbase_q + buckets_q[Bw:0];
      end
      if (!cur_inf && mag != 0 && {1'b0, mag} > {1'b0, buckets_q[30:0]}) begin
        digit_err_d = 1'b1;
      end
      cand_valid_d = !cur_inf && mag != 0 && {1'b0, mag} <= {1'b0, buckets_q[30:0]};
    end else if (issue_fire) begin
      cand_valid_d = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= StIdle;
      total_q      <= '0;
      dbeats_q     <= '0;
      clr_idx_q    <= '0;
      fl_idx_q     <= '0;
      fl_beat_q    <= '0;
      out_ptr_q    <= '0;
      digit_err_q  <= 1'b0;
      iss_rec_q    <= '0;
      rcv_rec_q    <= '0;
      cons_rec_q   <= '0;
      iss_beat_q   <= '0;
      rcv_beat_q   <= '0;
      base_ptr_q   <= '0;
      dig_ptr_q    <= '0;
      rv0_q        <= 1'b0;
      rv1_q        <= 1'b0;
      win_q        <= '0;
      wbase_q      <= '0;
      cand_valid_q <= 1'b0;
      iss_valid_q  <= 1'b0;
      stalls_q     <= '0;
      pairs_q      <= '0;
    end else begin
      state_q      <= state_d;
      total_q      <= total_d;
      dbeats_q     <= dbeats_d;
      clr_idx_q    <= clr_idx_d;
      fl_idx_q     <= fl_idx_d;
      fl_beat_q    <= fl_beat_d;
      out_ptr_q    <= out_ptr_d;
      digit_err_q  <= digit_err_d;
      iss_rec_q    <= iss_rec_d;
      rcv_rec_q    <= rcv_rec_d;
      cons_rec_q   <= cons_rec_d;
      iss_beat_q   <= iss_beat_d;
      rcv_beat_q   <= rcv_beat_d;
      base_ptr_q   <= base_ptr_d;
      dig_ptr_q    <= dig_ptr_d;
      rv0_q        <= rv0_d;
      rv1_q        <= rv1_d;
      win_q        <= win_d;
      wbase_q      <= wbase_d;
      cand_valid_q <= cand_valid_d;
      iss_valid_q  <= issue_fire;
      stalls_q     <= stalls_d;
      pairs_q      <= pairs_d;
    end
  end

  // Datapath registers without reset, loaded only when used: a record's beats as they arrive,
  // the candidate pair when the generator emits one, the issued pair when it issues.
  logic rsp_load, cand_load;
  assign rsp_load  = mem_rsp_valid_i && state_q == StStream;
  assign cand_load = pg_step && !cur_inf && mag != 0;

  always_ff @(posedge clk_i) begin
    if (rsp_load) begin
      if (rcv_beat_q == 4'd0) begin
        if (rcv_rec_q[0]) x1_q <= mem_rsp_rdata_i; else x0_q <= mem_rsp_rdata_i;
      end else if (rcv_beat_q == 4'd1) begin
        if (rcv_rec_q[0]) begin
          y1_q   <= mem_rsp_rdata_i;
          inf1_q <= (x1_q == '0) && (mem_rsp_rdata_i == '0);
        end else begin
          y0_q   <= mem_rsp_rdata_i;
          inf0_q <= (x0_q == '0) && (mem_rsp_rdata_i == '0);
        end
      end else begin
        if (rcv_rec_q[0]) begin
          d1_q[256*(32'(rcv_beat_q)-2) +: 256] <= mem_rsp_rdata_i;
        end else begin
          d0_q[256*(32'(rcv_beat_q)-2) +: 256] <= mem_rsp_rdata_i;
        end
      end
    end
    if (cand_load) begin
      cand_idx_q <= Bw'(wbase_q + {1'b0, mag[Bw-1:0]} - 1'b1);
      cand_x_q   <= cur_x;
      cand_y_q   <= cur_y;
      cand_neg_q <= cur_digit[0];
    end
    if (issue_fire) begin
      iss_idx_q <= cand_idx_q;
      iss_x_q   <= cand_x_q;
      iss_y_q   <= cand_y_q;
      iss_neg_q <= cand_neg_q;
    end
  end

  logic unused;
  assign unused = ^{ram_a_rdata_unused, mem_rsp_rdata_i[0], total_w[63:Bw+1]};

  // ---- Assertions --------------------------------------------------------------------------
  // The bucket hazard itself is checked in kiln_msm_scoreboard (NoStaleRead_A).
  // Records: fetched, received and consumed in order, at most two in the buffers; read data
  // arrives only for the records being streamed.
  `KILN_ASSERT(RecordOrder_A, (cons_rec_q <= rcv_rec_q) && (rcv_rec_q <= iss_rec_q) &&
                              (in_flight_recs <= 32'd2))
  `KILN_ASSERT(ResponseWhileStreaming_A, mem_rsp_valid_i |-> state_q == StStream)
  // Pairs: the window is one of the run's, and the bucket one of its windows x buckets.
  `KILN_ASSERT(WindowInRange_A, pg_active |-> {25'h0, win_q} < windows_q)
  `KILN_ASSERT(BucketInRange_A, cand_valid_q |-> {1'b0, cand_idx_q} < total_q)
  `KILN_ASSERT(ClearInRange_A, state_q == StClear |-> clr_idx_q < total_q)
  // Buckets are flushed only once every addition has been written back.
  `KILN_ASSERT(FlushAfterDrain_A, state_q inside {StFlushRead, StFlushBeat} |->
                                  (!sb_busy && !cand_valid_q && !iss_valid_q && !sum_valid))
  // Card memory requests are 32-byte aligned, inside card memory, and known when valid.
  `KILN_ASSERT(RequestAligned_A, mem_req_valid_o |-> mem_req_addr_o[4:0] == 5'h0)
  `KILN_ASSERT(RequestInMemory_A, mem_req_valid_o |-> (mem_req_addr_o >> DramLog2) == 64'h0)
  `KILN_ASSERT_KNOWN(ValidKnown_A, {mem_req_valid_o, busy_o, irq_o})
  `KILN_ASSERT_KNOWN_IF(RequestKnown_A, {mem_req_we_o, mem_req_addr_o}, mem_req_valid_o)
  `KILN_ASSERT_KNOWN_IF(WriteDataKnown_A, mem_req_wdata_o, mem_req_valid_o && mem_req_we_o)

endmodule
