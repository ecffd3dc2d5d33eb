// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Configuration flash controller: the register interface the host programs a bitstream through
// (erase sector, program page, read page), in front of a SPI-NOR-like flash chip.
//
// Registers (offsets in the block, kiln_pkg's from ffi/src/regs.rs; see hdl/REGISTERS.md):
//   0x00 CMD     write 1 = erase the sector at ADDR, 2 = program the page at ADDR from the page
//                buffer, 3 = read the page at ADDR into the page buffer
//   0x04 ADDR    byte address: sector-aligned for erase, page-aligned otherwise
//   0x08 STATUS  bit 0 busy, bit 1 done (since the last command), bit 2 error
//   0x0C ERROR   error bits of the last command (range, alignment, busy, unknown command)
//   0x100 ..     the page buffer, PageBytes / 4 words, little-endian bytes
// A command while busy is refused (ERROR busy) and does not disturb the running one; the page
// buffer is not writable while busy.
//
// Chip port: one request at a time. READ returns a word; LOAD puts a word into the chip's page
// buffer; PROGRAM writes the chip's page buffer into the page at the address (NOR: bits can only
// go from 1 to 0) and makes the chip busy; ERASE sets a sector to 0xFF and makes it busy; STATUS
// returns the chip's status word (bit 0: write in progress). Erase and program complete when a
// STATUS poll reads not-busy.

`include "kiln_assert.svh"

module kiln_flash_ctrl #(
  parameter int FlashBytes  = 1 << 20,
  parameter int SectorBytes = 4096,
  parameter int PageBytes   = 256
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        reg_we_i,
  input  logic        reg_re_i,
  input  logic [kiln_pkg::BlockShift-1:0] reg_addr_i,
  input  logic [31:0] reg_wdata_i,
  output logic        reg_hit_o,
  output logic [31:0] reg_rdata_o,
  // Chip port.
  output logic        flash_req_valid_o,
  input  logic        flash_req_ready_i,
  output logic [2:0]  flash_req_op_o,
  output logic [31:0] flash_req_addr_o,
  output logic [31:0] flash_req_data_o,
  input  logic        flash_rsp_valid_i,
  input  logic [31:0] flash_rsp_data_i,
  output logic        busy_o
);

  localparam int Words = PageBytes / 4;
  localparam int Ww    = $clog2(Words);

  localparam logic [2:0] OpRead    = 3'd0;
  localparam logic [2:0] OpLoad    = 3'd1;
  localparam logic [2:0] OpProgram = 3'd2;
  localparam logic [2:0] OpErase   = 3'd3;
  localparam logic [2:0] OpStatus  = 3'd4;

  typedef enum logic [2:0] {
    StIdle,
    StLoad,      // LOAD every page-buffer word into the chip
    StCommit,    // PROGRAM or ERASE
    StPoll,      // STATUS until not busy
    StPollWait,
    StRead,      // READ every word of the page
    StReadWait
  } state_e;

  state_e       state_q, state_d;
  logic [2:0]   cmd_q, cmd_d;
  logic [31:0]  addr_q, addr_d;
  logic [3:0]   error_q, error_d;
  logic         done_q, done_d;
  logic [Ww:0]  word_q, word_d;
  logic [31:0]  buf_q [Words];

  logic sel_cmd, sel_addr, sel_status, sel_error, sel_buf;
  logic [Ww-1:0] buf_word;
  assign sel_cmd    = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::FlashCmd);
  assign sel_addr   = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::FlashAddr);
  assign sel_status = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::FlashStatus);
  assign sel_error  = kiln_pkg::reg_sel(reg_addr_i, kiln_pkg::FlashError);
  assign sel_buf    = kiln_pkg::reg_sel_words(reg_addr_i, kiln_pkg::FlashBuf, Words);
  assign buf_word   = Ww'((reg_addr_i - kiln_pkg::FlashBuf[kiln_pkg::BlockShift-1:0]) >> 2);

  assign busy_o    = (state_q != StIdle);
  assign reg_hit_o = sel_cmd | sel_addr | sel_status | sel_error | sel_buf;

  always_comb begin
    reg_rdata_o = 32'h0;
    if (sel_addr) begin
      reg_rdata_o = addr_q;
    end else if (sel_status) begin
      reg_rdata_o = (busy_o ? kiln_pkg::FlashStatusBusy : 32'h0) |
                    (done_q ? kiln_pkg::FlashStatusDone : 32'h0) |
                    (error_q != 0 ? kiln_pkg::FlashStatusError : 32'h0);
    end else if (sel_error) begin
      reg_rdata_o = {28'h0, error_q};
    end else if (sel_buf) begin
      reg_rdata_o = buf_q[buf_word];
    end
  end

  // Command check at the moment it is written.
  logic [3:0] cmd_err;
  always_comb begin
    cmd_err = '0;
    if (busy_o) begin
      cmd_err = kiln_pkg::FlashErrBusy[3:0];
    end else if (reg_wdata_i < kiln_pkg::FlashCmdErase || reg_wdata_i > kiln_pkg::FlashCmdRead) begin
      cmd_err = kiln_pkg::FlashErrCommand[3:0];
    end else begin
      if (addr_q >= FlashBytes) begin
        cmd_err |= kiln_pkg::FlashErrRange[3:0];
      end
      if ((reg_wdata_i == kiln_pkg::FlashCmdErase) ? (addr_q % SectorBytes != 0)
                                                   : (addr_q % PageBytes != 0)) begin
        cmd_err |= kiln_pkg::FlashErrAlign[3:0];
      end
    end
  end

  // Chip requests.
  always_comb begin
    flash_req_valid_o = 1'b0;
    flash_req_op_o    = OpStatus;
    flash_req_addr_o  = addr_q;
    flash_req_data_o  = buf_q[word_q[Ww-1:0]];
    unique case (state_q)
      StLoad: begin
        flash_req_valid_o = 1'b1;
        flash_req_op_o    = OpLoad;
        flash_req_addr_o  = {{(32-Ww-2){1'b0}}, word_q[Ww-1:0], 2'b00};
      end
      StCommit: begin
        flash_req_valid_o = 1'b1;
        flash_req_op_o    = (cmd_q == kiln_pkg::FlashCmdErase[2:0]) ? OpErase : OpProgram;
      end
      StPoll: begin
        flash_req_valid_o = 1'b1;
        flash_req_op_o    = OpStatus;
      end
      StRead: begin
        flash_req_valid_o = 1'b1;
        flash_req_op_o    = OpRead;
        flash_req_addr_o  = addr_q + {{(32-Ww-2){1'b0}}, word_q[Ww-1:0], 2'b00};
      end
      default: ;
    endcase
  end

  logic fire;
  assign fire = flash_req_valid_o && flash_req_ready_i;

  always_comb begin
    state_d = state_q;
    cmd_d   = cmd_q;
    addr_d  = addr_q;
    error_d = error_q;
    done_d  = done_q;
    word_d  = word_q;

    if (reg_we_i && sel_addr && !busy_o) begin
      addr_d = reg_wdata_i;
    end
    if (reg_we_i && sel_cmd) begin
      error_d = cmd_err;
      if (cmd_err == 0) begin
        cmd_d  = reg_wdata_i[2:0];
        done_d = 1'b0;
        word_d = '0;
        unique case (reg_wdata_i[2:0])
          kiln_pkg::FlashCmdErase[2:0]:   state_d = StCommit;
          kiln_pkg::FlashCmdProgram[2:0]: state_d = StLoad;
          default:                        state_d = StRead;
        endcase
      end else if (!busy_o) begin
        done_d = 1'b1;
      end
    end

    unique case (state_q)
      StIdle: ;
      StLoad: begin
        if (fire) begin
          word_d = word_q + 1'b1;
          if (word_q == (Ww+1)'(Words - 1)) begin
            state_d = StCommit;
          end
        end
      end
      StCommit: begin
        if (fire) begin
          state_d = StPoll;
        end
      end
      StPoll: begin
        if (fire) begin
          state_d = StPollWait;
        end
      end
      StPollWait: begin
        if (flash_rsp_valid_i) begin
          if (flash_rsp_data_i[0]) begin
            state_d = StPoll;
          end else begin
            state_d = StIdle;
            done_d  = 1'b1;
          end
        end
      end
      StRead: begin
        if (fire) begin
          state_d = StReadWait;
        end
      end
      StReadWait: begin
        if (flash_rsp_valid_i) begin
          word_d = word_q + 1'b1;
          if (word_q == (Ww+1)'(Words - 1)) begin
            state_d = StIdle;
            done_d  = 1'b1;
          end else begin
            state_d = StRead;
          end
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      cmd_q   <= '0;
      addr_q  <= '0;
      error_q <= '0;
      done_q  <= 1'b0;
      word_q  <= '0;
    end else begin
      state_q <= state_d;
      cmd_q   <= cmd_d;
      addr_q  <= addr_d;
      error_q <= error_d;
      done_q  <= done_d;
      word_q  <= word_d;
    end
  end

  // The page buffer: written by the host while idle, by page reads from the chip.
  always_ff @(posedge clk_i) begin
    if (reg_we_i && sel_buf && !busy_o) begin
      buf_q[buf_word] <= reg_wdata_i;
    end else if (state_q == StReadWait && flash_rsp_valid_i) begin
      buf_q[word_q[Ww-1:0]] <= flash_rsp_data_i;
    end
  end

  logic unused;
  assign unused = ^{reg_re_i, cmd_q};

  // The state is one of the seven; a command starts only from idle; the chip answers only the
  // requests that wait for an answer; the page-buffer word counter stays within the page.
  `KILN_ASSERT(StateValid_A, state_q inside {StIdle, StLoad, StCommit, StPoll, StPollWait, StRead,
                                             StReadWait})
  `KILN_ASSERT(CommandFromIdle_A, (state_q == StIdle && state_d != StIdle) |->
                                  (reg_we_i && sel_cmd && cmd_err == 0))
  `KILN_ASSERT(ResponseExpected_A, flash_rsp_valid_i |-> state_q inside {StPollWait, StReadWait})
  `KILN_ASSERT(WordInPage_A, word_q <= (Ww+1)'(Words))
  `KILN_ASSERT_KNOWN_IF(ReqKnown_A, {flash_req_op_o, flash_req_addr_o, flash_req_data_o},
                        flash_req_valid_o)

endmodule
