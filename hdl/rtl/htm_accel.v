// htm_accel: the htmhw accelerator (docs/ARCHITECTURE.md, version 2).
//
// A Wishbone B4 classic 32-bit slave with word addressing (section 3.1),
// the memories of section 2 as synchronous RAMs with one read and one
// write port, and the STEP schedule of section 4, cycle for cycle: LOAD and
// the SP phases here, the TM phases (TM_PREDICT .. TM_DENDRITE) and
// RESTORE's dendrite activation in htm_tm (which holds the TM memories),
// then OUTPUT.
//
// Extensions to the register map (hdl/README.md): PHASE_CYCLES at word
// addresses REG_PHASE_CYCLES + phase (the cycles of each phase of the last
// STEP, in the order of section 4; 0 for phases not run).
//
// Register addresses, commands, error codes, memory indices and the
// architecture version come from htm_arch.vh, generated from package arch.
`default_nettype none
module htm_accel #(
    // Model dimensions (docs/ARCHITECTURE.md section 1).
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    // Architecture parameters.
    parameter integer LANES_OV = 4,
    parameter integer LANES_SYN = 4,
    parameter integer DIV_LAT = 18,
    // Directory of the $readmemh files (htmhw compile --mem-dir).
    parameter MEM_DIR = "mem"
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        wb_cyc_i,
    input  wire        wb_stb_i,
    input  wire        wb_we_i,
    input  wire [13:0] wb_adr_i,
    input  wire [31:0] wb_dat_i,
    input  wire [3:0]  wb_sel_i,
    output reg  [31:0] wb_dat_o,
    output reg         wb_ack_o
);
  `include "htm_arch.vh"

  // ---------------------------------------------------------------- widths
  function integer bitsf(input integer x);  // bits that hold 0..x, at least 1
    begin
      bitsf = 1;
      while ((1 << bitsf) <= x) bitsf = bitsf + 1;
    end
  endfunction
  localparam integer NC = C * K;
  localparam integer WN = bitsf(N - 1);
  localparam integer WQ = bitsf(Q);
  localparam integer WCELL = bitsf(NC - 1);
  localparam integer WS = bitsf(S - 1);
  localparam integer WM = bitsf(M);
  localparam integer WG = bitsf(G);
  localparam integer W = (N + 31) / 32;
  localparam integer WC = (NC + 31) / 32;
  localparam integer L = LANES_OV;
  localparam integer WL = (W + L - 1) / L;  // sp.conn rows per column
  localparam integer WCOL = bitsf(C - 1);  // a column index
  localparam integer WCNT = bitsf(C);  // a count of columns
  localparam integer POOL_W = B + WN;
  localparam integer SEG_W = WCELL + 1 + WM;
  localparam integer SYN_W = B + WCELL + 1;
  localparam integer OV_W = WQ + 1;  // sp.overlap word: overlap, active flag
  localparam integer HIST_W = WCNT;
  // Memory depths and address widths.
  localparam integer D_POOL = C * Q, D_CONN = C * W, D_CONNR = C * WL, D_SYN = S * M;
  localparam integer A_POOL = $clog2(D_POOL + 1), A_C = $clog2(C + 1), A_CONNR = $clog2(D_CONNR + 1);
  localparam integer A_BT = $clog2(BOOST_TABLE_WORDS + 1), A_H = $clog2(Q + 1 + 1);
  localparam integer IN_D = N < IN_BUF_WORDS ? N : IN_BUF_WORDS;  // IN_BUF words: an input has at most N indices
  localparam integer A_IN = $clog2(IN_D + 1);
  localparam [15:0] PMAX = (1 << B) - 1;

  // Memory shapes by index (MEM_SEL, CRC_SEL; htm_arch.vh's MEM_*): the
  // SP's memories are here, MEM_TM_SEG .. MEM_TM_WINNER in htm_tm.
  function integer mem_depth(input integer m);
    case (m)
      MEM_CFG: mem_depth = CFG_WORDS;
      MEM_REGS: mem_depth = REGS_WORDS;
      MEM_SP_POOL: mem_depth = D_POOL;
      MEM_SP_POOLLEN: mem_depth = C;
      MEM_SP_CONN: mem_depth = D_CONN;
      MEM_SP_DUTY: mem_depth = C;
      MEM_SP_BOOST: mem_depth = C;
      MEM_SP_BOOSTTABLE: mem_depth = BOOST_TABLE_WORDS;
      MEM_TM_SEG, MEM_TM_SEGLRU, MEM_TM_SEGSEQ, MEM_TM_FREE: mem_depth = S;
      MEM_TM_SYN: mem_depth = D_SYN;
      MEM_TM_CELLSEGS: mem_depth = NC;
      default: mem_depth = WC;  // MEM_TM_ACTIVE, MEM_TM_WINNER
    endcase
  endfunction
  function integer mem_width(input integer m);
    case (m)
      MEM_CFG: mem_width = 32;
      MEM_REGS: mem_width = 64;
      MEM_SP_POOL: mem_width = POOL_W;
      MEM_SP_POOLLEN: mem_width = WQ;
      MEM_SP_CONN, MEM_SP_DUTY, MEM_TM_SEGLRU, MEM_TM_ACTIVE, MEM_TM_WINNER: mem_width = 32;
      MEM_SP_BOOST, MEM_SP_BOOSTTABLE: mem_width = 16;
      MEM_TM_SEG: mem_width = SEG_W;
      MEM_TM_SEGSEQ: mem_width = 64;
      MEM_TM_FREE: mem_width = WS;
      MEM_TM_SYN: mem_width = SYN_W;
      default: mem_width = WG;  // MEM_TM_CELLSEGS
    endcase
  endfunction
  // The buffers' address decoding: each buffer's base is a multiple of its
  // capacity, a power of 2 (htm_arch.vh).
  function is_in_buf(input [ADDR_BITS-1:0] a);
    is_in_buf = (a >> IN_BUF_BITS) == (REG_IN_BUF >> IN_BUF_BITS);
  endfunction
  function is_out_buf(input [ADDR_BITS-1:0] a);
    is_out_buf = (a >> OUT_BUF_BITS) == (REG_OUT_BUF >> OUT_BUF_BITS);
  endfunction
  function is_pred_buf(input [ADDR_BITS-1:0] a);
    is_pred_buf = (a >> PRED_BUF_BITS) == (REG_PRED_BUF >> PRED_BUF_BITS);
  endfunction
  // A word's index in its buffer.
  function [31:0] in_off(input [ADDR_BITS-1:0] a);
    in_off = {{(32 - IN_BUF_BITS) {1'b0}}, a[IN_BUF_BITS-1:0]};
  endfunction
  function [31:0] out_off(input [ADDR_BITS-1:0] a);
    out_off = {{(32 - OUT_BUF_BITS) {1'b0}}, a[OUT_BUF_BITS-1:0]};
  endfunction
  function [31:0] pred_off(input [ADDR_BITS-1:0] a);
    pred_off = {{(32 - PRED_BUF_BITS) {1'b0}}, a[PRED_BUF_BITS-1:0]};
  endfunction

  // Bytes per word in a CRC (image.Section.WordBytes).
  function [3:0] mem_bytes(input [MEM_SEL_BITS-1:0] m);
    integer w;
    begin
      w = mem_width(m);
      mem_bytes = (w <= 8) ? 4'd1 : (w <= 16) ? 4'd2 : (w <= 32) ? 4'd4 : 4'd8;
    end
  endfunction

  // CRC-32 (IEEE, reflected) of one byte: the CRC sequencer's only CRC
  // circuit (about 100 LUTs; a word per cycle cost thousands).
  function [31:0] crc_byte(input [31:0] crc, input [7:0] d);
    integer i;
    reg [31:0] c;
    begin
      c = crc ^ {24'd0, d};
      for (i = 0; i < 8; i = i + 1) c = c[0] ? ((c >> 1) ^ 32'hEDB88320) : (c >> 1);
      crc_byte = c;
    end
  endfunction

  function [5:0] popcount32(input [31:0] x);
    integer i;
    begin
      popcount32 = 0;
      for (i = 0; i < 32; i = i + 1) popcount32 = popcount32 + {5'd0, x[i]};
    end
  endfunction

  // ------------------------------------------------- cfg and regs (registers)
  // cfg: the engine reads flip-flop words at constant indices (synthesis
  // keeps only the bits read); the host's window and CRC reads come from
  // u_cfg, a RAM copy written with it (below the host read port).
  reg [31:0] cfg[0:CFG_WORDS-1];
  reg [63:0] regs[0:REGS_WORDS-1];
`ifdef SIM
`ifdef VERILATOR
  string dir, path;  // (a vector's leading NULs would stay in the file name)
`else
  reg [8*1024-1:0] dir, path;  // Icarus 11 takes no string from $value$plusargs
`endif
  initial begin
    if (!$value$plusargs("memdir=%s", dir)) dir = MEM_DIR;
`ifdef VERILATOR
    path = {dir, "/cfg.hex"};
`else
    $swrite(path, "%0s/cfg.hex", dir);
`endif
    $readmemh(path, cfg);
`ifdef VERILATOR
    path = {dir, "/regs.hex"};
`else
    $swrite(path, "%0s/regs.hex", dir);
`endif
    $readmemh(path, regs);
  end
`else
  initial begin
    $readmemh({MEM_DIR, "/cfg.hex"}, cfg);
    $readmemh({MEM_DIR, "/regs.hex"}, regs);
  end
`endif
  wire [31:0] cfg_k = cfg[CFG_NUM_ACTIVE], cfg_stim = cfg[CFG_STIMULUS_THRESHOLD];
  wire [15:0] cfg_conn = cfg[CFG_SYN_PERM_CONNECTED][15:0], cfg_inc = cfg[CFG_SYN_PERM_ACTIVE_INC][15:0];
  wire [15:0] cfg_dec = cfg[CFG_SYN_PERM_INACTIVE_DEC][15:0];
  wire [15:0] cfg_below = cfg[CFG_SYN_PERM_BELOW_STIMULUS_INC][15:0], cfg_trim = cfg[CFG_SYN_PERM_TRIM_THRESHOLD][15:0];
  wire [31:0] cfg_minpct = cfg[CFG_MIN_PCT_OVERLAP_DUTY_CYCLES], cfg_dutyper = cfg[CFG_DUTY_CYCLE_PERIOD];
  wire [31:0] cfg_updper = cfg[CFG_UPDATE_PERIOD];
  wire cfg_boost = cfg[CFG_BOOST] != 0;
  wire [31:0] cfg_rd;

  // ---------------------------------------------------------------- RAMs
  // Port signals: the engine drives them while busy, the host otherwise.
  reg [A_POOL-1:0] pool_ra, pool_wa;
  reg pool_we;
  reg [POOL_W-1:0] pool_wd;
  wire [POOL_W-1:0] pool_rd;
  reg [A_C-1:0] plen_ra, plen_wa, duty_ra, duty_wa, boost_ra, boost_wa, ov_ra, ov_wa, oc_ra, oc_wa, wk_ra, wk_wa;
  reg plen_we, duty_we, boost_we, ov_we, oc_we, wk_we;
  reg [WQ-1:0] plen_wd;
  wire [WQ-1:0] plen_rd;
  reg [31:0] duty_wd;
  wire [31:0] duty_rd;
  reg [15:0] boost_wd, bt_wd;
  wire [15:0] boost_rd, bt_rd;
  reg [A_BT-1:0] bt_ra, bt_wa;
  reg bt_we;
  reg [OV_W-1:0] ov_wd;
  wire [OV_W-1:0] ov_rd;
  reg [WCOL-1:0] oc_wd, wk_wd;
  wire [WCOL-1:0] oc_rd, wk_rd;
  reg [A_H-1:0] hist_ra, hist_wa;
  reg hist_we;
  reg [HIST_W-1:0] hist_wd;
  wire [HIST_W-1:0] hist_rd;
  reg [A_CONNR-1:0] conn_ra, conn_wa;
  reg [L-1:0] conn_we;
  reg [31:0] conn_wd;
  wire [31:0] conn_rd[0:L-1];
  reg [A_IN-1:0] inb_ra, inb_wa;
  reg inb_we;
  reg [31:0] inb_wd;
  wire [31:0] inbuf_rd;
  // RW_OLD(0) (no write-delay flip-flops, htm_ram.v): the SP phases, the
  // host and the CRC never use a word read in the cycle that writes it, nor
  // one beyond the depth (in simulation such a read returns a wrong word).
  htm_ram #(.WIDTH(POOL_W), .DEPTH(D_POOL), .FILE("sp.pool"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_pool (
      clk, pool_ra, pool_rd, pool_we, pool_wa, pool_wd);
  htm_ram #(.WIDTH(WQ), .DEPTH(C), .FILE("sp.poollen"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_plen (
      clk, plen_ra, plen_rd, plen_we, plen_wa, plen_wd);
  genvar gl;
  generate
    for (gl = 0; gl < L; gl = gl + 1) begin : g_conn
      // Lane gl holds the words w of each column with w mod LANES_OV = gl.
      localparam [7:0] D0 = 8'd48 + gl % 10, D1 = 8'd48 + (gl / 10) % 10;
      localparam [15:0] LN = (gl < 10) ? {8'd0, D0} : {D1, D0};
      if (gl < W) begin : g_ram
        htm_ram #(.WIDTH(32), .DEPTH(D_CONNR), .FILE({"sp.conn.lane", LN}), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_conn (
            clk, conn_ra, conn_rd[gl], conn_we[gl], conn_wa, conn_wd);
      end else begin : g_pad
        // A lane beyond the W words of a row is never written: always 0.
        assign conn_rd[gl] = 32'd0;
      end
    end
  endgenerate
  htm_ram #(.WIDTH(32), .DEPTH(C), .FILE("sp.duty"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_duty (
      clk, duty_ra, duty_rd, duty_we, duty_wa, duty_wd);
  htm_ram #(.WIDTH(16), .DEPTH(C), .FILE("sp.boost"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_boost (
      clk, boost_ra, boost_rd, boost_we, boost_wa, boost_wd);
  htm_ram #(.WIDTH(16), .DEPTH(BOOST_TABLE_WORDS), .FILE("sp.boosttable"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_bt (
      clk, bt_ra, bt_rd, bt_we, bt_wa, bt_wd);
  // Working memories.
  htm_ram #(.WIDTH(OV_W), .DEPTH(C), .RW_OLD(0)) u_ov (clk, ov_ra, ov_rd, ov_we, ov_wa, ov_wd);
  htm_ram #(.WIDTH(HIST_W), .DEPTH(Q + 1), .RW_OLD(0)) u_hist (clk, hist_ra, hist_rd, hist_we, hist_wa, hist_wd);
  htm_ram #(.WIDTH(WCOL), .DEPTH(C), .RW_OLD(0)) u_oc (clk, oc_ra, oc_rd, oc_we, oc_wa, oc_wd);
  htm_ram #(.WIDTH(WCOL), .DEPTH(C), .RW_OLD(0)) u_wk (clk, wk_ra, wk_rd, wk_we, wk_wa, wk_wd);
  htm_ram #(.WIDTH(32), .DEPTH(IN_D), .RW_OLD(0)) u_inbuf (clk, inb_ra, inbuf_rd, inb_we, inb_wa, inb_wd);


  // in.bits: W words of flip-flops.
  reg [31:0] inbits[0:W-1];
  function [31:0] inword(input integer w);
    inword = (w < W) ? inbits[w] : 32'd0;
  endfunction

  // ------------------------------------------------------- host registers
  reg busy, done, locked;
  reg dirty;  // memories written through the window since the last RESTORE
  reg [ERROR_BITS-1:0] err;
  reg [31:0] step_expect, cycles_r, in_count, out_count, mem_sel, mem_addr, mem_lo, crc_val;
  reg [31:0] phcyc[0:NUM_PHASES-1];
  reg [31:0] rcyc;
  reg cmd_is_restore;
  localparam [2:0] H_IDLE = 0, H_RD = 1, H_CRC = 2;
  reg [2:0] hs;
  reg [ADDR_BITS-1:0] h_adr;
  // CRC sequencer: one byte per cycle. cword holds cnb bytes still to
  // feed (least significant first); then the memory words cidx .. clen-1
  // are read one by one, then (cpost) 12 zero bytes.
  localparam [1:0] CM_MEM = 0, CM_IN = 1, CM_OUT = 2;
  reg [1:0] cmode;
  reg cpart;  // OUT_CRC: 0 OUT_BUF, 1 PRED_BUF
  reg crun, cwait;
  reg [1:0] cpost;  // OUT_CRC's parts after OUT_BUF (1: PRED_COUNT, PRED_BUF; 2: ANOM_NUM, ANOM_DEN)
  reg [31:0] cidx, clen;
  reg [31:0] crc;
  reg [MEM_SEL_BITS-1:0] csel;
  reg [3:0] cnb;
  reg [63:0] cword;
  reg host_regs_we, host_regs_sel;
  reg [4:0] host_regs_a;
  reg [63:0] host_regs_d;
  reg [31:0] rlane;

  // ---------------------------------------------------------------- engine
  localparam [3:0] P_LOAD = 0, P_OVL = 1, P_INH = 2, P_LRN = 3, P_DUTY = 4, P_TM = 5, P_OUT = 9, P_RESTORE = 10,
      P_FIN = 14, P_IDLE = 15;
  reg [3:0] ph;
  reg [2:0] sub;
  reg [31:0] cnt, pcyc;
  reg learn;
  // Column loop sub-states: LRN uses 0..2, DUTY's bump loop 5..7.
  wire [2:0] lsub = (ph == P_DUTY) ? sub - 3'd5 : sub;
  // Pipelines.
  reg p1v, q1v, p2v, pfv, b1v;
  reg [31:0] p1a;  // address or index carried by stage 1
  reg [WCOL-1:0] q1c, b1c;
  reg [WQ-1:0] p2o;
  reg fwv;
  reg [A_H-1:0] fwa;
  reg [HIST_W-1:0] fwd;
  // LOAD.
  reg lfirst, lbad;
  reg [31:0] lprev;
  // SP_OVERLAP.
  reg [WQ-1:0] oacc;
  reg [WCOL-1:0] oc;
  reg [$clog2(WL + 1)-1:0] orow;  // a row of the column (0 .. WL-1)
  // SP_INHIBIT.
  reg found;
  // Counts of columns (at most C) and an overlap threshold (at most Q):
  // no wider than their values.
  reg [WCNT-1:0] above, ties, selcnt, nact;
  reg [WQ-1:0] thr;
  reg [WCOL-1:0] first_col;
  // SP_LEARN and bumps: the column loop.
  reg bump;
  reg [WCNT-1:0] ci, ccount;
  reg [WCOL-1:0] cc, next_cc;
  reg [WQ-1:0] lreg;  // a pool length
  reg [A_POOL-1:0] cbase;  // a column's first sp.pool word
  reg accv;
  reg [31:0] acc;
  reg [(WN > 5 ? WN - 5 : 1)-1:0] accw;  // pword's significant bits
  // SP_DUTY.
  reg [15:0] period_m1, period, minov, max_od;
  reg [WCNT-1:0] nweak;
  reg [WCOL-1:0] first_weak;
  // iteration mod updatePeriod, bit-serial in the background.
  reg [63:0] mod_x;
  reg [32:0] mod_r;
  reg [6:0] mod_n;
  reg mod_run;

  // The duty-cycle divider: stage 0 holds the numerators, stages
  // 1 .. DIV_LAT-2 divide, so that a column read at cycle t is written at
  // t + DIV_LAT.
  localparam integer NS = DIV_LAT - 2;
  // steps (s0 .. s1-1) of the 16-step restoring division.
  function [48:0] divsteps(input [16:0] r0, input [15:0] n0, input [15:0] q0, input [15:0] d, input integer s0,
                           input integer s1);
    reg [16:0] r;
    reg [15:0] n, q;
    reg [17:0] t;
    reg [18:0] u;
    integer s;
    begin
      r = r0;
      n = n0;
      q = q0;
      for (s = 0; s < 16; s = s + 1)
        if (s >= s0 && s < s1) begin
          t = {r, n[15]};
          // One subtraction whose borrow is the comparison (a compare and
          // a subtract were two carry chains: 1,600 LUTs for the divider).
          u = {1'b0, t} - {3'b0, d};
          n = {n[14:0], 1'b0};
          if (!u[18]) begin
            t = u[17:0];
            q = {q[14:0], 1'b1};
          end else q = {q[14:0], 1'b0};
          r = t[16:0];
        end
      divsteps = {r, n, q};
    end
  endfunction
  generate
    if (DIV_LAT < 3) begin : g_divlat_error
      initial $error("htm_accel: DIV_LAT must be at least 3");
    end
  endgenerate

  // Stage-1 data decoded.
  wire [B-1:0] pool_perm = pool_rd[B-1:0];
  wire [WN-1:0] pool_in = pool_rd[POOL_W-1:B];
  wire pool_in_act = inbits[pool_in>>5][pool_in[4:0]];
  wire [15:0] perm16 = {{(16 - B) {1'b0}}, pool_perm};
  function [B-1:0] sat_add(input [15:0] p, input [15:0] d);
    reg [16:0] s;
    begin
      s = {1'b0, p} + {1'b0, d};
      sat_add = (s > {1'b0, PMAX}) ? PMAX[B-1:0] : s[B-1:0];
    end
  endfunction
  function [B-1:0] sat_sub(input [15:0] p, input [15:0] d);
    sat_sub = (p > d) ? p[B-1:0] - d[B-1:0] : {B{1'b0}};
  endfunction

  // Overlap: popcount of one sp.conn row against in.bits.
  reg [WQ+6:0] ov_pop;
  integer li;
  always @(*) begin
    ov_pop = 0;
    for (li = 0; li < L; li = li + 1) ov_pop = ov_pop + {{(WQ + 1) {1'b0}}, popcount32(conn_rd[li] & inword(p1a * L + li))};
  end
  wire [WQ+6:0] ov_sum = (p1a == 0 ? {(WQ + 7) {1'b0}} : {7'd0, oacc}) + ov_pop;

  // Inhibition decisions.
  wire [31:0] sel_col = C + Q - cnt;
  wire [31:0] n_act = found ? cfg_k : above;
  wire [WQ-1:0] q1o = ov_rd[WQ-1:0];
  wire q1elig = {{(32 - WQ) {1'b0}}, q1o} >= cfg_stim;
  wire q1tie = found && {{(32 - WQ) {1'b0}}, q1o} == thr && ties != 0;
  wire q1sel = q1elig && (!found || {{(32 - WQ) {1'b0}}, q1o} > thr || q1tie);
  wire [WQ-1:0] p1o = ov_rd[WQ-1:0];
  wire p1elig = {{(32 - WQ) {1'b0}}, p1o} >= cfg_stim;
  wire [HIST_W-1:0] p2h = (fwv && fwa == {{(A_H - WQ) {1'b0}}, p2o}) ? fwd : hist_rd;

  // Column loop (SP_LEARN, bumps): which pass, and the pool length.
  wire [31:0] lcur = (lsub == 0 && cnt == 1) ? {{(32 - WQ) {1'b0}}, plen_rd} : lreg;
  wire [31:0] pword = {{(32 - WN) {1'b0}}, pool_in} >> 5;

  // Duty stage 1.
  wire [31:0] num_o = duty_rd[15:0] * period_m1 + (ov_rd[WQ-1:0] != 0 ? 32'hFFFF : 32'd0);
  wire [31:0] num_a = duty_rd[31:16] * period_m1 + (ov_rd[WQ] ? 32'hFFFF : 32'd0);
  // Each stage: {valid, column, {r, n, q} of the overlap duty, of the active duty}.
  localparam integer DSW = 1 + WCOL + 49 + 49;
  wire [DSW-1:0] dstage[0:NS];
  reg [DSW-1:0] dstage0;
  always @(posedge clk) dstage0 <= {busy && ph == P_DUTY && sub == 0 && p1v, p1a[WCOL-1:0], 1'b0, num_o, 16'd0, 1'b0, num_a, 16'd0};
  assign dstage[0] = dstage0;
  genvar gs;
  generate
    for (gs = 1; gs <= NS; gs = gs + 1) begin : g_div
      localparam integer S0 = ((gs - 1) * 16) / NS, S1 = (gs * 16) / NS;
      wire [DSW-1:0] prev = dstage[gs-1];
      reg [DSW-1:0] r;
      always @(posedge clk)
        r <= {prev[DSW-1:98], divsteps(prev[97:81], prev[80:65], prev[64:49], period, S0, S1),
              divsteps(prev[48:32], prev[31:16], prev[15:0], period, S0, S1)};
      assign dstage[gs] = r;
    end
  endgenerate
  wire dv_out = dstage[NS][DSW-1];
  wire [WCOL-1:0] dc_out = dstage[NS][DSW-2:98];
  wire [15:0] q_od = dstage[NS][64:49], q_ad = dstage[NS][15:0];

  // Host side of the memory ports.
  reg h_re;  // a window/CRC/OUT_BUF read is presented this cycle
  reg [MEM_SEL_BITS-1:0] h_sel;  // memory of the host read (16: in_buf, 17: out.cols below)
  reg h_inb, h_oc, h_pr;  // IN_BUF, OUT_BUF (out.cols), PRED_BUF (the TM's out.pred)
  reg [31:0] h_addr;
  reg h_we;
  reg [MEM_SEL_BITS-1:0] h_wsel;
  reg [31:0] h_waddr;
  reg [63:0] h_wd;

  // The temporal memory (phases 6 to 9, RESTORE's dendrite activation) and
  // its memories.
  wire tm_start_step, tm_start_restore;
  wire [31:0] tm_oc_ra, tm_cyc_pred, tm_cyc_cells, tm_cyc_swap, tm_cyc_dend, tm_n_pred, tm_anom_num, tm_ev_synpr;
  wire tm_regs_wb, tm_done;
  wire [63:0] tm_w_iter, tm_w_created, tm_w_gen, tm_w_free, tm_hrd;
  wire [7:0] tm_ev;
  reg [31:0] pred_count, anom_num, anom_den;
  htm_tm #(.C(C), .K(K), .S(S), .M(M), .B(B), .G(G), .LANES_SYN(LANES_SYN), .W(W), .MEM_DIR(MEM_DIR)) u_tm (
      .clk(clk), .rst(rst), .start_step(tm_start_step), .start_restore(tm_start_restore), .learn(learn),
      .cfg_actT(cfg[CFG_ACTIVATION_THRESHOLD]), .cfg_minT(cfg[CFG_MIN_THRESHOLD]),
      .cfg_maxNew(cfg[CFG_MAX_NEW_SYNAPSE_COUNT]), .cfg_init(cfg[CFG_INITIAL_PERMANENCE]),
      .cfg_conn(cfg[CFG_CONNECTED_PERMANENCE]), .cfg_inc(cfg[CFG_PERMANENCE_INCREMENT]),
      .cfg_dec(cfg[CFG_PERMANENCE_DECREMENT]), .cfg_psd(cfg[CFG_PREDICTED_SEGMENT_DECREMENT]),
      .n_act({{(32 - WCNT) {1'b0}}, nact}), .oc_ra(tm_oc_ra), .oc_rd({{(32 - WCOL) {1'b0}}, oc_rd}),
      .r_iter(regs[REGS_TM_ITERATION]), .r_created(regs[REGS_TM_CREATED]), .r_gen(regs[REGS_TM_GENERATOR]),
      .r_free(regs[REGS_FREE_COUNT]), .regs_wb(tm_regs_wb), .w_iter(tm_w_iter), .w_created(tm_w_created),
      .w_gen(tm_w_gen),
      .w_free(tm_w_free), .ev(tm_ev), .ev_synpr(tm_ev_synpr), .done(tm_done),
      .cyc_pred(tm_cyc_pred), .cyc_cells(tm_cyc_cells), .cyc_swap(tm_cyc_swap), .cyc_dend(tm_cyc_dend),
      .n_pred(tm_n_pred), .anom_num(tm_anom_num), .h_re(h_re), .h_sel(h_sel), .h_pr(h_pr), .h_addr(h_addr),
      .h_we(h_we && !h_inb), .h_wsel(h_wsel), .h_waddr(h_waddr), .h_wd(h_wd), .h_rdata(tm_hrd));

  // Word address a of sp.conn → row and lane.
  function [31:0] conn_row(input [31:0] a);
    conn_row = (a / W) * WL + (a % W) / L;
  endfunction
  function [31:0] conn_lane(input [31:0] a);
    conn_lane = (a % W) % L;
  endfunction

  wire [31:0] h_crow = conn_row(h_addr), h_cwrow = conn_row(h_waddr);
  wire [3:0] csel_nb = mem_bytes(csel);
  // ------------------------------------------------- memory port control
  always @(*) begin
    pool_ra = 0; pool_we = 0; pool_wa = 0; pool_wd = 0;
    plen_ra = 0; plen_we = 0; plen_wa = 0; plen_wd = 0;
    duty_ra = 0; duty_we = 0; duty_wa = 0; duty_wd = 0;
    boost_ra = 0; boost_we = 0; boost_wa = 0; boost_wd = 0;
    bt_ra = 0; bt_we = 0; bt_wa = 0; bt_wd = 0;
    ov_ra = 0; ov_we = 0; ov_wa = 0; ov_wd = 0;
    oc_ra = 0; oc_we = 0; oc_wa = 0; oc_wd = 0;
    wk_ra = 0; wk_we = 0; wk_wa = 0; wk_wd = 0;
    hist_ra = 0; hist_we = 0; hist_wa = 0; hist_wd = 0;
    conn_ra = 0; conn_we = 0; conn_wa = 0; conn_wd = 0;
    inb_ra = 0; inb_we = 0; inb_wa = 0; inb_wd = 0;
    if (!busy) begin
      // Host reads.
      if (h_re) begin
        if (h_inb) inb_ra = h_addr[A_IN-1:0];
        else if (h_oc) oc_ra = h_addr[A_C-1:0];
        else
          case (h_sel)
            MEM_SP_POOL: pool_ra = h_addr[A_POOL-1:0];
            MEM_SP_POOLLEN: plen_ra = h_addr[A_C-1:0];
            MEM_SP_CONN: conn_ra = h_crow[A_CONNR-1:0];
            MEM_SP_DUTY: duty_ra = h_addr[A_C-1:0];
            MEM_SP_BOOST: boost_ra = h_addr[A_C-1:0];
            MEM_SP_BOOSTTABLE: bt_ra = h_addr[A_BT-1:0];
            default: ;
          endcase
      end
      // Host writes (memory window commits, IN_BUF).
      if (h_we) begin
        if (h_inb) begin
          inb_we = 1; inb_wa = h_waddr[A_IN-1:0]; inb_wd = h_wd[31:0];
        end else
          case (h_wsel)
            MEM_SP_POOL: begin pool_we = 1; pool_wa = h_waddr[A_POOL-1:0]; pool_wd = h_wd[POOL_W-1:0]; end
            MEM_SP_POOLLEN: begin plen_we = 1; plen_wa = h_waddr[A_C-1:0]; plen_wd = h_wd[WQ-1:0]; end
            MEM_SP_CONN: begin
              conn_we[conn_lane(h_waddr)] = 1'b1; conn_wa = h_cwrow[A_CONNR-1:0]; conn_wd = h_wd[31:0];
            end
            MEM_SP_DUTY: begin duty_we = 1; duty_wa = h_waddr[A_C-1:0]; duty_wd = h_wd[31:0]; end
            MEM_SP_BOOST: begin boost_we = 1; boost_wa = h_waddr[A_C-1:0]; boost_wd = h_wd[15:0]; end
            MEM_SP_BOOSTTABLE: begin bt_we = 1; bt_wa = h_waddr[A_BT-1:0]; bt_wd = h_wd[15:0]; end
            default: ;
          endcase
      end
    end else begin
      // ------------------------------------------------ the engine's ports
      // Prefetch of the next column of the column loop.
      case (ph)
        P_LOAD: if (sub == 1 && cnt < in_count) inb_ra = cnt[A_IN-1:0];
        P_OVL: if (sub == 0) conn_ra = cnt[A_CONNR-1:0];
        P_INH: begin
          if (sub == 0) begin
            if (cnt < C) ov_ra = cnt[A_C-1:0];
            if (p1v && p1elig) hist_ra = {{(A_H - WQ) {1'b0}}, p1o};
          end else if (sub == 1) begin
            if (cnt <= Q) hist_ra = (Q - cnt[A_H-1:0]);
            if (cnt >= Q + 1 && cnt <= Q + C) ov_ra = sel_col[A_C-1:0];
          end
        end
        P_LRN, P_DUTY: begin
          if (ph == P_DUTY && sub == 0) begin
            if (cnt < C) begin
              duty_ra = cnt[A_C-1:0];
              ov_ra = cnt[A_C-1:0];
            end
            if (dv_out && cfg_boost) bt_ra = {1'b0, q_ad[15:6]};
          end else begin
            // The column loop: sub 0 pass 1, sub 1 clear, sub 2 pass 2.
            if (lsub == 0) begin
              if (cnt == 0) plen_ra = cc;
              else if (cnt - 1 < lcur) pool_ra = cbase[A_POOL-1:0] + cnt[A_POOL-1:0] - 1;
            end else if (lsub == 1) begin
              conn_we[cnt%L] = 1'b1;
              conn_wa = cc * WL + cnt / L;
              conn_wd = 0;
              if (cnt == 0) begin
                if (bump) wk_ra = ci[A_C-1:0] + 1;
                else oc_ra = ci[A_C-1:0] + 1;
              end
            end else if (lsub == 2) begin
              if (cnt < lreg) pool_ra = cbase[A_POOL-1:0] + cnt[A_POOL-1:0];
            end
          end
        end
        default: ;
      endcase
      // Stage-1 (and later) writes.
      case (ph)
        P_OVL:
        if (p1v && p1a == WL - 1) begin
          ov_we = 1; ov_wa = q1c; ov_wd = {1'b0, ov_sum[WQ-1:0]};
        end
        P_INH: begin
          if (p2v) begin
            hist_we = 1; hist_wa = {{(A_H - WQ) {1'b0}}, p2o}; hist_wd = p2h + 1'b1;
          end
          if (p1v && sub == 1) begin
            hist_we = 1; hist_wa = p1a[A_H-1:0]; hist_wd = 0;
          end
          if (q1v) begin
            ov_we = 1; ov_wa = q1c; ov_wd = {q1sel, q1o};
            if (q1sel) begin
              oc_we = 1; oc_wa = (n_act[A_C-1:0] - 1'b1 - selcnt[A_C-1:0]); oc_wd = q1c;
            end
          end
        end
        P_LRN, P_DUTY: begin
          if (p1v && lsub == 0) begin
            pool_we = 1; pool_wa = p1a[A_POOL-1:0];
            pool_wd = {pool_in, bump ? sat_add(perm16, cfg_below) :
                       pool_in_act ? sat_add(perm16, cfg_inc) : sat_sub(perm16, cfg_dec)};
          end
          if (p1v && lsub == 2) begin
            if (perm16 < cfg_trim) begin
              pool_we = 1; pool_wa = p1a[A_POOL-1:0]; pool_wd = {pool_in, {B{1'b0}}};
            end else if (perm16 >= cfg_conn && accv && accw != pword) begin
              conn_we[accw%L] = 1'b1; conn_wa = cc * WL + accw / L; conn_wd = acc;
            end
          end
          if (lsub == 2 && cnt == lreg + 1 && accv) begin
            conn_we[accw%L] = 1'b1; conn_wa = cc * WL + accw / L; conn_wd = acc;
          end
          if (dv_out) begin
            duty_we = 1; duty_wa = dc_out; duty_wd = {q_ad, q_od};
            if (minov != 0 && q_od < minov) begin
              wk_we = 1; wk_wa = nweak[A_C-1:0]; wk_wd = dc_out;
            end
          end
          if (b1v) begin
            boost_we = 1; boost_wa = b1c; boost_wd = bt_rd;
          end
        end
        default: ;
      endcase
      if (ph == P_TM) oc_ra = tm_oc_ra[A_C-1:0];  // the TM reads out.cols
    end
  end

  // ------------------------------------------------------ engine sequencer
  // The phase that follows SP_INHIBIT, and SP_DUTY's parts after its pass.
  wire weak_now = dv_out && minov != 0 && q_od < minov;
  wire duty_bump = minov != 0 && (nweak != 0 || weak_now);
  wire [63:0] minov_new = ({48'd0, max_od} * {32'd0, cfg_minpct}) >> 16;
  wire upd_round = mod_r == 0;
  // One bit-serial step of iteration mod updatePeriod: the borrow of the
  // subtraction is the comparison.
  wire [33:0] mod_t = {1'b0, mod_r[31:0], mod_x[63]} - {2'b0, cfg_updper};
  reg [31:0] phsum;  // the sum of phcyc, added up as each phase ends (not a ten-input adder)

  // Command decoding (CTRL writes), shared with the bus logic below.
  wire wb_req = wb_cyc_i && wb_stb_i && !wb_ack_o;
  wire [15:0] cmd = wb_dat_i[15:0];
  wire cmd_ok = wb_dat_i[31:16] == ~wb_dat_i[15:0];
  reg cmd_step, cmd_restore;

  reg eng_end;  // the running phase ends this cycle
  reg [3:0] eng_next;
  assign tm_start_step = busy && eng_end && eng_next == P_TM;
  assign tm_start_restore = cmd_restore;

  always @(*) begin
    eng_end = 0;
    eng_next = ph;
    case (ph)
      P_LOAD: if (sub == 1 && cnt == in_count) begin
        eng_end = 1; eng_next = (lbad || (p1v && (inbuf_rd >= N || (!lfirst && inbuf_rd <= lprev)))) ? P_IDLE : P_OVL;
      end
      P_OVL: if (sub == 2 && cnt == 1) begin eng_end = 1; eng_next = P_INH; end
      P_INH:
      if ((sub == 1 && cnt == Q + C + 1 && n_act == 0) || (sub == 2 && cnt + 1 == nact)) begin
        eng_end = 1; eng_next = !learn ? P_TM : (sub == 2 ? P_LRN : P_DUTY);
      end
      P_LRN: if (sub == 2 && cnt == lreg + 1 && ci + 1 == ccount) begin eng_end = 1; eng_next = P_DUTY; end
      P_DUTY: begin
        // sub 0 the pass, 1-2 the bump loop (sub 0..2 of the column loop are 5..7), 3 boost, 4 update.
        if ((sub == 0 && cnt == C + DIV_LAT - 1 && !duty_bump && !cfg_boost && !upd_round) ||
            (sub == 7 && cnt == lreg + 1 && ci + 1 == ccount && !cfg_boost && !upd_round) ||
            (sub == 3 && cnt == C - 1 && !upd_round) || (sub == 4 && cnt == C - 1)) begin
          eng_end = 1; eng_next = P_TM;
        end
      end
      // The TM runs phases 6 to 9 (and RESTORE's dendrite activation) and
      // reports their cycles; OUTPUT takes n_act + n_pred + 2.
      P_TM: if (tm_done) begin eng_end = 1; eng_next = P_OUT; end
      P_OUT: if (cnt == nact + tm_n_pred + 1) begin eng_end = 1; eng_next = P_FIN; end
      P_RESTORE: if (tm_done) begin eng_end = 1; eng_next = P_FIN; end
      default: ;
    endcase
  end


  // Data of the host's RAM read (valid the cycle after h_re).
  reg [MEM_SEL_BITS-1:0] r_sel;
  reg r_inb, r_oc, r_pr;
  reg [31:0] r_addr;
  reg [63:0] r_data;
  always @(*) begin
    r_data = 0;
    if (r_inb) r_data = {32'd0, inbuf_rd};
    else if (r_oc) r_data = {{(64 - WCOL) {1'b0}}, oc_rd};
    else if (r_pr) r_data = tm_hrd;
    else
      case (r_sel)
        MEM_CFG: r_data = {32'd0, cfg_rd};
        MEM_REGS: r_data = regs[r_addr[3:0]];
        MEM_SP_POOL: r_data = {{(64 - POOL_W) {1'b0}}, pool_rd};
        MEM_SP_POOLLEN: r_data = {{(64 - WQ) {1'b0}}, plen_rd};
        MEM_SP_CONN: r_data = {32'd0, conn_rd[rlane]};
        MEM_SP_DUTY: r_data = {32'd0, duty_rd};
        MEM_SP_BOOST: r_data = {48'd0, boost_rd};
        MEM_SP_BOOSTTABLE: r_data = {48'd0, bt_rd};
        default: r_data = tm_hrd;  // the TM memories
      endcase
  end

  wire mem_ok = mem_sel < NUM_MEMS && mem_addr < mem_depth(mem_sel[MEM_SEL_BITS-1:0]);
  // Host read port: presented by the bus FSM (window, OUT_BUF) or the CRC.
  always @(*) begin
    h_re = 0; h_sel = mem_sel[MEM_SEL_BITS-1:0]; h_inb = 0; h_oc = 0; h_pr = 0; h_addr = mem_addr;
    h_we = 0; h_wsel = mem_sel[MEM_SEL_BITS-1:0]; h_waddr = mem_addr; h_wd = {wb_dat_i, mem_lo};
    host_regs_we = 0; host_regs_sel = 0; host_regs_a = 0; host_regs_d = {wb_dat_i, mem_lo};
    if (crun) begin
      if (cnb == 0 && !cwait && cidx < clen) begin
        h_re = 1;
        h_sel = csel;
        h_inb = cmode == CM_IN;
        h_oc = cmode == CM_OUT && !cpart;
        h_pr = cmode == CM_OUT && cpart;
        h_addr = cidx;
      end
    end else if (hs == H_IDLE && wb_req && !busy) begin
      if (!wb_we_i && (wb_adr_i == REG_MEM_DATA_LO || wb_adr_i == REG_MEM_DATA_HI)) h_re = mem_ok;
      if (!wb_we_i && is_out_buf(wb_adr_i)) begin
        h_re = 1; h_oc = 1; h_addr = out_off(wb_adr_i);
      end
      if (!wb_we_i && is_pred_buf(wb_adr_i)) begin
        h_re = 1; h_pr = 1; h_addr = pred_off(wb_adr_i);
      end
      if (!wb_we_i && is_in_buf(wb_adr_i)) begin
        h_re = 1; h_inb = 1; h_addr = in_off(wb_adr_i);
      end
      if (wb_we_i && is_in_buf(wb_adr_i)) begin
        h_we = 1; h_inb = 1; h_waddr = in_off(wb_adr_i); h_wd = {32'd0, wb_dat_i};
      end
      if (wb_we_i && wb_adr_i == REG_MEM_DATA_HI && !locked && mem_ok) begin
        if (mem_sel < MEM_REGS + 1) begin  // MEM_CFG (0) or MEM_REGS (1): the flip-flop copies
          host_regs_we = 1; host_regs_sel = mem_sel[0] == MEM_REGS[0]; host_regs_a = mem_addr[4:0];
        end else h_we = 1;
      end
    end
  end

  // The host's copy of cfg: read at h_addr (the data is used the cycle
  // after a window or CRC read of MEM_CFG), written with cfg.
  htm_ram #(.WIDTH(32), .DEPTH(32), .FILE("cfg"), .MEM_DIR(MEM_DIR), .RW_OLD(0)) u_cfg (
      clk, {1'b0, h_addr[4:0]}, cfg_rd, host_regs_we && !host_regs_sel, {1'b0, host_regs_a}, host_regs_d[31:0]);

  always @(*) begin
    cmd_step = 0;
    cmd_restore = 0;
    if (hs == H_IDLE && wb_req && wb_we_i && wb_adr_i == REG_CTRL && cmd_ok && !busy && !crun && !rst) begin
      cmd_step = (cmd & ~CMD_LEARN) == CMD_STEP && step_expect == regs[REGS_STEPS][31:0] && in_count <= IN_D && !dirty;
      cmd_restore = cmd == CMD_RESTORE;
    end
  end

  // Register reads.
  reg [31:0] rdv;
  integer pk;
  always @(*) begin
    rdv = 0;
    case (wb_adr_i)
      REG_ID: rdv = DEVICE_ID;
      REG_VERSION: rdv = ARCH_VERSION;
      REG_CAPS:
      rdv = (LANES_OV << CAPS_LANES_OV_SHIFT) | (LANES_SYN << CAPS_LANES_SYN_SHIFT) | (DIV_LAT << CAPS_DIV_LAT_SHIFT);
      REG_DIM_IN: rdv = N;
      REG_DIM_COLS: rdv = C;
      REG_DIM_CELLS: rdv = K;
      REG_DIM_SEGS: rdv = S;
      REG_DIM_SYNS: rdv = M;
      REG_STATUS:
      rdv = ({31'd0, busy} << STATUS_BUSY_BIT) | ({31'd0, done} << STATUS_DONE_BIT) |
          ({31'd0, err != ERR_NONE} << STATUS_ERROR_BIT);
      REG_STEP_LO: rdv = regs[REGS_STEPS][31:0];
      REG_STEP_HI: rdv = regs[REGS_STEPS][63:32];
      REG_ERROR: rdv = {{(32 - ERROR_BITS) {1'b0}}, err};
      REG_CYCLES: rdv = cycles_r;
      REG_IN_COUNT: rdv = in_count;
      REG_OUT_COUNT: rdv = out_count;
      REG_PRED_COUNT: rdv = pred_count;
      REG_ANOM_NUM: rdv = anom_num;
      REG_ANOM_DEN: rdv = anom_den;
      REG_MEM_LOCK: rdv = {31'd0, locked};  // write-only CTRL, STEP_EXPECT, CRC_SEL read 0
      REG_MEM_SEL: rdv = mem_sel;
      REG_MEM_ADDR: rdv = mem_addr;
      default:
      // PHASE_CYCLES: one comparison per word (phcyc[wb_adr_i[3:0]] made
      // Yosys build 16 words of flip-flops for the 10).
      for (pk = 0; pk < NUM_PHASES; pk = pk + 1) if (wb_adr_i == REG_PHASE_CYCLES + pk) rdv = phcyc[pk];
    endcase
  end

  integer k;
  always @(posedge clk) begin
    // Pipeline defaults.
    p1v <= 0;
    q1v <= 0;
    p2v <= 0;
    pfv <= 0;
    b1v <= 0;
    fwv <= 0;
    if (busy) begin
      pcyc <= pcyc + 1;
      if (pfv) next_cc <= bump ? wk_rd : oc_rd;
      if (b1v) ;
      // Background: iteration mod updatePeriod.
      if (mod_run) begin
        mod_r <= mod_t[33] ? {mod_r[31:0], mod_x[63]} : mod_t[32:0];
        mod_x <= {mod_x[62:0], 1'b0};
        mod_n <= mod_n + 1;
        if (mod_n == 63) mod_run <= 0;
      end
      case (ph)
        P_LOAD: begin
          if (sub == 0) begin
            inbits[cnt] <= 0;
            cnt <= cnt + 1;
            if (cnt == W - 1) begin
              sub <= 1;
              cnt <= 0;
            end
          end else begin
            cnt <= cnt + 1;
            p1v <= cnt < in_count;
            if (p1v) begin
              if (inbuf_rd >= N || (!lfirst && inbuf_rd <= lprev)) lbad <= 1;
              else inbits[inbuf_rd>>5] <= inbits[inbuf_rd>>5] | (32'd1 << inbuf_rd[4:0]);
              lprev <= inbuf_rd;
              lfirst <= 0;
            end
          end
        end
        P_OVL: begin
          if (sub == 0) begin
            p1v <= 1;
            p1a <= orow;
            q1c <= oc;
            cnt <= cnt + 1;
            if (orow == WL - 1) begin
              orow <= 0;
              oc <= oc + 1;
            end else orow <= orow + 1;
            if (cnt == C * WL - 1) begin
              sub <= 2;
              cnt <= 0;
            end
          end else cnt <= cnt + 1;
          if (p1v) oacc <= ov_sum[WQ-1:0];
        end
        P_INH: begin
          cnt <= cnt + 1;
          if (sub == 0) begin
            p1v <= cnt < C;
            if (p1v && p1elig) begin
              p2v <= 1;
              p2o <= p1o;
            end
            if (p2v) begin
              fwv <= 1;
              fwa <= {{(A_H - WQ) {1'b0}}, p2o};
              fwd <= p2h + 1'b1;
            end
            if (cnt == C + 1) begin
              sub <= 1;
              cnt <= 0;
              found <= 0;
              above <= 0;
              selcnt <= 0;
            end
          end else if (sub == 1) begin
            p1v <= cnt <= Q;
            p1a <= Q - cnt;
            if (p1v && !found) begin
              if (above + {{(32 - HIST_W) {1'b0}}, hist_rd} >= cfg_k) begin
                found <= 1;
                thr <= p1a;
                ties <= cfg_k - above;
              end else above <= above + {{(32 - HIST_W) {1'b0}}, hist_rd};
            end
            q1v <= cnt >= Q + 1 && cnt <= Q + C;
            q1c <= sel_col[WCOL-1:0];
            if (q1v) begin
              if (q1sel) begin
                selcnt <= selcnt + 1;
                first_col <= q1c;
              end
              if (q1tie && !({{(32 - WQ) {1'b0}}, q1o} > thr)) ties <= ties - 1;
            end
            if (cnt == Q + C + 1) begin
              nact <= n_act;
              sub <= 2;
              cnt <= 0;
            end
          end
        end
        P_RESTORE: begin
          if (cnt < W) inbits[cnt] <= 0;
          cnt <= cnt + 1;
        end
        P_TM, P_OUT: cnt <= cnt + 1;
        P_LRN, P_DUTY: begin
          cnt <= cnt + 1;
          if (ph == P_DUTY && sub == 0) begin
            // The duty-cycle pass.
            p1v <= cnt < C;
            p1a <= cnt;
            if (dv_out) begin
              if (q_od > max_od) max_od <= q_od;
              if (minov != 0 && q_od < minov) begin
                nweak <= nweak + 1;
                if (nweak == 0) first_weak <= dc_out;
              end
              b1v <= cfg_boost;
              b1c <= dc_out;
            end
            if (cnt == C + DIV_LAT - 1) begin
              cnt <= 0;
              if (duty_bump) begin
                sub <= 5;
                bump <= 1;
                ci <= 0;
                ccount <= weak_now ? nweak + 1 : nweak;
                cc <= (nweak == 0) ? dc_out : first_weak;
                cbase <= ((nweak == 0) ? dc_out : first_weak) * Q;
              end else sub <= cfg_boost ? 3 : 4;
            end
          end else if (ph == P_DUTY && sub >= 3 && sub <= 4) begin
            if (cnt == C - 1) begin
              cnt <= 0;
              sub <= 4;
              if (sub == 4) regs[REGS_SP_MIN_OVERLAP] <= {48'd0, minov_new[15:0]};
            end
          end else begin
            // The column loop.
            case (lsub)
              0: begin
                if (cnt == 1) lreg <= {{(32 - WQ) {1'b0}}, plen_rd};
                if (cnt >= 1 && cnt - 1 < lcur) begin
                  p1v <= 1;
                  p1a <= cbase + cnt - 1;
                end
                if (cnt >= 1 && cnt == lcur + 1) begin
                  sub <= sub + 1;
                  cnt <= 0;
                end
              end
              1: begin
                if (cnt == 0) pfv <= 1;
                if (cnt == W - 1) begin
                  sub <= sub + 1;
                  cnt <= 0;
                  accv <= 0;
                end
              end
              default: begin
                if (cnt < lreg) begin
                  p1v <= 1;
                  p1a <= cbase + cnt;
                end
                if (p1v && !(perm16 < cfg_trim) && perm16 >= cfg_conn) begin
                  if (accv && accw == pword) acc <= acc | (32'd1 << pool_in[4:0]);
                  else begin
                    acc <= 32'd1 << pool_in[4:0];
                    accw <= pword;
                  end
                  accv <= 1;
                end
                if (cnt == lreg + 1) begin
                  cnt <= 0;
                  if (ci + 1 == ccount) begin
                    if (ph == P_DUTY) sub <= cfg_boost ? 3 : 4;
                  end else begin
                    ci <= ci + 1;
                    cc <= next_cc;
                    cbase <= next_cc * Q;
                    sub <= sub - 2;
                  end
                end
              end
            endcase
          end
        end
        default: ;
      endcase
      // Phase transitions.
      if (eng_end) begin
        if (ph == P_RESTORE) rcyc <= tm_cyc_dend;
        else if (ph == P_TM) begin
          phcyc[5] <= tm_cyc_pred;
          phcyc[6] <= tm_cyc_cells;
          phcyc[7] <= tm_cyc_swap;
          phcyc[8] <= tm_cyc_dend;
          phsum <= phsum + tm_cyc_pred + tm_cyc_cells + tm_cyc_swap + tm_cyc_dend;
        end else begin
          phcyc[ph] <= pcyc + 1;
          phsum <= phsum + pcyc + 1;
        end
        pcyc <= 0;
        cnt <= 0;
        sub <= 0;
        ph <= eng_next;
        if (ph == P_LOAD && eng_next == P_OVL) begin
          regs[REGS_SP_ITERATION] <= regs[REGS_SP_ITERATION] + 1;
          mod_x <= regs[REGS_SP_ITERATION] + 1;
          mod_r <= 0;
          mod_n <= 0;
          mod_run <= 1;
          oc <= 0;
          orow <= 0;
        end
        if (eng_next == P_LRN) begin
          bump <= 0;
          ci <= 0;
          ccount <= nact;
          cc <= first_col;
          cbase <= first_col * Q;
        end
        if (eng_next == P_DUTY) begin
          // SPEC 5.5.2: a wrapped iteration (0) counts 2^64 steps.
          period <= (regs[REGS_SP_ITERATION] != 64'd0 && regs[REGS_SP_ITERATION] < {32'd0, cfg_dutyper}) ?
              regs[REGS_SP_ITERATION][15:0] : cfg_dutyper[15:0];
          period_m1 <= ((regs[REGS_SP_ITERATION] != 64'd0 && regs[REGS_SP_ITERATION] < {32'd0, cfg_dutyper}) ?
              regs[REGS_SP_ITERATION][15:0] : cfg_dutyper[15:0]) - 1'b1;
          minov <= regs[REGS_SP_MIN_OVERLAP][15:0];
          max_od <= 0;
          nweak <= 0;
        end
        if (ph == P_LOAD && eng_next == P_IDLE) begin
          // BAD_INPUT: nothing changed, no cycles counted.
          busy <= 0;
          done <= 1;
          cycles_r <= 0;
          for (k = 0; k < 10; k = k + 1) phcyc[k] <= 0;
          if (err == ERR_NONE) err <= ERR_BAD_INPUT;
        end
      end
      if (ph == P_FIN) begin
        if (!cmd_is_restore) regs[REGS_STEPS] <= regs[REGS_STEPS] + 1;
        out_count <= cmd_is_restore ? out_count : nact;
        if (!cmd_is_restore) begin
          pred_count <= tm_n_pred;
          anom_num <= tm_anom_num;
          anom_den <= nact;
        end
        cycles_r <= cmd_is_restore ? rcyc : phsum;
        busy <= 0;
        done <= 1;
        ph <= P_IDLE;
      end
    end
    // ---------------------------------------------------- command start
    if (cmd_step) begin
      busy <= 1;
      done <= 0;
      locked <= 1;
      learn <= wb_dat_i[8];
      cmd_is_restore <= 0;
      ph <= P_LOAD;
      sub <= 0;
      cnt <= 0;
      pcyc <= 0;
      lfirst <= 1;
      lbad <= 0;
      nact <= 0;
      for (k = 0; k < 10; k = k + 1) phcyc[k] <= 0;
      phsum <= 0;
    end
    if (cmd_restore) begin
      busy <= 1;
      done <= 0;
      cmd_is_restore <= 1;
      ph <= P_RESTORE;
      sub <= 0;
      cnt <= 0;
      pcyc <= 0;
      for (k = 0; k < 10; k = k + 1) phcyc[k] <= 0;
    end
    if (tm_regs_wb) begin
      regs[REGS_TM_ITERATION] <= tm_w_iter;
      regs[REGS_TM_CREATED] <= tm_w_created;
      regs[REGS_TM_GENERATOR] <= tm_w_gen;
      regs[REGS_FREE_COUNT] <= tm_w_free;
    end
    for (k = 0; k < 8; k = k + 1)
      if (tm_ev[k])
        regs[REGS_SEGMENTS_CREATED+k] <= regs[REGS_SEGMENTS_CREATED+k] +
            (REGS_SEGMENTS_CREATED + k == REGS_SYNAPSES_PRUNED ? {32'd0, tm_ev_synpr} : 64'd1);
    if (host_regs_we) begin
      if (host_regs_sel) regs[host_regs_a] <= host_regs_d;
      else cfg[host_regs_a] <= host_regs_d[31:0];
    end
    if (rst) begin
      busy <= 0;
      ph <= P_IDLE;
      mod_run <= 0;
    end
    // ---------------------------------------------------------- the bus

  // ------------------------------------------------------------ host side
  // The bus FSM: writes are acknowledged in one cycle; reads of RAM-backed
  // words (memory windows, OUT_BUF) in two; CRC reads when the CRC is done.

    wb_ack_o <= 0;
    // CRC sequencer.
    if (crun) begin
      if (cnb != 0) begin
        crc <= crc_byte(crc, cword[7:0]);
        cword <= {8'd0, cword[63:8]};
        cnb <= cnb - 1'b1;
      end else if (cwait) begin
        // The word read last cycle.
        cword <= r_data;
        cnb <= (cmode == CM_MEM) ? csel_nb : 4'd4;
        cwait <= 0;
        cidx <= cidx + 1;
      end else if (cidx < clen) begin
        // A read is presented: its data arrives next cycle.
        cwait <= 1;
        r_sel <= csel; r_inb <= cmode == CM_IN; r_oc <= cmode == CM_OUT && !cpart; r_pr <= cmode == CM_OUT && cpart;
        r_addr <= cidx;
        rlane <= conn_lane(cidx);
      end else if (cpost == 2'd1) begin
        // OUT_CRC: PRED_COUNT, then PRED_BUF.
        cword <= {32'd0, pred_count};
        cnb <= 4'd4;
        cpart <= 1;
        cidx <= 0;
        clen <= pred_count;
        cpost <= 2'd2;
      end else if (cpost == 2'd2) begin
        // OUT_CRC: ANOM_NUM, ANOM_DEN.
        cword <= {anom_den, anom_num};
        cnb <= 4'd8;
        cpost <= 2'd0;
      end else begin
        crun <= 0;
        crc_val <= ~crc;
      end
    end
    if (hs == H_RD) begin
      case (h_adr)
        REG_MEM_DATA_LO: wb_dat_o <= mem_ok ? r_data[31:0] : 32'd0;
        REG_MEM_DATA_HI: begin
          wb_dat_o <= mem_ok ? r_data[63:32] : 32'd0;
          mem_addr <= mem_addr + 1;
        end
        default:
        if (is_in_buf(h_adr)) wb_dat_o <= (in_off(h_adr) < IN_D) ? r_data[31:0] : 32'd0;  // IN_BUF
        else if (is_pred_buf(h_adr)) wb_dat_o <= (pred_off(h_adr) < pred_count) ? r_data[31:0] : 32'd0;
        else wb_dat_o <= (out_off(h_adr) < out_count) ? r_data[31:0] : 32'd0;  // OUT_BUF
      endcase
      wb_ack_o <= 1;
      hs <= H_IDLE;
    end else if (hs == H_CRC) begin
      if (!crun) begin
        wb_dat_o <= crc_val;
        wb_ack_o <= 1;
        hs <= H_IDLE;
      end
    end else if (hs == H_IDLE && wb_req && !crun) begin
      if (wb_we_i) begin
        wb_ack_o <= 1;
        case (wb_adr_i)
          REG_CTRL: begin
            // CYCLES: a command that does not start counts 0.
            if (!cmd_step && !cmd_restore) cycles_r <= 0;
            if (!cmd_ok) err <= (err == ERR_NONE) ? ERR_BAD_CMD : err;
            else if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
            else if (cmd == CMD_CLEAR_ERROR) err <= ERR_NONE;
            else if (cmd == CMD_RESET) begin
              err <= ERR_NONE; in_count <= 0; out_count <= 0; locked <= 1; step_expect <= 0; mem_sel <= 0;
              pred_count <= 0; anom_num <= 0; anom_den <= 0;
              mem_addr <= 0; mem_lo <= 0; done <= 1; csel <= 0; crc_val <= 0;
              for (k = 0; k < NUM_PHASES; k = k + 1) phcyc[k] <= 0;
            end else if ((cmd & ~CMD_LEARN) == CMD_STEP) begin
              locked <= 1;  // an accepted STEP command locks, computed or not
              if (step_expect != regs[REGS_STEPS][31:0]) err <= (err == ERR_NONE) ? ERR_STEP_MISMATCH : err;
              else if (in_count > IN_D) err <= (err == ERR_NONE) ? ERR_BAD_INPUT : err;
              else if (dirty) err <= (err == ERR_NONE) ? ERR_BAD_STATE : err;
            end else if (cmd == CMD_RESTORE) dirty <= 0;
            else err <= (err == ERR_NONE) ? ERR_BAD_CMD : err;
          end
          REG_STEP_EXPECT: step_expect <= wb_dat_i;
          REG_IN_COUNT: in_count <= wb_dat_i;
          REG_MEM_LOCK: locked <= wb_dat_i != MEM_UNLOCK;
          REG_MEM_SEL: mem_sel <= wb_dat_i;
          REG_MEM_ADDR: mem_addr <= wb_dat_i;
          REG_MEM_DATA_LO: mem_lo <= wb_dat_i;
          REG_MEM_DATA_HI:
          if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
          else if (locked) err <= (err == ERR_NONE) ? ERR_LOCKED : err;
          else if (!mem_ok) err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
          else begin
            mem_addr <= mem_addr + 1;
            dirty <= 1;
          end
          REG_CRC_SEL:
          if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
          else if (wb_dat_i >= NUM_MEMS) begin
            err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
            crc_val <= 0;
          end else begin
            csel <= wb_dat_i[MEM_SEL_BITS-1:0];
            cmode <= CM_MEM; crun <= 1; cwait <= 0; cidx <= 0; cnb <= 0; cpost <= 0;
            clen <= mem_depth(wb_dat_i[MEM_SEL_BITS-1:0]); crc <= 32'hFFFFFFFF;
          end
          default: ;
        endcase
      end else begin
        h_adr <= wb_adr_i;
        r_sel <= mem_sel[MEM_SEL_BITS-1:0]; r_addr <= mem_addr;
        r_inb <= is_in_buf(wb_adr_i); r_oc <= is_out_buf(wb_adr_i); r_pr <= is_pred_buf(wb_adr_i);
        rlane <= conn_lane(mem_addr);
        if (wb_adr_i == REG_MEM_DATA_LO || wb_adr_i == REG_MEM_DATA_HI || is_out_buf(wb_adr_i) ||
            is_pred_buf(wb_adr_i) || is_in_buf(wb_adr_i)) begin
          // RAM-backed: wait for the command to finish, then read.
          if (!busy) begin
            hs <= H_RD;
            if ((wb_adr_i == REG_MEM_DATA_LO || wb_adr_i == REG_MEM_DATA_HI) && !mem_ok)
              err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
          end
        end else if (wb_adr_i == REG_IN_CRC || wb_adr_i == REG_OUT_CRC) begin
          if (!busy) begin
            hs <= H_CRC;
            crun <= 1; cwait <= 0; crc <= 32'hFFFFFFFF; cidx <= 0;
            if (wb_adr_i == REG_IN_CRC) begin
              // IN_COUNT, then IN_BUF.
              cmode <= CM_IN; cword <= {32'd0, in_count}; cnb <= 4'd4; clen <= in_count; cpost <= 0;
            end else begin
              // STEP_LO, OUT_COUNT, then OUT_BUF, then PRED_COUNT, PRED_BUF,
              // ANOM_NUM, ANOM_DEN (cpost 1 and 2).
              cmode <= CM_OUT; cword <= {out_count, regs[REGS_STEPS][31:0]}; cnb <= 4'd8; clen <= out_count;
              cpost <= 2'd1;
              cpart <= 0;
            end
          end
        end else if (wb_adr_i == REG_CRC_VALUE) hs <= H_CRC;
        else begin
          wb_dat_o <= rdv;
          wb_ack_o <= 1;
        end
      end
    end
    if (rst) begin
      hs <= H_IDLE; crun <= 0; err <= ERR_NONE; in_count <= 0; out_count <= 0; locked <= 1; step_expect <= 0;
      pred_count <= 0; anom_num <= 0; anom_den <= 0;
      mem_sel <= 0; mem_addr <= 0; mem_lo <= 0; done <= 1; cycles_r <= 0; wb_ack_o <= 0; dirty <= 0; csel <= 0;
      crc_val <= 0;
    end
  end
endmodule
`default_nettype wire
