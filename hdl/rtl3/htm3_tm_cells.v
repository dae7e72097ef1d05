// htm3_tm_cells: TM_PREDICT and TM_CELLS of architecture 3 without
// learning (docs/SPEC.md 6.2, 6.3-6.5, 6.11; hdl/rtl3/TM.md). It visits
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
// and 17 give the thresholds. All memories are outside (htm3_tm_cells_top).
`default_nettype none
module htm3_tm_cells #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer G = 8,
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
    localparam integer SC_W = WS + 2 * WM
) (
    input wire clk,
    input wire rst,
    input wire start,
    input wire bank,  // the new bank of act and win
    input wire [WCOL:0] n_act,  // active columns in ac
    output reg busy,
    output reg done,
    output reg [WCOL:0] n_pred,  // predicted columns written to pr
    output reg [WCOL:0] anom_num,  // active columns not predicted
    output reg [WCELL:0] n_win,  // winner cells written to wl

    output reg  [ 6:0] cr_ra,
    input  wire [15:0] cr_rd,
    output reg         cr_we,
    output reg  [ 6:0] cr_wa,
    output reg  [15:0] cr_wd,

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

    output wire [  WS-1:0] sc_ra,
    input  wire [SC_W-1:0] sc_rd,

    output wire [WCELL-1:0] cs_ra,
    input  wire [   WG-1:0] cs_rd,

    output reg          act_we,
    output reg [ACT_AW:0] act_wa,
    output reg [  15:0] act_wd,

    output wire [ACT_AW:0] win_ra,
    input  wire [   15:0] win_rd,
    output reg            win_we,
    output reg [ACT_AW:0] win_wa,
    output reg [   15:0] win_wd,

    output reg             wl_we,
    output wire [WCELL-1:0] wl_wa,
    output wire [WCELL-1:0] wl_wd,

    output reg             pr_we,
    output wire [WCOL-1:0] pr_wa,
    output wire [WCOL-1:0] pr_wd
);
  localparam [3:0] S_IDLE = 4'd0, S_INIT = 4'd1, S_CLEAR = 4'd2, S_WORD = 4'd3, S_FOLD = 4'd4, S_COL = 4'd5,
      S_HEAD = 4'd6, S_HWAIT = 4'd7, S_SEG = 4'd8, S_BURST = 4'd9, S_DEC = 4'd10, S_DRAW = 4'd11,
      S_MUL = 4'd12, S_PICK = 4'd13, S_FIN = 4'd14, S_FIN2 = 4'd15;

  reg [3:0] st;
  reg [2:0] k;  // S_INIT's read counter
  reg [ACT_AW-1:0] ci;  // S_CLEAR's word
  reg [15:0] act_t, min_t;  // cfg words 16, 17
  reg [15:0] gen_lo;
  reg [CM_AW-1:0] w;  // bitmap word: columns 8w .. 8w + 7
  reg [7:0] act8, any8, amask, vm;  // the word's bits; active columns; still to visit
  reg [WCOL:0] ai;  // next active column
  reg [WCOL-1:0] col;
  reg col_act, col_pred;  // the column is active; it has an active segment
  reg [WK-1:0] ci_k;  // cell of the column being walked (S_HEAD..S_SEG)
  reg [WCELL-1:0] wcell, first;
  reg cell_done;  // the cell of a predicted column is active already
  reg [WS-1:0] seg;
  reg best_v;
  reg [WM-1:0] best_pot;
  reg [WCELL-1:0] best_cell;
  reg [WK:0] j;  // S_BURST's cell counter
  reg pw_v;
  reg [WCELL-1:0] pw_cell;
  reg [WG-1:0] fewest;
  reg [K-1:0] ties_m;  // the column's cells with the fewest segments
  // Bitmap accumulators: the word being filled, written when the next set
  // falls in another word and at the end (sets come in ascending order).
  reg acc_a_v, acc_w_v;
  reg [ACT_AW-1:0] acc_a_i, acc_w_i;
  reg [15:0] acc_a, acc_w;

  // --- the generator and its multiplier
  reg rng_load, rng_step;
  wire [31:0] rng_state;
  wire [WK-1:0] rng_below;
  reg [WK-1:0] n_ties;
  htm3_rng #(.NW(WK)) u_rng (
      .clk(clk), .load(rng_load), .load_val({cr_rd, gen_lo}), .step(rng_step), .below_n(n_ties),
      .state(rng_state), .below(rng_below)
  );

  // --- combinational helpers
  wire [WM-1:0] sc_pot = sc_rd[WM-1:0];
  wire [WM-1:0] sc_conn = sc_rd[2*WM-1:WM];
  wire [WS-1:0] sc_link = sc_rd[2*WM+:WS];
  wire seg_is_act = 16'(sc_conn) >= act_t;
  wire seg_is_match = 16'(sc_pot) >= min_t;
  wire [7:0] fold_amask = (st == S_FOLD && k == 3'd1) ? 8'd0 : amask;  // amask, cleared on a word's first fold
  wire fold_hit = ai < n_act && CM_AW'(ac_rd >> 3) == w;
  wire [7:0] vm_bit = vm & (~vm + 8'd1);  // lowest column still to visit
  reg [2:0] vm_b;
  integer q;
  always @* begin
    vm_b = 3'd0;
    for (q = 7; q >= 0; q = q - 1) if (vm_bit[q]) vm_b = 3'(q);
  end
  // The r-th (from 0) cell among ties_m, r = rng_below.
  reg [WK-1:0] pick;
  reg [WK:0] seen;
  always @* begin
    pick = {WK{1'b0}};
    seen = {(WK + 1) {1'b0}};
    for (q = 0; q < K; q = q + 1)
      if (ties_m[q]) begin
        if (seen == {1'b0, rng_below}) pick = WK'(q);
        seen = seen + 1'b1;
      end
  end
  reg [WK-1:0] pop_ties;
  always @* begin
    pop_ties = {WK{1'b0}};
    for (q = 0; q < K; q = q + 1) pop_ties = pop_ties + {{(WK - 1) {1'b0}}, ties_m[q]};
  end

  // The burst's cell whose cellsegs and previous-winner bit arrive now.
  wire [WCELL-1:0] bcell = first + WCELL'(j) - 1'b1;
  wire [WCELL-1:0] rcell = first + WCELL'(j);  // the cell read now
  wire [WCELL-1:0] pcell = first + WCELL'(pick);

  assign ac_ra = ai[WCOL-1:0] + WCOL'(st == S_FOLD && fold_hit);
  assign sc_ra = st == S_HWAIT ? WS'(hd_rd - 1'b1) : sc_link;
  assign cm_ra = w;
  assign cm_we = st == S_FOLD && k == 3'd1;  // cleared as read
  assign hd_we = st == S_HWAIT;  // cleared as read
  assign cm_wa = w;
  assign cm_wd = 16'd0;
  assign hd_ra = wcell;
  assign hd_wa = wcell;
  assign hd_wd = {(WS + 1) {1'b0}};
  assign cs_ra = rcell;
  assign win_ra = {~bank, rcell[WCELL-1:4]};
  assign wl_wa = n_win[WCELL-1:0];
  assign pr_wa = n_pred[WCOL-1:0];
  assign pr_wd = col;

  // One cell set in the active and/or winner bitmap per cycle.
  reg set_a, set_w;
  reg [WCELL-1:0] set_cell;
  reg [WCELL-1:0] wl_d;
  assign wl_wd = wl_d;

  always @(posedge clk) begin
    cr_we <= 1'b0;
    act_we <= 1'b0;
    win_we <= 1'b0;
    wl_we <= 1'b0;
    pr_we <= 1'b0;
    rng_load <= 1'b0;
    rng_step <= 1'b0;
    done <= 1'b0;
    set_a <= 1'b0;
    set_w <= 1'b0;
    // the sets of the previous cycle go into the accumulators
    if (set_a) begin
      if (acc_a_v && acc_a_i != set_cell[WCELL-1:4]) begin
        act_we <= 1'b1;
        act_wa <= {bank, acc_a_i};
        act_wd <= acc_a;
        acc_a <= 16'd1 << set_cell[3:0];
      end else acc_a <= acc_a | (16'd1 << set_cell[3:0]);
      acc_a_v <= 1'b1;
      acc_a_i <= set_cell[WCELL-1:4];
    end
    if (set_w) begin
      if (acc_w_v && acc_w_i != set_cell[WCELL-1:4]) begin
        win_we <= 1'b1;
        win_wa <= {bank, acc_w_i};
        win_wd <= acc_w;
        acc_w <= 16'd1 << set_cell[3:0];
      end else acc_w <= acc_w | (16'd1 << set_cell[3:0]);
      acc_w_v <= 1'b1;
      acc_w_i <= set_cell[WCELL-1:4];
      wl_we <= 1'b1;
      wl_d <= set_cell;
    end
    if (wl_we) n_win <= n_win + 1'b1;
    if (pr_we) n_pred <= n_pred + 1'b1;
    case (st)
      S_IDLE:
      if (start) begin
        busy <= 1'b1;
        st <= S_INIT;
        k <= 3'd0;
        cr_ra <= 7'd32;  // cfg 16: activationThreshold
        n_pred <= {(WCOL + 1) {1'b0}};
        n_win <= {(WCELL + 1) {1'b0}};
        anom_num <= {(WCOL + 1) {1'b0}};
        ai <= {(WCOL + 1) {1'b0}};
        acc_a_v <= 1'b0;
        acc_w_v <= 1'b0;
        acc_a <= 16'd0;
        acc_w <= 16'd0;
        w <= {CM_AW{1'b0}};
        ci <= {ACT_AW{1'b0}};
      end
      // read cfg 16, cfg 17, regs 5 (low, high halves)
      S_INIT: begin
        k <= k + 1'b1;
        case (k)
          3'd0: cr_ra <= 7'd34;
          3'd1: begin
            act_t <= cr_rd;
            cr_ra <= 7'd84;
          end
          3'd2: begin
            min_t <= cr_rd;
            cr_ra <= 7'd85;
          end
          3'd3: gen_lo <= cr_rd;
          default: begin
            rng_load <= 1'b1;
            st <= S_CLEAR;
          end
        endcase
      end
      // zero the new banks of act and win
      S_CLEAR: begin
        act_we <= 1'b1;
        act_wa <= {bank, ci};
        act_wd <= 16'd0;
        win_we <= 1'b1;
        win_wa <= {bank, ci};
        win_wd <= 16'd0;
        ci <= ci + 1'b1;
        if (32'(ci) == NA - 1) st <= S_WORD;
      end
      // read bitmap word w (cm_ra = w); fold its active columns
      S_WORD: begin
        st <= S_FOLD;
        k <= 3'd1;
      end
      S_FOLD: begin
        k <= 3'd0;
        if (k == 3'd1) begin
          act8 <= cm_rd[7:0];
          any8 <= cm_rd[15:8];
        end
        if (fold_hit) begin
          amask <= fold_amask | (8'd1 << ac_rd[2:0]);
          ai <= ai + 1'b1;
        end else begin
          amask <= fold_amask;
          vm <= fold_amask | (k == 3'd1 ? cm_rd[15:8] | cm_rd[7:0] : any8 | act8);
          st <= S_COL;
        end
      end
      // the next column of the word, or the next word
      S_COL:
      if (vm == 8'd0) begin
        w <= w + 1'b1;
        st <= (32'(w) == NCM - 1) ? S_FIN : S_WORD;
      end else begin
        vm <= vm & ~vm_bit;
        col <= WCOL'({w, vm_b});
        col_act <= amask[vm_b];
        col_pred <= act8[vm_b];
        if (act8[vm_b]) pr_we <= 1'b1;
        if (amask[vm_b] && !act8[vm_b]) anom_num <= anom_num + 1'b1;
        first <= WCELL'({w, vm_b}) * WCELL'(K);
        wcell <= WCELL'({w, vm_b}) * WCELL'(K);
        ci_k <= {WK{1'b0}};
        cell_done <= 1'b0;
        best_v <= 1'b0;
        st <= S_HEAD;
      end
      // walk the K cells' lists: read the head (hd_ra = wcell)
      S_HEAD: st <= S_HWAIT;
      S_HWAIT: begin
        if (hd_rd != {(WS + 1) {1'b0}}) begin
          seg <= WS'(hd_rd - 1'b1);
          st <= S_SEG;
        end else st <= S_HEAD;
      end
      S_SEG: begin
        if (col_act && col_pred && seg_is_act && !cell_done) begin
          set_a <= 1'b1;
          set_w <= 1'b1;
          set_cell <= wcell;
          cell_done <= 1'b1;
        end
        if (seg_is_match && (!best_v || sc_pot > best_pot)) begin
          best_v <= 1'b1;
          best_pot <= sc_pot;
          best_cell <= wcell;
        end
        if (sc_link != seg) begin
          seg <= sc_link;
        end else st <= S_HEAD;
      end
      // burst: activate the K cells, read their cellsegs and previous-winner bits
      S_BURST: begin
        j <= j + 1'b1;
        if (32'(j) < K) begin
          set_a <= 1'b1;
          set_cell <= rcell;
        end
        if (j != 0) begin
          if (win_rd[bcell[3:0]] && !pw_v) begin
            pw_v <= 1'b1;
            pw_cell <= bcell;
          end
          if (j == 1 || cs_rd < fewest) begin
            fewest <= cs_rd;
            ties_m <= K'(1) << (j - 1'b1);
          end else if (cs_rd == fewest) ties_m <= ties_m | (K'(1) << (j - 1'b1));
        end
        if (32'(j) == K) st <= S_DEC;
      end
      S_DEC: begin
        n_ties <= pop_ties;
        if (best_v || pw_v) begin
          set_w <= 1'b1;
          set_cell <= best_v ? best_cell : pw_cell;
          st <= S_COL;
        end else begin
          rng_step <= 1'b1;
          st <= S_DRAW;
        end
      end
      S_DRAW: st <= S_MUL;  // the multiplier takes the new state
      S_MUL: st <= S_PICK;  // the product is registered
      S_PICK: begin
        set_w <= 1'b1;
        set_cell <= pcell;
        st <= S_COL;
      end
      // write the generator state; flush the bitmap accumulators
      S_FIN: begin
        cr_we <= 1'b1;
        cr_wa <= 7'd84;
        cr_wd <= rng_state[15:0];
        st <= S_FIN2;
      end
      default: begin  // S_FIN2
        cr_we <= 1'b1;
        cr_wa <= 7'd85;
        cr_wd <= rng_state[31:16];
        act_we <= acc_a_v;
        act_wa <= {bank, acc_a_i};
        act_wd <= acc_a;
        win_we <= acc_w_v;
        win_wa <= {bank, acc_w_i};
        win_wd <= acc_w;
        busy <= 1'b0;
        done <= 1'b1;
        st <= S_IDLE;
      end
    endcase
    // the walk's next cell, after S_HWAIT's empty list or S_SEG's list end
    if ((st == S_HWAIT && hd_rd == {(WS + 1) {1'b0}}) || (st == S_SEG && sc_link == seg)) begin
      if (32'(ci_k) == K - 1) begin
        if (col_act && !col_pred) begin
          st <= S_BURST;
          j <= {(WK + 1) {1'b0}};
          pw_v <= 1'b0;
        end else st <= S_COL;
      end else begin
        ci_k <= ci_k + 1'b1;
        wcell <= wcell + 1'b1;
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
    if (K > 16) $fatal(1, "htm3_tm_cells: K %0d > 16 (a column's cells span at most two bitmap words)", K);
    if (WM > 16) $fatal(1, "htm3_tm_cells: M too large");
  end
`endif
endmodule
`default_nettype wire
