// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
// Test wrapper: kiln_msm_scoreboard (4-bit bucket indices, depth 8) between a pair source and a
// model of the adder's write-back, twice: instance 0 writes back Depth cycles after the issue,
// as the MSM engine does; instance 1 one cycle later, a pipeline the scoreboard does not cover,
// so a bucket hazard slips through and the scoreboard's NoStaleRead_A assertion must stop the
// simulation. in_data = bucket index (bits 3..0) || instance (bit 8); a valid input is a pair
// waiting for that bucket, issued unless the scoreboard reports a hazard. out = issued (bit g
// for instance g), one cycle later.
module tb_msm_scoreboard (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        in_valid_i,
  input  logic [15:0] in_data_i,
  output logic        out_valid_o,
  output logic [7:0]  out_data_o
);
  localparam int IdxWidth = 4;
  localparam int Depth    = 8;

  logic [IdxWidth-1:0] idx;
  logic [1:0]          issued;
  assign idx = in_data_i[IdxWidth-1:0];

  for (genvar g = 0; g < 2; g++) begin : gen_sb
    localparam int WbDelay = Depth + g;
    logic                        cand_valid, hazard, issue;
    logic [WbDelay-1:0]          wb_valid_q;
    logic [WbDelay*IdxWidth-1:0] wb_idx_q;
    assign cand_valid = in_valid_i && (in_data_i[8] == 1'(g));
    assign issue      = cand_valid && !hazard;
    assign issued[g]  = issue;

    kiln_msm_scoreboard #(.IdxWidth(IdxWidth), .Depth(Depth)) u_sb (
      .clk_i, .rst_ni, .cand_valid_i(cand_valid), .cand_idx_i(idx), .hazard_o(hazard),
      .issue_i(issue), .busy_o(), .rd_valid_i(issue), .rd_idx_i(idx),
      .wb_valid_i(wb_valid_q[WbDelay-1]), .wb_idx_i(wb_idx_q[WbDelay*IdxWidth-1 -: IdxWidth]));

    // The adder: the issued bucket comes back WbDelay cycles after its issue.
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        wb_valid_q <= '0;
      end else begin
        wb_valid_q <= {wb_valid_q[WbDelay-2:0], issue};
      end
    end
    always_ff @(posedge clk_i) begin
      wb_idx_q <= {wb_idx_q[(WbDelay-1)*IdxWidth-1:0], idx};
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_valid_o <= 1'b0;
      out_data_o  <= '0;
    end else begin
      out_valid_o <= in_valid_i;
      out_data_o  <= {6'h0, issued};
    end
  end

  logic unused;
  assign unused = ^{in_data_i[15:9], in_data_i[7:IdxWidth]};
endmodule
