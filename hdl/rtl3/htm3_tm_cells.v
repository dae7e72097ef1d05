// htm3_tm_cells: TM_PREDICT and TM_CELLS of architecture 3 (docs/SPEC.md
// 6.2-6.8, 6.10, 6.11; hdl/rtl3/TM.md). It visits
// the columns in ascending order, merging the active column list (ac, from
// the SP) with the dendrite unit's column bitmaps (cm, 8 columns a word:
// bit b has an active segment, bit 8 + b an active or matching one), and
// walks each visited column's K per-cell lists (heads hd, links in the
// scratch sc), clearing every bitmap word and head as it reads it. It
// writes the predicted columns (pr) and counts the anomaly numerator,
// activates the cells of predicted columns and bursts the others, and
// writes the new active and winner cell bitmaps (act, win: two banks each,
// bank selects the new one; the other bank of win holds the previous
// winners) and the winner list (wl, ascending). The TM generator state
// (regs word 5) is read at the start and written at the end; cfg words 16
// and 17 give the thresholds. With learn, the segment operations run as
// the column loop reaches them, each a loop over the segment's M slots in
// tm.syn (one single port): adapt and punish with pruning, grow (candidate
// filter against the previous winners, weakest-synapse eviction, selection
// sampling), create (cell full: LRU by a walk of the used list; pool full:
// LRU by a scan of the pool) and destroy (unlink from the used list, push
// tm.free), on the segment memory (sm, DENDRITE.md's layout on R =
// 2^ceil(log2 S), tm.free at 10R). created (regs 4) is read-modified-
// written as each segment is created, the TM iteration (regs 3) read where
// an age or a new segment's seglru needs it; the event counters' low
// quarters (regs 7-14) are incremented as the events happen and their
// carries added at the end, where FREE_COUNT (6), the generator (5) and
// the tail are written. All memories are outside. The area is in TM.md ("Area and speed").
`default_nettype none
module htm3_tm_cells #(
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
    localparam integer WK = $clog2(K + 1),
    localparam integer NA = (NC + 15) / 16,
    localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1,
    localparam integer NCM = (C + 7) / 8,
    localparam integer CM_AW = NCM > 1 ? $clog2(NCM) : 1,
    localparam integer SC_W = WS + 2 * WM,
    localparam integer SYN_W = B + WCELL + 1,
    localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1,
    localparam integer WMS = M > 1 ? $clog2(M) : 1
) (
    input wire clk,
    input wire rst,
    input wire start,
    input wire learn,
    input wire bank,  // the new bank of act and win
    input wire [WCOL:0] n_act,  // active columns in ac
    input wire [WCELL:0] n_pw,  // previous winners in wl's other bank
    output reg busy,
    output reg done,
    output reg [WCOL:0] n_pred,  // predicted columns written to pr
    output reg [WCOL:0] anom_num,  // active columns not predicted
    output reg [WCELL:0] n_win,  // winner cells written to wl

    output reg  [ 6:0] cr_ra,
    input  wire [15:0] cr_rd,
    output wire        cr_we,
    output wire [ 6:0] cr_wa,
    output wire [15:0] cr_wd,

    output wire [WCOL-1:0] ac_ra,
    input  wire [WCOL-1:0] ac_rd,

    output wire [CM_AW-1:0] cm_ra,
    input  wire [     15:0] cm_rd,
    output wire             cm_we,
    output wire [CM_AW-1:0] cm_wa,
    output wire [     15:0] cm_wd,

    output wire [WCELL-1:0] hd_ra,
    input  wire [   WS : 0] hd_rd,
    output wire             hd_we,
    output wire [WCELL-1:0] hd_wa,
    output wire [   WS : 0] hd_wd,

    output reg  [  WS-1:0] sc_ra,
    input  wire [SC_W-1:0] sc_rd,
    output wire            sc_we,
    output wire [  WS-1:0] sc_wa,
    output wire [SC_W-1:0] sc_wd,

    output reg  [WCELL-1:0] cs_ra,
    input  wire [   WG-1:0] cs_rd,
    output wire             cs_we,
    output wire [WCELL-1:0] cs_wa,
    output wire [   WG-1:0] cs_wd,

    output reg  [SYN_AW-1:0] syn_a,
    output reg               syn_we,
    output reg  [ SYN_W-1:0] syn_wd,
    input  wire [ SYN_W-1:0] syn_rd,

    output reg  [SM_AW-1:0] sm_a,
    output reg              sm_we,
    output reg  [     15:0] sm_wd,
    input  wire [     15:0] sm_rd,

    output wire [ACT_AW:0] pa_ra,  // the previous active cells (act's other bank)
    input  wire [    15:0] pa_rd,

    output reg  [ACT_AW-1:0] ex_ra,  // grow's exclusion marks, one bit a cell
    input  wire [      15:0] ex_rd,
    output reg               ex_we,
    output reg  [ACT_AW-1:0] ex_wa,
    output reg  [      15:0] ex_wd,

    output wire [WCELL:0] pl_ra,  // the previous winners list (wl's other bank)
    input  wire [WCELL-1:0] pl_rd,

    output reg          act_we,
    output reg [ACT_AW:0] act_wa,
    output reg [  15:0] act_wd,

    output reg  [ACT_AW:0] win_ra,
    input  wire [   15:0] win_rd,
    output reg            win_we,
    output reg [ACT_AW:0] win_wa,
    output reg [   15:0] win_wd,

    output wire            wl_we,
    output wire [WCELL:0] wl_wa,
    output wire [WCELL-1:0] wl_wd,

    output reg             pr_we,
    output wire [WCOL-1:0] pr_wa,
    output wire [WCOL-1:0] pr_wd
);
  localparam [5:0] S_IDLE = 6'd0, S_INIT = 6'd1, S_CLEAR = 6'd2, S_WORD = 6'd3, S_COL = 6'd5,
      S_HEAD = 6'd6, S_HWAIT = 6'd7, S_SEG = 6'd8, S_BURST = 6'd9, S_DEC = 6'd10, S_DRAW = 6'd11,
      S_MUL = 6'd12, S_PICK = 6'd13, S_FIN = 6'd14, S_RESUME = 6'd15, S_BLEARN = 6'd16,
      S_A0 = 6'd17, S_A1 = 6'd18, S_AR = 6'd19, S_AW1 = 6'd20, S_AW2 = 6'd21, S_AEND = 6'd22,
      S_G0 = 6'd23, S_G1 = 6'd24, S_GW2 = 6'd27, S_GEV = 6'd28,
      S_GSEL = 6'd29, S_GC0 = 6'd30, S_GC1 = 6'd31, S_GC2 = 6'd32, S_GC3 = 6'd33, S_GEND = 6'd34,
      S_K0 = 6'd35, S_K1 = 6'd36, S_WA = 6'd37, S_WB = 6'd38, S_WC = 6'd39, S_WD = 6'd40, S_WE = 6'd41,
      S_KPOOL = 6'd42, S_PSA = 6'd43, S_PSB = 6'd44, S_PSC = 6'd45, S_PSE = 6'd46, S_POP = 6'd47,
      S_D0 = 6'd48, S_D1 = 6'd49, S_D2 = 6'd50, S_D3 = 6'd51, S_DW = 6'd52, S_DZ = 6'd53, S_GNEED = 6'd54,
      S_WF = 6'd55, S_PSF = 6'd56;

  // The segment memory's layout: DENDRITE.md's with S rounded up to a
  // power of two, R, so that every address is a region's base ORed with an
  // offset below it (no adder); tm.free at 10R.
  // A tm.seg word wider than 16 bits (SEG2) is two parts in a region of
  // 2R after sp.boosttable (11R, 1,024 words), aligned to 2R: {owner} at
  // SEG_BASE + 2s, {count, valid} at SEG_BASE + 2s + 1. Adapt and grow
  // read and write only the high part, the walk and destroy read only the
  // owner; a pop and a destroy write both (a cycle more each).
  localparam integer R = 1 << WS;
  localparam SEG2 = WCELL + 1 + WM > 16;
  localparam [1:0] SSH = SEG2 ? 2'd1 : 2'd0;  // tm.seg's offset shift
  localparam [1:0] SHI = SEG2 ? 2'd1 : 2'd0;  // the part holding the count
  localparam integer SEG_BASE = SEG2 ? (13 * R + 1024 - 1) / (2 * R) * (2 * R) : 8 * R;
  localparam integer LRU_BASE = 4 * R, PREV_BASE = 6 * R, NEXT_BASE = 7 * R,
      TAIL_ADDR = 9 * R, FREE_BASE = 10 * R;
  localparam integer WN = WCELL + 1;  // candidate counts

  // The state: its numbers are the testbench's (operation counts); Yosys
  // extracts the machine (every next state is a constant) and codes it one
  // hot, fewer LUTs than 6-bit decodes at every use.
  (* fsm_encoding = "one-hot" *) reg [5:0] st;
  reg ret;  // where a segment operation returns: S_COL (1) or S_RESUME (0)
  reg [1:0] dret;  // where destroy returns: 0 ret, 1 S_KPOOL, 2 S_POP
  reg [5:0] k;  // S_INIT's and S_FIN's step
  reg [WM-1:0] act_t, min_t;  // cfg words 16, 17 (at most M)
  // cfg 18, saturated at 2^(WM + 2) - 1 >= NSAT + M: grow's n is only used
  // saturated at NSAT (below), and maxNewSynapseCount - numPot (numPot at
  // most M) saturates there the same
  reg [WM+1:0] max_new;
  reg [B-1:0] p_inc;  // cfg 25
  // the operation's other permanence, read from cfg as it starts: p_dec
  // (cfg 26, adapt) or p_psd (cfg 27, punish) by S_A0, p_init (cfg 23) by
  // S_G0; (cfg 19, maxSegmentsPerCell, is read by S_K0 for S_K1)
  reg [B-1:0] p_sub;
  reg psd_nz;  // cfg 27 is not 0: inactive columns punish
  // FREE_COUNT; a pop takes its 1 before S_POP (S_KPOOL; a destroy for a
  // pop does not add its 1), so that tm.free's top is at fc in S_POP
  reg [WS:0] fc;
  reg [WS-1:0] tail;
  // The event counters (0 created, 1 evicted: cell full, 2 evicted: pool
  // full, 3 segments pruned, 4 not created, 5 synapses created, 6 pruned,
  // 7 evicted: regs 7-14) are incremented in regs as the events happen: the
  // event's state reads the counter's low quarter (the cfg/regs read port
  // is idle in every event state), the next cycle adds 1 (ev_go_r) and
  // writes it back. A carry out of the low quarter is kept in ev_c (at most
  // one a pass: a pass counts fewer than 2^16 events of each kind) and
  // added into the upper quarters by S_FIN.
  reg [7:0] ev_c;
  reg ev_go, ev_go_r;
  reg [2:0] ev_i, ev_i_r;
  reg [6:0] cr_ra_r;
  reg carry;  // the carry between a 64-bit counter's 16-bit quarters (S_POP's created, S_FIN)
  reg [CM_AW-1:0] w;  // bitmap word: columns 8w .. 8w + 7
  reg [3:0] nb;  // the word's column examined by S_COL (8: the word is done)
  // (the word's bits are cm_rd itself: cm_ra is w, and the word is cleared
  // only as S_COL leaves it)
  wire [7:0] act8 = cm_rd[7:0], any8 = cm_rd[15:8];
  reg [WCOL:0] ai;  // next active column
  reg [2:0] col_b;  // the column visited: {w, col_b} (w changes only as S_COL leaves the word)
  wire [WCOL-1:0] col = WCOL'({w, col_b});
  reg col_act, col_pred;  // the column is active; it has an active segment
  reg [WK-1:0] ci_k;  // cell of the column being walked (S_HEAD..S_SEG)
  reg [WCELL-1:0] first;  // the column's first cell (when K is not a power of two)
  reg cell_done;  // the cell of a predicted column is active already
  reg [WM-1:0] best_pot;
  reg [WK-1:0] best_k;  // its cell in the column
  reg [WK:0] j;  // S_BURST's cell counter
  reg pw_v;
  reg [WK-1:0] pw_k;  // the column's previous winner
  reg [WG-1:0] fewest;
  reg [K-1:0] ties_m;  // the column's cells with the fewest segments
  // One cell set in the active and/or winner bitmap per cycle.
  reg set_a, set_w;
  reg [WK-1:0] set_k;  // (col does not change before the set is used)
  // Bitmap accumulators: the word being filled (sets come in ascending
  // order). When K divides 16 (ACC1) a column's cells are in one word: one
  // word index serves both, and both words are written as the column loop
  // leaves them, the cycle after S_COL examines the first column of the
  // next word (acc_fl: the sets of the word's columns are all in by then,
  // none comes in that cycle; every word is written, acc_a_i counts them).
  // Otherwise (a column across two words) each has its own index and is
  // written when the next set falls in another word and at the end (the
  // new bank is zero elsewhere). (K 1 takes the general path: its word of
  // 16 columns ends at every other bitmap word, and the last may be odd.)
  localparam ACC1 = 16 % K == 0 && K > 1;
  reg acc_a_v, acc_w_v;
  reg acc_fl;
  reg [ACT_AW-1:0] acc_a_i, acc_w_i;  // (S_CLEAR's word, both)
  reg [15:0] acc_a, acc_w;
  // Segment operations.
  reg pun;  // the slot loop punishes (else adapts)
  reg gm;  // the slot loop (S_AR, S_AW1) is grow's filter pass (S_GW2; else S_AW2)
  // numPot of the segment adapted, 0 for a new one: grow's n is
  // maxNewSynapseCount - g_pot (for a new segment min(n, previous winners)
  // is taken with the candidates, n_pw - 0)
  reg [WM-1:0] g_pot;
  // the segment of the column walk (S_HWAIT..S_SEG), of the running
  // operation (adapt, grow, destroy, pop: the walk's segment when it learns
  // on it), of the used-list walk or the pool scan
  reg [WS-1:0] oseg;
  reg [SYN_AW-1:0] sbase;  // its first slot (unused when M is a power of two)
  localparam M_POW2 = (M & (M - 1)) == 0 && M > 1;
  reg [WM-1:0] cnt;  // its synapse count
  reg [WCELL-1:0] owner;
  reg [WMS-1:0] js;  // slot (0 .. M - 1)
  reg [WN-1:0] bn;  // candidates not yet examined
  // grow's need, saturated at NSAT >= M + 2: beyond M it only decides
  // evictions (over); the candidate loop's need is at most M
  localparam integer NSAT = (1 << (WM + 1)) - 1;
  reg [WM:0] need;
  reg wk_v, rescan;
  reg [WMS-1:0] wk_j;
  reg [B-1:0] wk_perm;
  reg [M-1:0] fmask;  // free slots (each pass shifts the slots' valid bits in; an eviction is followed by a pass)
  reg [WCELL:0] ip;  // previous winner examined
  reg drew;
  // The best segment: the column walk's best matching one (S_SEG; S_BLEARN
  // adapts it), then create's least recently used one (S_WD, S_PSC; a
  // create runs only when the walk found none)
  reg bv;
  reg [WS-1:0] bseg;
  // The best age and the low half of an age (iter - seglru: iter is read
  // from regs 3 each time), both inverted: the comparison's operands need
  // no inverters (the subtraction's LUTs invert its sums for free).
  reg [31:0] nbage;
  reg [15:0] lru_lo_n;
  reg age_b;  // the low half's borrow
  reg age_c;  // the low halves' comparison (the carry into the high halves')
  reg [WS-1:0] dp;  // destroy: the segment's prev (its next is read where used)

  // --- the generator and its multiplier
  reg rng_step;
  // regs 5 shifted in a half at a time (S_INIT), and out (S_FIN: the low
  // half written by k 34, the high half by k 35 after the shift)
  wire rng_shift = st == S_INIT && (k == 6'd3 || k == 6'd4) || st == S_FIN && k == 6'd34;
  wire [15:0] rng_lo;
  wire [WN-1:0] rng_below;
  // the previous winner's cell is pl_rd itself (pl_ra holds ip from S_GC0 to S_GC3)
  wire gc_cand = !ex_rd[pl_rd[3:0]];  // S_GC2: the previous winner is a candidate
  wire draw_now = st == S_GC2 && gc_cand && need != {(WM + 1){1'b0}};
  wire take;  // S_GC3 takes the candidate drawn (below)
  htm3_rng #(.NW(WN)) u_rng (
      .clk(clk), .shift(rng_shift), .shift_in(cr_rd), .step(rng_step || draw_now),
      .below_n(bn), .state_lo(rng_lo), .below(rng_below)
  );

  // --- combinational helpers
  wire [WM-1:0] sc_pot = sc_rd[WM-1:0];
  wire [WM-1:0] sc_conn = sc_rd[2*WM-1:WM];
  wire [WS-1:0] sc_link = sc_rd[2*WM+:WS];
  wire seg_is_act = sc_conn >= act_t;
  wire seg_is_match = sc_pot >= min_t;
  wire seg_prune = cnt < min_t;  // S_AEND: too few synapses left
  // (ai < n_act as an inequality: ai counts up to n_act, no comparator chain)
  wire col_hit = ai != n_act && ac_rd == WCOL'({w, nb[2:0]});  // column nb is the next active one
  integer q;
  // The r-th (from 0) cell among ties_m, r = rng_below.
  reg [WK-1:0] pick;
  reg [WK:0] seen;
  always @* begin
    pick = {WK{1'b0}};
    seen = {(WK + 1) {1'b0}};
    for (q = 0; q < K; q = q + 1)
      if (ties_m[q]) begin
        if (seen == (WK + 1)'(rng_below)) pick = WK'(q);  // (rng_below < bn = the ties <= K)
        seen = seen + 1'b1;
      end
  end
  reg [WK-1:0] pop_ties;
  always @* begin
    pop_ties = {WK{1'b0}};
    for (q = 0; q < K; q = q + 1) pop_ties = pop_ties + {{(WK - 1) {1'b0}}, ties_m[q]};
  end
  // The lowest free slot.
  reg [WMS-1:0] ffs;
  always @* begin
    ffs = {WMS{1'b0}};
    for (q = M - 1; q >= 0; q = q - 1) if (fmask[q]) ffs = WMS'(q);
  end

  // The burst's cell whose cellsegs and previous-winner bit arrive now.
  // (when K is a power of two, col * K + x is {col, x}: no adders)
  localparam K_POW2 = (K & (K - 1)) == 0 && K > 1;
  localparam integer WKL = K > 1 ? $clog2(K) : 1;
  wire [WKL-1:0] j_m1 = WKL'(j) - 1'b1;
  // (its bit in the previous winners' word)
  wire [3:0] bcell_b = 4'(K_POW2 ? WCELL'({col, j_m1}) : first + WCELL'(j) - 1'b1);
  wire [WCELL-1:0] rcell = K_POW2 ? WCELL'({col, j[WKL-1:0]}) : first + WCELL'(j);  // the cell read now
  // Every cell the engine sets or walks is one of the column's: its index
  // in the column is kept (ci_k, set_k, best_k, pw_k), the cell is formed.
  wire [WCELL-1:0] wcell = K_POW2 ? WCELL'({col, ci_k[WKL-1:0]}) : first + WCELL'(ci_k);  // walked
  wire [WCELL-1:0] set_cell = K_POW2 ? WCELL'({col, set_k[WKL-1:0]}) : first + WCELL'(set_k);
  // create's cell: the winner S_DEC or S_PICK set (no set follows before the create ends)
  wire [WCELL-1:0] ccell = set_cell;

  // The slot word's fields.
  wire [WCELL-5:0] rd_chi = syn_rd[B+4+:WCELL-4];  // the slot's cell's bitmap word
  // The slot's word is syn_rd itself: the slot loops hold the address from
  // the read (S_AR) to the last state (S_AW2, S_GW2) and write only there.
  wire sw_valid = syn_rd[SYN_W-1];
  wire [WCELL-1:0] sw_cell = syn_rd[B+:WCELL];
  wire [B-1:0] sw_perm = syn_rd[B-1:0];
  wire pa_bit = pa_rd[sw_cell[3:0]];
  wire [WCELL-1:0] ex_cell = st == S_GC1 || st == S_GC2 ? pl_rd : sw_cell;
  // adapt: + p_inc (previously active cell) or - p_dec; punish: - p_psd
  // (previously active cell) or unchanged (p_sub holds p_dec or p_psd).
  // One adder (sw_perm + p_inc, or sw_perm + ~p_sub + 1 in B + 1 bits),
  // saturating at 2^B - 1 and 0 (its bit B). (The previous-active bit, a
  // read of tm.active addressed by the slot's cell, selects the operand:
  // the path ran at 20.9 MHz in the wrapper, above the board's 12.)
  wire perm_up = !pun && pa_bit;
  wire [B:0] perm_s = {1'b0, sw_perm} + (perm_up ? {1'b0, p_inc} : {1'b1, ~p_sub}) + {{B{1'b0}}, !perm_up};
  wire [B-1:0] perm_sat = perm_s[B] ? {B{perm_up}} : perm_s[B-1:0];
  wire [B-1:0] perm_new = pun && !pa_bit ? sw_perm : perm_sat;
  wire pw_bit = win_rd[sw_cell[3:0]];
  // maxNewSynapseCount - numPot, and whether it is positive (its borrow)
  wire [WM+2:0] mn_b = {1'b0, max_new} - (WM + 3)'(g_pot);
  wire [WM+1:0] mn_d = mn_b[WM+1:0];
  wire mn_gt = !mn_b[WM+2] && mn_d != {(WM + 2) {1'b0}};
  wire [WM:0] gn = mn_d[WM+1] ? (WM + 1)'(NSAT) : mn_d[WM:0];  // grow's n, saturated at NSAT = 2^(WM+1) - 1
  // min(n, candidates) (at most gn <= NSAT): bn's bits above gn's decide alone
  wire [WM:0] need_c = (bn >> (WM + 1)) != 0 || gn < (WM + 1)'(bn) ? gn : (WM + 1)'(bn);
  wire [WM-1:0] room = WM'(M) - cnt;  // free slots (cnt <= M)
  wire over = need > (WM + 1)'(room);  // grow must evict: cnt + need > M
  // A segment's age, a half at a time: iter's half (cr_rd) minus seglru's
  // half (sm_rd), the low half in S_WC and S_PSB, the high in S_WD and S_PSC.
  wire [16:0] age_d = {1'b0, cr_rd} - {1'b0, sm_rd} - {16'd0, (st == S_WD || st == S_PSC) && age_b};
  // The comparison, a half at a time as the age's halves are computed:
  // age >= bage in the walk (among equal ages the last seen), age > bage in
  // the pool scan: the carry of age + ~bage (+ 1 in the walk), the low
  // halves' (S_WC, S_PSB: age_c) into the high halves' (S_WD, S_PSC).
  // (only the carries of the sums are used)
  /* verilator lint_off UNUSEDSIGNAL */
  wire [16:0] age_cmp_lo = {1'b0, age_d[15:0]} + {1'b0, nbage[15:0]} + {16'd0, st == S_WC};
  wire [16:0] age_cmp_hi = {1'b0, age_d[15:0]} + {1'b0, nbage[31:16]} + {16'd0, age_c};
  /* verilator lint_on UNUSEDSIGNAL */
  wire age_older = age_cmp_hi[16];
  // the synapse count plus 1 (S_GC3's take) or minus 1 (a prune, an eviction): one adder
  assign take = drew && (rng_below >> (WM + 1)) == 0 && (WM + 1)'(rng_below) < need;  // (need < 2^(WM+1))
  wire [WM-1:0] cnt_pm = cnt + (st == S_GC3 ? WM'(1) : {WM{1'b1}});
  wire [15:0] seg_word = 16'({cnt, 1'b1, owner});  // tm.seg, written by S_AEND and S_GEND
  wire [15:0] seg_hi = SEG2 ? 16'({cnt, 1'b1}) : seg_word;  // the part holding the count (SEG2: {count, valid})
  // The one incrementer on regs: an event counter's low quarter plus 1
  // (ev_go_r); in S_FIN a counter's quarter plus the carry (0 into the low
  // quarter, which the events have counted already); in S_POP a quarter of
  // created plus the carry (set before the low quarter).
  wire [1:0] fin_q = 2'(k - 1'b1);  // the quarter S_FIN adds
  wire fin_q0 = st == S_FIN && fin_q == 2'd0;
  wire [16:0] fin_sum = {1'b0, cr_rd} + {16'd0, ev_go_r || (carry && !fin_q0)};
  // regs is written in the cycle its word arrives (cr_rd), at the address
  // read the cycle before: an event's counter plus 1 (ev_go_r), S_POP's
  // quarters of created (k 5-8), S_FIN's quarters (k 1-32), FREE_COUNT (33)
  // and the generator's halves (34, 35)
  assign cr_wa = cr_ra_r;
  // (S_POP's k is at most 11, S_FIN's at most 35: k[5] and k[1:0] != 0 is 33-35)
  wire pop_q = k[3:0] == 4'd5 || k[3:0] == 4'd6 || k[3:0] == 4'd7 || k[3:0] == 4'd8;
  assign cr_we = ev_go_r || (st == S_POP && pop_q) || (st == S_FIN && k != 6'd0);
  // (0 while idle, as the segment memory's address and data and cr_ra:
  // htm3_tm ORs the engines' ports instead of multiplexing them)
  assign cr_wd = st == S_IDLE ? 16'd0 : st != S_FIN || !k[5] || k[1:0] == 2'd0 ? fin_sum[15:0] : k[1:0] == 2'd1 ? 16'(fc) :
      rng_lo;

  wire [WCOL:0] ai_inc = ai + 1'b1;  // (one incrementer: the next read, and ai's count)
  assign ac_ra = st == S_COL && col_hit ? ai_inc[WCOL-1:0] : ai[WCOL-1:0];
  assign cm_ra = w;
  assign cm_we = st == S_COL && nb[3];  // cleared as left (the read of w+1 follows)
  assign hd_we = st == S_HWAIT;  // cleared as read
  assign cm_wa = w;
  assign cm_wd = 16'd0;
  assign hd_ra = wcell;
  assign hd_wa = wcell;
  assign hd_wd = {(WS + 1) {1'b0}};
  assign wl_wa = {bank, n_win[WCELL-1:0]};
  assign pr_wa = n_pred[WCOL-1:0];
  assign pr_wd = col;
  assign pa_ra = {~bank, rd_chi};
  assign pl_ra = {~bank, ip[WCELL-1:0]};
  assign sc_we = st == S_POP && k == 6'd2;
  assign sc_wa = oseg;
  assign sc_wd = {oseg, {(2 * WM) {1'b0}}};
  assign cs_we = (st == S_POP && k == 6'd1) || st == S_D3;
  assign cs_wa = owner;  // (S_POP sets it to ccell; destroy reads it)
  wire [WS:0] fc_pm = fc + (st == S_KPOOL ? {(WS + 1) {1'b1}} : (WS + 1)'(1));  // FREE_COUNT - 1 (a pop) or + 1 (a destroy)
  assign cs_wd = cs_rd + (st == S_D3 ? {WG{1'b1}} : WG'(1));  // (one adder: -1 or +1)

  // cfg/regs addresses read by S_POP, step k: iter (regs 3) for k 3-4,
  // created (regs 4) for k 5-8, created's counter for its event (k 11)
  function automatic [6:0] pop_addr(input [3:0] kk);
    case (kk)
      4'd2: pop_addr = 7'd76;
      4'd3: pop_addr = 7'd77;
      4'd4: pop_addr = 7'd80;
      4'd5: pop_addr = 7'd81;
      4'd6: pop_addr = 7'd82;
      4'd7: pop_addr = 7'd83;
      default: pop_addr = 7'd92;
    endcase
  endfunction

  // cfg/regs addresses read by S_INIT, step k
  function automatic [6:0] init_addr(input [5:0] kk);
    case (kk)
      6'd0: init_addr = 7'd32;  // cfg 16
      6'd1: init_addr = 7'd34;  // cfg 17
      6'd2: init_addr = 7'd84;  // regs 5
      6'd3: init_addr = 7'd85;
      6'd4: init_addr = 7'd36;  // cfg 18
      6'd5: init_addr = 7'd50;  // cfg 25
      6'd6: init_addr = 7'd54;  // cfg 27
      default: init_addr = 7'd88;  // regs 6
    endcase
  endfunction

  // A segment memory address: a region's base ORed with an offset below R
  // (or 4R: segseq); a slot address: the segment's first slot plus the slot.
  // The offset is the running segment's (oseg) word sm_lo of its 2^k
  // words (o0, o1, o2: k 0, 1, 2) or another register's segment (x_*);
  // the sources are ORed, each under its select (one at most; none: the
  // base alone): fewer LUT levels than multiplexers.
  reg [SM_AW-1:0] sm_b;
  reg o0, o1, o2;  // oseg shifted by 0, 1, 2
  reg x_fc, x_rd, x_rs, x_tl, x_dp;  // fc, sm_rd (shifted by SSH: x_rs), tail, dp
  reg [1:0] sm_lo;
  reg [SYN_AW-1:0] syn_o;
  always @* begin
    sm_a = sm_b | SM_AW'(sm_lo) | ({SM_AW{o0}} & SM_AW'(oseg)) | ({SM_AW{o1}} & (SM_AW'(oseg) << 1)) |
        ({SM_AW{o2}} & (SM_AW'(oseg) << 2)) | ({SM_AW{x_fc}} & SM_AW'(fc)) |
        ({SM_AW{x_rd || (x_rs && !SEG2)}} & SM_AW'(sm_rd[WS-1:0])) |
        ({SM_AW{x_rs && SEG2}} & (SM_AW'(sm_rd[WS-1:0]) << SSH)) |
        ({SM_AW{x_tl}} & SM_AW'(tail)) | ({SM_AW{x_dp}} & SM_AW'(dp));
    // {segment, slot} when M is a power of two, else the first slot plus the slot
    syn_a = M_POW2 ? SYN_AW'({oseg, syn_o[WMS-1:0]}) : sbase + syn_o;
  end
  // created (regs 4) is not kept here: S_POP reads its quarter k - 5
  // (k 5..8, k - 5 = k + 3 modulo 4) into the new segment's segseq word
  // and writes it back plus the carry (read-modify-write on cfg/regs).
  wire [1:0] k_q = 2'(k + 6'd3);
  // destroy's unlink: sm_rd is oseg's next (read in S_D2, again in S_DW's
  // step 7); S_D3 writes prev[next] (prev, or next itself when oseg was the
  // oldest: dp == oseg), step 8 next[prev] (next, or prev itself when
  // oseg was the newest: next == oseg): the link written is next (sm_rd)
  // when lnk_rd, else prev (dp)
  wire lnk_rd = st == S_D3 ? dp == oseg : sm_rd[WS-1:0] != oseg;
  // One event a cycle at most: its counter and one incrementer.
  always @* begin
    ev_go = 1'b1;
    case (st)
      S_AW2: begin
        ev_go = sw_valid && perm_new == {B{1'b0}};
        ev_i = 3'd6;  // synapse pruned
      end
      S_AEND: begin
        ev_go = seg_prune;
        ev_i = 3'd3;  // segment pruned
      end
      S_GEV: begin
        ev_go = over && wk_v;
        ev_i = 3'd7;  // synapse evicted
      end
      S_GC3: begin
        ev_go = take;
        ev_i = 3'd5;  // synapse created
      end
      S_WF: ev_i = 3'd1;  // evicted: cell full
      S_PSE: ev_i = bv ? 3'd2 : 3'd4;  // evicted: pool full; not created
      S_POP: begin
        ev_go = k == 6'd11;
        ev_i = 3'd0;  // created
      end
      default: begin
        ev_go = 1'b0;
        ev_i = 3'd0;
      end
    endcase
  end

  // The segment memory's write data: its sources ORed, each under its
  // select (none: 0, the words destroy clears).
  reg w_sh, w_sw, w_cr, w_tl, w_os, w_lk;  // seg_hi, tm.seg's part 0, cr_rd, tail, oseg, the link
  always @*
    sm_wd = ({16{w_sh}} & seg_hi) | ({16{w_sw}} & (SEG2 ? 16'(owner) : seg_word)) | ({16{w_cr}} & cr_rd) |
        ({16{w_tl}} & 16'(tail)) | ({16{w_os}} & 16'(oseg)) | ({16{w_lk && lnk_rd}} & 16'(sm_rd[WS-1:0])) |
        ({16{w_lk && !lnk_rd}} & 16'(dp));

  // --- memory addresses and writes by state
  always @* begin
    // S_INIT: the configuration; S_POP: regs 3 (iter, k 2-3) and 4
    // (created, k 4-7); the walk and the scan: regs 3; S_FIN: regs 7-14
    case (st)
      S_IDLE: cr_ra = 7'd0;
      S_INIT: cr_ra = init_addr(k);
      S_POP: cr_ra = pop_addr(k[3:0]);
      S_WB, S_PSA: cr_ra = 7'd76;
      // the operations' cfg words: p_dec or p_psd, p_init, maxSegmentsPerCell
      S_A0: cr_ra = pun ? 7'd54 : 7'd52;
      S_G0: cr_ra = 7'd46;
      S_K0: cr_ra = 7'd38;
      S_WC, S_PSB: cr_ra = 7'd77;
      // S_FIN: the counters' quarters (k 0-31), then the addresses that k
      // 33-35 write (cr_wa is cr_ra two cycles late)
      S_FIN: cr_ra = k == 6'd32 ? 7'd88 : k == 6'd33 ? 7'd84 : k == 6'd34 ? 7'd85 : 7'd92 + 7'(k);
      default: cr_ra = {5'(5'd23 + 5'(ev_i)), 2'd0};  // an event state: its counter's low quarter, 92 + 4 ev_i
    endcase
    sc_ra = sc_link;
    // the last state of a segment operation reads the scratch word of the
    // segment learned on (oseg) again, for S_RESUME's link (nothing here
    // writes the scratch but a pop, and a pop does not resume)
    if (st == S_AEND || st == S_GEND || st == S_DZ) sc_ra = oseg;
    cs_ra = rcell;
    win_ra = {~bank, rcell[WCELL-1:4]};
    // the marks are read and written at one cell: the slot's (the filter
    // pass), the previous winner's (S_GC1 reads, S_GC2 writes); S_GW2 sets
    // a mark that is 0 (a segment has one synapse a cell), S_GC2 clears one
    // that is 1: both toggle
    ex_ra = ex_cell[WCELL-1:4];
    ex_we = 1'b0;
    ex_wa = ex_cell[WCELL-1:4];
    ex_wd = ex_rd ^ (16'd1 << ex_cell[3:0]);
    syn_o = SYN_AW'(js);
    syn_we = 1'b0;
    syn_wd = {SYN_W{1'b0}};
    sm_b = {SM_AW{1'b0}};  // (0 while idle: htm3_tm ORs the engines' ports)
    {o0, o1, o2, x_fc, x_rd, x_rs, x_tl, x_dp} = 8'd0;
    sm_lo = 2'd0;
    sm_we = 1'b0;
    {w_sh, w_sw, w_cr, w_tl, w_os, w_lk} = 6'd0;
    case (st)
      S_INIT: sm_b = SM_AW'(TAIL_ADDR);  // the tail (read by step 7)
      S_HWAIT: sc_ra = hd_rd[WS-1:0];  // (the head's segment: valid or not)
      S_PSA: begin
        sc_ra = oseg;
        sm_b = SM_AW'(LRU_BASE);
        o1 = 1'b1;
      end
      S_PSB: begin
        sc_ra = oseg;  // (again: S_PSC's eligibility)
        sm_b = SM_AW'(LRU_BASE);
        o1 = 1'b1;
        sm_lo = 2'd1;
      end
      S_A0, S_G0: begin
        sm_b = SM_AW'(SEG_BASE);
        o0 = !SEG2;
        o1 = SEG2;
        sm_lo = SHI;
      end
      S_AW2:
      if (sw_valid) begin
        syn_we = 1'b1;
        syn_wd = perm_new == {B{1'b0}} ? {SYN_W{1'b0}} : {syn_rd[SYN_W-1:B], perm_new};
      end
      S_AEND:
      if (!seg_prune) begin
        sm_we = 1'b1;
        sm_b = SM_AW'(SEG_BASE);
        o0 = !SEG2;
        o1 = SEG2;
        sm_lo = SHI;
        w_sh = 1'b1;
      end
      S_GC3: begin
        // the synapse taken, in the lowest free slot
        syn_we = take;
        syn_o = SYN_AW'(ffs);
        syn_wd = {1'b1, pl_rd, p_sub};  // (p_init)
      end
      S_GEND: begin
        sm_we = 1'b1;
        sm_b = SM_AW'(SEG_BASE);
        o0 = !SEG2;
        o1 = SEG2;
        sm_lo = SHI;
        w_sh = 1'b1;
      end
      S_AW1: win_ra = {~bank, rd_chi};  // (grow's previous-winner bit)
      S_GW2: ex_we = sw_valid && pw_bit && !rescan;
      S_GEV:
      if (over && wk_v) begin
        syn_we = 1'b1;
        syn_o = SYN_AW'(wk_j);
      end
      S_GC2: ex_we = !gc_cand;
      S_K0: cs_ra = ccell;
      S_WA: begin
        sm_b = SM_AW'(SEG_BASE);
        o0 = !SEG2;
        o1 = SEG2;
      end
      S_WB: begin
        sm_b = SM_AW'(LRU_BASE);
        o1 = 1'b1;
      end
      S_WC: begin
        sm_b = SM_AW'(LRU_BASE);
        o1 = 1'b1;
        sm_lo = 2'd1;
      end
      S_WD: begin
        sm_b = SM_AW'(PREV_BASE);
        o0 = 1'b1;
      end
      S_WE: begin
        sm_b = SM_AW'(SEG_BASE);
        x_rs = 1'b1;
      end
      S_POP: begin
        cs_ra = ccell;
        sm_we = k != 6'd0;
        case (k)
          6'd0, 6'd1: begin
            sm_b = SM_AW'(FREE_BASE);
            x_fc = 1'b1;
          end
          6'd2: begin  // {0, 1, ccell}: S_POP's first cycle sets cnt and owner (SEG2: the owner; k 12 {0, 1})
            sm_b = SM_AW'(SEG_BASE);
            o0 = !SEG2;
            o1 = SEG2;
            w_sw = 1'b1;
          end
          6'd3: begin
            sm_b = SM_AW'(LRU_BASE);
            o1 = 1'b1;
            w_cr = 1'b1;  // iter
          end
          6'd4: begin
            sm_b = SM_AW'(LRU_BASE);
            o1 = 1'b1;
            sm_lo = 2'd1;
            w_cr = 1'b1;
          end
          6'd5, 6'd6, 6'd7, 6'd8: begin
            sm_b = {SM_AW{1'b0}};
            o2 = 1'b1;
            sm_lo = k_q;
            w_cr = 1'b1;
          end
          6'd9: begin
            sm_b = SM_AW'(PREV_BASE);
            o0 = 1'b1;
            w_tl = 1'b1;  // (the new segment itself when the list was empty: k 1)
          end
          6'd10: begin
            sm_b = SM_AW'(NEXT_BASE);
            o0 = 1'b1;
            w_os = 1'b1;
          end
          default:
          if (SEG2 && k[2]) begin  // 12 (SEG2 only): tm.seg's high part {0, 1}
            sm_b = SM_AW'(SEG_BASE);
            o0 = !SEG2;
            o1 = SEG2;
            sm_lo = SHI;
            w_sh = 1'b1;
          end else begin  // 11 (an empty list's: next[oseg] = oseg again, as k 10)
            sm_b = SM_AW'(NEXT_BASE);
            x_tl = 1'b1;
            w_os = 1'b1;
          end
        endcase
      end
      S_D0: begin
        sm_b = SM_AW'(SEG_BASE);
        o0 = !SEG2;
        o1 = SEG2;
      end
      S_D1: begin
        sm_b = SM_AW'(PREV_BASE);
        o0 = 1'b1;
      end
      S_D2: begin
        sm_b = SM_AW'(NEXT_BASE);
        o0 = 1'b1;
        cs_ra = owner;
      end
      S_D3: begin  // prev[next] = prev (or next itself if oseg is the oldest), unless oseg is the newest
        sm_we = sm_rd[WS-1:0] != oseg;
        sm_b = SM_AW'(PREV_BASE);
        x_rd = 1'b1;
        w_lk = 1'b1;
      end
      S_DW: begin
        sm_we = 1'b1;
        case (k)
          6'd0: begin
            sm_b = SM_AW'(SEG_BASE);
            o0 = !SEG2;
            o1 = SEG2;
          end
          6'd1, 6'd2: begin
            sm_b = SM_AW'(LRU_BASE);
            o1 = 1'b1;
            sm_lo = {1'b0, k == 6'd2};
          end
          6'd3, 6'd4, 6'd5, 6'd6: begin
            sm_b = {SM_AW{1'b0}};
            o2 = 1'b1;
            sm_lo = 2'(k + 6'd1);  // quarter k - 3
          end
          6'd7: begin  // read next[oseg] again
            sm_we = 1'b0;
            sm_b = SM_AW'(NEXT_BASE);
            o0 = 1'b1;
          end
          6'd8: begin  // next[prev] = next (or prev itself if oseg is the newest), unless oseg is the oldest
            sm_we = dp != oseg;
            sm_b = SM_AW'(NEXT_BASE);
            x_dp = 1'b1;
            w_lk = 1'b1;
          end
          default:
          if (SEG2 && k[1]) begin  // 10 (SEG2 only): tm.seg's high part
            sm_b = SM_AW'(SEG_BASE);
            o0 = !SEG2;
            o1 = SEG2;
            sm_lo = SHI;
          end else begin  // 9
            sm_b = SM_AW'(FREE_BASE);
            x_fc = 1'b1;
            w_os = 1'b1;
          end
        endcase
      end
      S_DZ: syn_we = 1'b1;
      S_FIN: begin
        sm_b = SM_AW'(TAIL_ADDR);
        if (k == 6'd35) begin
          sm_we = 1'b1;
          w_tl = 1'b1;
        end
      end
      default: ;
    endcase
  end

  // the winner list is written as the winner is set
  assign wl_we = set_w;
  assign wl_wd = set_cell;
  wire [15:0] set_bit = 16'd1 << set_cell[3:0];
  // a set in another word than the accumulator's
  wire acc_set_a = ACC1 ? set_a || set_w : set_a, acc_set_w = ACC1 ? set_a || set_w : set_w;
  wire [ACT_AW-1:0] acc_wi = ACC1 ? acc_a_i : acc_w_i;
  wire acc_wv = ACC1 ? acc_a_v : acc_w_v;
  wire acc_new_a = ACC1 ? acc_fl : acc_set_a && acc_a_v && acc_a_i != set_cell[WCELL-1:4];
  wire acc_new_w = ACC1 ? acc_fl : acc_set_w && acc_wv && acc_wi != set_cell[WCELL-1:4];
  // S_COL examines the first column of a bitmap word, nb 1-8 (8: the
  // next cm word's; nb 0 is preceded by the previous cm word's 8): the
  // previous column ended the word
  wire [3:0] acc_pos = 4'((32'({w, 3'd0}) + 32'(nb)) * K);
  // The bitmap words are written from the accumulators as they are
  // complete: S_CLEAR zeroes the new banks (the accumulators are zero and
  // their index counts the words), a set in another word writes the word
  // filled, the last S_FIN cycle writes the last words.
  always @* begin
    act_we = st == S_CLEAR || acc_new_a || (!ACC1 && st == S_FIN && k == 6'd35 && acc_a_v);
    act_wa = {bank, acc_a_i};
    act_wd = acc_a;
    win_we = st == S_CLEAR || acc_new_w || (!ACC1 && st == S_FIN && k == 6'd35 && acc_wv);
    win_wa = {bank, acc_wi};
    win_wd = acc_w;
  end

  // the walk's next cell: after S_HWAIT's empty list, S_SEG's list end
  // (unless it learns first) or S_RESUME's
  wire seg_learn = learn && ((col_act && col_pred && seg_is_act) || (!col_act && seg_is_match && psd_nz));
  wire walk_next = (st == S_HWAIT && !hd_rd[WS]) || (st == S_SEG && sc_link == oseg && !seg_learn)
      || (st == S_RESUME && sc_link == oseg);

  always @(posedge clk) begin
    pr_we <= 1'b0;
    rng_step <= 1'b0;
    done <= 1'b0;
    set_a <= 1'b0;
    set_w <= 1'b0;
    // the sets of the previous cycle go into the accumulators
    acc_fl <= ACC1 && st == S_COL && acc_pos == 4'd0 && nb != 4'd0;
    if (ACC1) begin
      if (acc_fl) begin
        acc_a <= 16'd0;
        acc_w <= 16'd0;
        acc_a_i <= acc_a_i + 1'b1;
      end else begin
        if (set_a) acc_a <= acc_a | set_bit;
        if (set_w) acc_w <= acc_w | set_bit;
      end
    end else begin
      if (acc_set_a) begin
        acc_a <= (acc_new_a ? 16'd0 : acc_a) | (set_a ? set_bit : 16'd0);
        acc_a_v <= 1'b1;
        acc_a_i <= set_cell[WCELL-1:4];
      end
      if (acc_set_w) begin
        acc_w <= (acc_new_w ? 16'd0 : acc_w) | (set_w ? set_bit : 16'd0);
        acc_w_v <= 1'b1;
        acc_w_i <= set_cell[WCELL-1:4];
      end
    end
    if (wl_we) n_win <= n_win + 1'b1;
    // an event's counter is written the cycle after the event (its low
    // quarter read, plus 1): no event state writes regs, events of one kind
    // are at least 3 cycles apart, and the last event is written before
    // S_FIN reads its counter
    ev_go_r <= ev_go;
    // every regs write goes to the address read the cycle before: an
    // event's counter, S_POP's created, S_FIN's quarters and words
    cr_ra_r <= cr_ra;
    ev_i_r <= st == S_FIN ? 3'(k >> 2) : ev_i;  // S_FIN: the counter that k + 1 adds
    if (ev_go_r && fin_sum[16]) ev_c[ev_i_r] <= 1'b1;
    // the walk's and the pool scan's best segment (S_WD, S_PSC)
    // (a pool segment is eligible when neither active nor matching: S_PSC
    // has its scratch word, read by S_PSA and again by S_PSB)
    if ((st == S_WD && owner == ccell || st == S_PSC && !seg_is_match && !seg_is_act) && (!bv || age_older)) begin
      bv <= 1'b1;
      bseg <= oseg;
      nbage <= {~age_d[15:0], lru_lo_n};
    end
    if (pr_we) n_pred <= n_pred + 1'b1;
    case (st)
      S_IDLE:
      if (start) begin
        busy <= 1'b1;
        st <= S_INIT;
        k <= 6'd0;
        n_pred <= {(WCOL + 1) {1'b0}};
        n_win <= {(WCELL + 1) {1'b0}};
        anom_num <= {(WCOL + 1) {1'b0}};
        ai <= {(WCOL + 1) {1'b0}};
        acc_a_v <= 1'b0;
        acc_w_v <= 1'b0;
        acc_a <= 16'd0;
        acc_w <= 16'd0;
        w <= {CM_AW{1'b0}};
        acc_a_i <= {ACT_AW{1'b0}};
        acc_w_i <= {ACT_AW{1'b0}};
        ev_c <= 8'd0;
        ev_go_r <= 1'b0;
      end
      // read the configuration and regs (cr_ra = init_addr(k)) and the tail
      S_INIT: begin
        k <= k + 1'b1;
        case (k)
          6'd1: act_t <= cr_rd[WM-1:0];
          6'd2: min_t <= cr_rd[WM-1:0];
          6'd5: max_new <= cr_rd[15:WM+2] != 0 ? {(WM + 2) {1'b1}} : cr_rd[WM+1:0];
          6'd6: p_inc <= cr_rd[B-1:0];
          6'd7: psd_nz <= cr_rd[B-1:0] != {B{1'b0}};
          6'd8: begin
            fc <= cr_rd[WS:0];
            tail <= sm_rd[WS-1:0];
            st <= S_CLEAR;
          end
          default: ;
        endcase
      end
      // zero the new banks of act and win
      S_CLEAR: begin
        acc_a_i <= acc_a_i + 1'b1;
        acc_w_i <= acc_a_i + 1'b1;
        if (32'(acc_a_i) == NA - 1) begin
          st <= S_WORD;
          if (ACC1) acc_a_i <= {ACT_AW{1'b0}};  // (the column loop's first word)
        end
      end
      // read bitmap word w (cm_ra = w); fold its active columns
      S_WORD: begin
        st <= S_COL;
        nb <= 4'd0;
        k <= 6'd0;
      end
      // the next column of the word, or the next word
      S_COL:
      if (nb[3]) begin
        w <= w + 1'b1;
        if (32'(w) == NCM - 1) begin
          st <= S_FIN;
          k <= 6'd0;
        end else st <= S_WORD;
      end else begin
        nb <= nb + 1'b1;
        if (col_hit) ai <= ai_inc;
        col_b <= nb[2:0];
        col_act <= col_hit;
        col_pred <= act8[nb[2:0]];
        first <= WCELL'({w, nb[2:0]}) * WCELL'(K);
        ci_k <= {WK{1'b0}};
        cell_done <= 1'b0;
        bv <= 1'b0;
        if (col_hit || any8[nb[2:0]]) begin  // visit it
          if (act8[nb[2:0]]) pr_we <= 1'b1;
          if (col_hit && !act8[nb[2:0]]) anom_num <= anom_num + 1'b1;
          st <= S_HEAD;
        end
      end
      // walk the K cells' lists: read the head (hd_ra = wcell)
      S_HEAD: st <= S_HWAIT;
      S_HWAIT:
      if (hd_rd[WS]) begin
        oseg <= hd_rd[WS-1:0];
        st <= S_SEG;
      end else st <= S_HEAD;
      S_SEG: begin
        if (col_act && col_pred && seg_is_act && !cell_done) begin
          set_a <= 1'b1;
          set_w <= 1'b1;
          set_k <= ci_k;
          cell_done <= 1'b1;
        end
        if (seg_is_match && (!bv || sc_pot > best_pot)) begin
          bv <= 1'b1;
          best_pot <= sc_pot;
          best_k <= ci_k;
          bseg <= oseg;
        end
        if (seg_learn) begin
          // adapt (and grow) an active segment of a predicted column, or
          // punish a matching segment of an inactive column; then resume
          pun <= !col_act;
          g_pot <= sc_pot;
          ret <= 1'b0;
          st <= S_A0;
        end else if (sc_link != oseg) oseg <= sc_link;
        else st <= S_HEAD;
      end
      S_RESUME:
      if (sc_link != oseg) begin  // (sc_ra = sc_link: S_SEG reads the next entry's word)
        oseg <= sc_link;
        st <= S_SEG;
      end else st <= S_HEAD;
      // burst: activate the K cells, read their cellsegs and previous-winner bits
      S_BURST: begin
        j <= j + 1'b1;
        if (32'(j) != K) begin  // (j < K: j counts to K)
          set_a <= 1'b1;
          set_k <= WK'(j);
        end
        if (j != 0) begin
          if (win_rd[bcell_b] && !pw_v) begin
            pw_v <= 1'b1;
            pw_k <= WK'(j_m1);
          end
          if (j == 1 || cs_rd < fewest) begin
            fewest <= cs_rd;
            ties_m <= K'(1) << (j - 1'b1);
          end else if (cs_rd == fewest) ties_m <= ties_m | (K'(1) << (j - 1'b1));
        end
        if (32'(j) == K) st <= S_DEC;
      end
      S_DEC: begin
        bn <= WN'(pop_ties);  // (below's n: the burst's ties, or grow's candidates)
        if (bv || pw_v) begin
          set_w <= 1'b1;
          set_k <= bv ? best_k : pw_k;
          st <= learn ? S_BLEARN : S_COL;
        end else begin
          rng_step <= 1'b1;
          st <= S_DRAW;
        end
      end
      S_DRAW: st <= S_MUL;  // the generator steps
      S_MUL: st <= S_PICK;
      S_PICK: begin
        set_w <= 1'b1;
        set_k <= pick;
        st <= learn ? S_BLEARN : S_COL;
      end
      // a burst's learning: adapt and grow the best matching segment, or
      // create a segment on the winner and grow it
      S_BLEARN: begin
        ret <= 1'b1;
        if (bv) begin
          oseg <= bseg;
          pun <= 1'b0;
          g_pot <= best_pot;
          st <= S_A0;
        end else if (n_pw != {(WCELL + 1) {1'b0}}) begin
          g_pot <= {WM{1'b0}};
          st <= S_K0;
        end else st <= S_COL;
      end
      // --- adapt / punish oseg (SPEC 6.6, 6.8): 3 cycles a slot
      S_A0: begin
        gm <= 1'b0;
        sbase <= SYN_AW'(oseg) * SYN_AW'(M);
        st <= S_A1;
      end
      S_A1: begin
        p_sub <= cr_rd[B-1:0];
        cnt <= SEG2 ? sm_rd[1+:WM] : sm_rd[WCELL+1+:WM];
        if (!SEG2) owner <= sm_rd[WCELL-1:0];
        js <= {WMS{1'b0}};
        st <= S_AR;
      end
      S_AR: st <= S_AW1;
      S_AW1: st <= gm ? S_GW2 : S_AW2;
      S_AW2: begin
        if (sw_valid && perm_new == {B{1'b0}}) begin
          cnt <= cnt_pm;
        end
        js <= js + 1'b1;
        st <= 32'(js) == M - 1 ? S_AEND : S_AR;
      end
      S_AEND:
      if (seg_prune) begin
        dret <= 2'd0;
        st <= S_D0;
      end else if (!pun && mn_gt) begin
        st <= S_G0;
      end else st <= ret ? S_COL : S_RESUME;
      // --- grow on oseg (SPEC 6.7)
      S_G0: begin
        gm <= 1'b1;
        sbase <= SYN_AW'(oseg) * SYN_AW'(M);
        st <= S_G1;
      end
      S_G1: begin
        p_sub <= cr_rd[B-1:0];
        cnt <= SEG2 ? sm_rd[1+:WM] : sm_rd[WCELL+1+:WM];
        if (!SEG2) owner <= sm_rd[WCELL-1:0];
        js <= {WMS{1'b0}};
        bn <= WN'(n_pw);  // less the previous winners presynaptic to the segment (S_GW2): the candidates
        wk_v <= 1'b0;
        rescan <= 1'b0;
        st <= S_AR;
      end
      S_GW2: begin
        if (sw_valid && pw_bit && !rescan) bn <= bn - 1'b1;
        if (sw_valid && !pw_bit && (!wk_v || sw_perm < wk_perm)) begin
          wk_v <= 1'b1;
          wk_j <= WMS'(js);
          wk_perm <= sw_perm;
        end
        fmask <= {!sw_valid, fmask[M-1:1]};  // slot js (all M slots shift through)
        js <= js + 1'b1;
        if (32'(js) == M - 1) st <= rescan ? S_GEV : S_GNEED;
        else st <= S_AR;
      end
      S_GNEED: begin
        need <= need_c;
        st <= S_GEV;
      end
      S_GEV: begin
        rescan <= 1'b1;
        // an eviction is followed by another pass (which shifts the evicted
        // slot into fmask as free, and evicts again if still over)
        if (over && wk_v) begin  // (need saturated at NSAT > M decides as need_c)
          cnt <= cnt_pm;
          js <= {WMS{1'b0}};
          wk_v <= 1'b0;
          st <= S_AR;
        end else st <= S_GSEL;
      end
      S_GSEL: begin
        if (over) need <= (WM + 1)'(room);
        ip <= {(WCELL + 1) {1'b0}};
        st <= n_pw == {(WCELL + 1) {1'b0}} ? S_GEND : S_GC0;
      end
      S_GC0: st <= S_GC1;
      S_GC1: st <= S_GC2;
      S_GC2: begin
        drew <= draw_now;
        st <= S_GC3;
      end
      S_GC3: begin
        if (drew) bn <= bn - 1'b1;
        if (take) begin  // (its synapse is written now)
          cnt <= cnt_pm;
          fmask <= fmask & (fmask - 1'b1);  // slot ffs taken
          need <= need - 1'b1;
        end
        ip <= ip + 1'b1;
        st <= ip + 1'b1 == n_pw ? S_GEND : S_GC0;
      end
      S_GEND: st <= ret ? S_COL : S_RESUME;  // (the tm.seg word counts S_GC3's last take)
      // --- create on ccell (SPEC 6.10)
      S_K0: st <= S_K1;
      S_K1:
      if (cs_rd >= cr_rd[WG-1:0]) begin  // (cfg 19, read by S_K0)
        oseg <= tail;
        bv <= 1'b0;
        st <= S_WA;
      end else st <= S_KPOOL;
      // the cell's least recently used segment: walk the used list from
      // the newest; among equal ages the earliest created (the last seen)
      S_WA: st <= S_WB;
      S_WB: begin
        owner <= sm_rd[WCELL-1:0];
        st <= S_WC;
      end
      S_WC: begin
        age_b <= age_d[16];
        lru_lo_n <= ~age_d[15:0];
        age_c <= age_cmp_lo[16];
        st <= S_WD;
      end
      S_WD: st <= S_WE;
      S_WE: begin
        oseg <= sm_rd[WS-1:0];
        st <= sm_rd[WS-1:0] == oseg ? S_WF : S_WB;  // the oldest links to itself
      end
      S_WF: begin
        oseg <= bseg;
        dret <= 2'd1;
        st <= S_D0;
      end
      S_KPOOL:
      if (fc == {(WS + 1) {1'b0}}) begin
        oseg <= {WS{1'b0}};
        bv <= 1'b0;
        st <= S_PSA;
      end else begin
        k <= 6'd0;
        fc <= fc_pm;
        st <= S_POP;
      end
      // the pool's least recently used segment neither active nor matching
      S_PSA: st <= S_PSB;
      S_PSF: st <= S_PSE;
      S_PSB: begin
        age_b <= age_d[16];
        lru_lo_n <= ~age_d[15:0];
        age_c <= age_cmp_lo[16];
        st <= S_PSC;
      end
      S_PSC: begin
        oseg <= oseg + 1'b1;
        st <= 32'(oseg) == S - 1 ? S_PSF : S_PSA;
      end
      S_PSE:
      if (!bv) begin
        st <= ret ? S_COL : S_RESUME;
      end else begin
        oseg <= bseg;
        dret <= 2'd2;
        k <= 6'd0;
        st <= S_D0;
      end
      // pop tm.free, write the segment's words, append it to the used list
      S_POP: begin
        k <= k + 1'b1;
        case (k)
          6'd0: begin
            carry <= 1'b1;
            cnt <= {WM{1'b0}};
            owner <= ccell;
          end
          6'd1: begin
            oseg <= sm_rd[WS-1:0];
            if (fc == (WS + 1)'(S - 1)) tail <= sm_rd[WS-1:0];  // the used list is empty: the new segment is its own prev
          end
          6'd5, 6'd6, 6'd7, 6'd8: carry <= fin_sum[16];  // created + 1 into regs 4, quarter k - 5 (cr_wd)
          6'd11:
          if (!SEG2) begin
            tail <= oseg;
            st <= S_G0;
          end
          6'd12:  // (SEG2 only: k 12 writes tm.seg's high part)
          if (SEG2) begin
            tail <= oseg;
            st <= S_G0;
          end
          default: ;
        endcase
      end
      // --- destroy oseg: read its owner and links, clear its words, unlink
      // it, push it on tm.free, free its slots
      S_D0: st <= S_D1;
      S_D1: begin
        owner <= sm_rd[WCELL-1:0];
        st <= S_D2;
      end
      S_D2: begin
        dp <= sm_rd[WS-1:0];
        st <= S_D3;
      end
      S_D3: begin
        sbase <= SYN_AW'(oseg) * SYN_AW'(M);
        k <= 6'd0;
        st <= S_DW;
      end
      S_DW: begin
        k <= k + 1'b1;
        if (k == 6'd8 && sm_rd[WS-1:0] == oseg) tail <= dp;  // oseg was the newest
        if (k == (SEG2 ? 6'd10 : 6'd9)) begin  // (SEG2: k 10 writes tm.seg's high part)
          if (dret != 2'd2) fc <= fc_pm;  // + 1 (else S_POP pops it again)
          js <= {WMS{1'b0}};
          st <= S_DZ;
        end
      end
      S_DZ: begin
        js <= js + 1'b1;
        if (32'(js) == M - 1) begin
          k <= 6'd0;
          st <= dret == 2'd1 ? S_KPOOL : dret == 2'd2 ? S_POP : ret ? S_COL : S_RESUME;
        end
      end
      // --- the end: add the event counts to regs 7-14 (read k, write k+1),
      // write FREE_COUNT, the generator, the tail; flush the bitmaps
      S_FIN: begin
        k <= k + 1'b1;
        if (k != 6'd0 && (!k[5] || k[1:0] == 2'd0))  // k 1-32 (cr_wd: the quarter plus the carry)
          carry <= fin_q == 2'd0 ? ev_c[ev_i_r] : fin_sum[16];  // (the low quarter is rewritten as it is)
        if (k == 6'd35) begin
          busy <= 1'b0;
          done <= 1'b1;
          st <= S_IDLE;
        end
      end
      default: st <= S_IDLE;
    endcase
    if (walk_next) begin
      if (32'(ci_k) == K - 1) begin
        if (col_act && !col_pred) begin
          st <= S_BURST;
          j <= {(WK + 1) {1'b0}};
          pw_v <= 1'b0;
        end else st <= S_COL;
      end else begin
        ci_k <= ci_k + 1'b1;
        cell_done <= 1'b0;
      end
    end
    if (rst) begin
      st <= S_IDLE;
      busy <= 1'b0;
    end
  end

`ifdef SIM
  initial begin
    if (K > 16 && !K_POW2)
      $fatal(1, "htm3_tm_cells: K %0d > 16 and not a power of two (a column's cells span at most two bitmap words, or whole words)", K);
    if (WCELL > 16 || WM + 1 > 16) $fatal(1, "htm3_tm_cells: a tm.seg part ({owner}, {count, valid}) exceeds 16 bits");
    if (FREE_BASE + R > (1 << SM_AW) || SEG_BASE + (2 << SSH) * R / 2 > (1 << SM_AW))
      $fatal(1, "htm3_tm_cells: the segment memory is too small for its regions");
    if (NC <= M) $fatal(1, "htm3_tm_cells: NC %0d <= M %0d (maxNewSynapseCount saturates at 2^WN - 1)", NC, M);
    if (ACC1 && NCM * 8 * K / 16 > (1 << ACT_AW))
      $fatal(1, "htm3_tm_cells: the column loop writes %0d bitmap words, a bank holds %0d", NCM * 8 * K / 16, 1 << ACT_AW);
  end
  always @(posedge clk) begin
    if (st == S_GC3 && take && fmask == {M{1'b0}})
      $error("htm3_tm_cells: grow found no free slot");
    if (st == S_POP && k == 6'd0 && 32'(fc) >= S) $error("htm3_tm_cells: pop of an empty tm.free");
    if (ev_go_r && fin_sum[16] && ev_c[ev_i_r]) $error("htm3_tm_cells: event count %0d overflows", ev_i_r);
  end
`endif
endmodule
`default_nettype wire
