// htm3_dendrite_top: htm3_dendrite with the memories it uses (DENDRITE.md):
// tm.syn and the segment memory as single-ported SPRAM, tm.active,
// cfg/regs, the per-segment scratch {link, numConn, numPot}, the per-cell
// heads and the column bitmaps as EBR. While the unit is idle the ext_*
// ports reach the memories instead (a host's window, and the column loop
// that reads the lists, clearing each head as it reads it); while it is busy
// they are ignored and ext_* reads return what the unit's reads return.
`default_nettype none
module htm3_dendrite_top #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer SM_DEPTH = 16384,
    localparam integer NC = C * K,
    localparam integer WCELL = NC > 1 ? $clog2(NC) : 1,
    localparam integer WS = S > 1 ? $clog2(S) : 1,
    localparam integer WM = $clog2(M + 1),
    localparam integer SYN_W = B + WCELL + 1,
    localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1,
    localparam integer NA = (NC + 15) / 16,
    localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1,
    localparam integer NCM = (C + 7) / 8,
    localparam integer CM_AW = NCM > 1 ? $clog2(NCM) : 1,
    localparam integer SC_W = WS + 2 * WM,
    localparam integer SM_AW = $clog2(SM_DEPTH)
) (
    input  wire clk,
    input  wire rst,
    input  wire start,
    input  wire learn,
    output wire busy,
    output wire done,

    input  wire [SYN_AW-1:0] ext_syn_a,
    input  wire              ext_syn_we,
    input  wire [ SYN_W-1:0] ext_syn_wd,
    output wire [ SYN_W-1:0] ext_syn_rd,

    input  wire [SM_AW-1:0] ext_sm_a,
    input  wire             ext_sm_we,
    input  wire [     15:0] ext_sm_wd,
    output wire [     15:0] ext_sm_rd,

    input wire              ext_act_we,
    input wire [ACT_AW-1:0] ext_act_wa,
    input wire [      15:0] ext_act_wd,

    input  wire [ 6:0] ext_cr_ra,
    output wire [15:0] ext_cr_rd,
    input  wire        ext_cr_we,
    input  wire [ 6:0] ext_cr_wa,
    input  wire [15:0] ext_cr_wd,

    input  wire [  WS-1:0] ext_sc_ra,
    output wire [SC_W-1:0] ext_sc_rd,

    input  wire [WCELL-1:0] ext_hd_ra,
    output wire [   WS : 0] ext_hd_rd,
    input  wire             ext_hd_we,
    input  wire [WCELL-1:0] ext_hd_wa,
    input  wire [   WS : 0] ext_hd_wd,

    input  wire [CM_AW-1:0] ext_cm_ra,
    output wire [     15:0] ext_cm_rd,
    input  wire             ext_cm_we,
    input  wire [CM_AW-1:0] ext_cm_wa,
    input  wire [     15:0] ext_cm_wd
);
  wire [SYN_AW-1:0] syn_a;
  wire [SYN_W-1:0] syn_rd;
  wire [ACT_AW-1:0] act_ra;
  wire [15:0] act_rd;
  wire [SM_AW-1:0] sm_a;
  wire sm_we;
  wire [15:0] sm_wd, sm_rd;
  wire [6:0] cr_ra, cr_wa;
  wire [15:0] cr_rd, cr_wd;
  wire cr_we;
  wire sc_we;
  wire [WS-1:0] sc_wa;
  wire [SC_W-1:0] sc_wd;
  wire [WCELL-1:0] hd_ra, hd_wa;
  wire [WS:0] hd_rd, hd_wd;
  wire hd_we;
  wire [CM_AW-1:0] cm_ra, cm_wa;
  wire [15:0] cm_rd, cm_wd;
  wire cm_we;

  htm3_dendrite #(
      .C(C), .K(K), .S(S), .M(M), .B(B), .SM_AW(SM_AW)
  ) u_dend (
      .clk(clk), .rst(rst), .start(start), .learn(learn), .busy(busy), .done(done),
      .syn_a(syn_a), .syn_rd(syn_rd),
      .act_ra(act_ra), .act_rd(act_rd),
      .sm_a(sm_a), .sm_we(sm_we), .sm_wd(sm_wd), .sm_rd(sm_rd),
      .cr_ra(cr_ra), .cr_rd(cr_rd), .cr_we(cr_we), .cr_wa(cr_wa), .cr_wd(cr_wd),
      .sc_we(sc_we), .sc_wa(sc_wa), .sc_wd(sc_wd),
      .hd_ra(hd_ra), .hd_rd(hd_rd), .hd_we(hd_we), .hd_wa(hd_wa), .hd_wd(hd_wd),
      .cm_ra(cm_ra), .cm_rd(cm_rd), .cm_we(cm_we), .cm_wa(cm_wa), .cm_wd(cm_wd)
  );

  htm_spram #(.WIDTH(SYN_W), .DEPTH(S * M), .FILE("tm.syn")) u_syn (
      .clk(clk), .a(busy ? syn_a : ext_syn_a), .we(!busy && ext_syn_we), .wd(ext_syn_wd), .rd(syn_rd)
  );
  assign ext_syn_rd = syn_rd;
  htm_spram #(.WIDTH(16), .DEPTH(SM_DEPTH), .FILE("segmem")) u_sm (
      .clk(clk), .a(busy ? sm_a : ext_sm_a), .we(busy ? sm_we : ext_sm_we), .wd(busy ? sm_wd : ext_sm_wd),
      .rd(sm_rd)
  );
  assign ext_sm_rd = sm_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(NA), .FILE("tm.active16")) u_act (
      .clk(clk), .ra(act_ra), .rd(act_rd), .we(!busy && ext_act_we), .wa(ext_act_wa), .wd(ext_act_wd)
  );
  htm_ebr #(.WIDTH(16), .DEPTH(128), .FILE("cfgregs")) u_cr (
      .clk(clk), .ra(busy ? cr_ra : ext_cr_ra), .rd(cr_rd), .we(busy ? cr_we : ext_cr_we),
      .wa(busy ? cr_wa : ext_cr_wa), .wd(busy ? cr_wd : ext_cr_wd)
  );
  assign ext_cr_rd = cr_rd;
  htm_ebr #(.WIDTH(SC_W), .DEPTH(S)) u_sc (
      .clk(clk), .ra(ext_sc_ra), .rd(ext_sc_rd), .we(sc_we), .wa(sc_wa), .wd(sc_wd)
  );
  htm_ebr #(.WIDTH(WS + 1), .DEPTH(NC), .ZERO(1)) u_hd (
      .clk(clk), .ra(busy ? hd_ra : ext_hd_ra), .rd(hd_rd), .we(busy ? hd_we : ext_hd_we),
      .wa(busy ? hd_wa : ext_hd_wa), .wd(busy ? hd_wd : ext_hd_wd)
  );
  assign ext_hd_rd = hd_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(NCM), .ZERO(1)) u_cm (
      .clk(clk), .ra(busy ? cm_ra : ext_cm_ra), .rd(cm_rd), .we(busy ? cm_we : ext_cm_we),
      .wa(busy ? cm_wa : ext_cm_wa), .wd(busy ? cm_wd : ext_cm_wd)
  );
  assign ext_cm_rd = cm_rd;

`ifdef SIM
  initial if (9 * S + 1 > SM_DEPTH) $fatal(1, "htm3_dendrite_top: segment memory of %0d words < 9S + 1", SM_DEPTH);
`endif
endmodule
`default_nettype wire
