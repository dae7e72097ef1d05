// htm_tm: the temporal memory of the htmhw accelerator (docs/ARCHITECTURE.md
// phases 6 to 9, and RESTORE's dendrite activation), with the TM memories of
// section 2 and the TM working memories.
//
// htm_accel starts it after the SP phases (start_step) or at RESTORE
// (start_restore) and waits for done. Each phase ends after exactly the
// cycles section 4 charges for it: the engine adds the formula's terms to a
// charge counter as it does the work, and a phase whose work finished early
// waits out the rest (hdl/README.md lists where the RTL is faster than the
// schedule and by how much). A phase whose work would take longer than its
// charge is a bug; under SIM it is reported with $display.
//
// Memories: tm.seg, tm.seglru, tm.segseq, tm.free, tm.cellsegs as one RAM
// each; tm.syn as LANES_SYN lane RAMs (slot j of segment s in lane j mod
// LANES_SYN, row s*ML + j / LANES_SYN; files tm.syn.lane<l>.hex); tm.active
// and tm.winner as two banks (the current one and the previous step's, the
// bank swap of TM_SWAP) of LANES_SYN copies each, so that a group of slots
// looks up its presynaptic cells in one cycle. Working memories: numpot,
// numconn; the segment lists tm.actseg and tm.matchseg in two buffers (the
// merge sort's source and destination) of two copies (its two read ports),
// with a column-end index each; the active and winner cell lists (two banks
// of the latter: the previous step's winners are grow's candidates); grow's
// candidate list; out.pred.
`default_nettype none
module htm_tm #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    parameter integer LANES_SYN = 4,
    parameter integer W = 4,  // words of the input bitmap (RESTORE's first term)
    parameter MEM_DIR = "mem"
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        start_step,     // pulse: phases 6 to 9
    input  wire        start_restore,  // pulse: RESTORE's dendrite activation
    input  wire        learn,
    input  wire [31:0] cfg_actT,
    input  wire [31:0] cfg_minT,
    input  wire [31:0] cfg_maxNew,
    input  wire [31:0] cfg_init,
    input  wire [31:0] cfg_conn,
    input  wire [31:0] cfg_inc,
    input  wire [31:0] cfg_dec,
    input  wire [31:0] cfg_psd,
    input  wire [31:0] n_act,          // active columns (out.cols entries)
    output reg  [31:0] oc_ra,          // out.cols read address
    input  wire [31:0] oc_rd,          // out.cols read data (one cycle later)
    input  wire [63:0] r_iter,         // regs words 3..6
    input  wire [63:0] r_created,
    input  wire [63:0] r_gen,
    input  wire [63:0] r_free,
    output wire        regs_wb,        // regs words 3..6 take w_* this cycle
    output wire [63:0] w_iter,
    output wire [63:0] w_created,
    output wire [63:0] w_gen,
    output wire [63:0] w_free,
    output reg  [7:0]  ev,             // +1 to regs words 7..14 (bit 6: + ev_synpr)
    output reg  [31:0] ev_synpr,
    output reg         done,           // one cycle, at the end
    output reg  [31:0] cyc_pred,
    output reg  [31:0] cyc_cells,
    output reg  [31:0] cyc_swap,
    output reg  [31:0] cyc_dend,       // TM_DENDRITE, or RESTORE's whole count
    output reg  [31:0] n_pred,
    output reg  [31:0] anom_num,
    // Host access while idle: reads presented with h_re (data in h_rdata
    // the next cycle), writes with h_we.
    input  wire        h_re,
    input  wire [3:0]  h_sel,
    input  wire        h_pr,           // read PRED_BUF (out.pred) instead of a memory
    input  wire [31:0] h_addr,
    input  wire        h_we,
    input  wire [3:0]  h_wsel,
    input  wire [31:0] h_waddr,
    input  wire [63:0] h_wd,
    output reg  [63:0] h_rdata
);
  // Memory indices (MEM_TM_*): htm_arch.vh, generated from package arch.
  `include "htm_arch.vh"

  function integer bitsf(input integer x);  // bits that hold 0..x, at least 1
    begin
      bitsf = 1;
      while ((1 << bitsf) <= x) bitsf = bitsf + 1;
    end
  endfunction
  localparam integer L = LANES_SYN;
  localparam integer NC = C * K;
  localparam integer WCELL = bitsf(NC - 1);
  localparam integer WS = bitsf(S - 1);
  localparam integer WM = bitsf(M);
  localparam integer WG = bitsf(G);
  localparam integer WC = (NC + 31) / 32;
  localparam integer ML = (M + L - 1) / L;  // synapse rows per segment
  localparam integer LB = L < 2 ? 2 : L;  // copies of each bitmap bank (a burst reads two words)
  localparam integer WCOL = bitsf(C - 1);
  localparam integer SEG_W = WCELL + 1 + WM;
  localparam integer SYN_W = B + WCELL + 1;
  localparam integer EW = WS + WCELL + 64;  // list entry: segment, owner, creation number
  localparam integer A_S = $clog2(S + 1), A_SR = $clog2(S * ML + 1), A_NC = $clog2(NC + 1);
  localparam integer A_WC = $clog2(WC + 1), A_C = $clog2(C + 1);
  localparam integer WCE = bitsf(S);  // a list position or count
  localparam [31:0] PMAX = (1 << B) - 1;

  // ------------------------------------------------------------ helpers
  function [31:0] xs32(input [31:0] x);  // model/rng: xorshift32
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xs32 = y ^ (y << 5);
    end
  endfunction
  function [31:0] below(input [31:0] next, input [31:0] n);  // multiply-high
    reg [63:0] p;
    begin
      p = {32'd0, next} * {32'd0, n};
      below = p[63:32];
    end
  endfunction
  function [31:0] clog2f(input [31:0] n);  // ⌈log₂ n⌉, 0 for n ≤ 1
    integer i;
    begin
      clog2f = 0;
      for (i = 0; i < 32; i = i + 1) if ((32'd1 << i) < n) clog2f = i + 1;
    end
  endfunction
  function [WS-1:0] e_sg(input [EW-1:0] e);
    e_sg = e[WS-1:0];
  endfunction
  function [WCELL-1:0] e_owner(input [EW-1:0] e);
    e_owner = e[WS+:WCELL];
  endfunction
  function [WCELL+63:0] e_key(input [EW-1:0] e);  // (owner, creation number)
    e_key = {e[WS+:WCELL], e[WS+WCELL+:64]};
  endfunction
  function [31:0] colof(input [WCELL-1:0] c);
    colof = {{(32 - WCELL) {1'b0}}, c} / K;
  endfunction

  // ------------------------------------------------------------ RAM ports
  reg [A_S-1:0] seg_ra, seg_wa, lru_ra, lru_wa, seq_ra, seq_wa, free_ra, free_wa, np_ra, np_wa, ncn_ra, ncn_wa;
  reg seg_we, lru_we, seq_we, free_we, np_we, ncn_we;
  reg [SEG_W-1:0] seg_wd;
  reg [31:0] lru_wd;
  reg [63:0] seq_wd;
  reg [WS-1:0] free_wd;
  reg [WM-1:0] np_wd, ncn_wd;
  wire [SEG_W-1:0] seg_rd;
  wire [31:0] lru_rd;
  wire [63:0] seq_rd;
  wire [WS-1:0] free_rd;
  wire [WM-1:0] np_rd, ncn_rd;
  reg [A_SR-1:0] syn_ra, syn_wa;
  reg [L-1:0] syn_we;
  reg [L*SYN_W-1:0] syn_wd;
  wire [L*SYN_W-1:0] syn_rd;
  reg [A_NC-1:0] cs_ra, cs_wa;
  reg cs_we;
  reg [WG-1:0] cs_wd;
  wire [WG-1:0] cs_rd;
  // Bitmaps: bank b, copy l at index b*LB + l.
  reg [2*LB*A_WC-1:0] act_ra, win_ra;
  wire [2*LB*32-1:0] act_rd, win_rd;
  reg [1:0] act_we, win_we;
  reg [A_WC-1:0] act_wa, win_wa;
  reg [31:0] act_wd, win_wd;
  // Segment lists: list x (0 matching, 1 active), buffer y, copy z at x*4 + y*2 + z.
  reg [8*A_S-1:0] lb_ra;
  wire [8*EW-1:0] lb_rd;
  reg [3:0] lb_we;  // per (x, y)
  reg [4*A_S-1:0] lb_wa;
  reg [4*EW-1:0] lb_wd;
  reg [A_S-1:0] ce_ra[0:1];
  reg [A_S-1:0] ce_wa[0:1];
  reg [1:0] ce_we;
  reg [WCE-1:0] ce_wd[0:1];
  wire [WCE-1:0] ce_rd[0:1];
  // Cell lists: active cells; winners in two banks; grow's candidates.
  reg [A_NC-1:0] ac_ra, ac_wa, cand_ra, cand_wa;
  reg ac_we, cand_we;
  reg [WCELL-1:0] ac_wd, cand_wd;
  wire [WCELL-1:0] ac_rd, cand_rd;
  reg [A_NC-1:0] wl_ra[0:1];
  reg [A_NC-1:0] wl_wa[0:1];
  reg [1:0] wl_we;
  reg [WCELL-1:0] wl_wd[0:1];
  wire [WCELL-1:0] wl_rd[0:1];
  reg [A_C-1:0] pr_ra, pr_wa;
  reg pr_we;
  reg [WCOL-1:0] pr_wd;
  wire [WCOL-1:0] pr_rd;

  // RW_OLD(0) (htm_ram.v) wherever no phase reads a word in the cycle that
  // writes it, nor beyond the depth. tm.seg keeps it (destroy reads the
  // owner while it clears the word), and so do the bitmaps (a burst's
  // second previous-winner word may lie beyond the last).
  htm_ram #(.WIDTH(SEG_W), .DEPTH(S), .FILE("tm.seg"), .MEM_DIR(MEM_DIR)) u_seg (
      clk, seg_ra, seg_rd, seg_we, seg_wa, seg_wd);
  htm_ram #(.WIDTH(32), .DEPTH(S), .FILE("tm.seglru"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_lru (
      clk, lru_ra, lru_rd, lru_we, lru_wa, lru_wd);
  htm_ram #(.WIDTH(64), .DEPTH(S), .FILE("tm.segseq"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_seq (
      clk, seq_ra, seq_rd, seq_we, seq_wa, seq_wd);
  htm_ram #(.WIDTH(WS), .DEPTH(S), .FILE("tm.free"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_free (
      clk, free_ra, free_rd, free_we, free_wa, free_wd);
  htm_ram #(.WIDTH(WG), .DEPTH(NC), .FILE("tm.cellsegs"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_cs (
      clk, cs_ra, cs_rd, cs_we, cs_wa, cs_wd);
  htm_ram #(.WIDTH(WM), .DEPTH(S), .RW_OLD(0)) u_np (clk, np_ra, np_rd, np_we, np_wa, np_wd);
  htm_ram #(.WIDTH(WM), .DEPTH(S), .RW_OLD(0)) u_ncn (clk, ncn_ra, ncn_rd, ncn_we, ncn_wa, ncn_wd);
  htm_ram #(.WIDTH(WCELL), .DEPTH(NC), .RW_OLD(0)) u_ac (clk, ac_ra, ac_rd, ac_we, ac_wa, ac_wd);
  htm_ram #(.WIDTH(WCELL), .DEPTH(NC), .RW_OLD(0)) u_cand (clk, cand_ra, cand_rd, cand_we, cand_wa, cand_wd);
  htm_ram #(.WIDTH(WCOL), .DEPTH(C), .RW_OLD(0)) u_pr (clk, pr_ra, pr_rd, pr_we, pr_wa, pr_wd);
  genvar gi;
  generate
    for (gi = 0; gi < L; gi = gi + 1) begin : g_syn
      localparam [7:0] D0 = 8'd48 + gi % 10, D1 = 8'd48 + (gi / 10) % 10;
      localparam [15:0] LN = (gi < 10) ? {8'd0, D0} : {D1, D0};
      htm_ram #(.WIDTH(SYN_W), .DEPTH(S * ML), .FILE({"tm.syn.lane", LN}), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_syn (
          clk, syn_ra, syn_rd[gi*SYN_W+:SYN_W], syn_we[gi], syn_wa, syn_wd[gi*SYN_W+:SYN_W]);
    end
    for (gi = 0; gi < 2 * LB; gi = gi + 1) begin : g_bm
      localparam BA = (gi < LB) ? "tm.active" : "", BW = (gi < LB) ? "tm.winner" : "";
      htm_ram #(.WIDTH(32), .DEPTH(WC), .FILE(BA), .MEM_DIR(MEM_DIR)) u_act (
          clk, act_ra[gi*A_WC+:A_WC], act_rd[gi*32+:32], act_we[gi/LB], act_wa, act_wd);
      htm_ram #(.WIDTH(32), .DEPTH(WC), .FILE(BW), .MEM_DIR(MEM_DIR)) u_win (
          clk, win_ra[gi*A_WC+:A_WC], win_rd[gi*32+:32], win_we[gi/LB], win_wa, win_wd);
    end
    for (gi = 0; gi < 8; gi = gi + 1) begin : g_lb
      htm_ram #(.WIDTH(EW), .DEPTH(S), .RW_OLD(0)) u_lb (
          clk, lb_ra[gi*A_S+:A_S], lb_rd[gi*EW+:EW], lb_we[gi/2], lb_wa[(gi/2)*A_S+:A_S], lb_wd[(gi/2)*EW+:EW]);
    end
    for (gi = 0; gi < 2; gi = gi + 1) begin : g_two
      htm_ram #(.WIDTH(WCE), .DEPTH(S), .RW_OLD(0)) u_ce (clk, ce_ra[gi], ce_rd[gi], ce_we[gi], ce_wa[gi], ce_wd[gi]);
      htm_ram #(.WIDTH(WCELL), .DEPTH(NC), .RW_OLD(0)) u_wl (clk, wl_ra[gi], wl_rd[gi], wl_we[gi], wl_wa[gi], wl_wd[gi]);
    end
  endgenerate

  // ------------------------------------------------------------ state
  localparam [2:0] T_IDLE = 0, T_PRED = 1, T_CELLS = 2, T_SWAP = 3, T_DEND = 4, T_REST = 5;
  reg [2:0] tph;
  reg [31:0] pcyc, chg;  // cycles of the running phase, and its charge so far
  reg busy;  // a command runs
  reg lrn;  // learning (STEP), 0 for RESTORE
  reg first;  // the first cycle of a command (working registers loaded)
  // Working copies of regs 3..6.
  reg [31:0] iter, gen;
  reg [63:0] created, fc;
  reg bank, lbank;  // current bank of the bitmaps, of the winner lists
  reg [31:0] na, nm;  // tm.actseg, tm.matchseg entries
  reg afin, mfin;  // the buffer holding each sorted list
  reg [31:0] npw, nwc, nac;  // previous winners, winners and active cells of this step
  reg [C-1:0] predbits;
  reg [31:0] both;
  reg [WCOL-1:0] lastcol;
  assign regs_wb = (busy && !first) || done;  // done: the values of the last cycle
  assign w_iter = {32'd0, iter};
  assign w_created = created;
  assign w_gen = {32'd0, gen};
  assign w_free = fc;

  // The list readers of TM_CELLS (address presented = next index).
  reg [31:0] c_idx, a_idx, m_idx, c_nidx, a_nidx, m_nidx;
  wire [EW-1:0] a_e = lb_rd[(4 + (afin ? 2 : 0)) * EW+:EW];
  wire [EW-1:0] m_e = lb_rd[(0 + (mfin ? 2 : 0)) * EW+:EW];
  wire c_ok = c_idx < n_act, a_ok = a_idx < na, m_ok = m_idx < nm;
  wire [31:0] c_col = oc_rd;
  wire [31:0] a_col = colof(e_owner(a_e)), m_col = colof(e_owner(m_e));

  // TM_CELLS column loop.
  localparam [4:0] CS_LOOP = 0, CS_BURST = 1, CS_BLU = 2, CS_ADAPT = 3, CS_GROW = 4, CS_GMID = 5, CS_GEV = 6,
      CS_GDRAW = 7, CS_CREATE = 8, CS_CFSCAN = 9, CS_PFSCAN = 10, CS_POP = 11, CS_DESTROY = 12;
  reg [4:0] cs;
  reg [31:0] u;  // cycle within a sub-operation
  reg [31:0] cur_col;
  reg mode_pred, mode_pun;
  reg [WCELL:0] lastcell;  // bit WCELL: none
  // Burst.
  reg [31:0] bk;
  reg srch_v;
  reg [WS-1:0] srch_sg;
  reg [WCELL-1:0] srch_owner;
  reg best_v;
  reg [WS-1:0] best_sg;
  reg [WCELL-1:0] best_owner;
  reg [WM-1:0] best_np;
  reg [WG*K-1:0] csv;  // tm.cellsegs of the column's cells
  reg [63:0] pw2;  // the two previous-winner words of the column
  // The segment being worked on.
  reg [WS-1:0] sg;
  reg [WCELL-1:0] sg_owner;
  reg sg_owner_ok;  // the owner is known (DESTROY)
  reg [31:0] used;  // its synapse count
  reg punish;  // ADAPT with predictedSegmentDecrement
  reg grow_after;  // ADAPT: grow after
  reg grow_np;  // ADAPT: the grow count comes from numpot (read at u = 0)
  reg signed [33:0] grow_n;
  reg d_ret_create;  // DESTROY returns to CREATE
  reg d_pool;  // ... after a pool eviction
  reg [WCELL-1:0] ccell;  // CREATE's cell
  reg [31:0] cs0;  // its segment count
  reg sc_v;
  reg [WS-1:0] sc_best;
  reg [31:0] sc_age;
  reg [63:0] sc_seq;
  // Slots of the segment (kept from ADAPT for GROW).
  reg [M-1:0] sv, spw;
  reg [M*B-1:0] sperm;
  reg [M*WCELL-1:0] scell;
  // ADAPT pipeline: stage 1 (syn data) and 2 (bitmap data).
  reg [31:0] ad_n;
  reg [31:0] ncand, gi_i, need, over;
  // Adapt stage registers.
  reg [L*SYN_W-1:0] a1_syn;

  // TM_SWAP builders.
  reg [31:0] sw_aw, sw_ai, sw_ww, sw_wi;
  reg [31:0] sw_aacc, sw_wacc;
  reg [31:0] cells_act;  // cycles TM_CELLS took
  reg sw_go;

  // Dendrite: finder, FIFO, scanner, pipeline.
  reg [31:0] fi;
  reg f_inf;
  reg [A_S-1:0] f_idx;
  reg [2:0] fq_n;
  reg [1:0] fq_h, fq_t;
  reg [WS-1:0] fq_sg[0:3];
  reg [WCELL-1:0] fq_ow[0:3];
  reg [63:0] fq_seq[0:3];
  reg [31:0] nused;
  reg sc_act;
  reg [31:0] sc_g;
  reg [WS-1:0] sc_sg;
  reg [WCELL-1:0] sc_ow;
  reg [63:0] sc_sq;
  reg s1_v, s1_last, s1_first, s2_v, s2_last, s2_first;
  reg [WS-1:0] s1_sg, s2_sg;
  reg [WCELL-1:0] s1_ow, s2_ow;
  reg [63:0] s1_sq, s2_sq;
  reg [L-1:0] s2_val, s2_conn;
  reg [L*5-1:0] s2_bit;
  reg [WM-1:0] acc_p, acc_c;
  reg [31:0] na_c, nm_c;  // entries appended by the scan
  reg [EW-1:0] h0[0:1];
  reg [EW-1:0] h1[0:1];  // the first two entries of each list
  reg [1:0] dsub;  // 0 scan, 1 sort, 2 pad
  reg [31:0] dchg;
  // RESTORE: tm.winner to the winner list.
  reg [31:0] rw_w;  // the word being listed
  reg [31:0] rw_word;  // its bits not listed yet
  reg rw_start, rw_fresh, rw_done;  // rw_fresh: the word is on the RAM's output
  wire [31:0] rw_cw = rw_fresh ? win_rd[(bank ? LB : 0)*32+:32] : rw_word;
  wire [31:0] rw_rem = rw_cw & (rw_cw - 1);
  // Sort engine.
  reg srt_x;  // list being sorted (0 matching, 1 active)
  reg srt_src;  // source buffer
  reg [31:0] srt_n, srt_w, srt_mid, srt_hi, srt_ia, srt_jb, srt_op;
  reg srt_fa, srt_fb;  // head from the RAM this cycle
  reg [EW-1:0] srt_ha, srt_hb, srt_nha, srt_nhb;
  reg srt_last;  // the final pass (column ends written)
  reg [31:0] srt_gs;  // column group start
  reg [31:0] srt_pc;
  reg srt_cev;  // a column-end write pending
  reg srt_cex;
  reg [31:0] srt_cea, srt_ced;

  // ------------------------------------------------------------ combinational
  // Sort: heads and choice.
  wire [EW-1:0] s_ha = srt_fa ? lb_rd[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 0) * EW+:EW] : srt_ha;
  wire [EW-1:0] s_hb = srt_fb ? lb_rd[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 1) * EW+:EW] : srt_hb;
  wire s_va = srt_ia < srt_mid, s_vb = srt_jb < srt_hi;
  wire s_takea = s_va && (!s_vb || e_key(s_ha) < e_key(s_hb));
  wire [EW-1:0] s_out = s_takea ? s_ha : s_hb;
  wire s_gend = srt_op + 1 == srt_hi;  // the group's last output
  wire [31:0] s_lo2 = srt_hi, s_mid2 = (srt_hi + srt_w < srt_n) ? srt_hi + srt_w : srt_n;
  wire [31:0] s_hi2 = (srt_hi + 2 * srt_w < srt_n) ? srt_hi + 2 * srt_w : srt_n;
  wire [31:0] s_ocol = colof(e_owner(s_out));

  // Dendrite stage 2: counts of the group.
  reg [WM-1:0] s2_np, s2_nc;
  integer li;
  always @(*) begin
    s2_np = 0;
    s2_nc = 0;
    for (li = 0; li < L; li = li + 1)
      if (s2_val[li] && act_rd[((bank ? LB : 0) + li)*32+s2_bit[li*5+:5]]) begin
        s2_np = s2_np + 1'b1;
        if (s2_conn[li]) s2_nc = s2_nc + 1'b1;
      end
  end
  wire [WM-1:0] s2_tp = (s2_first ? {WM{1'b0}} : acc_p) + s2_np;
  wire [WM-1:0] s2_tc = (s2_first ? {WM{1'b0}} : acc_c) + s2_nc;
  wire [EW-1:0] s2_e = {s2_sq, s2_ow, s2_sg};
  wire s2_isact = s2_v && s2_last && {{(32 - WM) {1'b0}}, s2_tc} >= cfg_actT;
  wire s2_ismat = s2_v && s2_last && {{(32 - WM) {1'b0}}, s2_tp} >= cfg_minT;
  wire scan_done = fi == S && !f_inf && fq_n == 0 && !sc_act && !s1_v && !s2_v;
  wire f_push = f_inf && seg_rd[WCELL];
  wire fq_pop = !sc_act || sc_g == ML - 1;
  wire fq_take = fq_pop && (fq_n != 0);

  // ADAPT stage 2: the new slot words of group u-2.
  reg [L*SYN_W-1:0] ad_w;
  reg [L-1:0] ad_pw, ad_v;
  reg [31:0] ad_npr;
  integer aj;
  reg [B-1:0] ap;
  reg [WCELL-1:0] acl;
  reg abit;
  reg [B:0] ps;
  always @(*) begin
    ad_w = a1_syn;
    ad_pw = 0;
    ad_v = 0;
    ad_npr = 0;
    ap = 0;
    acl = 0;
    abit = 0;
    ps = 0;
    for (aj = 0; aj < L; aj = aj + 1) begin
      ap = a1_syn[aj*SYN_W+:B];
      acl = a1_syn[aj*SYN_W+B+:WCELL];
      abit = act_rd[((bank ? 0 : LB) + aj)*32+acl[4:0]];  // previous bank
      ad_pw[aj] = win_rd[((bank ? 0 : LB) + aj)*32+acl[4:0]];
      if (a1_syn[aj*SYN_W+B+WCELL]) begin
        if (!punish) begin
          if (abit) begin
            ps = {1'b0, ap} + cfg_inc[B:0];
            ap = (ps > PMAX[B:0]) ? PMAX[B-1:0] : ps[B-1:0];
          end else ap = ({24'd0, ap} > cfg_dec) ? ap - cfg_dec[B-1:0] : {B{1'b0}};
        end else if (abit) ap = ({24'd0, ap} > cfg_psd) ? ap - cfg_psd[B-1:0] : {B{1'b0}};
        if (ap == 0) begin
          ad_w[aj*SYN_W+:SYN_W] = 0;
          ad_npr = ad_npr + 1;
        end else begin
          ad_w[aj*SYN_W+:B] = ap;
          ad_v[aj] = 1;
        end
      end
    end
  end

  // GROW: candidate filter (is the previous winner presynaptic?), the
  // weakest evictable slot, the first free slot.
  reg g_hit;
  reg g_wv;
  reg [31:0] g_wj, g_free;
  reg [B-1:0] g_wp;
  integer gj;
  always @(*) begin
    g_hit = 0;
    for (gj = 0; gj < M; gj = gj + 1) if (sv[gj] && scell[gj*WCELL+:WCELL] == wl_rd[~lbank]) g_hit = 1;
    g_wv = 0;
    g_wj = 0;
    g_wp = 0;
    for (gj = 0; gj < M; gj = gj + 1)
      if (sv[gj] && !spw[gj] && (!g_wv || sperm[gj*B+:B] < g_wp)) begin
        g_wv = 1;
        g_wj = gj;
        g_wp = sperm[gj*B+:B];
      end
    g_free = M;
    for (gj = M - 1; gj >= 0; gj = gj - 1) if (!sv[gj]) g_free = gj;
  end

  // The generator's one multiplier: a draw below the least used cell's
  // ties (CS_BLU) or grow's remaining candidates (CS_GDRAW).
  reg [31:0] lu_ties;
  wire [31:0] draw_r = below(xs32(gen), (cs == CS_BLU) ? lu_ties : ncand - gi_i);

  // Burst: the lowest previous winner among the column's cells, the least
  // used cell.
  wire [31:0] b_first = cur_col * K;
  reg pw_ok;
  reg [31:0] pw_cell;
  reg [WG-1:0] lu_min;
  reg [31:0] lu_r, lu_cell, lu_k;
  integer bj;
  always @(*) begin
    pw_ok = 0;
    pw_cell = 0;
    for (bj = K - 1; bj >= 0; bj = bj - 1)
      if (pw2[(((b_first + bj) >> 5) - (b_first >> 5)) * 32+(b_first+bj)%32]) begin
        pw_ok = 1;
        pw_cell = b_first + bj;
      end
    lu_min = csv[WG-1:0];
    for (bj = 1; bj < K; bj = bj + 1) if (csv[bj*WG+:WG] < lu_min) lu_min = csv[bj*WG+:WG];
    lu_ties = 0;
    for (bj = 0; bj < K; bj = bj + 1) if (csv[bj*WG+:WG] == lu_min) lu_ties = lu_ties + 1;
  end
  integer bk2;
  always @(*) begin
    lu_r = draw_r;
    lu_cell = b_first;
    lu_k = 0;
    for (bk2 = 0; bk2 < K; bk2 = bk2 + 1)
      if (csv[bk2*WG+:WG] == lu_min) begin
        if (lu_k == lu_r) lu_cell = b_first + bk2;
        lu_k = lu_k + 1;
      end
  end

  // The next column of the loop and what it holds.
  wire [31:0] v_cc = c_ok ? c_col : C, v_ac = a_ok ? a_col : C, v_mc = m_ok ? m_col : C;
  wire [31:0] v_cam = v_cc < v_ac ? v_cc : v_ac;
  wire [31:0] v_col = v_cam < v_mc ? v_cam : v_mc;
  wire v_isa = c_ok && c_col == v_col, v_hasa = a_ok && a_col == v_col, v_hasm = m_ok && m_col == v_col;
  wire l_pseg = mode_pred && a_ok && a_col == cur_col;
  wire l_pun = mode_pun && m_ok && m_col == cur_col;
  wire b_srch = m_ok && m_col == cur_col;  // a matching segment of the burst column

  // Grow: the synapses to grow, and a draw.
  wire [31:0] g_n1 = (grow_n < $signed({2'b00, ncand})) ? grow_n[31:0] : ncand;
  wire [31:0] gd_r = draw_r;
  wire gd_take = gd_r < need;

  // ------------------------------------------------------------ ports
  integer pl;
  always @(*) begin
    seg_ra = 0; seg_wa = 0; seg_we = 0; seg_wd = 0;
    lru_ra = 0; lru_wa = 0; lru_we = 0; lru_wd = 0;
    seq_ra = 0; seq_wa = 0; seq_we = 0; seq_wd = 0;
    free_ra = 0; free_wa = 0; free_we = 0; free_wd = 0;
    np_ra = 0; np_wa = 0; np_we = 0; np_wd = 0;
    ncn_ra = 0; ncn_wa = 0; ncn_we = 0; ncn_wd = 0;
    syn_ra = 0; syn_wa = 0; syn_we = 0; syn_wd = 0;
    cs_ra = 0; cs_wa = 0; cs_we = 0; cs_wd = 0;
    act_ra = 0; win_ra = 0; act_we = 0; win_we = 0; act_wa = 0; win_wa = 0; act_wd = 0; win_wd = 0;
    lb_ra = 0; lb_we = 0; lb_wa = 0; lb_wd = 0;
    ce_ra[0] = 0; ce_ra[1] = 0; ce_wa[0] = 0; ce_wa[1] = 0; ce_we = 0; ce_wd[0] = 0; ce_wd[1] = 0;
    ac_ra = 0; ac_wa = 0; ac_we = 0; ac_wd = 0;
    cand_ra = 0; cand_wa = 0; cand_we = 0; cand_wd = 0;
    wl_ra[0] = 0; wl_ra[1] = 0; wl_wa[0] = 0; wl_wa[1] = 0; wl_we = 0; wl_wd[0] = 0; wl_wd[1] = 0;
    pr_ra = 0; pr_wa = 0; pr_we = 0; pr_wd = 0;
    oc_ra = 0;
    c_nidx = c_idx; a_nidx = a_idx; m_nidx = m_idx;
    if (!busy) begin
      // Host reads and writes (memory windows, PRED_BUF, CRC).
      if (h_re) begin
        if (h_pr) pr_ra = h_addr[A_C-1:0];
        else
          case (h_sel)
            MEM_TM_SEG: seg_ra = h_addr[A_S-1:0];
            MEM_TM_SEGLRU: lru_ra = h_addr[A_S-1:0];
            MEM_TM_SEGSEQ: seq_ra = h_addr[A_S-1:0];
            MEM_TM_FREE: free_ra = h_addr[A_S-1:0];
            MEM_TM_SYN: syn_ra = (h_addr / M) * ML + (h_addr % M) / L;
            MEM_TM_CELLSEGS: cs_ra = h_addr[A_NC-1:0];
            MEM_TM_ACTIVE: act_ra[(bank ? LB : 0)*A_WC+:A_WC] = h_addr[A_WC-1:0];
            MEM_TM_WINNER: win_ra[(bank ? LB : 0)*A_WC+:A_WC] = h_addr[A_WC-1:0];
            default: ;
          endcase
      end
      if (h_we)
        case (h_wsel)
          MEM_TM_SEG: begin seg_we = 1; seg_wa = h_waddr[A_S-1:0]; seg_wd = h_wd[SEG_W-1:0]; end
          MEM_TM_SEGLRU: begin lru_we = 1; lru_wa = h_waddr[A_S-1:0]; lru_wd = h_wd[31:0]; end
          MEM_TM_SEGSEQ: begin seq_we = 1; seq_wa = h_waddr[A_S-1:0]; seq_wd = h_wd; end
          MEM_TM_FREE: begin free_we = 1; free_wa = h_waddr[A_S-1:0]; free_wd = h_wd[WS-1:0]; end
          MEM_TM_SYN: begin
            syn_we[(h_waddr%M)%L] = 1'b1;
            syn_wa = (h_waddr / M) * ML + (h_waddr % M) / L;
            syn_wd = {L{h_wd[SYN_W-1:0]}};
          end
          MEM_TM_CELLSEGS: begin cs_we = 1; cs_wa = h_waddr[A_NC-1:0]; cs_wd = h_wd[WG-1:0]; end
          MEM_TM_ACTIVE: begin act_we[bank] = 1; act_wa = h_waddr[A_WC-1:0]; act_wd = h_wd[31:0]; end
          MEM_TM_WINNER: begin win_we[bank] = 1; win_wa = h_waddr[A_WC-1:0]; win_wd = h_wd[31:0]; end
          default: ;
        endcase
    end else begin
      // ------------------------------------------------ TM_PREDICT
      if (tph == T_PRED) begin
        if (pcyc < na) lb_ra[(4 + (afin ? 2 : 0))*A_S+:A_S] = pcyc[A_S-1:0];
        if (pcyc >= na && pcyc < na + n_act) oc_ra = pcyc - na;
        if (pcyc >= 1 && pcyc <= na) begin
          if (n_pred == 0 || colof(e_owner(a_e)) != {{(32 - WCOL) {1'b0}}, lastcol}) begin
            pr_we = 1; pr_wa = n_pred[A_C-1:0]; pr_wd = colof(e_owner(a_e));
          end
        end
        if (pcyc + 1 >= na + n_act + 2) begin
          // The last cycle: the column loop's first heads.
          lb_ra[(4 + (afin ? 2 : 0))*A_S+:A_S] = 0;
          lb_ra[(0 + (mfin ? 2 : 0))*A_S+:A_S] = 0;
          ce_ra[0] = 0; ce_ra[1] = 0;
          oc_ra = 0;
        end
      end
      // ------------------------------------------------ TM_CELLS
      if (tph == T_CELLS) begin
        case (cs)
          CS_LOOP:
          if (l_pseg) begin
            a_nidx = a_idx + 1;
            if (lastcell != {1'b0, e_owner(a_e)}) begin
              ac_we = 1; ac_wa = nac[A_NC-1:0]; ac_wd = e_owner(a_e);
              wl_we[lbank] = 1; wl_wa[lbank] = nwc[A_NC-1:0]; wl_wd[lbank] = e_owner(a_e);
            end
            np_ra = e_sg(a_e);
          end else if (l_pun) begin
            m_nidx = m_idx + 1;
          end else if (v_col < C) begin
            if (v_isa) c_nidx = c_idx + 1;
            if (v_isa && v_hasa) begin
              if (v_hasm) m_nidx = ce_rd[0];
            end else if (v_isa) begin
              // Burst: the previous winners' words of the column's cells.
              win_ra[((bank ? 0 : LB) + 0)*A_WC+:A_WC] = (v_col * K) >> 5;
              win_ra[((bank ? 0 : LB) + 1)*A_WC+:A_WC] = ((v_col * K) >> 5) + 1;
            end else begin
              if (v_hasa) a_nidx = ce_rd[1];
              if (v_hasm && !(lrn && cfg_psd != 0)) m_nidx = ce_rd[0];
            end
          end
          CS_BURST: begin
            if (bk < K) begin
              ac_we = 1; ac_wa = nac[A_NC-1:0]; ac_wd = b_first + bk;
              cs_ra = b_first + bk;
            end
            if (b_srch) begin
              np_ra = e_sg(m_e);
              m_nidx = m_idx + 1;
            end
            if (bk >= K && !b_srch && !srch_v && (best_v || pw_ok)) begin
              wl_we[lbank] = 1; wl_wa[lbank] = nwc[A_NC-1:0]; wl_wd[lbank] = best_v ? best_owner : pw_cell;
            end
          end
          CS_BLU: begin
            wl_we[lbank] = 1; wl_wa[lbank] = nwc[A_NC-1:0]; wl_wd[lbank] = lu_cell;
          end
          CS_ADAPT: begin
            if (u == 0) seg_ra = sg;
            if (u < ML) syn_ra = sg * ML + u;
            if (u >= 1 && u <= ML) begin
              for (pl = 0; pl < L; pl = pl + 1) begin
                act_ra[((bank ? 0 : LB) + pl)*A_WC+:A_WC] = syn_rd[pl*SYN_W+B+:WCELL] >> 5;
                win_ra[((bank ? 0 : LB) + pl)*A_WC+:A_WC] = syn_rd[pl*SYN_W+B+:WCELL] >> 5;
              end
            end
            if (u >= 2 && u <= ML + 1) begin
              syn_we = {L{1'b1}}; syn_wa = sg * ML + (u - 2); syn_wd = ad_w;
            end
            if (u == ML + 1 && ad_n - ad_npr >= cfg_minT) begin
              seg_we = 1; seg_wa = sg;
              seg_wd = {ad_n[WM-1:0] - ad_npr[WM-1:0], 1'b1, sg_owner};
            end
          end
          CS_GROW: begin
            if (u < npw) wl_ra[~lbank] = u;
            if (u >= 1 && u <= npw && !g_hit) begin
              cand_we = 1; cand_wa = ncand[A_NC-1:0]; cand_wd = wl_rd[~lbank];
            end
          end
          CS_GMID: cand_ra = 0;
          CS_GEV:
          if (g_wv) begin
            syn_we[g_wj%L] = 1'b1; syn_wa = sg * ML + g_wj / L; syn_wd = 0;
            seg_we = 1; seg_wa = sg; seg_wd = {used[WM-1:0] - 1'b1, 1'b1, sg_owner};
          end
          CS_GDRAW: begin
            cand_ra = gi_i + 1;
            if (gd_take) begin
              syn_we[g_free%L] = 1'b1; syn_wa = sg * ML + g_free / L;
              syn_wd = {L{{1'b1, cand_rd, cfg_init[B-1:0]}}};
              seg_we = 1; seg_wa = sg; seg_wd = {used[WM-1:0] + 1'b1, 1'b1, sg_owner};
            end
          end
          CS_CREATE:
          if (u == 0) begin
            cs_ra = ccell;
            free_ra = fc - 1;
          end
          CS_CFSCAN: if (u < S) begin seg_ra = u; lru_ra = u; seq_ra = u; end
          CS_PFSCAN: if (u < S) begin np_ra = u; ncn_ra = u; lru_ra = u; end
          CS_DESTROY: begin
            if (u < ML) begin
              syn_we = {L{1'b1}}; syn_wa = sg * ML + u; syn_wd = 0;
            end
            if (u == 0) begin
              seg_ra = sg;
              seg_we = 1; seg_wa = sg; seg_wd = 0;
              lru_we = 1; lru_wa = sg; lru_wd = 0;
              seq_we = 1; seq_wa = sg; seq_wd = 0;
              free_we = 1; free_wa = fc; free_wd = sg;
            end
            if (u == 1) cs_ra = sg_owner_ok ? sg_owner : seg_rd[WCELL-1:0];
            if (u == 2) begin cs_we = 1; cs_wa = sg_owner; cs_wd = cs_rd - 1'b1; end
          end
          CS_POP: ;
          default: ;
        endcase
        // The pop of CREATE (u == 1 without evictions, or CS_POP).
        if ((cs == CS_CREATE && u == 1 && cs_rd < G && fc != 0) || cs == CS_POP) begin
          free_we = 1; free_wa = fc - 1; free_wd = 0;
          seg_we = 1; seg_wa = (cs == CS_POP) ? sg : free_rd; seg_wd = {{WM{1'b0}}, 1'b1, ccell};
          lru_we = 1; lru_wa = seg_wa; lru_wd = iter;
          seq_we = 1; seq_wa = seg_wa; seq_wd = created;
          np_we = 1; np_wa = seg_wa; np_wd = 0;
          ncn_we = 1; ncn_wa = seg_wa; ncn_wd = 0;
          cs_we = 1; cs_wa = ccell; cs_wd = (cs == CS_POP) ? cs0[WG-1:0] + 1'b1 : cs_rd + 1'b1;
        end
      end
      // ------------------------------------------------ TM_SWAP
      if (tph == T_SWAP) begin
        ac_ra = sw_go ? sw_ai + ((sw_ai < nac && sw_aw < WC && {5'd0, ac_rd} >> 5 == sw_aw) ? 1 : 0) : 0;
        wl_ra[lbank] = sw_go ? sw_wi + ((sw_wi < nwc && sw_ww < WC && {5'd0, wl_rd[lbank]} >> 5 == sw_ww) ? 1 : 0) : 0;
        if (sw_go && sw_aw < WC && !(sw_ai < nac && {5'd0, ac_rd} >> 5 == sw_aw)) begin
          act_we[bank] = 1; act_wa = sw_aw; act_wd = sw_aacc;
        end
        if (sw_go && sw_ww < WC && !(sw_wi < nwc && {5'd0, wl_rd[lbank]} >> 5 == sw_ww)) begin
          win_we[bank] = 1; win_wa = sw_ww; win_wd = sw_wacc;
        end
      end
      // ------------------------------------------------ dendrite
      if (tph == T_SWAP || tph == T_DEND || tph == T_REST) begin
        if (fi < S && fq_n + (f_inf ? 1 : 0) < 3) begin
          seg_ra = fi;
          seq_ra = fi;
        end
      end
      if ((tph == T_DEND || tph == T_REST) && dsub == 0) begin
        if (sc_act) syn_ra = sc_sg * ML + sc_g;
        if (s1_v)
          for (pl = 0; pl < L; pl = pl + 1)
            act_ra[((bank ? LB : 0) + pl)*A_WC+:A_WC] = syn_rd[pl*SYN_W+B+:WCELL] >> 5;
        if (s2_v && s2_last) begin
          np_we = 1; np_wa = s2_sg; np_wd = s2_tp;
          ncn_we = 1; ncn_wa = s2_sg; ncn_wd = s2_tc;
          if (s2_isact) begin
            lb_we[2] = 1; lb_wa[2*A_S+:A_S] = na_c; lb_wd[2*EW+:EW] = s2_e;
            if (na_c == 0) begin ce_we[1] = 1; ce_wa[1] = 0; ce_wd[1] = 1; end
            if (lrn) begin lru_we = 1; lru_wa = s2_sg; lru_wd = iter; end
          end
          if (s2_ismat) begin
            lb_we[0] = 1; lb_wa[0*A_S+:A_S] = nm_c; lb_wd[0*EW+:EW] = s2_e;
            if (nm_c == 0) begin ce_we[0] = 1; ce_wa[0] = 0; ce_wd[0] = 1; end
          end
        end
      end
      if (tph == T_REST && !rw_done) begin
        // One set bit listed per cycle; the next word is read in the cycle
        // that lists the current word's last bit (or finds it empty).
        if (rw_start) win_ra[(bank ? LB : 0)*A_WC+:A_WC] = 0;
        else if (rw_rem == 0) win_ra[(bank ? LB : 0)*A_WC+:A_WC] = rw_w + 1;
        if (!rw_start && rw_cw != 0) begin
          wl_we[lbank] = 1; wl_wa[lbank] = nwc;
          for (pl = 31; pl >= 0; pl = pl - 1) if (rw_cw[pl]) wl_wd[lbank] = rw_w * 32 + pl;
        end
      end
      // ------------------------------------------------ sort
      if ((tph == T_DEND || tph == T_REST) && dsub == 1) begin
        if (s_takea) begin
          if (srt_ia + 1 < srt_mid) lb_ra[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 0)*A_S+:A_S] = srt_ia + 1;
        end else if (srt_jb + 1 < srt_hi) lb_ra[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 1)*A_S+:A_S] = srt_jb + 1;
        if (s_gend && srt_hi < srt_n) begin
          lb_ra[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 0)*A_S+:A_S] = s_lo2;
          lb_ra[({2'd0, srt_x, 2'b00} + {3'd0, srt_src, 1'b0} + 1)*A_S+:A_S] = s_mid2;
        end
        lb_we[{srt_x, ~srt_src}] = 1;
        lb_wa[{srt_x, ~srt_src}*A_S+:A_S] = srt_op;
        lb_wd[{srt_x, ~srt_src}*EW+:EW] = s_out;
        if (srt_last && srt_op != 0 && s_ocol != srt_pc) begin
          ce_we[srt_x] = 1; ce_wa[srt_x] = srt_gs; ce_wd[srt_x] = srt_op;
        end
      end
      if (srt_cev) begin
        ce_we[srt_cex] = 1; ce_wa[srt_cex] = srt_cea; ce_wd[srt_cex] = srt_ced;
      end
      // List readers (TM_CELLS).
      if (tph == T_CELLS) begin
        oc_ra = c_nidx;
        lb_ra[(4 + (afin ? 2 : 0))*A_S+:A_S] = a_nidx;
        lb_ra[(0 + (mfin ? 2 : 0))*A_S+:A_S] = m_nidx;
        ce_ra[1] = a_nidx;
        ce_ra[0] = m_nidx;
      end
    end
  end

  // Host read data (the cycle after h_re).
  reg [MEM_SEL_BITS-1:0] hr_sel;
  reg hr_pr;
  reg [31:0] hr_lane;
  always @(*) begin
    h_rdata = 0;
    if (hr_pr) h_rdata = {{(64 - WCOL) {1'b0}}, pr_rd};
    else
      case (hr_sel)
        MEM_TM_SEG: h_rdata = {{(64 - SEG_W) {1'b0}}, seg_rd};
        MEM_TM_SEGLRU: h_rdata = {32'd0, lru_rd};
        MEM_TM_SEGSEQ: h_rdata = seq_rd;
        MEM_TM_FREE: h_rdata = {{(64 - WS) {1'b0}}, free_rd};
        MEM_TM_SYN: h_rdata = {{(64 - SYN_W) {1'b0}}, syn_rd[hr_lane*SYN_W+:SYN_W]};
        MEM_TM_CELLSEGS: h_rdata = {{(64 - WG) {1'b0}}, cs_rd};
        MEM_TM_ACTIVE: h_rdata = {32'd0, act_rd[(bank ? LB : 0)*32+:32]};
        MEM_TM_WINNER: h_rdata = {32'd0, win_rd[(bank ? LB : 0)*32+:32]};
        default: ;
      endcase
  end

  // ------------------------------------------------------------ sequencer
  wire [31:0] sort_cyc = nm_c * clog2f(nm_c) + na_c * clog2f(na_c);
  // sort_start starts the merge sort of list x (n ≥ 2 entries, in buffer 0):
  // its first pass merges runs of 1, from the two entries the scan kept.
  task sort_start(input x, input [31:0] n);
    begin
      srt_x <= x;
      srt_n <= n;
      srt_src <= 0;
      srt_w <= 1;
      srt_op <= 0;
      srt_ia <= 0;
      srt_mid <= 1;
      srt_jb <= 1;
      srt_hi <= 2;
      srt_fa <= 0;
      srt_fb <= 0;
      srt_ha <= h0[x];
      srt_hb <= h1[x];
      srt_last <= n <= 2;
    end
  endtask
  // dend_start starts the dendrite scan's segment finder (with TM_SWAP, or
  // RESTORE) and empties its pipeline.
  task dend_start;
    begin
      fi <= 0;
      f_inf <= 0;
      fq_n <= 0;
      fq_h <= 0;
      fq_t <= 0;
      nused <= 0;
      sc_act <= 0;
      s1_v <= 0;
      s2_v <= 0;
      na_c <= 0;
      nm_c <= 0;
    end
  endtask
  integer q;
  always @(posedge clk) begin
    done <= 0;
    ev <= 0;
    ev_synpr <= 0;
    hr_sel <= h_sel;
    hr_pr <= h_pr;
    hr_lane <= (h_addr % M) % L;
    srt_cev <= 0;
    if (busy) begin
      first <= 0;
      pcyc <= pcyc + 1;
      c_idx <= c_nidx;
      a_idx <= a_nidx;
      m_idx <= m_nidx;
      case (tph)
        // ---------------------------------------------------- TM_PREDICT
        T_PRED: begin
          if (pcyc >= 1 && pcyc <= na) begin
            if (n_pred == 0 || a_col != {{(32 - WCOL) {1'b0}}, lastcol}) begin
              n_pred <= n_pred + 1;
              lastcol <= a_col[WCOL-1:0];
              predbits[a_col] <= 1'b1;
            end
          end
          if (pcyc >= na + 1 && pcyc <= na + n_act && predbits[oc_rd]) both <= both + 1;
          if (pcyc + 1 >= na + n_act + 2) begin
            cyc_pred <= pcyc + 1;
            anom_num <= n_act - both;
            tph <= T_CELLS;
            pcyc <= 0;
            chg <= 0;
            c_idx <= 0; a_idx <= 0; m_idx <= 0;
            cs <= CS_LOOP;
            bank <= ~bank;
            lbank <= ~lbank;
            npw <= nwc;
            nwc <= 0;
            nac <= 0;
            lastcell <= {1'b1, {WCELL{1'b0}}};
            mode_pred <= 0;
            mode_pun <= 0;
            if (gen == 0) gen <= 32'h6D2B79F5;
          end
        end
        // ---------------------------------------------------- TM_CELLS
        T_CELLS: begin
          case (cs)
            CS_LOOP:
            if (l_pseg) begin
              chg <= chg + 1;
              if (lastcell != {1'b0, e_owner(a_e)}) begin
                nac <= nac + 1;
                nwc <= nwc + 1;
                lastcell <= {1'b0, e_owner(a_e)};
              end
              if (lrn) begin
                sg <= e_sg(a_e);
                sg_owner <= e_owner(a_e);
                punish <= 0;
                grow_after <= 1;
                grow_np <= 1;
                cs <= CS_ADAPT;
                u <= 0;
              end
            end else if (l_pun) begin
              sg <= e_sg(m_e);
              sg_owner <= e_owner(m_e);
              punish <= 1;
              grow_after <= 0;
              grow_np <= 0;
              cs <= CS_ADAPT;
              u <= 0;
            end else if (v_col >= C) begin
              // The loop ends: TM_SWAP follows at once. The two phases share
              // one window of their two charges (the swap's writes are
              // "counted inside phase 7's writes", section 4).
              cyc_cells <= chg;
              cells_act <= pcyc + 1;
              tph <= T_SWAP;
              pcyc <= 0;
              chg <= 2 * WC + nac + nwc;
              sw_go <= 0;
              sw_aw <= 0; sw_ai <= 0; sw_ww <= 0; sw_wi <= 0; sw_aacc <= 0; sw_wacc <= 0;
              dend_start;
            end else begin
              chg <= chg + 1;
              cur_col <= v_col;
              mode_pred <= v_isa && v_hasa;
              mode_pun <= !v_isa && v_hasm && lrn && cfg_psd != 0;
              if (v_isa && !v_hasa) begin
                cs <= CS_BURST;
                bk <= 0;
                best_v <= 0;
                srch_v <= 0;
              end
            end
            CS_BURST: begin
              if (bk == 0) pw2 <= {win_rd[((bank ? 0 : LB) + 1)*32+:32], win_rd[((bank ? 0 : LB) + 0)*32+:32]};
              if (bk < K) begin
                nac <= nac + 1;
                lastcell <= {1'b0, b_first[WCELL-1:0] + bk[WCELL-1:0]};
                chg <= chg + 1;
              end
              if (bk >= 1 && bk <= K) csv[(bk-1)*WG+:WG] <= cs_rd;
              if (bk <= K) bk <= bk + 1;
              srch_v <= b_srch;
              if (b_srch) begin
                chg <= chg + 1 + ((bk < K) ? 1 : 0);
                srch_sg <= e_sg(m_e);
                srch_owner <= e_owner(m_e);
              end
              if (srch_v && (!best_v || np_rd > best_np)) begin
                best_v <= 1;
                best_sg <= srch_sg;
                best_owner <= srch_owner;
                best_np <= np_rd;
              end
              if (bk >= K && !b_srch && !srch_v) begin
                // Decide the winner.
                if (best_v) begin
                  nwc <= nwc + 1;
                  if (lrn) begin
                    sg <= best_sg;
                    sg_owner <= best_owner;
                    punish <= 0;
                    grow_after <= 1;
                    grow_np <= 0;
                    grow_n <= $signed({2'b00, cfg_maxNew}) - $signed({18'd0, {(16 - WM) {1'b0}}, best_np});
                    cs <= CS_ADAPT;
                    u <= 0;
                  end else cs <= CS_LOOP;
                end else if (pw_ok) begin
                  chg <= chg + 1;
                  nwc <= nwc + 1;
                  ccell <= pw_cell[WCELL-1:0];
                  if (lrn && cfg_maxNew != 0 && npw != 0) begin
                    grow_n <= {2'b00, (cfg_maxNew < npw) ? cfg_maxNew : npw};
                    cs <= CS_CREATE;
                    u <= 0;
                  end else cs <= CS_LOOP;
                end else begin
                  chg <= chg + 1 + K + 1;
                  cs <= CS_BLU;
                end
              end
            end
            CS_BLU: begin
              gen <= xs32(gen);
              nwc <= nwc + 1;
              ccell <= lu_cell[WCELL-1:0];
              if (lrn && cfg_maxNew != 0 && npw != 0) begin
                grow_n <= {2'b00, (cfg_maxNew < npw) ? cfg_maxNew : npw};
                cs <= CS_CREATE;
                u <= 0;
              end else cs <= CS_LOOP;
            end
            CS_ADAPT: begin
              u <= u + 1;
              if (u == 0) begin
                chg <= chg + ML + 2;
                if (grow_np) grow_n <= $signed({2'b00, cfg_maxNew}) - $signed({18'd0, {(16 - WM) {1'b0}}, np_rd});
              end
              if (u == 1) ad_n <= {{(32 - WM) {1'b0}}, seg_rd[WCELL+1+:WM]};
              if (u >= 1 && u <= ML) a1_syn <= syn_rd;
              if (u >= 2 && u <= ML + 1) begin
                for (q = 0; q < L; q = q + 1)
                  if ((u - 2) * L + q < M) begin
                    sv[(u-2)*L+q] <= ad_v[q];
                    spw[(u-2)*L+q] <= ad_pw[q];
                    sperm[((u-2)*L+q)*B+:B] <= ad_w[q*SYN_W+:B];
                    scell[((u-2)*L+q)*WCELL+:WCELL] <= ad_w[q*SYN_W+B+:WCELL];
                  end
                if (ad_npr != 0) begin
                  ev[6] <= 1;
                  ev_synpr <= ad_npr;
                end
                ad_n <= ad_n - ad_npr;
              end
              if (u == ML + 1) begin
                used <= ad_n - ad_npr;
                if (ad_n - ad_npr >= cfg_minT) begin
                  if (grow_after && grow_n > 0) begin
                    cs <= CS_GROW;
                    u <= 0;
                    ncand <= 0;
                  end else cs <= CS_LOOP;
                end else begin
                  ev[3] <= 1;  // segments pruned
                  sg_owner_ok <= 1;
                  d_ret_create <= 0;
                  cs <= CS_DESTROY;
                  u <= 0;
                end
              end
            end
            CS_GROW: begin
              u <= u + 1;
              if (u == 0) chg <= chg + npw + ML;
              if (u >= 1 && u <= npw && !g_hit) ncand <= ncand + 1;
              if (u >= npw) cs <= CS_GMID;
            end
            CS_GMID: begin
              gi_i <= 0;
              need <= g_n1;
              over <= used + g_n1 - M;
              if (g_n1 == 0) cs <= CS_LOOP;
              else if (used + g_n1 > M) cs <= CS_GEV;
              else cs <= CS_GDRAW;
            end
            CS_GEV: begin
              // One weakest-synapse pass (over = used + need - M > 0).
              chg <= chg + ML + 1;
              if (g_wv) begin
                sv[g_wj] <= 0;
                used <= used - 1;
                over <= over - 1;
                ev[7] <= 1;  // synapses evicted
                if (over == 1) cs <= CS_GDRAW;
              end else begin
                need <= (need < M - used) ? need : M - used;
                cs <= (M - used == 0) ? CS_LOOP : CS_GDRAW;
              end
            end
            CS_GDRAW: begin
              chg <= chg + 1 + (gd_take ? 1 : 0);
              gen <= xs32(gen);
              gi_i <= gi_i + 1;
              if (gd_take) begin
                sv[g_free] <= 1;
                scell[g_free*WCELL+:WCELL] <= cand_rd;
                sperm[g_free*B+:B] <= cfg_init[B-1:0];
                spw[g_free] <= 0;
                used <= used + 1;
                need <= need - 1;
                ev[5] <= 1;  // synapses created
              end
              if ((gd_take && need == 1) || gi_i + 1 == ncand) cs <= CS_LOOP;
            end
            CS_CREATE: begin
              u <= u + 1;
              if (u == 0) chg <= chg + 2;
              if (u == 1) begin
                cs0 <= {{(32 - WG) {1'b0}}, cs_rd};
                if (cs_rd >= G) begin
                  chg <= chg + S + 1;
                  cs <= CS_CFSCAN;
                  u <= 0;
                  sc_v <= 0;
                end else if (fc == 0) begin
                  chg <= chg + S + 1;
                  cs <= CS_PFSCAN;
                  u <= 0;
                  sc_v <= 0;
                end else begin
                  // Popped (the port block writes).
                  fc <= fc - 1;
                  created <= created + 1;
                  ev[0] <= 1;
                  sg <= free_rd;
                  sg_owner <= ccell;
                  used <= 0;
                  sv <= 0;
                  cs <= CS_GROW;
                  u <= 0;
                  ncand <= 0;
                end
              end
            end
            CS_CFSCAN: begin
              u <= u + 1;
              if (u >= 1 && seg_rd[WCELL] && seg_rd[WCELL-1:0] == ccell &&
                  (!sc_v || iter - lru_rd > sc_age || (iter - lru_rd == sc_age && seq_rd < sc_seq))) begin
                sc_v <= 1;
                sc_best <= u - 1;
                sc_age <= iter - lru_rd;
                sc_seq <= seq_rd;
              end
              if (u == S) begin
                ev[1] <= 1;  // evicted (cell)
                sg <= (seg_rd[WCELL] && seg_rd[WCELL-1:0] == ccell &&
                       (!sc_v || iter - lru_rd > sc_age || (iter - lru_rd == sc_age && seq_rd < sc_seq))) ? u - 1 : sc_best;
                sg_owner <= ccell;
                sg_owner_ok <= 1;
                d_ret_create <= 1;
                d_pool <= 0;
                cs <= CS_DESTROY;
                u <= 0;
              end
            end
            CS_PFSCAN: begin
              u <= u + 1;
              if (u >= 1 && !({{(32 - WM) {1'b0}}, np_rd} >= cfg_minT || {{(32 - WM) {1'b0}}, ncn_rd} >= cfg_actT) &&
                  (!sc_v || iter - lru_rd > sc_age)) begin
                sc_v <= 1;
                sc_best <= u - 1;
                sc_age <= iter - lru_rd;
              end
              if (u == S) begin
                if (!sc_v && ({{(32 - WM) {1'b0}}, np_rd} >= cfg_minT || {{(32 - WM) {1'b0}}, ncn_rd} >= cfg_actT)) begin
                  ev[4] <= 1;  // not created
                  cs <= CS_LOOP;
                end else begin
                  ev[2] <= 1;  // evicted (pool)
                  sg <= (!({{(32 - WM) {1'b0}}, np_rd} >= cfg_minT || {{(32 - WM) {1'b0}}, ncn_rd} >= cfg_actT) &&
                         (!sc_v || iter - lru_rd > sc_age)) ? u - 1 : sc_best;
                  sg_owner_ok <= 0;
                  d_ret_create <= 1;
                  d_pool <= 1;
                  cs <= CS_DESTROY;
                  u <= 0;
                end
              end
            end
            CS_DESTROY: begin
              u <= u + 1;
              if (u == 0) begin
                chg <= chg + ML + 2;
                fc <= fc + 1;
              end
              if (u == 1) begin
                sg_owner <= sg_owner_ok ? sg_owner : seg_rd[WCELL-1:0];
                if (d_ret_create && d_pool && !sg_owner_ok && seg_rd[WCELL-1:0] == ccell) cs0 <= cs0 - 1;
              end
              if (u >= 2 && u + 1 >= ML) begin
                if (d_ret_create) begin
                  if (!d_pool) cs0 <= cs0 - 1;
                  cs <= CS_POP;
                end else cs <= CS_LOOP;
              end
            end
            CS_POP: begin
              fc <= fc - 1;
              created <= created + 1;
              ev[0] <= 1;
              sg_owner <= ccell;
              used <= 0;
              sv <= 0;
              cs <= CS_GROW;
              u <= 0;
              ncand <= 0;
            end
            default: ;
          endcase
        end
        // ---------------------------------------------------- TM_SWAP
        T_SWAP: begin
          sw_go <= 1;
          if (sw_go) begin
            if (sw_aw < WC) begin
              if (sw_ai < nac && {5'd0, ac_rd} >> 5 == sw_aw) begin
                sw_aacc <= sw_aacc | (32'd1 << ac_rd[4:0]);
                sw_ai <= sw_ai + 1;
              end else begin
                sw_aw <= sw_aw + 1;
                sw_aacc <= 0;
              end
            end
            if (sw_ww < WC) begin
              if (sw_wi < nwc && {5'd0, wl_rd[lbank]} >> 5 == sw_ww) begin
                sw_wacc <= sw_wacc | (32'd1 << wl_rd[lbank][4:0]);
                sw_wi <= sw_wi + 1;
              end else begin
                sw_ww <= sw_ww + 1;
                sw_wacc <= 0;
              end
            end
          end
          if (sw_aw >= WC && sw_ww >= WC && cells_act + pcyc + 1 >= cyc_cells + chg) begin
`ifdef SIM
            if (cells_act + pcyc + 1 > cyc_cells + chg)
              $display("htm_tm: TM_CELLS and TM_SWAP overran their charges: %0d cycles, charged %0d + %0d",
                       cells_act + pcyc + 1, cyc_cells, chg);
`endif
            cyc_swap <= chg;
            tph <= T_DEND;
            pcyc <= 0;
            dsub <= 0;
          end
        end
        default: ;
      endcase
      // ------------------------------------------------------- dendrite
      if (tph == T_SWAP || tph == T_DEND || tph == T_REST) begin
        // Finder.
        f_inf <= 0;
        if (fi < S && fq_n + (f_inf ? 1 : 0) < 3) begin
          fi <= fi + 1;
          f_inf <= 1;
          f_idx <= fi[A_S-1:0];
        end
        if (f_push) begin
          fq_sg[fq_t] <= f_idx[WS-1:0];
          fq_ow[fq_t] <= seg_rd[WCELL-1:0];
          fq_seq[fq_t] <= seq_rd;
          fq_t <= fq_t + 1;
          nused <= nused + 1;
        end
        fq_n <= fq_n + (f_push ? 1 : 0) - ((tph != T_SWAP && dsub == 0 && fq_take) ? 1 : 0);
      end
      if ((tph == T_DEND || tph == T_REST) && dsub == 0) begin
        // Scanner.
        s1_v <= sc_act;
        s1_last <= sc_g == ML - 1;
        s1_first <= sc_g == 0;
        s1_sg <= sc_sg;
        s1_ow <= sc_ow;
        s1_sq <= sc_sq;
        if (sc_act) sc_g <= sc_g + 1;
        if (fq_pop) begin
          sc_act <= fq_n != 0;
          sc_g <= 0;
          sc_sg <= fq_sg[fq_h];
          sc_ow <= fq_ow[fq_h];
          sc_sq <= fq_seq[fq_h];
          if (fq_n != 0) fq_h <= fq_h + 1;
        end
        s2_v <= s1_v;
        s2_last <= s1_last;
        s2_first <= s1_first;
        s2_sg <= s1_sg;
        s2_ow <= s1_ow;
        s2_sq <= s1_sq;
        for (q = 0; q < L; q = q + 1) begin
          s2_val[q] <= s1_v && syn_rd[q*SYN_W+B+WCELL];
          s2_conn[q] <= {{(32 - B) {1'b0}}, syn_rd[q*SYN_W+:B]} >= cfg_conn;
          s2_bit[q*5+:5] <= syn_rd[q*SYN_W+B+:5];
        end
        if (s2_v) begin
          acc_p <= s2_tp;
          acc_c <= s2_tc;
        end
        if (s2_isact) begin
          na_c <= na_c + 1;
          if (na_c == 0) h0[1] <= s2_e;
          if (na_c == 1) h1[1] <= s2_e;
        end
        if (s2_ismat) begin
          nm_c <= nm_c + 1;
          if (nm_c == 0) h0[0] <= s2_e;
          if (nm_c == 1) h1[0] <= s2_e;
        end
        if (scan_done && (tph == T_DEND || rw_done)) begin
          na <= na_c;
          nm <= nm_c;
          afin <= 0;
          mfin <= 0;
          dchg <= (tph == T_REST ? W + WC + nwc : 0) + S + nused * ML + sort_cyc + ((tph == T_DEND && lrn) ? na_c : 0);
          dsub <= 1;
          // The first sort: the matching list if it has two entries or more.
          sort_start(nm_c < 2, (nm_c >= 2) ? nm_c : na_c);
          if (nm_c < 2 && na_c < 2) dsub <= 2;
        end
      end
      if ((tph == T_DEND || tph == T_REST) && dsub == 1) begin
        // One merge output per cycle.
        srt_ha <= s_ha;
        srt_hb <= s_hb;
        srt_fa <= 0;
        srt_fb <= 0;
        srt_op <= srt_op + 1;
        if (s_takea) begin
          srt_ia <= srt_ia + 1;
          if (srt_ia + 1 < srt_mid) srt_fa <= 1;
        end else begin
          srt_jb <= srt_jb + 1;
          if (srt_jb + 1 < srt_hi) srt_fb <= 1;
        end
        if (srt_op == 0) srt_nha <= s_out;
        if (srt_op == 2 * srt_w) srt_nhb <= s_out;
        if (srt_last) begin
          if (srt_op == 0) begin
            srt_gs <= 0;
            srt_pc <= s_ocol;
          end else if (s_ocol != srt_pc) begin
            srt_gs <= srt_op;
            srt_pc <= s_ocol;
          end
        end
        if (s_gend) begin
          if (srt_hi < srt_n) begin
            srt_ia <= s_lo2;
            srt_mid <= s_mid2;
            srt_jb <= s_mid2;
            srt_hi <= s_hi2;
            srt_fa <= 1;
            srt_fb <= s_mid2 < s_hi2;
          end else begin
            // The pass ends.
            if (srt_last) begin
              srt_cev <= 1;
              srt_cex <= srt_x;
              srt_cea <= (srt_op != 0 && s_ocol != srt_pc) ? srt_op : srt_gs;
              srt_ced <= srt_n;
              if (srt_x) afin <= ~srt_src;
              else mfin <= ~srt_src;
              if (!srt_x && na_c >= 2) begin
                // Then the active list.
                sort_start(1'b1, na_c);
              end else dsub <= 2;
            end else begin
              srt_src <= ~srt_src;
              srt_w <= 2 * srt_w;
              srt_op <= 0;
              srt_ia <= 0;
              srt_mid <= (2 * srt_w < srt_n) ? 2 * srt_w : srt_n;
              srt_jb <= (2 * srt_w < srt_n) ? 2 * srt_w : srt_n;
              srt_hi <= (4 * srt_w < srt_n) ? 4 * srt_w : srt_n;
              srt_fa <= 0;
              srt_fb <= 0;
              srt_ha <= (srt_op == 0) ? s_out : srt_nha;
              srt_hb <= (srt_op == 2 * srt_w) ? s_out : srt_nhb;
              srt_last <= 4 * srt_w >= srt_n;
            end
          end
        end
      end
      if ((tph == T_DEND || tph == T_REST) && dsub == 2 && !srt_cev && pcyc + 1 >= dchg) begin
`ifdef SIM
        if (pcyc + 1 > dchg) $display("htm_tm: TM_DENDRITE overran its charge: %0d cycles, charged %0d", pcyc + 1, dchg);
`endif
        cyc_dend <= pcyc + 1;
        if (tph == T_DEND && lrn) iter <= iter + 1;
        tph <= T_IDLE;
        busy <= 0;
        done <= 1;
      end
      // RESTORE: the winner list from tm.winner (read a word, then one set
      // bit per cycle, lowest first).
      if (tph == T_REST && !rw_done) begin
        rw_start <= 0;
        if (rw_start) begin
          rw_w <= 0;
          rw_fresh <= 1;
        end else begin
          if (rw_cw != 0) nwc <= nwc + 1;
          if (rw_rem == 0) begin
            if (rw_w + 1 >= WC) rw_done <= 1;
            rw_w <= rw_w + 1;
            rw_fresh <= 1;
          end else begin
            rw_word <= rw_rem;
            rw_fresh <= 0;
          end
        end
      end
    end
    // ------------------------------------------------------------ start
    if (start_step) begin
      busy <= 1;
      first <= 1;
      lrn <= learn;
      tph <= T_PRED;
      pcyc <= 0;
      n_pred <= 0;
      both <= 0;
      predbits <= 0;
      iter <= r_iter[31:0];
      created <= r_created;
      gen <= r_gen[31:0];
      fc <= r_free;
    end
    if (start_restore) begin
      busy <= 1;
      first <= 1;
      lrn <= 0;
      tph <= T_REST;
      pcyc <= 0;
      dsub <= 0;
      iter <= r_iter[31:0];
      created <= r_created;
      gen <= r_gen[31:0];
      fc <= r_free;
      dend_start;
      rw_start <= 1; rw_fresh <= 0; rw_done <= 0; nwc <= 0;
    end
    if (rst) begin
      busy <= 0;
      tph <= T_IDLE;
    end
  end

  initial begin
    busy = 0;
    bank = 0;
    lbank = 0;
    na = 0;
    nm = 0;
    afin = 0;
    mfin = 0;
    npw = 0;
    nwc = 0;
    n_pred = 0;
    anom_num = 0;
  end
endmodule
`default_nettype wire
