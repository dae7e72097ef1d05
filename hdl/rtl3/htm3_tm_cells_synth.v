// htm3_tm_cells_synth: htm3_tm_cells with its memories behind a pin-light
// serial wrapper, for synthesis and place and route only (an iCE40 UP5K in
// the SG48 package has 39 I/Os). While sen is high, sdi shifts into a
// register that drives a write port (ext_we, a memory number, an address,
// a word), n_act and bank, and the register that captured the outputs
// shifts out on sdo; while the engine is idle, the write port reaches the
// memory it names and ext_a reads the result memories. Not part of the
// verified design: it only gives the tools real inputs and outputs, so that
// no memory or logic is optimised away.
`default_nettype none
module htm3_tm_cells_synth #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer G = 8,
    parameter integer B = 8,
    localparam integer NC = C * K,
    localparam integer WCELL = NC > 1 ? $clog2(NC) : 1,
    localparam integer WCOL = C > 1 ? $clog2(C) : 1,
    localparam integer WS = S > 1 ? $clog2(S) : 1,
    localparam integer WM = $clog2(M + 1),
    localparam integer WG = $clog2(G + 1),
    localparam integer NA = (NC + 15) / 16,
    localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1,
    localparam integer NCM = (C + 7) / 8,
    localparam integer CM_AW = NCM > 1 ? $clog2(NCM) : 1,
    localparam integer SC_W = WS + 2 * WM,
    localparam integer SYN_W = B + WCELL + 1,
    localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1,
    localparam integer EA = SYN_AW,
    localparam integer ED = SYN_W > SC_W ? SYN_W : SC_W,
    localparam integer RI = 1 + 4 + EA + ED + (WCOL + 1) + (WCELL + 1) + 2,
    localparam integer RO = 16 + 16 + WCELL + WCOL + (WCOL + 1) * 2 + (WCELL + 1) + SYN_W + 16
) (
    input  wire clk,
    input  wire rst,
    input  wire start,
    input  wire sen,
    input  wire sdi,
    output wire sdo,
    output wire busy,
    output wire done
);
  reg [RI-1:0] ri;
  reg [RO-1:0] ro;
  wire ext_we, bank, learn;
  wire [WCELL:0] n_pw;
  wire [3:0] sel;
  wire [EA-1:0] ea;
  wire [ED-1:0] ed;
  wire [WCOL:0] n_act;
  assign {ext_we, sel, ea, ed, n_act, bank, learn, n_pw} = ri;
  wire wr = ext_we && !busy;

  wire [WCOL:0] n_pred, anom_num;
  wire [WCELL:0] n_win;
  wire [6:0] cr_ra, cr_wa;
  wire [15:0] cr_rd, cr_wd;
  wire cr_we;
  wire [WCOL-1:0] ac_ra, ac_rd;
  wire [CM_AW-1:0] cm_ra, cm_wa;
  wire [15:0] cm_rd, cm_wd;
  wire cm_we;
  wire [WCELL-1:0] hd_ra, hd_wa;
  wire [WS:0] hd_rd, hd_wd;
  wire hd_we;
  wire [WS-1:0] sc_ra;
  wire [SC_W-1:0] sc_rd;
  wire [WCELL-1:0] cs_ra;
  wire [WG-1:0] cs_rd;
  wire act_we, win_we;
  wire [ACT_AW:0] act_wa, win_ra, win_wa;
  wire [15:0] act_wd, win_rd, win_wd, act_rd;
  wire wl_we, pr_we;
  wire [WCELL:0] wl_wa;
  wire [WCELL-1:0] wl_wd, wl_rd;
  wire [WCOL-1:0] pr_wa, pr_wd, pr_rd;
  wire sc_we, cs_we, syn_we, sm_we, ex_we;
  wire [WS-1:0] sc_wa;
  wire [SC_W-1:0] sc_wd;
  wire [WCELL-1:0] cs_wa;
  wire [WG-1:0] cs_wd;
  wire [SYN_AW-1:0] syn_a;
  wire [SYN_W-1:0] syn_wd, syn_rd;
  wire [13:0] sm_a;
  wire [15:0] sm_wd, sm_rd, pa_rd, ex_rd, ex_wd;
  wire [ACT_AW:0] pa_ra;
  wire [ACT_AW-1:0] ex_ra, ex_wa;
  wire [WCELL:0] pl_ra;

  htm3_tm_cells #(.C(C), .K(K), .S(S), .M(M), .G(G), .B(B)) u (
      .clk(clk), .rst(rst), .start(start), .learn(learn), .bank(bank), .n_act(n_act), .n_pw(n_pw),
      .busy(busy), .done(done),
      .n_pred(n_pred), .anom_num(anom_num), .n_win(n_win),
      .cr_ra(cr_ra), .cr_rd(cr_rd), .cr_we(cr_we), .cr_wa(cr_wa), .cr_wd(cr_wd),
      .ac_ra(ac_ra), .ac_rd(ac_rd),
      .cm_ra(cm_ra), .cm_rd(cm_rd), .cm_we(cm_we), .cm_wa(cm_wa), .cm_wd(cm_wd),
      .hd_ra(hd_ra), .hd_rd(hd_rd), .hd_we(hd_we), .hd_wa(hd_wa), .hd_wd(hd_wd),
      .sc_ra(sc_ra), .sc_rd(sc_rd), .sc_we(sc_we), .sc_wa(sc_wa), .sc_wd(sc_wd),
      .cs_ra(cs_ra), .cs_rd(cs_rd), .cs_we(cs_we), .cs_wa(cs_wa), .cs_wd(cs_wd),
      .syn_a(syn_a), .syn_we(syn_we), .syn_wd(syn_wd), .syn_rd(syn_rd),
      .sm_a(sm_a), .sm_we(sm_we), .sm_wd(sm_wd), .sm_rd(sm_rd),
      .pa_ra(pa_ra), .pa_rd(pa_rd),
      .ex_ra(ex_ra), .ex_rd(ex_rd), .ex_we(ex_we), .ex_wa(ex_wa), .ex_wd(ex_wd),
      .pl_ra(pl_ra), .pl_rd(wl_rd),
      .act_we(act_we), .act_wa(act_wa), .act_wd(act_wd),
      .win_ra(win_ra), .win_rd(win_rd), .win_we(win_we), .win_wa(win_wa), .win_wd(win_wd),
      .wl_we(wl_we), .wl_wa(wl_wa), .wl_wd(wl_wd), .pr_we(pr_we), .pr_wa(pr_wa), .pr_wd(pr_wd)
  );
  htm_ebr #(.WIDTH(16), .DEPTH(128)) u_cr (
      .clk(clk), .ra(busy ? cr_ra : ea[6:0]), .rd(cr_rd), .we(busy ? cr_we : wr && sel == 4'd0),
      .wa(busy ? cr_wa : ea[6:0]), .wd(busy ? cr_wd : ed[15:0]));
  htm_ebr #(.WIDTH(WCOL), .DEPTH(C)) u_ac (
      .clk(clk), .ra(ac_ra), .rd(ac_rd), .we(wr && sel == 4'd1), .wa(ea[WCOL-1:0]), .wd(ed[WCOL-1:0]));
  htm_ebr #(.WIDTH(16), .DEPTH(NCM), .ZERO(1)) u_cm (
      .clk(clk), .ra(cm_ra), .rd(cm_rd), .we(busy ? cm_we : wr && sel == 4'd2),
      .wa(busy ? cm_wa : ea[CM_AW-1:0]), .wd(busy ? cm_wd : ed[15:0]));
  htm_ebr #(.WIDTH(WS + 1), .DEPTH(NC), .ZERO(1)) u_hd (
      .clk(clk), .ra(hd_ra), .rd(hd_rd), .we(busy ? hd_we : wr && sel == 4'd3),
      .wa(busy ? hd_wa : ea[WCELL-1:0]), .wd(busy ? hd_wd : ed[WS:0]));
  htm_ebr #(.WIDTH(SC_W), .DEPTH(S)) u_sc (
      .clk(clk), .ra(sc_ra), .rd(sc_rd), .we(busy ? sc_we : wr && sel == 4'd4), .wa(busy ? sc_wa : ea[WS-1:0]),
      .wd(busy ? sc_wd : ed[SC_W-1:0]));
  htm_ebr #(.WIDTH(WG), .DEPTH(NC)) u_cs (
      .clk(clk), .ra(cs_ra), .rd(cs_rd), .we(busy ? cs_we : wr && sel == 4'd5), .wa(busy ? cs_wa : ea[WCELL-1:0]),
      .wd(busy ? cs_wd : ed[WG-1:0]));
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW)) u_act (
      .clk(clk), .ra(busy ? pa_ra : ea[ACT_AW:0]), .rd(act_rd), .we(busy ? act_we : wr && sel == 4'd7),
      .wa(busy ? act_wa : ea[ACT_AW:0]), .wd(busy ? act_wd : ed[15:0]));
  assign pa_rd = act_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(1 << ACT_AW), .ZERO(1)) u_ex (
      .clk(clk), .ra(ex_ra), .rd(ex_rd), .we(ex_we), .wa(ex_wa), .wd(ex_wd));
  htm_spram #(.WIDTH(SYN_W), .DEPTH(S * M)) u_syn (
      .clk(clk), .a(busy ? syn_a : ea), .we(busy ? syn_we : wr && sel == 4'd8), .wd(busy ? syn_wd : ed[SYN_W-1:0]),
      .rd(syn_rd));
  htm_spram #(.WIDTH(16), .DEPTH(16384)) u_sm (
      .clk(clk), .a(busy ? sm_a : ea[13:0]), .we(busy ? sm_we : wr && sel == 4'd9), .wd(busy ? sm_wd : ed[15:0]),
      .rd(sm_rd));
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW)) u_win (
      .clk(clk), .ra(busy ? win_ra : ea[ACT_AW:0]), .rd(win_rd), .we(busy ? win_we : wr && sel == 4'd6),
      .wa(busy ? win_wa : ea[ACT_AW:0]), .wd(busy ? win_wd : ed[15:0]));
  htm_ebr #(.WIDTH(WCELL), .DEPTH(2 << WCELL)) u_wl (
      .clk(clk), .ra(busy ? pl_ra : ea[WCELL:0]), .rd(wl_rd), .we(wl_we), .wa(wl_wa), .wd(wl_wd));
  htm_ebr #(.WIDTH(WCOL), .DEPTH(C)) u_pr (
      .clk(clk), .ra(ea[WCOL-1:0]), .rd(pr_rd), .we(pr_we), .wa(pr_wa), .wd(pr_wd));

  always @(posedge clk) begin
    if (sen) begin
      ri <= {ri[RI-2:0], sdi};
      ro <= {ro[RO-2:0], 1'b0};
    end else ro <= {act_rd, win_rd, wl_rd, pr_rd, n_pred, anom_num, n_win, syn_rd, sm_rd};
  end
  assign sdo = ro[RO-1];
endmodule
`default_nettype wire
