// htm3_memmap: architecture 3's address translation (hdl/rtl3/ACCEL.md,
// "Memory map"). The host interface (window, CRC) and the sequencer see the
// image memories of docs/ARCHITECTURE.md section 2 as logical words (same
// depths, widths and order as the image); this module maps a logical word
// onto the physical memories of architecture 3: 16-bit EBR words (a 32-bit
// cfg word is two, a 64-bit regs or segseq word four), the segment memory
// (one 16K x 16 SPRAM holding tm.segseq, tm.seglru, tm.seg, tm.free,
// sp.boosttable, the used list and sp.conn, whose port the SP engine has
// while it runs: sp_conn_*), tm.syn's SPRAM, and the SP engine's own
// memories through its idle port. Besides the 16 image memories, selector
// values SEL_IN_BUF, SEL_OUT_BUF and SEL_PRED_BUF reach the host's buffers.
//
// A request (req, we, sel, addr, wd) is taken when idle; ack pulses when the
// word is read (rd valid with ack) or written. A logical word of np parts
// takes np + 1 cycles from req to ack (the parts go out one a cycle; the
// last read's data arrives a cycle later); writes take np + 1 as well.
//
// Engines reach their memories through the ports below while the
// sequencer owns the request port (the memories are single- or one-read-
// one-write-ported: one user at a time, by construction of the schedule).
`default_nettype none
module htm3_memmap #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    parameter integer AMR = 14,   // the SP engine's image port address
    parameter integer WCI = 8     // a column index
) (
    input  wire           clk,
    input  wire           rst,
    // the logical request port
    input  wire           req,
    input  wire           we,
    input  wire [4:0]     sel,
    input  wire [31:0]    addr,
    input  wire [63:0]    wd,
    output reg            ack,
    output reg  [63:0]    rd,
    // the SP engine's image port (idle) and out.cols read port
    output reg  [1:0]     sp_mr_sel,
    output reg  [AMR-1:0] sp_mr_a,
    input  wire [31:0]    sp_mr_d,
    output reg            sp_mw_we,
    output reg  [31:0]    sp_mw_d,
    output reg  [WCI-1:0] sp_oc_ra,
    input  wire [WCI-1:0] sp_oc_rd,
    // the SP engine's sp.conn port into the segment memory, while sp_conn_en
    input  wire           sp_conn_en,
    input  wire [13:0]    sp_conn_a,
    input  wire           sp_conn_we,
    input  wire [15:0]    sp_conn_wd,
    output wire [15:0]    sp_conn_rd,
    // IN_BUF's engine read port (LOAD's check and the SP's LOAD), used
    // while eng_busy
    input  wire           eng_busy,
    input  wire [IN_AW-1:0] eng_ib_a,
    output wire [31:0]    eng_ib_d
);
  `include "htm_arch.vh"
  function integer bitsf(input integer x);  // bits that hold 0..x, at least 1
    begin
      bitsf = 1;
      while ((1 << bitsf) <= x) bitsf = bitsf + 1;
    end
  endfunction
  localparam integer NC = C * K;
  localparam integer WCELL = bitsf(NC - 1);
  localparam integer WS = bitsf(S - 1);
  localparam integer WM = bitsf(M);
  localparam integer WG = bitsf(G);
  localparam integer WC = (NC + 31) / 32;
  localparam integer SEG_W = WCELL + 1 + WM;
  localparam integer SYN_W = B + WCELL + 1;
  localparam integer IN_D = N;              // IN_BUF words held: an input has at most N indices
  localparam integer IN_AW = (IN_D > 1) ? $clog2(IN_D) : 1;
  // Selectors beyond the image memories.
  localparam [4:0] SEL_IN_BUF = 5'd16, SEL_OUT_BUF = 5'd17, SEL_PRED_BUF = 5'd18;
  // The segment memory's layout (16-bit words; htm3_dendrite's SM layout,
  // DENDRITE.md, extended): segseq 4s, seglru 4S + 2s, used list prev 6S,
  // next 7S, tm.seg 8S, tail 9S, tm.free 9S + 1 (htm3_tm_cells' layout,
// TM.md), sp.boosttable 10S + 1, sp.conn 12S (16-bit halves, low first;
// htm3_sp's CONN_BASE: aligned, so the engine ORs its address in).
  localparam integer SM_LRU = 4 * S, SM_SEG = 8 * S, SM_FREE = 9 * S + 1, SM_BT = 10 * S + 1;
  localparam integer SM_CONN = 12 * S;
  /* verilator lint_off UNUSEDPARAM */
  localparam integer SM_D = SM_CONN + 2 * C * ((N + 31) / 32);  // the words used: checked under SIM only
  /* verilator lint_on UNUSEDPARAM */
  localparam integer SYN_AW = $clog2(S * M);
  // cfg/regs EBR (256 x 16): cfg word i at 2i, regs word r at 64 + 4r.
  localparam integer CR_REGS = 64;
  // tm.active / tm.winner EBR: two banks of each, 2 x 16-bit words a
  // logical word: active bank b at 2·WC·b, winner bank b at 2·WC·(2 + b).
  localparam integer AW_D = 8 * WC;
  localparam integer AW_AW = $clog2(AW_D);
  localparam integer CS_AW = $clog2(NC);

`ifdef SIM
  initial if (SM_D > 16384) $error("htm3_memmap: the segment memory needs %0d words", SM_D);
  // The aligned bases are ORed with indices, not added: S a power of two,
  // at least the boost table's 1,024 words.
  initial if (S != (1 << WS) || S < BOOST_TABLE_WORDS) $error("htm3_memmap: S %0d is not a power of two >= 1024", S);
  initial if (SEG_W > 16) $error("htm3_memmap: tm.seg is %0d bits wide", SEG_W);
`endif

  // Physical targets.
  localparam [3:0] T_CR = 4'd0, T_SP = 4'd1, T_BOOST = 4'd2, T_SM = 4'd3, T_SYN = 4'd4, T_CS = 4'd5,
                   T_AW = 4'd6, T_IN = 4'd7, T_OC = 4'd8, T_ZERO = 4'd9;

  // A word written keeps the image's width (sim.Device masks likewise):
  // the 16-bit words of tm.seg and tm.free are masked here, the other
  // memories are as wide as their words or take the low bits. IN_BUF's
  // index comes in the high half (the bus word; the low half is MEM_DATA_LO).
  function [63:0] wmask(input [4:0] s, input [63:0] d);
    case (s)
      {1'b0, MEM_TM_SEG}: wmask = {{(64 - SEG_W) {1'b0}}, d[SEG_W-1:0]};
      {1'b0, MEM_TM_FREE}: wmask = {{(64 - WS) {1'b0}}, d[WS-1:0]};
      SEL_IN_BUF: wmask = {32'd0, d[63:32]};
      default: wmask = d;
    endcase
  endfunction

  // ------------------------------------------------------------ the request
  // The requester holds we, sel, addr and wd from req until ack (the
  // host's registers and the bus word, which the master holds until its
  // own acknowledgement; the CRC's registers; the sequencer's step index),
  // so nothing of the request is copied here.
  reg         busy;
  reg  [2:0]  k;               // the part being issued
  reg  [2:0]  kr;              // the part whose data arrives
  reg         rv;              // a read's data arrives this cycle

  // Decoding of a new request.
  reg  [3:0]  d_tgt;
  reg  [2:0]  d_np;
  reg  [15:0] d_pa;
  always @* begin
    d_tgt = T_ZERO;
    d_np = 3'd1;
    d_pa = addr[15:0];
    case (sel)
      {1'b0, MEM_CFG}: begin d_tgt = T_CR; d_np = 3'd2; d_pa = 16'(addr[4:0]) << 1; end
      {1'b0, MEM_REGS}: begin d_tgt = T_CR; d_np = 3'd4; d_pa = 16'(CR_REGS) | (16'(addr[3:0]) << 2); end
      {1'b0, MEM_SP_POOL}, {1'b0, MEM_SP_POOLLEN}, {1'b0, MEM_SP_DUTY}: d_tgt = T_SP;
      {1'b0, MEM_SP_CONN}: begin d_tgt = T_SM; d_np = 3'd2; d_pa = 16'(SM_CONN) | (addr[15:0] << 1); end
      {1'b0, MEM_SP_BOOST}: d_tgt = T_BOOST;
      {1'b0, MEM_SP_BOOSTTABLE}: begin d_tgt = T_SM; d_pa = 16'(SM_BT) + 16'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SEG}: begin d_tgt = T_SM; d_pa = 16'(SM_SEG) | 16'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SEGLRU}: begin d_tgt = T_SM; d_np = 3'd2; d_pa = 16'(SM_LRU) | (16'(addr[WS-1:0]) << 1); end
      {1'b0, MEM_TM_SEGSEQ}: begin d_tgt = T_SM; d_np = 3'd4; d_pa = addr[15:0] << 2; end
      {1'b0, MEM_TM_FREE}: begin d_tgt = T_SM; d_pa = 16'(SM_FREE) + 16'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SYN}: d_tgt = T_SYN;
      {1'b0, MEM_TM_CELLSEGS}: d_tgt = T_CS;
      {1'b0, MEM_TM_ACTIVE}: begin d_tgt = T_AW; d_np = 3'd2; d_pa = addr[15:0] << 1; end
      {1'b0, MEM_TM_WINNER}: begin d_tgt = T_AW; d_np = 3'd2; d_pa = 16'(4 * WC) | (addr[15:0] << 1); end
      SEL_IN_BUF: d_tgt = T_IN;
      SEL_OUT_BUF: d_tgt = T_OC;
      SEL_PRED_BUF: d_tgt = T_ZERO;  // no predictions yet (ACCEL.md)
      default: ;
    endcase
  end

  wire [3:0]  tgt = d_tgt;
  wire [2:0]  np = d_np;                    // parts
  wire [15:0] pa = d_pa;                    // physical address of part 0
  wire        wr = we;
  wire [3:0]  selq = sel[3:0];              // the memory (for the SP's port)
  // The host bounds every window address by its memory's depth (at most
  // 16,384 words here), so the high bits never select anything.
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] addrq = addr;
  /* verilator lint_on UNUSEDSIGNAL */
  wire [63:0] wdq = wmask(sel, wd);
  wire        issue = busy && k < np;       // part k goes out this cycle
  /* verilator lint_off UNUSEDSIGNAL */
  // Writes go out low part first, reads high part first (each read part
  // shifts into rd from the bottom, so the word ends aligned); a logical
  // word's parts are aligned, so the part index is ORed in.
  wire [2:0]  kp = wr ? k : np - 1'b1 - k;
  wire [15:0] pk = pa | 16'(kp);            // its physical address (the memories take its low bits)
  /* verilator lint_on UNUSEDSIGNAL */
  wire [15:0] wpart = wdq[16*k[1:0]+:16];   // its data (16-bit memories)

  // ------------------------------------------------------------- memories
  wire        cr_we = issue && wr && tgt == T_CR;
  wire [15:0] cr_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(256), .FILE("cfgregs")) u_cr (
      .clk(clk), .ra(pk[7:0]), .rd(cr_rd), .we(cr_we), .wa(pk[7:0]), .wd(wpart));

  wire        bo_we = issue && wr && tgt == T_BOOST;
  wire [15:0] bo_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(C), .FILE("sp.boost")) u_boost (
      .clk(clk), .ra(addrq[$clog2(C)-1:0]), .rd(bo_rd), .we(bo_we), .wa(addrq[$clog2(C)-1:0]), .wd(wdq[15:0]));

  wire        sm_we = issue && wr && tgt == T_SM;
  wire [15:0] sm_rd;
  htm_spram #(.WIDTH(16), .DEPTH(16384), .FILE("segmem")) u_sm (
      .clk(clk), .a(sp_conn_en ? sp_conn_a : pk[13:0]), .we(sp_conn_en ? sp_conn_we : sm_we),
      .wd(sp_conn_en ? sp_conn_wd : wpart), .rd(sm_rd));
  assign sp_conn_rd = sm_rd;

  wire             syn_we = issue && wr && tgt == T_SYN;
  wire [SYN_W-1:0] syn_rd;
  htm_spram #(.WIDTH(SYN_W), .DEPTH(S * M), .FILE("tm.syn")) u_syn (
      .clk(clk), .a(addrq[SYN_AW-1:0]), .we(syn_we), .wd(wdq[SYN_W-1:0]), .rd(syn_rd));

  wire          cs_we = issue && wr && tgt == T_CS;
  wire [WG-1:0] cs_rd;
  htm_ebr #(.WIDTH(WG), .DEPTH(NC), .FILE("tm.cellsegs")) u_cs (
      .clk(clk), .ra(addrq[CS_AW-1:0]), .rd(cs_rd), .we(cs_we), .wa(addrq[CS_AW-1:0]), .wd(wdq[WG-1:0]));

  wire        aw_we = issue && wr && tgt == T_AW;
  wire [15:0] aw_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(AW_D), .FILE("actwin")) u_aw (
      .clk(clk), .ra(pk[AW_AW-1:0]), .rd(aw_rd), .we(aw_we), .wa(pk[AW_AW-1:0]), .wd(wpart));

  wire        in_we = issue && wr && tgt == T_IN;
  wire [31:0] in_rd;
  htm_ebr #(.WIDTH(32), .DEPTH(IN_D)) u_inbuf (
      .clk(clk), .ra(eng_busy ? eng_ib_a : addrq[IN_AW-1:0]), .rd(in_rd), .we(in_we), .wa(addrq[IN_AW-1:0]),
      .wd(wdq[31:0]));
  assign eng_ib_d = in_rd;

  // The SP engine's port.
  always @* begin
    case (selq)
      MEM_SP_POOL: sp_mr_sel = 2'd0;
      MEM_SP_DUTY: sp_mr_sel = 2'd2;
      default: sp_mr_sel = 2'd3;  // MEM_SP_POOLLEN
    endcase
    sp_mr_a = addrq[AMR-1:0];
    sp_mw_we = issue && wr && tgt == T_SP;
    sp_mw_d = wdq[31:0];
    sp_oc_ra = addrq[WCI-1:0];
  end

  // ------------------------------------------------------------- read data
  // 16-bit memories give their parts (part kr arrives); the others the word.
  reg [15:0] part;
  reg [63:0] wide;
  always @* begin
    case (tgt)
      T_CR: part = cr_rd;
      T_SM: part = sm_rd;
      default: part = aw_rd;
    endcase
    case (tgt)
      T_SP: wide = {32'd0, sp_mr_d};
      T_BOOST: wide = {48'd0, bo_rd};
      T_SYN: wide = {{(64 - SYN_W) {1'b0}}, syn_rd};
      T_CS: wide = {{(64 - WG) {1'b0}}, cs_rd};
      T_IN: wide = {32'd0, in_rd};
      T_OC: wide = {{(64 - WCI) {1'b0}}, sp_oc_rd};
      default: wide = 64'd0;
    endcase
  end

  always @(posedge clk) begin
    ack <= 1'b0;
    rv <= issue && !wr;
    kr <= k;
    if (rv) begin
      if (tgt == T_CR || tgt == T_SM || tgt == T_AW) rd <= {rd[47:0], part};
      else rd <= wide;
    end
    if (req && !busy) begin
      busy <= 1'b1;
      k <= 3'd0;
      rd <= 64'd0;
    end else if (busy) begin
      if (k < np) k <= k + 1'b1;
      // Done: the last write goes out, or the last read's data arrives
      // (into rd, with ack).
      if ((wr && k + 1'b1 == np) || (!wr && rv && kr + 1'b1 == np)) begin
        busy <= 1'b0;
        ack <= 1'b1;
      end
    end
    if (rst) begin
      busy <= 1'b0;
      ack <= 1'b0;
      rv <= 1'b0;
    end
  end
endmodule
`default_nettype wire
