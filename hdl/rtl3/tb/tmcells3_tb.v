// tmcells3_tb: runs one TM_PREDICT + TM_CELLS pass of htm3_tm_cells on the
// memories loaded from +memdir (see tmcells3_test.go), learning with
// +learn=1, and writes what it computed to +out: the busy cycles and the
// operations run (state entries), the anomaly numerator, the predicted
// columns, the new banks of the active and winner bitmaps, the winner list,
// how many heads, bitmap words and exclusion words are left non-zero (all
// must be cleared), tm.syn, the segment memory, tm.cellsegs and regs.
`default_nettype none
module tmcells3_tb #(
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
    localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1
) (
    input wire clk
);
  reg [31:0] cyc = 0, nbusy = 0;
  reg start = 0, fin = 0, bank = 0, trace = 0, learn = 0;
  reg [WCOL:0] n_act = 0;
  reg [WCELL:0] n_pw = 0;
  reg [31:0] nent[0:63];
  wire busy, done;
  wire [WCOL:0] n_pred, anom_num;
  wire [WCELL:0] n_win;
  integer f, i, n;
  string out;

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
  wire [15:0] act_wd, win_rd, win_wd;
  wire wl_we, pr_we;
  wire [WCELL:0] wl_wa;
  wire [WCELL-1:0] wl_wd;
  wire [WCOL-1:0] pr_wa, pr_wd;
  wire [15:0] act_rd_unused;
  wire [WCOL-1:0] pr_rd_unused;
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
  wire [WCELL-1:0] pl_rd;
  reg [5:0] st_d = 0;

  htm3_tm_cells #(.C(C), .K(K), .S(S), .M(M), .G(G), .B(B)) u (
      .clk(clk), .rst(1'b0), .start(start), .learn(learn), .bank(bank), .n_act(n_act), .n_pw(n_pw),
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
      .pl_ra(pl_ra), .pl_rd(pl_rd),
      .act_we(act_we), .act_wa(act_wa), .act_wd(act_wd),
      .win_ra(win_ra), .win_rd(win_rd), .win_we(win_we), .win_wa(win_wa), .win_wd(win_wd),
      .wl_we(wl_we), .wl_wa(wl_wa), .wl_wd(wl_wd), .pr_we(pr_we), .pr_wa(pr_wa), .pr_wd(pr_wd)
  );
  htm_ebr #(.WIDTH(16), .DEPTH(128), .FILE("cfgregs")) u_cr (
      .clk(clk), .ra(cr_ra), .rd(cr_rd), .we(cr_we), .wa(cr_wa), .wd(cr_wd));
  htm_ebr #(.WIDTH(WCOL), .DEPTH(C), .FILE("ac")) u_ac (
      .clk(clk), .ra(ac_ra), .rd(ac_rd), .we(1'b0), .wa(0), .wd(0));
  htm_ebr #(.WIDTH(16), .DEPTH(NCM), .FILE("cm")) u_cm (
      .clk(clk), .ra(cm_ra), .rd(cm_rd), .we(cm_we), .wa(cm_wa), .wd(cm_wd));
  htm_ebr #(.WIDTH(WS + 1), .DEPTH(NC), .FILE("hd")) u_hd (
      .clk(clk), .ra(hd_ra), .rd(hd_rd), .we(hd_we), .wa(hd_wa), .wd(hd_wd));
  htm_ebr #(.WIDTH(SC_W), .DEPTH(S), .FILE("sc")) u_sc (
      .clk(clk), .ra(sc_ra), .rd(sc_rd), .we(sc_we), .wa(sc_wa), .wd(sc_wd));
  htm_ebr #(.WIDTH(WG), .DEPTH(NC), .FILE("cs")) u_cs (
      .clk(clk), .ra(cs_ra), .rd(cs_rd), .we(cs_we), .wa(cs_wa), .wd(cs_wd));
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW), .FILE("act")) u_act (
      .clk(clk), .ra(pa_ra), .rd(pa_rd), .we(act_we), .wa(act_wa), .wd(act_wd));
  htm_ebr #(.WIDTH(16), .DEPTH(1 << ACT_AW)) u_ex (
      .clk(clk), .ra(ex_ra), .rd(ex_rd), .we(ex_we), .wa(ex_wa), .wd(ex_wd));
  htm_spram #(.WIDTH(SYN_W), .DEPTH(S * M), .FILE("tm.syn")) u_syn (
      .clk(clk), .a(syn_a), .we(syn_we), .wd(syn_wd), .rd(syn_rd));
  htm_spram #(.WIDTH(16), .DEPTH(16384), .FILE("segmem")) u_sm (
      .clk(clk), .a(sm_a), .we(sm_we), .wd(sm_wd), .rd(sm_rd));
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW), .FILE("win")) u_win (
      .clk(clk), .ra(win_ra), .rd(win_rd), .we(win_we), .wa(win_wa), .wd(win_wd));
  htm_ebr #(.WIDTH(WCELL), .DEPTH(2 << WCELL), .FILE("wl")) u_wl (
      .clk(clk), .ra(pl_ra), .rd(pl_rd), .we(wl_we), .wa(wl_wa), .wd(wl_wd));
  htm_ebr #(.WIDTH(WCOL), .DEPTH(C)) u_pr (
      .clk(clk), .ra(0), .rd(pr_rd_unused), .we(pr_we), .wa(pr_wa), .wd(pr_wd));

  initial begin
    if (!$value$plusargs("nact=%d", n)) n = 0;
    n_act = (WCOL + 1)'(n);
    if (!$value$plusargs("bank=%d", n)) n = 0;
    bank = n != 0;
    if (!$value$plusargs("learn=%d", n)) n = 0;
    learn = n != 0;
    if (!$value$plusargs("npw=%d", n)) n = 0;
    n_pw = (WCELL + 1)'(n);
    for (i = 0; i < 64; i = i + 1) nent[i] = 0;
    if (!$value$plusargs("out=%s", out)) out = "tmcells.out";
    trace = $test$plusargs("trace");
  end

  always @(posedge clk) begin
    cyc <= cyc + 1;
    start <= cyc == 3;
    if (busy) nbusy <= nbusy + 1;
    if (busy && trace) $display("st %0d", u.st);
    st_d <= u.st;
    if (busy && u.st != st_d) nent[u.st] <= nent[u.st] + 1;
    if (done) fin <= 1;
    if (cyc > 100000 + 40 * (NC + S)) $fatal(1, "tmcells3_tb: no done after %0d cycles", cyc);
    if (fin) begin
      f = $fopen(out, "w");
      $fwrite(f, "cycles %0d\n", nbusy);
      $fwrite(f, "anom %0d\n", anom_num);
      $fwrite(f, "pred");
      for (i = 0; i < 32'(n_pred); i = i + 1) $fwrite(f, " %0d", u_pr.mem[i]);
      $fwrite(f, "\nwl");
      for (i = 0; i < 32'(n_win); i = i + 1) $fwrite(f, " %0d", u_wl.mem[{bank, WCELL'(i)}]);
      $fwrite(f, "\n");
      for (i = 0; i < NA; i = i + 1)
        $fwrite(f, "aw %0d %0d %0d\n", i, u_act.mem[{bank, ACT_AW'(i)}], u_win.mem[{bank, ACT_AW'(i)}]);
      $fwrite(f, "gen %0d\n", {u_cr.mem[85], u_cr.mem[84]});
      for (i = 0; i < 64; i = i + 1) if (nent[i] != 0) $fwrite(f, "ent %0d %0d\n", i, nent[i]);
      for (i = 0; i < 16; i = i + 1)
        $fwrite(f, "regs %0d %0d\n", i, {u_cr.mem[64+4*i+3], u_cr.mem[64+4*i+2], u_cr.mem[64+4*i+1], u_cr.mem[64+4*i]});
      for (i = 0; i < S * M; i = i + 1) $fwrite(f, "syn %0d\n", u_syn.mem[i]);
      for (i = 0; i < 10 * S + 1; i = i + 1) $fwrite(f, "sm %0d\n", u_sm.mem[i]);
      for (i = 0; i < NC; i = i + 1) $fwrite(f, "cs %0d\n", u_cs.mem[i]);
      n = 0;
      for (i = 0; i < NC; i = i + 1) if (u_hd.mem[i] != 0) n = n + 1;
      for (i = 0; i < NCM; i = i + 1) if (u_cm.mem[i] != 0) n = n + 1;
      for (i = 0; i < (1 << ACT_AW); i = i + 1) if (u_ex.mem[i] != 0) n = n + 1;
      $fwrite(f, "dirty %0d\n", n);
      $fclose(f);
      $finish;
    end
  end
endmodule
`default_nettype wire
