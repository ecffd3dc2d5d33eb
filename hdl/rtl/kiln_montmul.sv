// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Pipelined Montgomery multiplier: y = a * b * 2^-256 mod Modulus, one product per cycle.
//
// Requires a, b < Modulus < 2^254 (intermediate values then stay below 2 * Modulus < 2^255)
// and NPrime = -Modulus^-1 mod 2^64 (its low 32 bits are -Modulus^-1 mod 2^32). With
// R = 2^256 this is the Montgomery form arkworks keeps in memory, so device data needs no
// conversion. The result is fully reduced (< Modulus).
//
// Algorithm: FIOS (finely integrated operand scanning, Koc et al. 1996) over eight 32-bit words
// of b, one word per pipeline stage:
//   m = (t[0] + a[0] * b[i]) * NPrime mod 2^32
//   t = (t + a * b[i] + m * Modulus) / 2^32      (exact: the low word is zero by the choice of m)
// then a final stage subtracts Modulus once if t >= Modulus. Latency: 8 + 1 = 9 cycles
// (kiln_arch_pkg::MulLatency), throughput one product per cycle. Partial products are
// 32x32 bits: DSP-sized for synthesis, and native 64-bit arithmetic for a simulator.
//
// Stage registers load only when their stage holds a valid operand: the pipeline never stalls,
// so bubbles cost no switching in hardware and no work in simulation. Each stage's next value is
// a function of the previous stage (fios_step, reduce_once), called in the enabled register load.

`include "kiln_assert.svh"

module kiln_montmul #(
  parameter logic [255:0] Modulus = kiln_pkg::FqModulus,
  parameter logic [63:0]  NPrime  = kiln_pkg::FqNPrime
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         in_valid_i,
  input  logic [255:0] a_i,
  input  logic [255:0] b_i,
  output logic         out_valid_o,
  output logic [255:0] y_o
);

  localparam int Words = 8;

  // One FIOS step, (t + a * w + m * Modulus) / 2^32 with m chosen to make the division exact.
  // Two carry chains keep every partial sum within 64 bits: (2^32 - 1)^2 + 2 * (2^32 - 1) =
  // 2^64 - 1. Only 32/64-bit temporaries, so a simulator multiplies natively. Requires
  // t < 2 * Modulus and a < Modulus; then the result is < 2 * Modulus < 2^255, so its top word
  // cannot overflow.
  function automatic logic [255:0] fios_step(input logic [255:0] t, input logic [255:0] a,
                                             input logic [31:0] w);
    logic [63:0] acc1;
    logic [63:0] acc2;
    logic [31:0] c1;
    logic [31:0] c2;
    logic [31:0] m;
    acc1 = {32'b0, t[31:0]} + {32'b0, a[31:0]} * {32'b0, w};
    m    = acc1[31:0] * NPrime[31:0];
    acc2 = {32'b0, acc1[31:0]} + {32'b0, m} * {32'b0, Modulus[31:0]};
    c1   = acc1[63:32];
    c2   = acc2[63:32];
    for (int j = 1; j < Words; j++) begin
      acc1 = {32'b0, t[32*j +: 32]} + {32'b0, a[32*j +: 32]} * {32'b0, w} + {32'b0, c1};
      acc2 = {32'b0, acc1[31:0]} + {32'b0, m} * {32'b0, Modulus[32*j +: 32]} + {32'b0, c2};
      c1   = acc1[63:32];
      c2   = acc2[63:32];
      fios_step[32*(j-1) +: 32] = acc2[31:0];
    end
    fios_step[255:224] = c1 + c2;
  endfunction

  // t mod Modulus for t < 2 * Modulus: one conditional subtraction.
  function automatic logic [255:0] reduce_once(input logic [255:0] t);
    logic [256:0] diff;
    diff        = {1'b0, t} - {1'b0, Modulus};
    reduce_once = diff[256] ? t : diff[255:0];
  endfunction

  // Stage i's registers live in gen_word[i], and stage i + 1 reads them there. (Wires or array
  // elements between the stages would cost a simulator a 256-bit copy each per cycle.)
  for (genvar i = 0; i < Words; i++) begin : gen_word
    logic         v_q;
    logic [255:0] t_q;
    logic [255:0] a_q;
    logic [255:0] b_q;

    logic         v_in;
    logic [255:0] t_in;
    logic [255:0] a_in;
    logic [255:0] b_in;
    if (i == 0) begin : gen_in
      assign v_in = in_valid_i;
      assign t_in = '0;
      assign a_in = a_i;
      assign b_in = b_i;
    end else begin : gen_in
      assign v_in = gen_word[i-1].v_q;
      assign t_in = gen_word[i-1].t_q;
      assign a_in = gen_word[i-1].a_q;
      assign b_in = gen_word[i-1].b_q;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        v_q <= 1'b0;
      end else begin
        v_q <= v_in;
      end
    end

    // Stage i multiplies by word i of b. The arithmetic sits inside the enabled register load,
    // so a simulator skips it for bubbles; synthesis sees the same logic either way.
    always_ff @(posedge clk_i) begin
      if (v_in) begin
        t_q <= fios_step(t_in, a_in, b_in[32*i +: 32]);
        a_q <= a_in;
        b_q <= b_in;
      end
    end
  end

  logic         vy_q;
  logic [255:0] y_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vy_q <= 1'b0;
    end else begin
      vy_q <= gen_word[Words-1].v_q;
    end
  end

  // t < 2 * Modulus here; one conditional subtraction reduces it.
  always_ff @(posedge clk_i) begin
    if (gen_word[Words-1].v_q) begin
      y_q <= reduce_once(gen_word[Words-1].t_q);
    end
  end

  assign out_valid_o = vy_q;
  assign y_o         = y_q;

  // The last stage's operands are not needed past the final word.
  logic unused_last;
  assign unused_last = ^{gen_word[Words-1].a_q, gen_word[Words-1].b_q};

  // Operands below the modulus in, a fully reduced product out.
  `KILN_ASSERT_IF(OperandsReduced_A, a_i < Modulus && b_i < Modulus, in_valid_i)
  `KILN_ASSERT_IF(ProductReduced_A, y_o < Modulus, out_valid_o)
  `KILN_ASSERT_KNOWN(ValidKnown_A, out_valid_o)
  `KILN_ASSERT_KNOWN_IF(ProductKnown_A, y_o, out_valid_o)

endmodule
