// htm3_dendrite: TM_DENDRITE of architecture 3 (docs/ARCHITECTURE-3.md
// 3.1-3.3, hdl/rtl3/DENDRITE.md): walks the used-segment list from its tail
// (newest segment first), reads each segment's M synapse slots from tm.syn
// (one a cycle) and tests their presynaptic cells against tm.active; writes
// numPot, numConn and the per-cell list link of every used segment, pushes
// each active or matching segment onto its owner cell's list (so that each
// list comes out in creation order), marks the column bitmaps, and with
// learning writes seglru = iteration for the active segments and increments
// the TM iteration (SPEC 6.9).
//
// Busy cycles (done follows the last): 13 + n_used * max(M, 4), with
// n_used = S - FREE_COUNT.
//
// Memories (all outside this module, one cycle of read latency):
//   syn  tm.syn, single port (read only here): word s*M + j
//   act  tm.active as 16-bit words: cell c is bit c%16 of word c/16
//   sm   segment memory (SPRAM, 16-bit words, single port): seglru lo/hi at
//        LRU_BASE + 2s (+1), used-list prev link at PREV_BASE + s, tm.seg at
//        SEG_BASE + s, the used list's tail at TAIL_ADDR
//   cr   cfg/regs (16-bit words): cfg word i at 2i (+1), regs word r at
//        64 + 4r (+1, +2, +3)
//   sc   per segment {link, numConn, numPot} (written only)
//   hd   per-cell list heads: {valid, segment}, valid (bit WS) 0 = empty
//   cm   column bitmaps: word w, bit b (b < 8): column 8w + b has an active
//        segment; bit 8 + b: it has an active or matching segment
`default_nettype none
module htm3_dendrite #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer SM_AW = 14,
    parameter integer LRU_BASE = 4 * S,
    parameter integer PREV_BASE = 6 * S,
    parameter integer SEG_BASE = 8 * S,
    parameter integer SEG_SH = 0,  // tm.seg's owner at SEG_BASE + (s << SEG_SH) (1: a word in two parts, TM.md)
    parameter integer TAIL_ADDR = 9 * S,
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
    localparam integer SC_W = WS + 2 * WM
) (
    input wire clk,
    input wire rst,
    input wire start,  // one cycle, while idle
    input wire learn,
    output wire busy,
    output reg done,  // one cycle, after the last busy cycle

    output wire [SYN_AW-1:0] syn_a,
    input  wire [ SYN_W-1:0] syn_rd,

    output wire [ACT_AW-1:0] act_ra,
    input  wire [      15:0] act_rd,

    output reg  [SM_AW-1:0] sm_a,
    output reg              sm_we,
    output reg  [     15:0] sm_wd,
    /* verilator lint_off UNUSEDSIGNAL */  // tm.seg's valid bit and count
    input  wire [     15:0] sm_rd,
    /* verilator lint_on UNUSEDSIGNAL */

    output reg  [ 6:0] cr_ra,
    input  wire [15:0] cr_rd,
    output reg         cr_we,
    output reg  [ 6:0] cr_wa,
    output reg  [15:0] cr_wd,

    output reg            sc_we,
    output reg [  WS-1:0] sc_wa,
    output reg [SC_W-1:0] sc_wd,

    output wire [WCELL-1:0] hd_ra,
    input  wire [   WS : 0] hd_rd,
    output reg              hd_we,
    output reg  [WCELL-1:0] hd_wa,
    output reg  [   WS : 0] hd_wd,

    output wire [CM_AW-1:0] cm_ra,
    input  wire [     15:0] cm_rd,
    output reg              cm_we,
    output reg  [CM_AW-1:0] cm_wa,
    output reg  [     15:0] cm_wd
);
  localparam integer W = M > 4 ? M : 4;  // cycles per segment
  localparam integer WK = $clog2(W);
  localparam [WK-1:0] K_LAST = WK'(W - 1);
  localparam [WK-1:0] K_MLAST = WK'(M - 1);
  localparam [1:0] IDLE = 2'd0, INIT = 2'd1, WALK = 2'd2, DRAIN = 2'd3;

  reg [1:0] st;
  reg [2:0] ic;  // INIT and DRAIN step
  reg [WK-1:0] k;  // cycle in the segment's window
  reg learn_r;
  reg [WM-1:0] act_thr, min_thr;
  reg [B-1:0] conn_perm;
  // The TM iteration is not copied: cfg/regs' read port, free during the
  // walk, reads regs word 3's half that the next seglru write needs, and
  // at the end of the drain the halves for the increment.
  reg lo_max;  // the iteration's low half is all ones: the high half's increment
  // one incrementer for both halves: lo + 1, then hi + the low half's carry
  wire [16:0] cr_sum = {1'b0, cr_rd} + {16'd0, !ic[0] || lo_max};
  reg [WS-1:0] seg, fin_seg;
  reg [WCELL-1:0] fin_own;

  assign busy = st != IDLE;
  wire walk = st == WALK;

  // s*M as shifts and adds of the constant (no multiplier).
  function automatic [SYN_AW-1:0] times_m(input [WS-1:0] s);
    integer i;
    reg [SYN_AW+WS-1:0] acc;
    begin
      acc = 0;
      for (i = 0; i < 32; i = i + 1) if (((M >> i) & 1) != 0) acc = acc + ({{SYN_AW{1'b0}}, s} << i);
      times_m = acc[SYN_AW-1:0];
    end
  endfunction
  // A base address plus an offset below 2^w: an OR when the base is a
  // multiple of 2^w (no carry chain), else a sum.
  localparam integer M_POW2 = (M & (M - 1)) == 0 ? 1 : 0;
  function automatic [SM_AW-1:0] at(input integer b, input [WS:0] off, input integer w);
    at = (b % (1 << w)) == 0 ? SM_AW'(b) | SM_AW'(off) : SM_AW'(b) + SM_AW'(off);
  endfunction

  // Stage 0: one slot read a cycle for the first M cycles of a window.
  /* verilator lint_off CMPCONST */  // constant when M >= 4
  wire rd_slot = walk && k <= K_MLAST;
  /* verilator lint_on CMPCONST */
  // the segment's first slot: seg's (no copy; seg moves at the window's end)
  wire [SYN_AW-1:0] base = times_m(seg);
  generate
    if (M_POW2 != 0) begin : g_or
      // (k >= M, for M < 4 only, is no read: rd_slot)
      assign syn_a = base | SYN_AW'(k);
    end else begin : g_add
      assign syn_a = base + SYN_AW'(k);
    end
  endgenerate

  // Stage 1: the slot's word; read its cell's tm.active word.
  reg s1_v, s1_first, s1_last;
  wire [WCELL-1:0] pre = syn_rd[B+:WCELL];
  assign act_ra = ACT_AW'(pre >> 4);
  // Stage 2: the tm.active word; count.
  reg s2_v, s2_first, s2_last, s2_ok, s2_conn;
  reg [3:0] s2_bit;
  reg [WM-1:0] pot, conn;
  wire hit = s2_ok && act_rd[s2_bit];
  // The owner's head and its column's bitmap word are read in the cycle of
  // the segment's last count (window cycle M + 1 >= W - 1), at fin_own, so
  // that they arrive with the final counts.
  wire [WCELL-1:0] fin_col = WCELL'(32'(fin_own) / K);
  assign hd_ra = fin_own;
  assign cm_ra = CM_AW'(fin_col >> 3);
  // Stage 3: a segment's counts are final: decide, write the counts and
  // link, push, mark, all at once. The segment, its owner and column are
  // fin_*'s: stage 3 comes at window cycle M + 2 >= W of the segment;
  // fin_own holds the owner from W - 1 to 2W - 2, fin_seg the segment from
  // W to 2W - 1, and M + 2 <= 2W - 2.
  reg s3;
  wire is_act = conn >= act_thr, is_mat = pot >= min_thr;
  wire [WS-1:0] s3_seg = fin_seg;
  wire [2:0] s3_cb = fin_col[2:0];
  wire push = is_act || is_mat;
  // seglru write of an active segment (learning), lo then hi, in the
  // segment memory's free cycles.
  reg pend, pend_h;
  reg [WS-1:0] pend_seg;
  // The writes come at the first two free cycles from window cycle M + 3
  // (the busy cycles are W - 3 and W - 2, then two free: by M + 6), while fin_seg still
  // holds the segment until 2W - 1: then no copy (the bound below keeps a
  // cycle of slack: M >= 8 with W = M).
  localparam integer PEND_FIN = (M + 7 <= 2 * W - 1) ? 1 : 0;
  wire [WS-1:0] lru_seg = PEND_FIN != 0 ? fin_seg : pend_seg;
  // the segment memory in the walk: tm.seg[s] read at window cycle W - 3,
  // so that the owner arrives at W - 2 and goes straight into fin_own (no
  // copy), prev[s] at W - 2, so that the next segment arrives at the
  // window's last cycle and goes straight into seg (no copy)
  localparam [WK-1:0] K_OWN = WK'(W - 3), K_PREV = WK'(W - 2);
  wire sm_walk = walk && (k == K_OWN || k == K_PREV);
  wire pend_go = pend && !sm_walk && st != INIT;
  // pend_h's next value: the half a seglru write in the next cycle takes
  wire pend_h_d = (s3 && is_act && learn_r) ? 1'b0 : pend_go ? 1'b1 : pend_h;

  // Every write enable is off during reset (the state may be anything
  // before the first reset edge).
  // (no default address or data: the write enable alone says when they count)
  always @(*) begin
    sm_we = 0;
    sm_wd = cr_rd;  // regs word 3's half pend_h, read the cycle before
    if (st == INIT) sm_a = SM_AW'(TAIL_ADDR);
    else if (sm_walk)
      sm_a = k == K_OWN ? (SEG_SH != 0 ? SM_AW'(SEG_BASE) | (SM_AW'(seg) << SEG_SH) : at(SEG_BASE, {1'b0, seg}, WS)) :
          at(PREV_BASE, {1'b0, seg}, WS);
    else begin
      sm_a = at(LRU_BASE, {lru_seg, pend_h}, WS + 1);
      sm_we = pend && !rst;
    end
    // 0 while idle (htm3_tm ORs the engines' ports)
    if (st == IDLE) begin
      sm_a = {SM_AW{1'b0}};
      sm_wd = 16'd0;
    end
  end

  always @(*) begin
    if (st == INIT)
      case (ic)
        3'd0: cr_ra = 7'd32;  // cfg 16 activationThreshold
        3'd1: cr_ra = 7'd34;  // cfg 17 minThreshold
        3'd2: cr_ra = 7'd48;  // cfg 24 connectedPermanence
        default: cr_ra = 7'd88;  // regs 6 FREE_COUNT
      endcase
    // the walk and the drain: regs 3, the TM iteration, lo (76) or hi (77):
    // the half of the next cycle's seglru write, then (drain 5, 6) the
    // halves of the increment, after the last seglru write (drain 5)
    else if (st == DRAIN && ic >= 3'd5) cr_ra = {6'b100110, ic == 3'd6};
    else cr_ra = {6'b100110, pend_h_d};
    cr_we = st == DRAIN && learn_r && ic >= 3'd6 && !rst;
    cr_wa = {6'b100110, ic[0]};
    // one incrementer for both halves: lo + 1, then hi + the low half's carry
    cr_wd = cr_sum[15:0];
    // 0 while idle (htm3_tm ORs the engines' ports)
    if (st == IDLE) begin
      cr_ra = 7'd0;
      cr_wa = 7'd0;
      cr_wd = 16'd0;
    end
  end

  always @(*) begin
    sc_we = s3 && !rst;
    sc_wa = s3_seg;
    sc_wd = {push && hd_rd[WS] ? hd_rd[WS-1:0] : s3_seg, conn, pot};
    hd_we = s3 && push && !rst;
    hd_wa = fin_own;
    hd_wd = {1'b1, s3_seg};
    cm_we = s3 && push && !rst;
    cm_wa = CM_AW'(fin_col >> 3);
    cm_wd = cm_rd | {8'd0, is_act ? 8'd1 << s3_cb : 8'd0} | ({8'd1 << s3_cb, 8'd0});
  end

  always @(posedge clk) begin
    done <= 0;
    // Control.
    case (st)
      IDLE:
      if (start) begin
        st <= INIT;
        ic <= 0;
        learn_r <= learn;
      end
      INIT: begin
        ic <= ic + 1'b1;
        case (ic)
          3'd1: begin
            act_thr <= cr_rd[WM-1:0];
            seg <= sm_rd[WS-1:0];
          end
          3'd2: min_thr <= cr_rd[WM-1:0];
          3'd3: conn_perm <= cr_rd[B-1:0];
          default: ;
        endcase
        if (ic == 3'd4) begin
          k <= 0;
          ic <= 0;
          st <= cr_rd[WS:0] == (WS + 1)'(S) ? DRAIN : WALK;
        end
      end
      WALK: begin
        k <= k + 1'b1;
        if (k == K_PREV) fin_own <= sm_rd[WCELL-1:0];  // tm.seg[s], read at W - 3
        if (k == K_LAST) begin
          k <= 0;
          fin_seg <= seg;
          seg <= sm_rd[WS-1:0];  // prev[s], read at W - 2
          // the oldest segment is its own prev (the used list's invariant,
          // which the column engine's LRU walk relies on too): no count of
          // the segments walked
          if (sm_rd[WS-1:0] == seg) st <= DRAIN;
        end
      end
      default: begin  // DRAIN: the pipeline and seglru writes finish, then the iteration's
        ic <= ic + 1'b1;
        if (ic == 3'd6) lo_max <= cr_sum[16];  // (lo + 1's carry: lo is all ones)
        if (ic == 3'd7) begin
          st <= IDLE;
          done <= 1;
        end
      end
    endcase
    // Pipeline.
    s1_v <= rd_slot;
    s1_first <= k == 0;
    s1_last <= k == K_MLAST;
    s2_v <= s1_v;
    s2_first <= s1_first;
    s2_last <= s1_last;
    s2_ok <= syn_rd[B+WCELL];
    s2_conn <= syn_rd[B-1:0] >= conn_perm;
    s2_bit <= pre[3:0];
    if (s2_v) begin
      pot <= (s2_first ? 0 : pot) + {{(WM - 1) {1'b0}}, hit};
      conn <= (s2_first ? 0 : conn) + {{(WM - 1) {1'b0}}, hit && s2_conn};
    end
    s3 <= s2_v && s2_last;
    if (pend_go) begin
      pend_h <= 1;
      if (pend_h) pend <= 0;
    end
    if (s3 && is_act && learn_r) begin
      pend <= 1;
      pend_h <= 0;
      pend_seg <= s3_seg;
    end
    if (rst) begin
      st <= IDLE;
      done <= 0;
      pend <= 0;
      s1_v <= 0;
      s2_v <= 0;
      s3 <= 0;
    end
  end

`ifdef SIM
  initial begin
    if (M < 2) $fatal(1, "htm3_dendrite: M %0d: the schedule needs at least 2 slots", M);
    if (NC < 16) $fatal(1, "htm3_dendrite: %0d cells: at least 16 (one tm.active word)", NC);
    if (S > 65535) $fatal(1, "htm3_dendrite: S %0d does not fit a 16-bit word", S);
    if (WCELL > 16) $fatal(1, "htm3_dendrite: %0d cells: an owner does not fit a 16-bit word", NC);
  end
  always @(posedge clk) begin
    if (!rst && s3 && is_act && learn_r && pend && !(pend_go && pend_h))
      $fatal(1, "htm3_dendrite: seglru write of segment %0d overran by the next", lru_seg);
    if (!rst && PEND_FIN != 0 && pend_go && fin_seg != pend_seg)
      $fatal(1, "htm3_dendrite: seglru write of segment %0d after fin_seg moved on", pend_seg);
    if (!rst && st == DRAIN && ic == 3'd5 && (pend && !(pend_go && pend_h) || s1_v || s2_v || s3))
      $fatal(1, "htm3_dendrite: work left at the end of the drain");
    if (!rst && st == INIT && ic == 3'd4 && cr_rd[WS:0] > (WS + 1)'(S))
      $fatal(1, "htm3_dendrite: FREE_COUNT %0d above S", cr_rd);
  end
`endif
endmodule
`default_nettype wire
