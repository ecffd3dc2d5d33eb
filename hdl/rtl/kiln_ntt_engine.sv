// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// NTT engine over on-chip memory, with element-wise vector operations on the same datapath.
// All values are Fr elements in Montgomery form (kiln's device layout), 32 bytes each.
//
// OPCODE NTT: radix-2 decimation-in-time transforms of 2^LOG_N points (LOG_N <= LogMax), for
// each of 2^LOG_BLOCKS blocks. Block b holds the elements at indices
//     rev(b) + m * 2^LOG_BLOCKS,   m = 0 .. 2^LOG_N - 1
// of the vector at A (rev reverses LOG_BLOCKS bits). The block is loaded in bit-reversed order
// into on-chip RAM, LOG_N butterfly stages run with twiddles w^i from the twiddle RAM, and the
// result is written back in natural order to the same indices. With LOG_BLOCKS = 0 this is a
// whole transform of a vector of 2^LOG_N; with LOG_BLOCKS > 0 it is the first LOG_N stages of
// a larger transform on the bit-reversed vector, whose remaining stages the host runs. If
// FLAGS bit 0 is set the twiddle table (w^i for i < 2^(LOG_N-1), w a primitive 2^LOG_N-th root of
// unity) is first loaded from TW; otherwise the previous table is used.
//
// Stage s reads one buffer and writes the other (two dual-port RAMs, ping-pong), so each cycle
// starts one butterfly with no hazards inside a stage; the engine waits for the butterfly
// pipeline to empty between stages.
//
// OPCODE VEC: DST[i] = A[i] op B[i] (ADD, SUB, MUL, COPY = B[i]) or A[i] op CONST (SCALE,
// ADDC) for i < LEN, in chunks of 2^LogMax through the same RAMs and the same butterfly:
//     a + b = bfly(a, b, 1).0     a - b = bfly(a, b, 1).1     a * b = bfly(0, b, a).0
//     a * c = bfly(0, a, c).0     a + c = bfly(a, c, 1).0     copy b = bfly(0, b, 1).0
//
// Arguments are written while the engine is idle; writes while it runs are ignored. Register
// offsets are kiln_pkg's (from ffi/src/regs.rs; see hdl/REGISTERS.md).
//
// Style: control registers are `_q` flops with their next values `_d` computed in always_comb
// (defaults first); the butterfly tag loads with an enable in always_ff.

`include "kiln_assert.svh"

module kiln_ntt_engine #(
  parameter int LogMax   = 11,
  parameter int DramLog2 = 28
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         reg_we_i,
  input  logic         reg_re_i,
  input  logic [kiln_pkg::BlockShift-1:0] reg_addr_i,
  input  logic [31:0]  reg_wdata_i,
  output logic         reg_hit_o,
  output logic [31:0]  reg_rdata_o,
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

  localparam int Aw = LogMax;
  localparam logic [255:0] One = kiln_pkg::FrOne;
  localparam int MaxLogTotal = 28;

  // ---- Control and arguments ---------------------------------------------------------------
  logic        start, done;
  logic [7:0]  error_flags;
  logic        ctrl_hit;
  logic [31:0] ctrl_rdata;

  kiln_kernel_ctrl u_ctrl (
    .clk_i, .rst_ni, .reg_we_i, .reg_re_i, .reg_addr_i, .reg_wdata_i,
    .reg_hit_o(ctrl_hit), .reg_rdata_o(ctrl_rdata), .start_o(start), .busy_o,
    .done_i(done), .error_i(error_flags), .irq_o);

  localparam int ConstWords = int'(kiln_pkg::NttConstWords);

  logic [31:0]  opcode_q, opcode_d, log_n_q, log_n_d, log_blocks_q, log_blocks_d;
  logic [31:0]  flags_q, flags_d, vec_op_q, vec_op_d, len_q, len_d;
  logic [63:0]  a_q, a_d, b_q, b_d, dst_q, dst_d, tw_q, tw_d;
  logic [32*ConstWords-1:0] const_q, const_d;

  // The decode is kiln_pkg's, on the offsets of ffi/src/regs.rs.
  localparam int Cw = $clog2(ConstWords);
  logic          const_sel;
  logic [Cw-1:0] const_word;
  assign const_sel  = kiln_pkg::reg_sel_words(reg_addr_i, kiln_pkg::NttConst0, ConstWords);
  assign const_word = Cw'((reg_addr_i - kiln_pkg::NttConst0[kiln_pkg::BlockShift-1:0]) >> 2);

  always_comb begin
    reg_hit_o   = 1'b1;
    reg_rdata_o = 32'h0;
    if (ctrl_hit) begin
      reg_rdata_o = ctrl_rdata;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttOpcode)) begin
      reg_rdata_o = opcode_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLogN)) begin
      reg_rdata_o = log_n_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLogBlocks)) begin
      reg_rdata_o = log_blocks_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttFlags)) begin
      reg_rdata_o = flags_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttALo)) begin
      reg_rdata_o = a_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttAHi)) begin
      reg_rdata_o = a_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttBLo)) begin
      reg_rdata_o = b_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttBHi)) begin
      reg_rdata_o = b_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttDstLo)) begin
      reg_rdata_o = dst_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttDstHi)) begin
      reg_rdata_o = dst_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttTwLo)) begin
      reg_rdata_o = tw_q[31:0];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttTwHi)) begin
      reg_rdata_o = tw_q[63:32];
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttVecOp)) begin
      reg_rdata_o = vec_op_q;
    end else if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLen)) begin
      reg_rdata_o = len_q;
    end else if (const_sel) begin
      reg_rdata_o = const_q[32*const_word +: 32];
    end else begin
      reg_hit_o = 1'b0;
    end
  end

  always_comb begin
    opcode_d     = opcode_q;
    log_n_d      = log_n_q;
    log_blocks_d = log_blocks_q;
    flags_d      = flags_q;
    a_d          = a_q;
    b_d          = b_q;
    dst_d        = dst_q;
    tw_d         = tw_q;
    vec_op_d     = vec_op_q;
    len_d        = len_q;
    const_d      = const_q;
    if (reg_we_i && !busy_o) begin
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttOpcode))   opcode_d     = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLogN))     log_n_d      = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLogBlocks)) log_blocks_d = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttFlags))    flags_d      = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttALo))      a_d[31:0]    = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttAHi))      a_d[63:32]   = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttBLo))      b_d[31:0]    = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttBHi))      b_d[63:32]   = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttDstLo))    dst_d[31:0]  = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttDstHi))    dst_d[63:32] = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttTwLo))     tw_d[31:0]   = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttTwHi))     tw_d[63:32]  = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttVecOp))    vec_op_d     = reg_wdata_i;
      if (kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::NttLen))      len_d        = reg_wdata_i;
      if (const_sel) begin
        const_d[32*const_word +: 32] = reg_wdata_i;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      opcode_q     <= '0;
      log_n_q      <= '0;
      log_blocks_q <= '0;
      flags_q      <= '0;
      a_q          <= '0;
      b_q          <= '0;
      dst_q        <= '0;
      tw_q         <= '0;
      vec_op_q     <= '0;
      len_q        <= '0;
      const_q      <= '0;
    end else begin
      opcode_q     <= opcode_d;
      log_n_q      <= log_n_d;
      log_blocks_q <= log_blocks_d;
      flags_q      <= flags_d;
      a_q          <= a_d;
      b_q          <= b_d;
      dst_q        <= dst_d;
      tw_q         <= tw_d;
      vec_op_q     <= vec_op_d;
      len_q        <= len_d;
      const_q      <= const_d;
    end
  end

  // ---- Argument check ----------------------------------------------------------------------
  logic is_vec, uses_b, load_tw;
  assign is_vec  = (opcode_q == kiln_pkg::NttOpVec);
  assign uses_b  = (vec_op_q == kiln_pkg::NttVecAdd) || (vec_op_q == kiln_pkg::NttVecSub) ||
                   (vec_op_q == kiln_pkg::NttVecMul) || (vec_op_q == kiln_pkg::NttVecCopy);
  assign load_tw = (flags_q & kiln_pkg::NttFlagLoadTwiddles) != 0;

  logic [7:0] check_err;
  always_comb begin
    logic [71:0] limit, total_bytes, tw_bytes, vec_bytes;
    limit       = 72'd1 << DramLog2;
    total_bytes = 72'd32 << ({1'b0, log_n_q[4:0]} + {1'b0, log_blocks_q[4:0]});
    tw_bytes    = (log_n_q == 0) ? 72'd0 : (72'd32 << (log_n_q[4:0] - 5'd1));
    vec_bytes   = {40'h0, len_q} << 5;
    check_err   = '0;
    if (opcode_q > kiln_pkg::NttOpVec) begin
      check_err |= kiln_pkg::NttErrArgs[7:0];
    end else if (is_vec) begin
      if (len_q == 0 || vec_op_q > kiln_pkg::NttVecCopy) begin
        check_err |= kiln_pkg::NttErrArgs[7:0];
      end
      if (a_q[4:0] != 0 || dst_q[4:0] != 0 || (uses_b && b_q[4:0] != 0)) begin
        check_err |= kiln_pkg::NttErrAlign[7:0];
      end
      if ({8'h0, a_q} + vec_bytes > limit || {8'h0, dst_q} + vec_bytes > limit ||
          (uses_b && {8'h0, b_q} + vec_bytes > limit)) begin
        check_err |= kiln_pkg::NttErrRange[7:0];
      end
    end else begin
      if (log_n_q == 0 || log_n_q > LogMax || log_blocks_q > MaxLogTotal ||
          log_n_q + log_blocks_q > MaxLogTotal) begin
        check_err |= kiln_pkg::NttErrArgs[7:0];
      end else if ({8'h0, a_q} + total_bytes > limit ||
                   (load_tw && {8'h0, tw_q} + tw_bytes > limit)) begin
        check_err |= kiln_pkg::NttErrRange[7:0];
      end
      if (a_q[4:0] != 0 || (load_tw && tw_q[4:0] != 0)) begin
        check_err |= kiln_pkg::NttErrAlign[7:0];
      end
    end
  end

  // ---- State -------------------------------------------------------------------------------
  typedef enum logic [3:0] {
    StIdle,
    StCheck,
    StTwLoad,
    StLoad,
    StStage,
    StStageDrain,
    StStore,
    StVLoadA,
    StVLoadB,
    StVCompute,
    StVDrain,
    StVStore,
    StDone
  } state_e;

  state_e      state_q, state_d;
  logic [4:0]  k_q, k_d;        // log2 of the block / chunk transform size
  logic [4:0]  lb_q, lb_d;      // log2 of the block count
  logic [Aw:0] n_q, n_d;        // elements per block or chunk
  logic [31:0] blk_q, blk_d;    // block index
  logic [31:0] off_q, off_d;    // vector chunk offset
  logic [4:0]  s_q, s_d;        // butterfly stage, 1 .. k
  logic [Aw:0] bf_q, bf_d;      // butterfly (NTT) or element (VEC) issued in this stage
  logic [Aw:0] outstanding_q, outstanding_d;

  // Bit reversal of the low `bits` bits of x.
  function automatic logic [31:0] rev(input logic [31:0] x, input logic [4:0] bits);
    logic [31:0] r;
    r = '0;
    for (int i = 0; i < 32; i++) begin
      r[i] = x[31-i];
    end
    return (bits == 0) ? 32'h0 : (r >> (6'd32 - {1'b0, bits}));
  endfunction

  // ---- Memory phases: reads into a RAM, writes from a RAM ----------------------------------
  logic [Aw:0]  rd_issued_q, rd_issued_d, rd_recv_q, rd_recv_d, rd_total_q, rd_total_d;
  logic [63:0]  rd_ptr_q, rd_ptr_d, rd_step_q, rd_step_d;
  logic [Aw:0]  wr_read_q, wr_read_d, wr_sent_q, wr_sent_d;
  logic [63:0]  wr_ptr_q, wr_ptr_d, wr_step_q, wr_step_d;
  logic         wr_have_q, wr_have_d;

  logic in_read_phase, in_write_phase, rd_fire, wr_fire, wr_read;
  assign in_read_phase  = (state_q == StTwLoad) || (state_q == StLoad) ||
                          (state_q == StVLoadA) || (state_q == StVLoadB);
  assign in_write_phase = (state_q == StStore) || (state_q == StVStore);
  assign rd_fire = in_read_phase && (rd_issued_q < rd_total_q) && mem_req_ready_i;
  assign wr_fire = in_write_phase && wr_have_q && mem_req_ready_i;
  // Read the next element when the beat register is empty or being sent.
  assign wr_read = in_write_phase && (wr_read_q < n_q) && (!wr_have_q || wr_fire);

  // ---- RAMs --------------------------------------------------------------------------------
  logic          b0a_en, b0a_we, b0b_en, b0b_we, b1a_en, b1a_we, b1b_en, b1b_we;
  logic [Aw-1:0] b0a_addr, b0b_addr, b1a_addr, b1b_addr;
  logic [255:0]  b0a_wdata, b0b_wdata, b1a_wdata, b1b_wdata;
  logic [255:0]  b0a_rdata, b0b_rdata, b1a_rdata, b1b_rdata;
  logic          tw_en, tw_we;
  logic [Aw-2:0] tw_addr;
  logic [255:0]  tw_rdata, tw_b_unused;

  kiln_ram_2p #(.Width(256), .AddrWidth(Aw)) u_buf0 (
    .clk_i,
    .a_en_i(b0a_en), .a_we_i(b0a_we), .a_addr_i(b0a_addr), .a_wdata_i(b0a_wdata),
    .a_rdata_o(b0a_rdata),
    .b_en_i(b0b_en), .b_we_i(b0b_we), .b_addr_i(b0b_addr), .b_wdata_i(b0b_wdata),
    .b_rdata_o(b0b_rdata));
  kiln_ram_2p #(.Width(256), .AddrWidth(Aw)) u_buf1 (
    .clk_i,
    .a_en_i(b1a_en), .a_we_i(b1a_we), .a_addr_i(b1a_addr), .a_wdata_i(b1a_wdata),
    .a_rdata_o(b1a_rdata),
    .b_en_i(b1b_en), .b_we_i(b1b_we), .b_addr_i(b1b_addr), .b_wdata_i(b1b_wdata),
    .b_rdata_o(b1b_rdata));
  kiln_ram_2p #(.Width(256), .AddrWidth(Aw-1)) u_twiddles (
    .clk_i,
    .a_en_i(tw_en), .a_we_i(tw_we), .a_addr_i(tw_addr), .a_wdata_i(mem_rsp_rdata_i),
    .a_rdata_o(tw_rdata),
    .b_en_i(1'b0), .b_we_i(1'b0), .b_addr_i({(Aw-1){1'b0}}), .b_wdata_i({256{1'b0}}),
    .b_rdata_o(tw_b_unused));

  // ---- Butterfly ---------------------------------------------------------------------------
  logic            bf_issue;
  logic            bfi_valid_q;
  logic [2*Aw-1:0] bfi_tag_q;
  logic            bfo_valid;
  logic [255:0]    bfo_out0, bfo_out1;
  logic [2*Aw-1:0] bfo_tag;
  logic [255:0]    bfa, bfb, bfw;

  // Stage s butterfly `bf_q`: indices i0, i1 = i0 + half, twiddle index j << (k - s).
  logic [Aw:0]     half;
  logic [Aw-1:0]   bf_i0, bf_i1, bf_j;
  logic [Aw-2:0]   bf_twi;
  logic            src_is_buf1;
  always_comb begin
    logic [Aw:0] j, grp;
    half   = (Aw+1)'(1) << (s_q - 5'd1);
    j      = bf_q & (half - 1'b1);
    grp    = bf_q >> (s_q - 5'd1);
    bf_j   = j[Aw-1:0];
    bf_i0  = Aw'((grp << s_q) | j);
    bf_i1  = Aw'(((grp << s_q) | j) + half);
    bf_twi = (Aw-1)'(j << (k_q - s_q));
  end
  // Stage s reads buf[(s - 1) % 2] and writes buf[s % 2].
  assign src_is_buf1 = !s_q[0];

  always_comb begin
    bf_issue = 1'b0;
    if (state_q == StStage) begin
      bf_issue = (bf_q < (n_q >> 1));
    end else if (state_q == StVCompute) begin
      bf_issue = (bf_q < n_q);
    end
  end

  // Operands, from the RAM outputs one cycle after the reads.
  always_comb begin
    bfa = '0;
    bfb = '0;
    bfw = One;
    if (state_q == StStageDrain || state_q == StStage) begin
      bfa = src_is_buf1 ? b1a_rdata : b0a_rdata;
      bfb = src_is_buf1 ? b1b_rdata : b0b_rdata;
      bfw = tw_rdata;
    end else begin
      unique case (vec_op_q[2:0])
        3'(kiln_pkg::NttVecAdd), 3'(kiln_pkg::NttVecSub): begin
          bfa = b0a_rdata;
          bfb = b1a_rdata;
        end
        3'(kiln_pkg::NttVecMul): begin
          bfb = b1a_rdata;
          bfw = b0a_rdata;
        end
        3'(kiln_pkg::NttVecScale): begin
          bfb = b0a_rdata;
          bfw = const_q;
        end
        3'(kiln_pkg::NttVecAddc): begin
          bfa = b0a_rdata;
          bfb = const_q;
        end
        default: begin  // copy
          bfb = b1a_rdata;
        end
      endcase
    end
  end

  kiln_ntt_butterfly #(.TagWidth(2*Aw)) u_bfly (
    .clk_i, .rst_ni, .in_valid_i(bfi_valid_q), .a_i(bfa), .b_i(bfb), .w_i(bfw),
    .tag_i(bfi_tag_q), .out_valid_o(bfo_valid), .out0_o(bfo_out0), .out1_o(bfo_out1),
    .tag_o(bfo_tag));

  // ---- RAM port assignment per phase -------------------------------------------------------
  logic [Aw-1:0] rd_dest;
  always_comb begin
    rd_dest = rd_recv_q[Aw-1:0];
    if (state_q == StLoad) begin
      rd_dest = Aw'(rev({{(31-Aw){1'b0}}, rd_recv_q}, k_q));
    end
  end

  logic result_in_buf1;
  assign result_in_buf1 = k_q[0];  // stage k wrote buf[k % 2]

  always_comb begin
    b0a_en = 1'b0; b0a_we = 1'b0; b0a_addr = '0; b0a_wdata = mem_rsp_rdata_i;
    b0b_en = 1'b0; b0b_we = 1'b0; b0b_addr = '0; b0b_wdata = bfo_out1;
    b1a_en = 1'b0; b1a_we = 1'b0; b1a_addr = '0; b1a_wdata = mem_rsp_rdata_i;
    b1b_en = 1'b0; b1b_we = 1'b0; b1b_addr = '0; b1b_wdata = bfo_out1;
    tw_en  = 1'b0; tw_we  = 1'b0; tw_addr  = bf_twi;
    unique case (state_q)
      StTwLoad: begin
        tw_en   = mem_rsp_valid_i;
        tw_we   = 1'b1;
        tw_addr = rd_recv_q[Aw-2:0];
      end
      StLoad, StVLoadA: begin
        b0a_en   = mem_rsp_valid_i;
        b0a_we   = 1'b1;
        b0a_addr = rd_dest;
      end
      StVLoadB: begin
        b1a_en   = mem_rsp_valid_i;
        b1a_we   = 1'b1;
        b1a_addr = rd_dest;
      end
      StStage, StStageDrain: begin
        tw_en = bf_issue;
        if (src_is_buf1) begin
          b1a_en = bf_issue; b1a_addr = bf_i0;
          b1b_en = bf_issue; b1b_addr = bf_i1;
          b0a_en = bfo_valid; b0a_we = 1'b1; b0a_addr = bfo_tag[2*Aw-1:Aw]; b0a_wdata = bfo_out0;
          b0b_en = bfo_valid; b0b_we = 1'b1; b0b_addr = bfo_tag[Aw-1:0];    b0b_wdata = bfo_out1;
        end else begin
          b0a_en = bf_issue; b0a_addr = bf_i0;
          b0b_en = bf_issue; b0b_addr = bf_i1;
          b1a_en = bfo_valid; b1a_we = 1'b1; b1a_addr = bfo_tag[2*Aw-1:Aw]; b1a_wdata = bfo_out0;
          b1b_en = bfo_valid; b1b_we = 1'b1; b1b_addr = bfo_tag[Aw-1:0];    b1b_wdata = bfo_out1;
        end
      end
      StVCompute, StVDrain: begin
        b0a_en = bf_issue; b0a_addr = bf_q[Aw-1:0];
        b1a_en = bf_issue; b1a_addr = bf_q[Aw-1:0];
        b0b_en = bfo_valid; b0b_we = 1'b1; b0b_addr = bfo_tag[Aw-1:0];
        b0b_wdata = (vec_op_q == kiln_pkg::NttVecSub) ? bfo_out1 : bfo_out0;
      end
      StStore: begin
        if (result_in_buf1) begin
          b1a_en = wr_read; b1a_addr = wr_read_q[Aw-1:0];
        end else begin
          b0a_en = wr_read; b0a_addr = wr_read_q[Aw-1:0];
        end
      end
      StVStore: begin
        b0a_en = wr_read; b0a_addr = wr_read_q[Aw-1:0];
      end
      default: ;
    endcase
  end

  // ---- Memory requests ---------------------------------------------------------------------
  always_comb begin
    mem_req_valid_o = 1'b0;
    mem_req_we_o    = 1'b0;
    mem_req_addr_o  = rd_ptr_q;
    mem_req_wdata_o = (state_q == StStore && result_in_buf1) ? b1a_rdata : b0a_rdata;
    if (in_read_phase) begin
      mem_req_valid_o = (rd_issued_q < rd_total_q);
    end else if (in_write_phase) begin
      mem_req_valid_o = wr_have_q;
      mem_req_we_o    = 1'b1;
      mem_req_addr_o  = wr_ptr_q;
    end
  end

  // ---- Phase set-up helpers ----------------------------------------------------------------
  logic [31:0] chunk_len;       // elements in the vector chunk starting at off_q
  logic [31:0] remaining;
  assign remaining = len_q - off_q;
  assign chunk_len = (remaining > (32'd1 << Aw)) ? (32'd1 << Aw) : remaining;

  logic [63:0] blk_base;        // byte offset of block blk_q's first element
  assign blk_base = {32'h0, rev(blk_q, lb_q)} << 5;

  assign done        = (state_q == StCheck && check_err != 0) || (state_q == StDone);
  assign error_flags = (state_q == StCheck) ? check_err : 8'h0;

  always_comb begin
    state_d       = state_q;
    k_d           = k_q;
    lb_d          = lb_q;
    n_d           = n_q;
    blk_d         = blk_q;
    off_d         = off_q;
    s_d           = s_q;
    bf_d          = bf_q;
    outstanding_d = outstanding_q;
    rd_issued_d   = rd_issued_q;
    rd_recv_d     = rd_recv_q;
    rd_total_d    = rd_total_q;
    rd_ptr_d      = rd_ptr_q;
    rd_step_d     = rd_step_q;
    wr_read_d     = wr_read_q;
    wr_sent_d     = wr_sent_q;
    wr_ptr_d      = wr_ptr_q;
    wr_step_d     = wr_step_q;
    wr_have_d     = wr_have_q;

    if (bf_issue && !bfo_valid) begin
      outstanding_d = outstanding_q + 1'b1;
    end else if (!bf_issue && bfo_valid) begin
      outstanding_d = outstanding_q - 1'b1;
    end
    if (bf_issue) begin
      bf_d = bf_q + 1'b1;
    end

    if (rd_fire) begin
      rd_issued_d = rd_issued_q + 1'b1;
      rd_ptr_d    = rd_ptr_q + rd_step_q;
    end
    if (in_read_phase && mem_rsp_valid_i) begin
      rd_recv_d = rd_recv_q + 1'b1;
    end
    if (wr_read) begin
      wr_read_d = wr_read_q + 1'b1;
    end
    if (in_write_phase) begin
      if (wr_read) begin
        wr_have_d = 1'b1;
      end else if (wr_fire) begin
        wr_have_d = 1'b0;
      end
    end
    if (wr_fire) begin
      wr_sent_d = wr_sent_q + 1'b1;
      wr_ptr_d  = wr_ptr_q + wr_step_q;
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
        end else if (is_vec) begin
          off_d       = '0;
          k_d         = 5'(Aw);
          state_d     = StVLoadA;
          n_d         = (Aw+1)'(chunk_len);
          rd_total_d  = (Aw+1)'(chunk_len);
          rd_issued_d = '0;
          rd_recv_d   = '0;
          rd_ptr_d    = a_q;
          rd_step_d   = 64'd32;
        end else begin
          k_d         = log_n_q[4:0];
          lb_d        = log_blocks_q[4:0];
          n_d         = (Aw+1)'(1) << log_n_q[4:0];
          blk_d       = '0;
          rd_issued_d = '0;
          rd_recv_d   = '0;
          if (load_tw) begin
            state_d    = StTwLoad;
            rd_total_d = (Aw+1)'(1) << (log_n_q[4:0] - 5'd1);
            rd_ptr_d   = tw_q;
            rd_step_d  = 64'd32;
          end else begin
            state_d    = StLoad;
            rd_total_d = (Aw+1)'(1) << log_n_q[4:0];
            rd_ptr_d   = a_q + ({32'h0, rev(32'h0, log_blocks_q[4:0])} << 5);
            rd_step_d  = 64'd32 << log_blocks_q[4:0];
          end
        end
      end
      StTwLoad: begin
        if (rd_recv_q == rd_total_q) begin
          state_d     = StLoad;
          rd_total_d  = n_q;
          rd_issued_d = '0;
          rd_recv_d   = '0;
          rd_ptr_d    = a_q + blk_base;
          rd_step_d   = 64'd32 << lb_q;
        end
      end
      StLoad: begin
        if (rd_recv_q == rd_total_q) begin
          state_d = StStage;
          s_d     = 5'd1;
          bf_d    = '0;
        end
      end
      StStage: begin
        if (!bf_issue) begin
          state_d = StStageDrain;
        end
      end
      StStageDrain: begin
        if (outstanding_q == 0 && !bfi_valid_q) begin
          bf_d = '0;
          if (s_q == k_q) begin
            state_d   = StStore;
            wr_read_d = '0;
            wr_sent_d = '0;
            wr_have_d = 1'b0;
            wr_ptr_d  = a_q + blk_base;
            wr_step_d = 64'd32 << lb_q;
          end else begin
            state_d = StStage;
            s_d     = s_q + 5'd1;
          end
        end
      end
      StStore: begin
        if (wr_fire && wr_sent_q + 1'b1 == n_q) begin
          if (blk_q + 32'd1 == (32'd1 << lb_q)) begin
            state_d = StDone;
          end else begin
            blk_d       = blk_q + 32'd1;
            state_d     = StLoad;
            rd_total_d  = n_q;
            rd_issued_d = '0;
            rd_recv_d   = '0;
            rd_ptr_d    = a_q + ({32'h0, rev(blk_q + 32'd1, lb_q)} << 5);
            rd_step_d   = 64'd32 << lb_q;
          end
        end
      end
      StVLoadA: begin
        if (rd_recv_q == rd_total_q) begin
          rd_issued_d = '0;
          rd_recv_d   = '0;
          if (uses_b) begin
            state_d  = StVLoadB;
            rd_ptr_d = b_q + ({32'h0, off_q} << 5);
          end else begin
            state_d = StVCompute;
            bf_d    = '0;
          end
        end
      end
      StVLoadB: begin
        if (rd_recv_q == rd_total_q) begin
          state_d = StVCompute;
          bf_d    = '0;
        end
      end
      StVCompute: begin
        if (!bf_issue) begin
          state_d = StVDrain;
        end
      end
      StVDrain: begin
        if (outstanding_q == 0 && !bfi_valid_q) begin
          state_d   = StVStore;
          wr_read_d = '0;
          wr_sent_d = '0;
          wr_have_d = 1'b0;
          wr_ptr_d  = dst_q + ({32'h0, off_q} << 5);
          wr_step_d = 64'd32;
        end
      end
      StVStore: begin
        if (wr_fire && wr_sent_q + 1'b1 == n_q) begin
          if (off_q + {{(31-Aw){1'b0}}, n_q} == len_q) begin
            state_d = StDone;
          end else begin
            off_d       = off_q + {{(31-Aw){1'b0}}, n_q};
            state_d     = StVLoadA;
            rd_issued_d = '0;
            rd_recv_d   = '0;
            rd_ptr_d    = a_q + ({32'h0, off_q + {{(31-Aw){1'b0}}, n_q}} << 5);
            // The next chunk's length is set once off_q has moved (StVLoadA reads it).
          end
        end
      end
      StDone: begin
        state_d = StIdle;
      end
      default: state_d = StIdle;
    endcase

    // Chunk lengths follow off_q one cycle later; nothing is issued in that cycle because
    // the counters were just cleared and the total is updated before the first issue.
    if (state_q == StVLoadA && rd_issued_q == 0 && rd_recv_q == 0) begin
      n_d        = (Aw+1)'(chunk_len);
      rd_total_d = (Aw+1)'(chunk_len);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= StIdle;
      k_q           <= '0;
      lb_q          <= '0;
      n_q           <= '0;
      blk_q         <= '0;
      off_q         <= '0;
      s_q           <= '0;
      bf_q          <= '0;
      outstanding_q <= '0;
      rd_issued_q   <= '0;
      rd_recv_q     <= '0;
      rd_total_q    <= '0;
      rd_ptr_q      <= '0;
      rd_step_q     <= '0;
      wr_read_q     <= '0;
      wr_sent_q     <= '0;
      wr_ptr_q      <= '0;
      wr_step_q     <= '0;
      wr_have_q     <= 1'b0;
      bfi_valid_q   <= 1'b0;
    end else begin
      state_q       <= state_d;
      k_q           <= k_d;
      lb_q          <= lb_d;
      n_q           <= n_d;
      blk_q         <= blk_d;
      off_q         <= off_d;
      s_q           <= s_d;
      bf_q          <= bf_d;
      outstanding_q <= outstanding_d;
      rd_issued_q   <= rd_issued_d;
      rd_recv_q     <= rd_recv_d;
      rd_total_q    <= rd_total_d;
      rd_ptr_q      <= rd_ptr_d;
      rd_step_q     <= rd_step_d;
      wr_read_q     <= wr_read_d;
      wr_sent_q     <= wr_sent_d;
      wr_ptr_q      <= wr_ptr_d;
      wr_step_q     <= wr_step_d;
      wr_have_q     <= wr_have_d;
      bfi_valid_q   <= bf_issue;
    end
  end

  always_ff @(posedge clk_i) begin
    if (bf_issue) begin
      bfi_tag_q <= (state_q == StStage) ? {bf_i0, bf_i1} : {{Aw{1'b0}}, bf_q[Aw-1:0]};
    end
  end

  // ---- Assertions --------------------------------------------------------------------------
  `KILN_ASSERT(StateValid_A, state_q inside {StIdle, StCheck, StTwLoad, StLoad, StStage,
                                             StStageDrain, StStore, StVLoadA, StVLoadB,
                                             StVCompute, StVDrain, StVStore, StDone})
  // Butterflies: every result was issued, and a stage (or vector pass) starts with the pipeline
  // empty, so it reads only what the previous stage finished writing.
  `KILN_ASSERT(ResultWasIssued_A, bfo_valid |-> outstanding_q != 0)
  `KILN_ASSERT(StageStartsEmpty_A, (state_q inside {StStage, StVCompute} && bf_q == 0) |->
                                   (outstanding_q == 0 && !bfi_valid_q && !bfo_valid))
  // Memory: read data arrives only in a read phase and never ahead of its request; requests are
  // 32-byte aligned, inside card memory, and known when valid.
  `KILN_ASSERT(ResponseWhileReading_A, mem_rsp_valid_i |-> in_read_phase)
  `KILN_ASSERT(ResponseAfterRequest_A, in_read_phase |-> rd_recv_q <= rd_issued_q)
  `KILN_ASSERT(RequestAligned_A, mem_req_valid_o |-> mem_req_addr_o[4:0] == 5'h0)
  `KILN_ASSERT(RequestInMemory_A, mem_req_valid_o |-> (mem_req_addr_o >> DramLog2) == 64'h0)
  `KILN_ASSERT_KNOWN(ValidKnown_A, {mem_req_valid_o, busy_o, irq_o})
  `KILN_ASSERT_KNOWN_IF(RequestKnown_A, {mem_req_we_o, mem_req_addr_o}, mem_req_valid_o)
  `KILN_ASSERT_KNOWN_IF(WriteDataKnown_A, mem_req_wdata_o, mem_req_valid_o && mem_req_we_o)

  logic unused;
  assign unused = ^{tw_b_unused, b0b_rdata, b1b_rdata, bf_j, log_n_q[31:5], log_blocks_q[31:5],
                    vec_op_q[31:3], chunk_len[31:Aw+1]};

endmodule
