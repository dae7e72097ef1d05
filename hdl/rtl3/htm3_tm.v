// htm3_tm: the temporal memory of architecture 3 inside htm3_accel
// (hdl/rtl3/ACCEL.md): the column engine htm3_tm_cells
// (TM_PREDICT folded into TM_CELLS, TM.md), the dendrite unit
// htm3_dendrite (TM_DENDRITE, DENDRITE.md), the bank pointer (TM_SWAP) and
// RESTORE's rebuild of the TM's working state, with the memories only the
// TM uses: the per-cell heads, the per-segment scratch, the column bitmaps,
// grow's exclusion marks and the winner lists. The memories it shares with
// the host window (tm.syn, the segment memory, cfg/regs, tm.cellsegs,
// tm.active, tm.winner, out.pred) stay in htm3_memmap; the e_* ports drive
// them while e_on (one engine at a time: the sequencer runs them in turn).
//
// Commands (one-cycle pulses from htm3_seq, while idle): start_cells (with
// learn, n_act), swap (flip the bank pointer cb; the winners just written
// become the previous winners), start_dend (with learn), start_rst. done
// pulses once the engine started has finished: a cycle after the column
// engine's or the dendrite unit's own done, a cycle after the restore
// pass's last cycle.
//
// RESTORE's rebuild (start_rst), from the memories as the host wrote them
// (contract version 4: the host writes the used list, docs/ARCHITECTURE.md
// 3.3):
//   clear    NC + 1 cycles: every head and column-bitmap word cleared (the
//            dendrite pass needs them empty), and the winner list of bank
//            cb rebuilt from tm.winner's bank cb in ascending order (n_pw,
//            the next step's previous winners); FREE_COUNT is read on
//            cfg/regs' port meanwhile
//   list     for each tm.free entry above FREE_COUNT (FREE_COUNT .. S - 1:
//            the used segments in creation order, oldest first, written
//            there by the host), newest first, 4 cycles: the entry read,
//            cleared to 0 (tm.free's entries above FREE_COUNT are 0 again,
//            as while the device runs) while its segment x is taken, x's
//            next link (the newer segment z; the newest links to itself),
//            then z's prev link (x), or for the newest the tail; then 1 to
//            end with the oldest's prev (itself). No check and no error:
//            the host writes the list and sim.Device refuses a wrong one
//            (BAD_STATE). Whatever the entries hold the pass is bounded by
//            S - FREE_COUNT, and linking newest first makes the walk from
//            the tail along prev (the dendrite pass's, the column engine's
//            LRU walk) end: each step goes to the entry just before the
//            first occurrence of the segment it leaves, so to an earlier
//            first occurrence, down to the oldest entry, whose prev is
//            written last, to itself (ARCHITECTURE.md 3.3)
//   so NC + 4·n_used + 2 busy cycles (ACCEL.md). The sequencer then runs a
//   dendrite pass without learning, which rebuilds the per-cell lists, the
//   scratch counts and the column bitmaps.
`default_nettype none
module htm3_tm #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer G = 8,
    parameter integer B = 8,
    parameter integer SM_AW = 14,
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
    input  wire clk,
    input  wire rst,
    input  wire start_cells,
    input  wire start_dend,
    input  wire start_rst,
    input  wire swap,
    input  wire learn,
    input  wire [WCOL:0] n_act,
    output reg  done,
    output wire [WCOL:0] n_pred,
    output wire [WCOL:0] anom_num,
    output reg  cb,  // the current bank of tm.active, tm.winner and the winner list

    // the SP's active columns (out.cols)
    output wire [WCOL-1:0] ac_ra,
    input  wire [WCOL-1:0] ac_rd,

    // the shared memories (htm3_memmap), driven while e_on
    output reg               e_on,
    output reg  [       6:0] e_cr_ra,
    input  wire [      15:0] e_cr_rd,
    output reg               e_cr_we,
    output reg  [       6:0] e_cr_wa,
    output reg  [      15:0] e_cr_wd,
    output reg  [ SM_AW-1:0] e_sm_a,
    output reg               e_sm_we,
    output reg  [      15:0] e_sm_wd,
    input  wire [      15:0] e_sm_rd,
    output reg  [SYN_AW-1:0] e_syn_a,
    output reg               e_syn_we,
    output wire [ SYN_W-1:0] e_syn_wd,
    input  wire [ SYN_W-1:0] e_syn_rd,
    output wire [ WCELL-1:0] e_cs_ra,
    input  wire [    WG-1:0] e_cs_rd,
    output wire              e_cs_we,
    output wire [ WCELL-1:0] e_cs_wa,
    output wire [    WG-1:0] e_cs_wd,
    output reg  [  ACT_AW:0] e_act_ra,
    input  wire [      15:0] e_act_rd,
    output wire              e_act_we,
    output wire [  ACT_AW:0] e_act_wa,
    output wire [      15:0] e_act_wd,
    output reg  [  ACT_AW:0] e_win_ra,
    input  wire [      15:0] e_win_rd,
    output wire              e_win_we,
    output wire [  ACT_AW:0] e_win_wa,
    output wire [      15:0] e_win_wd,
    output wire              e_pr_we,
    output wire [  WCOL-1:0] e_pr_wa,
    output wire [  WCOL-1:0] e_pr_wd
);
  localparam integer R = 1 << WS;
  // tm.seg: one part at 8R + s, or (a word wider than 16 bits) two in a
  // region of 2R after sp.boosttable, {owner} at SEG_BASE + 2s, {count,
  // valid} at SEG_BASE + 2s + 1 (TM.md, htm3_memmap)
  localparam SEG2 = WCELL + 1 + WM > 16;
  localparam integer SEG_BASE = SEG2 ? (13 * R + 1024 - 1) / (2 * R) * (2 * R) : 8 * R;
  localparam integer PREV_BASE = 6 * R, NEXT_BASE = 7 * R, TAIL_ADDR = 9 * R;
  localparam [1:0] MD_CELLS = 2'd0, MD_DEND = 2'd1, MD_RST = 2'd2;
  `include "htm3_ltc.vh"  // ltc(x, c): x < c for a constant, as gates
  reg [1:0] md;
  reg [WCELL:0] n_pw;

  // ------------------------------------------------------------ the engines
  wire c_done, d_done;
  /* verilator lint_off UNUSEDSIGNAL */  // the engines' busy: checked under SIM only
  wire c_busy, d_busy;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [WCELL:0] n_win;
  wire [6:0] c_cr_ra, c_cr_wa, d_cr_ra, d_cr_wa;
  wire [15:0] c_cr_wd, d_cr_wd, c_sm_wd, d_sm_wd;
  wire c_cr_we, d_cr_we, c_sm_we, d_sm_we, c_syn_we;
  wire [SM_AW-1:0] c_sm_a, d_sm_a;
  wire [SYN_AW-1:0] c_syn_a, d_syn_a;
  wire [ACT_AW:0] c_pa_ra, c_win_ra;
  wire [ACT_AW-1:0] d_act_ra;
  wire [CM_AW-1:0] c_cm_ra, c_cm_wa, d_cm_ra, d_cm_wa;
  wire [15:0] c_cm_wd, d_cm_wd, cm_rd;
  wire c_cm_we, d_cm_we;
  wire [WCELL-1:0] c_hd_ra, c_hd_wa, d_hd_ra, d_hd_wa;
  wire [WS:0] c_hd_wd, d_hd_wd, hd_rd;
  wire c_hd_we, d_hd_we;
  wire [WS-1:0] c_sc_ra, c_sc_wa, d_sc_wa;
  wire [SC_W-1:0] c_sc_wd, d_sc_wd, sc_rd;
  wire c_sc_we, d_sc_we;
  wire [ACT_AW-1:0] ex_ra, ex_wa;
  wire [15:0] ex_rd, ex_wd;
  wire ex_we;
  wire [WCELL:0] pl_ra, c_wl_wa;
  wire [WCELL-1:0] pl_rd, c_wl_wd;
  wire c_wl_we;

  htm3_tm_cells #(.C(C), .K(K), .S(S), .M(M), .G(G), .B(B), .SM_AW(SM_AW)) u_cells (
      .clk(clk), .rst(rst), .start(start_cells), .learn(learn), .bank(~cb), .n_act(n_act), .n_pw(n_pw),
      .busy(c_busy), .done(c_done), .n_pred(n_pred), .anom_num(anom_num), .n_win(n_win),
      .cr_ra(c_cr_ra), .cr_rd(e_cr_rd), .cr_we(c_cr_we), .cr_wa(c_cr_wa), .cr_wd(c_cr_wd),
      .ac_ra(ac_ra), .ac_rd(ac_rd),
      .cm_ra(c_cm_ra), .cm_rd(cm_rd), .cm_we(c_cm_we), .cm_wa(c_cm_wa), .cm_wd(c_cm_wd),
      .hd_ra(c_hd_ra), .hd_rd(hd_rd), .hd_we(c_hd_we), .hd_wa(c_hd_wa), .hd_wd(c_hd_wd),
      .sc_ra(c_sc_ra), .sc_rd(sc_rd), .sc_we(c_sc_we), .sc_wa(c_sc_wa), .sc_wd(c_sc_wd),
      .cs_ra(e_cs_ra), .cs_rd(e_cs_rd), .cs_we(e_cs_we), .cs_wa(e_cs_wa), .cs_wd(e_cs_wd),
      .syn_a(c_syn_a), .syn_we(c_syn_we), .syn_wd(e_syn_wd), .syn_rd(e_syn_rd),
      .sm_a(c_sm_a), .sm_we(c_sm_we), .sm_wd(c_sm_wd), .sm_rd(e_sm_rd),
      .pa_ra(c_pa_ra), .pa_rd(e_act_rd),
      .ex_ra(ex_ra), .ex_rd(ex_rd), .ex_we(ex_we), .ex_wa(ex_wa), .ex_wd(ex_wd),
      .pl_ra(pl_ra), .pl_rd(pl_rd),
      .act_we(e_act_we), .act_wa(e_act_wa), .act_wd(e_act_wd),
      .win_ra(c_win_ra), .win_rd(e_win_rd), .win_we(e_win_we), .win_wa(e_win_wa), .win_wd(e_win_wd),
      .wl_we(c_wl_we), .wl_wa(c_wl_wa), .wl_wd(c_wl_wd), .pr_we(e_pr_we), .pr_wa(e_pr_wa), .pr_wd(e_pr_wd));

  htm3_dendrite #(.C(C), .K(K), .S(S), .M(M), .B(B), .SM_AW(SM_AW), .LRU_BASE(4 * R), .PREV_BASE(PREV_BASE),
      .SEG_BASE(SEG_BASE), .SEG_SH(SEG2 ? 1 : 0), .TAIL_ADDR(TAIL_ADDR)) u_dend (
      .clk(clk), .rst(rst), .start(start_dend), .learn(learn), .busy(d_busy), .done(d_done),
      .syn_a(d_syn_a), .syn_rd(e_syn_rd), .act_ra(d_act_ra), .act_rd(e_act_rd),
      .sm_a(d_sm_a), .sm_we(d_sm_we), .sm_wd(d_sm_wd), .sm_rd(e_sm_rd),
      .cr_ra(d_cr_ra), .cr_rd(e_cr_rd), .cr_we(d_cr_we), .cr_wa(d_cr_wa), .cr_wd(d_cr_wd),
      .sc_we(d_sc_we), .sc_wa(d_sc_wa), .sc_wd(d_sc_wd),
      .hd_ra(d_hd_ra), .hd_rd(hd_rd), .hd_we(d_hd_we), .hd_wa(d_hd_wa), .hd_wd(d_hd_wd),
      .cm_ra(d_cm_ra), .cm_rd(cm_rd), .cm_we(d_cm_we), .cm_wa(d_cm_wa), .cm_wd(d_cm_wd));

  // ------------------------------------------------------ RESTORE's rebuild
  localparam [2:0] R_IDLE = 3'd0, R_CLR = 3'd1, R_A = 3'd2, R_B = 3'd3, R_C = 3'd4, R_D = 3'd5,
                   R_END = 3'd6;
  localparam integer FREE_BASE = 10 * R;
  localparam integer WR = $clog2(NC + 1) > WS ? $clog2(NC + 1) : WS;
  reg [2:0] rs;
  // One counter for both loops. R_CLR's cell: from all ones (no cell: the
  // first cycle reads tm.winner's first word) to NC - 1; tm.winner's word
  // is read at ri + 1, the counter's next value, so that it arrives with
  // the cell ri. Then the list's entry, from R - S up (mod R): the
  // tm.free entry read is j = ~ri (S - 1 down to FREE_COUNT: the used
  // list, newest first; R = 2^WS), so that the same incrementer serves;
  // when NC = R - S (mod R), as for S = R and NC a multiple of it, the
  // clear's count runs on into the list's with no load.
  reg [WR-1:0] ri;
  wire [WR-1:0] ri_1 = ri + 1'b1;
  wire [WS-1:0] j = ~ri[WS-1:0];
  reg first;  // the entry is the list's newest
  // x and z: the segment linked and the one before it (the next newer),
  // swapped between its two links, so that every link is written at x
  // with z (one address and one data source)
  reg [WS-1:0] x, z;
  // FREE_COUNT (regs word 6, low part: at most S) on cfg/regs' read port
  // from R_CLR's second cycle to the end: the port is RESTORE's alone
  // (htm3_memmap takes no request while an engine runs), so that the
  // loop compares against the port instead of a copy.
  wire [6:0] r_cr_ra = rs != R_IDLE ? 7'd88 : 7'd0;
  wire fc_none = !ltc(32'(e_cr_rd[WS:0]), S);  // FREE_COUNT >= S: no entry
  wire j_last = j == e_cr_rd[WS-1:0];
  wire ri_nc = ltc(32'(ri), NC);

  // The restore engine's memory ports (0 while idle: the engines' ports
  // are ORed). The list is linked newest first: tm.free's entry j read
  // (R_A) and cleared (R_B, while its word is taken into x; the newest's
  // into z too), x's next (the newer z; the newest links to itself), x
  // and z swapped, then the tail (the newest) or the newer's prev (x is
  // the newer now, z the segment), x := z, and at the end the oldest's
  // prev (x = z: itself). During R_CLR the tail is written z and x := z,
  // so that an empty list leaves a tail whose prev R_END makes itself.
  reg r_sm_we, r_hd_we, r_cm_we, r_wl_we;
  reg [SM_AW-1:0] r_sm_a;
  reg [15:0] r_sm_wd;
  always @* begin
    r_sm_we = 1'b0;
    r_sm_wd = 16'd0;
    r_sm_a = {SM_AW{1'b0}};
    case (rs)
      R_CLR: begin r_sm_we = 1'b1; r_sm_a = SM_AW'(TAIL_ADDR); r_sm_wd = 16'(z); end
      R_A: r_sm_a = SM_AW'(FREE_BASE) | SM_AW'(j);
      R_B: begin r_sm_we = 1'b1; r_sm_a = SM_AW'(FREE_BASE) | SM_AW'(j); end
      R_C: begin r_sm_we = 1'b1; r_sm_a = SM_AW'(NEXT_BASE) | SM_AW'(x); r_sm_wd = 16'(z); end
      R_D: begin
        r_sm_we = 1'b1;
        r_sm_a = first ? SM_AW'(TAIL_ADDR) : SM_AW'(PREV_BASE) | SM_AW'(x);
        r_sm_wd = 16'(z);
      end
      R_END: begin r_sm_we = 1'b1; r_sm_a = SM_AW'(PREV_BASE) | SM_AW'(x); r_sm_wd = 16'(z); end
      default: ;
    endcase
    r_hd_we = rs == R_CLR && ri_nc;
    r_cm_we = rs == R_CLR && ltc(32'(ri), NCM);
    r_wl_we = rs == R_CLR && ri_nc && e_win_rd[ri[3:0]];
  end

  always @(posedge clk) begin
    case (rs)
      R_IDLE:
      if (start_rst) begin
        rs <= R_CLR;
        ri <= {WR{1'b1}};
      end
      R_CLR: begin
        ri <= ri_1;
        x <= z;
        first <= 1'b1;
        if (ri == WR'(NC - 1)) begin
          if (NC % R != (R - S) % R) ri <= WR'(R - S);
          rs <= fc_none ? R_END : R_A;
        end
      end
      R_A: rs <= R_B;
      R_B: begin
        x <= e_sm_rd[WS-1:0];
        if (first) z <= e_sm_rd[WS-1:0];
        rs <= R_C;
      end
      R_C: begin
        x <= z;
        z <= x;
        rs <= R_D;
      end
      R_D: begin
        x <= z;
        first <= 1'b0;
        ri <= ri_1;
        rs <= j_last ? R_END : R_A;
      end
      default: rs <= R_IDLE;  // R_END
    endcase
    if (rst) rs <= R_IDLE;
  end

  // ----------------------------------------------- bank pointer, ownership
  always @(posedge clk) begin
    done <= (md == MD_CELLS && c_done) || (md == MD_DEND && d_done) || (md == MD_RST && rs == R_END);
    if (start_cells) md <= MD_CELLS;
    if (start_dend) md <= MD_DEND;
    if (start_rst) md <= MD_RST;
    if (start_cells || start_dend || start_rst) e_on <= 1'b1;
    else if (done) e_on <= 1'b0;
    if (swap) cb <= ~cb;
    if (rst) begin
      e_on <= 1'b0;
      done <= 1'b0;
      cb <= 1'b0;
    end
  end
  // n_pw: n_win at the swap; RESTORE counts the previous winners into it
  // as it lists them (n_pw + 1 or n_win, with an enable and a synchronous
  // clear: the three never come together)
  wire [WCELL:0] npw_d;
`ifdef ICE40
  // One logic cell a bit (Yosys puts the choice in a LUT after the
  // adder's): its LUT gives n_win[b] while swap, else n_pw[b] ^ carry; its
  // carry n_pw[b] & carry while !swap (maj(n_pw[b], swap, carry): only the
  // LUT's output is used while swap), from a carry-in of 1.
  wire [WCELL+1:0] npw_c;
  assign npw_c[0] = 1'b1;
  genvar b;
  for (b = 0; b <= WCELL; b = b + 1) begin : g_npw
    SB_LUT4 #(.LUT_INIT(16'hA3AC)) u_lut (.O(npw_d[b]), .I0(n_win[b]), .I1(n_pw[b]), .I2(swap), .I3(npw_c[b]));
    SB_CARRY u_cy (.CO(npw_c[b+1]), .I0(n_pw[b]), .I1(swap), .CI(npw_c[b]));
  end
`else
  assign npw_d = swap ? n_win : n_pw + 1'b1;
`endif
  always @(posedge clk)
    if (rst || start_rst) n_pw <= {(WCELL + 1) {1'b0}};
    else if (swap || r_wl_we) n_pw <= npw_d;

  // ------------------------------------------------------- the port muxes
  // The segment memory's and cfg/regs' ports: each engine (the column
  // engine, the dendrite unit, the restore pass) drives its address, write
  // enable and data 0 while idle, so that each input is an OR of the
  // engines' (no multiplexer), and 0 while !e_on: htm3_memmap ORs them
  // with its own (cfg/regs: with the SP's, in htm3_accel).
  always @* begin
    e_cr_ra = c_cr_ra | d_cr_ra | r_cr_ra;
    e_cr_we = c_cr_we | d_cr_we;
    e_cr_wa = c_cr_wa | d_cr_wa;
    e_cr_wd = c_cr_wd | d_cr_wd;
    e_sm_a = c_sm_a | d_sm_a | r_sm_a;
    e_sm_we = c_sm_we | d_sm_we | r_sm_we;
    e_sm_wd = c_sm_wd | d_sm_wd | r_sm_wd;
    e_syn_a = md == MD_DEND ? d_syn_a : c_syn_a;
    e_syn_we = md == MD_CELLS && c_syn_we;
    e_act_ra = md == MD_DEND ? {cb, d_act_ra} : c_pa_ra;
    e_win_ra = md == MD_RST ? {cb, ri_1[WCELL-1:4]} : c_win_ra;
  end

  // ------------------------------------------------------ the TM's memories
  // (each engine's write enables are 0 while it is idle: they are ORed)
  htm_ebr #(.WIDTH(WS + 1), .DEPTH(NC), .ZERO(1)) u_hd (
      .clk(clk), .ra(md == MD_DEND ? d_hd_ra : c_hd_ra), .rd(hd_rd),
      .we(d_hd_we | r_hd_we | c_hd_we),
      .wa(md == MD_DEND ? d_hd_wa : md == MD_RST ? ri[WCELL-1:0] : c_hd_wa),
      .wd(md == MD_DEND ? d_hd_wd : md == MD_RST ? {(WS + 1) {1'b0}} : c_hd_wd));
  htm_ebr #(.WIDTH(SC_W), .DEPTH(S)) u_sc (
      .clk(clk), .ra(c_sc_ra), .rd(sc_rd), .we(d_sc_we | c_sc_we),
      .wa(md == MD_DEND ? d_sc_wa : c_sc_wa), .wd(md == MD_DEND ? d_sc_wd : c_sc_wd));
  htm_ebr #(.WIDTH(16), .DEPTH(NCM), .ZERO(1)) u_cm (
      .clk(clk), .ra(md == MD_DEND ? d_cm_ra : c_cm_ra), .rd(cm_rd),
      .we(d_cm_we | r_cm_we | c_cm_we),
      .wa(md == MD_DEND ? d_cm_wa : md == MD_RST ? ri[CM_AW-1:0] : c_cm_wa),
      .wd(md == MD_DEND ? d_cm_wd : md == MD_RST ? 16'd0 : c_cm_wd));
  htm_ebr #(.WIDTH(16), .DEPTH(1 << ACT_AW), .ZERO(1)) u_ex (
      .clk(clk), .ra(ex_ra), .rd(ex_rd), .we(ex_we), .wa(ex_wa), .wd(ex_wd));
  htm_ebr #(.WIDTH(WCELL), .DEPTH(2 << WCELL)) u_wl (
      .clk(clk), .ra(pl_ra), .rd(pl_rd), .we(r_wl_we | c_wl_we),
      .wa(md == MD_RST ? {cb, n_pw[WCELL-1:0]} : c_wl_wa), .wd(md == MD_RST ? ri[WCELL-1:0] : c_wl_wd));

`ifdef SIM
  // The column engine's segment operations, counted as TM.md's formula
  // counts them (state entries, as tmcells3_tb does) and printed on the
  // standard error after each pass, for the test's cycle formula.
  reg [31:0] nent[0:63];
  reg [5:0] st_d;
  integer i;
  initial for (i = 0; i < 64; i = i + 1) nent[i] = 0;
  always @(posedge clk) begin
    if ((c_busy && md != MD_CELLS) || (d_busy && md != MD_DEND) || (rs != R_IDLE && md != MD_RST) ||
        ((c_busy || d_busy || rs != R_IDLE) && !e_on))
      $error("htm3_tm: an engine runs without the shared memories (md %0d)", md);
    st_d <= u_cells.st;
    if (c_busy && u_cells.st != st_d) nent[u_cells.st] <= nent[u_cells.st] + 1;
    if (c_done) begin
      $fwrite(32'h80000002, "htm3_tm: ent");
      for (i = 0; i < 64; i = i + 1) if (nent[i] != 0) $fwrite(32'h80000002, " %0d:%0d", i, nent[i]);
      $fwrite(32'h80000002, "\n");
      for (i = 0; i < 64; i = i + 1) nent[i] <= 0;
    end
  end
`endif
endmodule
`default_nettype wire
