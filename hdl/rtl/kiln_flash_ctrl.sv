// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Configuration flash controller: the register interface the host programs a bitstream through
// (erase sector, program page, read page), in front of a SPI-NOR-like flash chip.
//
// Registers (offsets in the block; see hdl/REGISTERS.md):
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

module kiln_flash_ctrl #(
  parameter int FlashBytes  = 1 << 20,
  parameter int SectorBytes = 4096,
  parameter int PageBytes   = 256
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        reg_we_i,
  input  logic        reg_re_i,
  input  logic [11:0] reg_addr_i,
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

  state_e       state_q;
  logic [2:0]   cmd_q;
  logic [31:0]  addr_q;
  logic [3:0]   error_q;
  logic         done_q;
  logic [Ww:0]  word_q;
  logic [31:0]  buf_q [Words];

  logic sel_cmd, sel_addr, sel_status, sel_error, sel_buf;
  logic [Ww-1:0] buf_word;
  assign sel_cmd    = (reg_addr_i == kiln_pkg::FlashCmd[11:0]);
  assign sel_addr   = (reg_addr_i == kiln_pkg::FlashAddr[11:0]);
  assign sel_status = (reg_addr_i == kiln_pkg::FlashStatus[11:0]);
  assign sel_error  = (reg_addr_i == kiln_pkg::FlashError[11:0]);
  assign sel_buf    = (reg_addr_i >= kiln_pkg::FlashBuf[11:0]) &&
                      (reg_addr_i < kiln_pkg::FlashBuf[11:0] + 12'(PageBytes));
  assign buf_word   = Ww'((reg_addr_i - kiln_pkg::FlashBuf[11:0]) >> 2);

  assign busy_o    = (state_q != StIdle);
  assign reg_hit_o = sel_cmd | sel_addr | sel_status | sel_error | sel_buf;

  always_comb begin
    reg_rdata_o = 32'h0;
    if (sel_addr) begin
      reg_rdata_o = addr_q;
    end else if (sel_status) begin
      reg_rdata_o = {29'h0, error_q != 0, done_q, busy_o};
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

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      cmd_q   <= '0;
      addr_q  <= '0;
      error_q <= '0;
      done_q  <= 1'b0;
      word_q  <= '0;
    end else begin
      if (reg_we_i && sel_addr && !busy_o) begin
        addr_q <= reg_wdata_i;
      end
      if (reg_we_i && sel_cmd) begin
        error_q <= cmd_err;
        if (cmd_err == 0) begin
          cmd_q  <= reg_wdata_i[2:0];
          done_q <= 1'b0;
          word_q <= '0;
          unique case (reg_wdata_i[2:0])
            kiln_pkg::FlashCmdErase[2:0]:   state_q <= StCommit;
            kiln_pkg::FlashCmdProgram[2:0]: state_q <= StLoad;
            default:                        state_q <= StRead;
          endcase
        end else if (!busy_o) begin
          done_q <= 1'b1;
        end
      end

      unique case (state_q)
        StLoad: begin
          if (fire) begin
            word_q <= word_q + 1'b1;
            if (word_q == (Ww+1)'(Words - 1)) begin
              state_q <= StCommit;
            end
          end
        end
        StCommit: begin
          if (fire) begin
            state_q <= StPoll;
          end
        end
        StPoll: begin
          if (fire) begin
            state_q <= StPollWait;
          end
        end
        StPollWait: begin
          if (flash_rsp_valid_i) begin
            if (flash_rsp_data_i[0]) begin
              state_q <= StPoll;
            end else begin
              state_q <= StIdle;
              done_q  <= 1'b1;
            end
          end
        end
        StRead: begin
          if (fire) begin
            state_q <= StReadWait;
          end
        end
        StReadWait: begin
          if (flash_rsp_valid_i) begin
            word_q <= word_q + 1'b1;
            if (word_q == (Ww+1)'(Words - 1)) begin
              state_q <= StIdle;
              done_q  <= 1'b1;
            end else begin
              state_q <= StRead;
            end
          end
        end
        default: ;
      endcase
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

endmodule
