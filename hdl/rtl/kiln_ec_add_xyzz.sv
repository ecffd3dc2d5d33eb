// Copyright kiln contributors. SPDX-License-Identifier: MIT OR Apache-2.0
//
// Pipelined mixed addition on BN254 G1 into an XYZZ bucket: one addition per cycle, fixed
// latency kiln_arch_pkg::EcAddLatency (4 * MulLatency + 12 = 48 cycles).
//
// Computes B + (neg ? -P : P) where
//   B = (X1, Y1, ZZ1, ZZZ1) is a bucket in XYZZ coordinates: x = X1 / ZZ1, y = Y1 / ZZZ1,
//       ZZ1^3 = ZZZ1^2, and ZZ1 = 0 means the point at infinity;
//   P = (x2, y2) is a finite affine point (the caller drops infinity before it gets here).
// All coordinates are in Montgomery form (R = 2^256) and below the modulus; so are results.
//
// Formulas (Explicit-Formulas Database, "xyzz" coordinates for a = 0):
//   madd-2008-s:  U2 = x2 ZZ1, S2 = y2 ZZZ1, P = U2 - X1, R = S2 - Y1, PP = P^2, PPP = P PP,
//                 Q = X1 PP, X3 = R^2 - PPP - 2Q, Y3 = R (Q - X3) - Y1 PPP,
//                 ZZ3 = ZZ1 PP, ZZZ3 = ZZZ1 PPP
//   mdbl-2008-s:  U = 2 y2, V = U^2, W = U V, S = x2 V, M = 3 x2^2,
//                 X3 = M^2 - 2S, Y3 = M (S - X3) - W y2, ZZ3 = V, ZZZ3 = W
// Both run side by side on every input (17 multipliers), and the last stage picks:
//   B at infinity        -> (x2, y2, 1, 1)
//   P = 0 and R = 0      -> the doubling (the bucket holds this very point)
//   P = 0 and R != 0     -> infinity (the bucket holds its negation)
//   otherwise            -> the addition
// so the pipeline never stalls and needs no special-case path.
//
// Schedule (cycle at which each value is registered, M = MulLatency):
//   1        negate y2 if asked; bucket-at-infinity flag
//   1+M      U2, S2, x2^2, y2^2                       (multiplier level 1)
//   2+M      P, R, 2 x2^2, 2 y2^2, U = 2 y2
//   3+M      M = 3 x2^2, V = 4 y2^2, P = 0?, R = 0?
//   2M+3     PP, R^2, W, S, M^2                       (level 2)
//   2M+4..6  M^2 - S, X3dbl = M^2 - 2S, S - X3dbl
//   3M+6     PPP, Q, ZZ3, W y2, M (S - X3dbl)         (level 3)
//   3M+7..10 R^2 - PPP, Y3dbl, X3 = R^2 - PPP - 2Q, Q - X3
//   4M+10    ZZZ3, Y1 PPP, R (Q - X3)                 (level 4)
//   4M+11    Y3
//   4M+12    the chosen result
// Values cross levels in kiln_delay lines.

`include "kiln_assert.svh"

module kiln_ec_add_xyzz #(
  parameter int TagWidth = 16
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                in_valid_i,
  input  logic [255:0]        bx_i,
  input  logic [255:0]        by_i,
  input  logic [255:0]        bzz_i,
  input  logic [255:0]        bzzz_i,
  input  logic [255:0]        px_i,
  input  logic [255:0]        py_i,
  input  logic                neg_i,
  input  logic [TagWidth-1:0] tag_i,
  output logic                out_valid_o,
  output logic [255:0]        x_o,
  output logic [255:0]        y_o,
  output logic [255:0]        zz_o,
  output logic [255:0]        zzz_o,
  output logic [TagWidth-1:0] tag_o
);

  localparam logic [255:0] P   = kiln_pkg::FqModulus;
  localparam logic [63:0]  NP  = kiln_pkg::FqNPrime;
  localparam logic [255:0] One = kiln_pkg::FqOne;
  localparam int M = kiln_arch_pkg::MulLatency;
  localparam int Latency = kiln_arch_pkg::EcAddLatency;

  // Valid bit of the operation that entered t cycles ago, for t = 1 .. Latency.
  logic [Latency:1] v_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v_q <= '0;
    end else begin
      v_q <= {v_q[Latency-1:1], in_valid_i};
    end
  end

  // ---- Cycle 1: inputs, negation, bucket-at-infinity flag --------------------------------
  logic [255:0]        x1_1, y1_1, zz1_1, zzz1_1, x2_1, y2_1;
  logic                binf_1;
  logic [TagWidth-1:0] tag_1;
  // -y = p - y for y != 0 (no borrow since y < p); y is never 0 on G1 (the group has odd
  // order), but keep 0 -> 0.
  always_ff @(posedge clk_i) begin
    if (in_valid_i) begin
      x1_1   <= bx_i;
      y1_1   <= by_i;
      zz1_1  <= bzz_i;
      zzz1_1 <= bzzz_i;
      x2_1   <= px_i;
      y2_1   <= (neg_i && py_i != '0) ? P - py_i : py_i;
      binf_1 <= (bzz_i == '0);
      tag_1  <= tag_i;
    end
  end

  // ---- Level 1 ----------------------------------------------------------------------------
  logic [255:0] u2, s2, xx, yy;
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_u2 (
    .clk_i, .rst_ni, .in_valid_i(v_q[1]), .a_i(x2_1), .b_i(zz1_1), .out_valid_o(), .y_o(u2));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_s2 (
    .clk_i, .rst_ni, .in_valid_i(v_q[1]), .a_i(y2_1), .b_i(zzz1_1), .out_valid_o(), .y_o(s2));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_xx (
    .clk_i, .rst_ni, .in_valid_i(v_q[1]), .a_i(x2_1), .b_i(x2_1), .out_valid_o(), .y_o(xx));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_yy (
    .clk_i, .rst_ni, .in_valid_i(v_q[1]), .a_i(y2_1), .b_i(y2_1), .out_valid_o(), .y_o(yy));

  logic [255:0] x1_a, y1_a, y2_a;
  kiln_delay #(.Width(256), .Depth(M)) u_dly_x1_a (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(x1_1), .data_o(x1_a));
  kiln_delay #(.Width(256), .Depth(M)) u_dly_y1_a (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(y1_1), .data_o(y1_a));
  kiln_delay #(.Width(256), .Depth(M)) u_dly_y2_a (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(y2_1), .data_o(y2_a));

  // ---- Cycle M+2: P, R, 2 x2^2, 2 y2^2, U ------------------------------------------------
  logic [255:0] p_a, r_a, xx2, yy2, u_a, xx_b;
  kiln_modsub #(.Modulus(P)) u_sub_p (
    .clk_i, .rst_ni, .in_valid_i(v_q[1+M]), .a_i(u2), .b_i(x1_a), .out_valid_o(), .y_o(p_a));
  kiln_modsub #(.Modulus(P)) u_sub_r (
    .clk_i, .rst_ni, .in_valid_i(v_q[1+M]), .a_i(s2), .b_i(y1_a), .out_valid_o(), .y_o(r_a));
  kiln_modadd #(.Modulus(P)) u_add_xx2 (
    .clk_i, .rst_ni, .in_valid_i(v_q[1+M]), .a_i(xx), .b_i(xx), .out_valid_o(), .y_o(xx2));
  kiln_modadd #(.Modulus(P)) u_add_yy2 (
    .clk_i, .rst_ni, .in_valid_i(v_q[1+M]), .a_i(yy), .b_i(yy), .out_valid_o(), .y_o(yy2));
  kiln_modadd #(.Modulus(P)) u_add_u (
    .clk_i, .rst_ni, .in_valid_i(v_q[1+M]), .a_i(y2_a), .b_i(y2_a), .out_valid_o(), .y_o(u_a));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_xx_b (
    .clk_i, .rst_ni, .valid_i(v_q[1+M]), .data_i(xx), .data_o(xx_b));

  // ---- Cycle M+3: M = 3 x2^2, V = 4 y2^2, zero flags -------------------------------------
  logic [255:0] m3, v4, p_b, r_b, u_b;
  logic         pz_b, rz_b;
  kiln_modadd #(.Modulus(P)) u_add_m3 (
    .clk_i, .rst_ni, .in_valid_i(v_q[2+M]), .a_i(xx2), .b_i(xx_b), .out_valid_o(), .y_o(m3));
  kiln_modadd #(.Modulus(P)) u_add_v (
    .clk_i, .rst_ni, .in_valid_i(v_q[2+M]), .a_i(yy2), .b_i(yy2), .out_valid_o(), .y_o(v4));
  always_ff @(posedge clk_i) begin
    if (v_q[2+M]) begin
      p_b  <= p_a;
      r_b  <= r_a;
      u_b  <= u_a;
      pz_b <= (p_a == '0);
      rz_b <= (r_a == '0);
    end
  end

  logic [255:0] x2_b;
  kiln_delay #(.Width(256), .Depth(M+2)) u_dly_x2_b (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(x2_1), .data_o(x2_b));

  // ---- Level 2 ----------------------------------------------------------------------------
  logic [255:0] pp, rr, w, s, mm;
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_pp (
    .clk_i, .rst_ni, .in_valid_i(v_q[M+3]), .a_i(p_b), .b_i(p_b), .out_valid_o(), .y_o(pp));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_rr (
    .clk_i, .rst_ni, .in_valid_i(v_q[M+3]), .a_i(r_b), .b_i(r_b), .out_valid_o(), .y_o(rr));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_w (
    .clk_i, .rst_ni, .in_valid_i(v_q[M+3]), .a_i(u_b), .b_i(v4), .out_valid_o(), .y_o(w));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_s (
    .clk_i, .rst_ni, .in_valid_i(v_q[M+3]), .a_i(x2_b), .b_i(v4), .out_valid_o(), .y_o(s));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_mm (
    .clk_i, .rst_ni, .in_valid_i(v_q[M+3]), .a_i(m3), .b_i(m3), .out_valid_o(), .y_o(mm));

  // ---- Cycles 2M+4 .. 2M+6: the doubling's X3 and S - X3 ---------------------------------
  logic [255:0] d1, s_b, x3d, s_c, e, x3d_b;
  kiln_modsub #(.Modulus(P)) u_sub_d1 (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+3]), .a_i(mm), .b_i(s), .out_valid_o(), .y_o(d1));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_s_b (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+3]), .data_i(s), .data_o(s_b));
  kiln_modsub #(.Modulus(P)) u_sub_x3d (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+4]), .a_i(d1), .b_i(s_b), .out_valid_o(), .y_o(x3d));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_s_c (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+4]), .data_i(s_b), .data_o(s_c));
  kiln_modsub #(.Modulus(P)) u_sub_e (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+5]), .a_i(s_c), .b_i(x3d), .out_valid_o(), .y_o(e));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_x3d_b (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+5]), .data_i(x3d), .data_o(x3d_b));

  logic [255:0] p_c, pp_b, x1_b, zz1_b, w_b, y2_b, m3_b;
  kiln_delay #(.Width(256), .Depth(M+3)) u_dly_p_c (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i(p_b), .data_o(p_c));
  kiln_delay #(.Width(256), .Depth(3)) u_dly_pp_b (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+3]), .data_i(pp), .data_o(pp_b));
  kiln_delay #(.Width(256), .Depth(M+5)) u_dly_x1_b (
    .clk_i, .rst_ni, .valid_i(v_q[M+1]), .data_i(x1_a), .data_o(x1_b));
  kiln_delay #(.Width(256), .Depth(2*M+5)) u_dly_zz1_b (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(zz1_1), .data_o(zz1_b));
  kiln_delay #(.Width(256), .Depth(3)) u_dly_w_b (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+3]), .data_i(w), .data_o(w_b));
  kiln_delay #(.Width(256), .Depth(M+5)) u_dly_y2_b (
    .clk_i, .rst_ni, .valid_i(v_q[M+1]), .data_i(y2_a), .data_o(y2_b));
  kiln_delay #(.Width(256), .Depth(M+3)) u_dly_m3_b (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i(m3), .data_o(m3_b));

  // ---- Level 3 ----------------------------------------------------------------------------
  logic [255:0] ppp, q, zz3, wy, me;
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_ppp (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+6]), .a_i(p_c), .b_i(pp_b), .out_valid_o(), .y_o(ppp));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_q (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+6]), .a_i(x1_b), .b_i(pp_b), .out_valid_o(), .y_o(q));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_zz3 (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+6]), .a_i(zz1_b), .b_i(pp_b), .out_valid_o(), .y_o(zz3));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_wy (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+6]), .a_i(w_b), .b_i(y2_b), .out_valid_o(), .y_o(wy));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_me (
    .clk_i, .rst_ni, .in_valid_i(v_q[2*M+6]), .a_i(m3_b), .b_i(e), .out_valid_o(), .y_o(me));

  logic [255:0] rr_b;
  kiln_delay #(.Width(256), .Depth(M+3)) u_dly_rr_b (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+3]), .data_i(rr), .data_o(rr_b));

  // ---- Cycles 3M+7 .. 3M+10: X3, Y3 of the doubling, Q - X3 ------------------------------
  logic [255:0] f, y3d, q_b, ppp_b, g, q_c, ppp_c, x3, q_3m9, ppp_3m9, h, x3_b, ppp_e;
  kiln_modsub #(.Modulus(P)) u_sub_f (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+6]), .a_i(rr_b), .b_i(ppp), .out_valid_o(), .y_o(f));
  kiln_modsub #(.Modulus(P)) u_sub_y3d (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+6]), .a_i(me), .b_i(wy), .out_valid_o(), .y_o(y3d));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_q_b (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+6]), .data_i(q), .data_o(q_b));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_ppp_b (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+6]), .data_i(ppp), .data_o(ppp_b));

  kiln_modsub #(.Modulus(P)) u_sub_g (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+7]), .a_i(f), .b_i(q_b), .out_valid_o(), .y_o(g));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_q_c (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+7]), .data_i(q_b), .data_o(q_c));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_ppp_c (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+7]), .data_i(ppp_b), .data_o(ppp_c));

  kiln_modsub #(.Modulus(P)) u_sub_x3 (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+8]), .a_i(g), .b_i(q_c), .out_valid_o(), .y_o(x3));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_q_3m9 (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+8]), .data_i(q_c), .data_o(q_3m9));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_ppp_3m9 (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+8]), .data_i(ppp_c), .data_o(ppp_3m9));

  kiln_modsub #(.Modulus(P)) u_sub_h (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+9]), .a_i(q_3m9), .b_i(x3), .out_valid_o(), .y_o(h));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_x3_b (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+9]), .data_i(x3), .data_o(x3_b));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_ppp_e (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+9]), .data_i(ppp_3m9), .data_o(ppp_e));

  logic [255:0] zzz1_b, y1_b, r_c;
  kiln_delay #(.Width(256), .Depth(3*M+9)) u_dly_zzz1_b (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(zzz1_1), .data_o(zzz1_b));
  kiln_delay #(.Width(256), .Depth(2*M+9)) u_dly_y1_b (
    .clk_i, .rst_ni, .valid_i(v_q[M+1]), .data_i(y1_a), .data_o(y1_b));
  kiln_delay #(.Width(256), .Depth(2*M+7)) u_dly_r_c (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i(r_b), .data_o(r_c));

  // ---- Level 4 ----------------------------------------------------------------------------
  logic [255:0] zzz3, y1ppp, rh;
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_zzz3 (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+10]), .a_i(zzz1_b), .b_i(ppp_e), .out_valid_o(),
    .y_o(zzz3));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_y1ppp (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+10]), .a_i(y1_b), .b_i(ppp_e), .out_valid_o(),
    .y_o(y1ppp));
  kiln_montmul #(.Modulus(P), .NPrime(NP)) u_mul_rh (
    .clk_i, .rst_ni, .in_valid_i(v_q[3*M+10]), .a_i(r_c), .b_i(h), .out_valid_o(), .y_o(rh));

  // ---- Cycle 4M+11: Y3 --------------------------------------------------------------------
  logic [255:0] y3, zzz3_b;
  kiln_modsub #(.Modulus(P)) u_sub_y3 (
    .clk_i, .rst_ni, .in_valid_i(v_q[4*M+10]), .a_i(rh), .b_i(y1ppp), .out_valid_o(),
    .y_o(y3));
  kiln_delay #(.Width(256), .Depth(1)) u_dly_zzz3_b (
    .clk_i, .rst_ni, .valid_i(v_q[4*M+10]), .data_i(zzz3), .data_o(zzz3_b));

  // Everything the selection needs, aligned to cycle 4M+11.
  logic [TagWidth:0]   flags_tag_1, flags_tag_s;
  logic [1:0]          zero_s;
  logic [255:0]        x2_s, y2_s, x3_s, zz3_s, x3d_s, y3d_s, v_s, w_s;
  assign flags_tag_1 = {binf_1, tag_1};
  kiln_delay #(.Width(TagWidth+1), .Depth(4*M+10)) u_dly_tag (
    .clk_i, .rst_ni, .valid_i(v_q[1]), .data_i(flags_tag_1), .data_o(flags_tag_s));
  kiln_delay #(.Width(2), .Depth(3*M+8)) u_dly_zero (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i({pz_b, rz_b}), .data_o(zero_s));
  kiln_delay #(.Width(256), .Depth(3*M+8)) u_dly_x2_s (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i(x2_b), .data_o(x2_s));
  kiln_delay #(.Width(256), .Depth(2*M+5)) u_dly_y2_s (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+6]), .data_i(y2_b), .data_o(y2_s));
  kiln_delay #(.Width(256), .Depth(M+1)) u_dly_x3_s (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+10]), .data_i(x3_b), .data_o(x3_s));
  kiln_delay #(.Width(256), .Depth(M+5)) u_dly_zz3_s (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+6]), .data_i(zz3), .data_o(zz3_s));
  kiln_delay #(.Width(256), .Depth(2*M+5)) u_dly_x3d_s (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+6]), .data_i(x3d_b), .data_o(x3d_s));
  kiln_delay #(.Width(256), .Depth(M+4)) u_dly_y3d_s (
    .clk_i, .rst_ni, .valid_i(v_q[3*M+7]), .data_i(y3d), .data_o(y3d_s));
  kiln_delay #(.Width(256), .Depth(3*M+8)) u_dly_v_s (
    .clk_i, .rst_ni, .valid_i(v_q[M+3]), .data_i(v4), .data_o(v_s));
  kiln_delay #(.Width(256), .Depth(2*M+5)) u_dly_w_s (
    .clk_i, .rst_ni, .valid_i(v_q[2*M+6]), .data_i(w_b), .data_o(w_s));

  // ---- Cycle 4M+12: pick the result ---------------------------------------------------------
  logic [255:0]        x_d, y_d, zz_d, zzz_d;
  logic [255:0]        x_q, y_q, zz_q, zzz_q;
  logic [TagWidth-1:0] tag_q;
  always_comb begin
    // The general addition, unless a special case applies.
    x_d   = x3_s;
    y_d   = y3;
    zz_d  = zz3_s;
    zzz_d = zzz3_b;
    if (flags_tag_s[TagWidth]) begin
      // Empty bucket: it becomes the point itself.
      x_d   = x2_s;
      y_d   = y2_s;
      zz_d  = One;
      zzz_d = One;
    end else if (zero_s[1] && zero_s[0]) begin
      // The bucket holds this very point: the doubling.
      x_d   = x3d_s;
      y_d   = y3d_s;
      zz_d  = v_s;
      zzz_d = w_s;
    end else if (zero_s[1]) begin
      // The bucket holds its negation: infinity.
      x_d   = '0;
      y_d   = '0;
      zz_d  = '0;
      zzz_d = '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (v_q[4*M+11]) begin
      tag_q <= flags_tag_s[TagWidth-1:0];
      x_q   <= x_d;
      y_q   <= y_d;
      zz_q  <= zz_d;
      zzz_q <= zzz_d;
    end
  end

  assign out_valid_o = v_q[Latency];
  assign x_o         = x_q;
  assign y_o         = y_q;
  assign zz_o        = zz_q;
  assign zzz_o       = zzz_q;
  assign tag_o       = tag_q;

  // A finite affine point and a bucket with coordinates below the modulus in; the same out.
  // (Every multiplier and add/sub checks its own operands as well.)
  `KILN_ASSERT_IF(PointReduced_A, px_i < P && py_i < P, in_valid_i)
  `KILN_ASSERT_IF(BucketReduced_A, bx_i < P && by_i < P && bzz_i < P && bzzz_i < P, in_valid_i)
  `KILN_ASSERT_IF(SumReduced_A, x_o < P && y_o < P && zz_o < P && zzz_o < P, out_valid_o)
  `KILN_ASSERT_KNOWN(ValidKnown_A, out_valid_o)
  `KILN_ASSERT_KNOWN_IF(SumKnown_A, {x_o, y_o, zz_o, zzz_o, tag_o}, out_valid_o)

endmodule
