// htm3_memmap: architecture 3's memories and the window onto them
// (hdl/rtl3/ACCEL.md, "Memory map"). The host interface (window, CRC; the
// only requester: the engines read their configuration themselves) sees
// the image memories in the physical words of their primitives (contract
// version 4, docs/ARCHITECTURE.md section 3.5, arch.Window): a memory kept
// in 16-bit words (the cfg/regs EBR, the segment memory: 2^SM_AW x 16, one
// 16K x 16 SPRAM for small, holding tm.segseq, tm.seglru, tm.seg, tm.free,
// sp.boosttable, sp.boost, the used list and sp.conn, whose port the SP
// engine has while it runs: sp_conn_*; tm.active, tm.winner) as 32-bit
// units, two physical words each from the memory's base; tm.syn's SPRAM,
// tm.cellsegs and the SP engine's own memories (through its idle port)
// word for word. The host lays the image's words out, so that this module
// adds a base and nothing else. Besides the 16 image memories, selector
// values SEL_IN_BUF, SEL_OUT_BUF and SEL_PRED_BUF reach the host's
// buffers, SEL_PH PHASE_CYCLES' block of IN_BUF's RAM. tm.active and
// tm.winner are the current bank (cb) of their two-bank memories (TM_SWAP
// is the bank pointer, htm3_tm).
//
// A request (req, we, sel, addr, hi) is taken when idle; ack pulses when
// the word is read (rd valid with ack) or written. A unit is two parts
// (16-bit physical words), a word of another memory one, or two when read
// and wider than 16 bits (the SP's, tm.syn, IN_BUF's RAM: every read goes
// through one 16-bit path); n parts take n + 1 cycles from req to ack (the
// parts go out one a cycle; the last read's data arrives a cycle later). A
// read part shifts into rd from the bottom, high part first. hi
// (MEM_DATA_HI, STEP_HI) reads unit addr | 1 of cfg/regs and nothing (0)
// of the others.
//
// Engines reach their memories through the ports below while a command
// runs and no request comes (the memories are single- or one-read-
// one-write-ported: one user at a time, by construction of the schedule):
// the SP's through its own port, the TM's (htm3_tm) through the e_* ports,
// which drive the shared memories while e_on.
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
    parameter integer WCI = 8,    // a column index
    parameter integer SM_CONN = 12288,  // sp.conn's base in the segment memory (htm3_accel)
    parameter integer SM_AW = 14  // the segment memory's address bits (htm3_accel)
) (
    input  wire           clk,
    input  wire           rst,
    // the logical request port
    input  wire           req,
    input  wire           we,
    input  wire [4:0]     sel,
    /* verilator lint_off UNUSEDSIGNAL */  // the decoder needs addr[15:0]: every depth fits
    input  wire [31:0]    addr,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [63:0]    hwd,    // a write's word (its parts go out low first, one a cycle)
    input  wire           hi,
    output reg            ack,
    output reg  [31:0]    rd,
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
    input  wire [SM_AW-1:0] sp_conn_a,
    input  wire           sp_conn_we,
    input  wire [15:0]    sp_conn_wd,
    output wire [15:0]    sp_conn_rd,
    // IN_BUF's engine read port (LOAD's check and the SP's LOAD), used
    // while eng_busy
    input  wire           eng_busy,
    input  wire [IN_AW-1:0] eng_ib_a,
    output wire [31:0]    eng_ib_d,
    // PHASE_CYCLES (htm3_seq's words, kept in IN_BUF's EBR above its N
    // words): written at phase ph_wa while the sequencer runs; read as
    // selector SEL_PH, word addr[3:0], through the request port
    input  wire           ph_we,
    input  wire [3:0]     ph_wa,
    input  wire [31:0]    ph_wd,
    // the TM (htm3_tm): the current bank, and the shared memories' ports
    input  wire           cb,
    input  wire           e_on,
    // the SP engine owns cfg/regs (its iteration and minOverlap), on the
    // e_cr_* port like the TM (htm3_accel chooses; never with e_on)
    input  wire           sp_on,
    input  wire [7:0]     e_cr_ra,
    output wire [15:0]    e_cr_rd,
    input  wire           e_cr_we,
    input  wire [7:0]     e_cr_wa,
    input  wire [15:0]    e_cr_wd,
    input  wire [SM_AW-1:0] e_sm_a,
    input  wire           e_sm_we,
    input  wire [15:0]    e_sm_wd,
    output wire [15:0]    e_sm_rd,
    input  wire [SYN_AW-1:0] e_syn_a,
    input  wire           e_syn_we,
    input  wire [SYN_W-1:0] e_syn_wd,
    output wire [SYN_W-1:0] e_syn_rd,
    input  wire [CS_AW-1:0] e_cs_ra,
    output wire [WG-1:0]  e_cs_rd,
    input  wire           e_cs_we,
    input  wire [CS_AW-1:0] e_cs_wa,
    input  wire [WG-1:0]  e_cs_wd,
    input  wire [ACT_AW:0] e_act_ra,
    output wire [15:0]    e_act_rd,
    input  wire           e_act_we,
    input  wire [ACT_AW:0] e_act_wa,
    input  wire [15:0]    e_act_wd,
    input  wire [ACT_AW:0] e_win_ra,
    output wire [15:0]    e_win_rd,
    input  wire           e_win_we,
    input  wire [ACT_AW:0] e_win_wa,
    input  wire [15:0]    e_win_wd,
    input  wire           e_pr_we,
    input  wire [WCI-1:0] e_pr_wa,
    input  wire [WCI-1:0] e_pr_wd
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
  localparam integer SEG_W = WCELL + 1 + WM;
  localparam integer SYN_W = B + WCELL + 1;
  localparam integer IN_D = N;              // IN_BUF words held: an input has at most N indices
  localparam integer IN_AW = (IN_D > 1) ? $clog2(IN_D) : 1;
    // Selectors beyond the image memories.
  localparam [4:0] SEL_IN_BUF = 5'd16, SEL_OUT_BUF = 5'd17, SEL_PRED_BUF = 5'd18, SEL_PH = 5'd19;
  // The segment memory's layout (16-bit words; htm3_tm_cells' layout,
  // TM.md: DENDRITE.md's on R = 2^ceil(log2 S), so that a region's base is
  // ORed with an offset): segseq 4s, seglru 4R + 2s, used list prev 6R,
  // next 7R, tm.seg 8R, tail 9R, tm.free 10R, sp.boosttable 11R, sp.conn
  // at SM_CONN (16-bit halves, low first; htm3_sp's CONN_BASE, after
  // sp.boosttable and aligned, so the engine ORs its address in). A tm.seg
  // word wider than 16 bits (SEG2) is two parts in a region of 2R after
  // sp.boosttable, aligned to 2R: {owner} at SM_SEG + 2s, {count, valid}
  // at SM_SEG + 2s + 1 (TM.md; sp.conn follows it).
  localparam integer R = 1 << WS;
  localparam SEG2 = SEG_W > 16;
  localparam integer SM_SEG = SEG2 ? (13 * R + BOOST_TABLE_WORDS - 1) / (2 * R) * (2 * R) : 8 * R;
  localparam integer SM_LRU = 4 * R, SM_FREE = 10 * R, SM_BT = 11 * R;
  // a physical part address: 16 bits, or the segment memory's when wider
  localparam integer PA_W = SM_AW > 16 ? SM_AW : 16;
  /* verilator lint_off UNUSEDPARAM */
  localparam integer SM_D = SM_CONN + 2 * C * ((N + 31) / 32);  // the words used: checked under SIM only
  // sp.boost (C words: storage only, the SP engine has boosting off) at
  // the top of the segment memory, clear of the regions above.
  localparam integer SM_BO = (1 << SM_AW) - C - C % 2;  // even: a unit's base
  /* verilator lint_on UNUSEDPARAM */
  localparam integer SYN_AW = $clog2(S * M);
  // cfg/regs EBR (256 x 16): cfg word i at 2i, regs word r at 64 + 4r.
  localparam integer CR_REGS = 64;
  // tm.active, tm.winner: an EBR each, two banks of 2^ACT_AW 16-bit words
  // (the bank is the top address bit), two words a logical word.
  localparam integer NA = (NC + 15) / 16;
  localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1;
  localparam integer CS_AW = $clog2(NC);

`ifdef SIM
  initial if (SM_D > SM_BO) $error("htm3_memmap: the segment memory needs %0d words below sp.boost", SM_D);
  initial if (WCELL > 16 || WM + 1 > 16) $error("htm3_memmap: tm.seg's parts exceed 16 bits");
`endif

  // Physical targets.
  localparam [3:0] T_CR = 4'd0, T_SP = 4'd1, T_SM = 4'd3, T_SYN = 4'd4, T_CS = 4'd5,
                   T_ACT = 4'd6, T_IN = 4'd7, T_OC = 4'd8, T_ZERO = 4'd9, T_WIN = 4'd10, T_PR = 4'd11,
                   T_PH = 4'd12;

  // A unit written keeps each part's bits (sim.Device, arch.Window.SetUnit,
  // likewise): the 16-bit words of tm.seg and tm.free are masked here (wk0,
  // wk1), the other memories are as wide as their words or take the low
  // bits. Units and words come from the low half of hwd (the latch,
  // MEM_DATA_LO); IN_BUF's index from its high half (the bus word).

  // ------------------------------------------------------------ the request
  // The requester holds we, sel, addr and wd from req until ack (the
  // host's registers and the bus word, which the master holds until its
  // own acknowledgement; the CRC's registers),
  // so only its decoding is registered here.
  reg         busy;
  reg         kr;              // the part whose data arrives
  reg         rv;              // a read's data arrives this cycle

  // Decoding of a new request (contract version 4: the window in physical
  // words, docs/ARCHITECTURE.md section 3.4). A memory kept in 16-bit
  // physical words (cfg/regs, the segment memory, tm.active, tm.winner)
  // is addressed in 32-bit units, unit u its physical words 2u (low) and
  // 2u + 1 (high) from its base: the host lays the image's words out
  // (arch.Window), so no memory needs its own shift, part count or split
  // here, only its base. The others are addressed word for word. A unit
  // or a wide word (the SP's, tm.syn, IN_BUF's RAM) is read as two 16-bit
  // parts, high first, and a unit written as two parts, low first.
  reg  [3:0]  d_tgt;
  reg         d_two;                // two parts: a unit, or a wide word read
  reg  [PA_W-1:0] d_pu;             // the unit's (or word's) address
  wire        w2 = !we;             // a wide word: written whole, read as two parts
  // unit bases in the segment memory (sp.boost's is even: SM_BO)
  localparam integer U_CONN = SM_CONN / 2, U_BO = SM_BO / 2, U_BT = SM_BT / 2, U_SEG = SM_SEG / 2,
                     U_LRU = SM_LRU / 2, U_FREE = SM_FREE / 2;
  // sp.boost's and sp.boosttable's bases are aligned to their units for
  // some sizes (small: 8,064 and 5,632), then ORed rather than added
  localparam BO_OR = U_BO % (1 << bitsf((C + 1) / 2 - 1)) == 0, BT_OR = U_BT % 512 == 0;
  always @* begin
    d_tgt = T_ZERO;
    d_two = 1'b1;
    d_pu = PA_W'(addr[15:0]);
    case (sel)
      {1'b0, MEM_CFG}: d_tgt = T_CR;
      // (regs from physical word 64; unit 64 | 32 is htm3_seq's copy of the step count)
      {1'b0, MEM_REGS}: begin d_tgt = T_CR; d_pu = PA_W'(CR_REGS / 2) | PA_W'(addr[6:0]); end
      {1'b0, MEM_SP_POOL}, {1'b0, MEM_SP_POOLLEN}, {1'b0, MEM_SP_DUTY}: begin d_tgt = T_SP; d_two = w2; end
      {1'b0, MEM_SP_CONN}: begin d_tgt = T_SM; d_pu = PA_W'(U_CONN) | PA_W'(addr[PA_W-2:0]); end
      {1'b0, MEM_SP_BOOST}: begin
        d_tgt = T_SM;
        d_pu = BO_OR ? PA_W'(U_BO) | PA_W'(addr[WCI-1:0]) : PA_W'(U_BO) + PA_W'(addr[WCI-1:0]);
      end
      {1'b0, MEM_SP_BOOSTTABLE}: begin
        d_tgt = T_SM;
        d_pu = BT_OR ? PA_W'(U_BT) | PA_W'(addr[8:0]) : PA_W'(U_BT) + PA_W'(addr[8:0]);
      end
      {1'b0, MEM_TM_SEG}: begin d_tgt = T_SM; d_pu = PA_W'(U_SEG) | PA_W'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SEGLRU}: begin d_tgt = T_SM; d_pu = PA_W'(U_LRU) | PA_W'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SEGSEQ}: begin d_tgt = T_SM; d_pu = PA_W'(addr[WS:0]); end
      {1'b0, MEM_TM_FREE}: begin d_tgt = T_SM; d_pu = PA_W'(U_FREE) | PA_W'(addr[WS-1:0]); end
      {1'b0, MEM_TM_SYN}: begin d_tgt = T_SYN; d_two = w2; end
      {1'b0, MEM_TM_CELLSEGS}: begin d_tgt = T_CS; d_two = 1'b0; end
      {1'b0, MEM_TM_ACTIVE}: begin d_tgt = T_ACT; d_pu = (PA_W'(cb) << (ACT_AW - 1)) | PA_W'(addr[ACT_AW-1:0]); end
      {1'b0, MEM_TM_WINNER}: begin d_tgt = T_WIN; d_pu = (PA_W'(cb) << (ACT_AW - 1)) | PA_W'(addr[ACT_AW-1:0]); end
      SEL_IN_BUF: begin d_tgt = T_IN; d_two = w2; end
      SEL_PH: begin d_tgt = T_PH; d_two = w2; end
      SEL_OUT_BUF: begin d_tgt = T_OC; d_two = 1'b0; end
      SEL_PRED_BUF: begin d_tgt = T_PR; d_two = 1'b0; end
      default: d_two = 1'b0;
    endcase
  end

  // The decoding is registered when the request is taken (flip-flops that
  // pack with the decoder's LUTs), so that the memories' address and data
  // paths and the read path see the target, not the selector through the
  // requesters' multiplexer.
  reg  [3:0]  tgt;                          // the physical target
  reg         two;                          // two parts
  reg         none;                         // a read that issues nothing (hi, below)
  reg  [PA_W-1:0] pu;                       // the unit's address
  reg         wr;
  reg  [15:0] wk0, wk1;                     // the bits a unit's parts keep (tm.seg, tm.free: their width)
  // hi on a read (MEM_DATA_HI, the step count's high half): the unit
  // MEM_ADDR | 1 of cfg/regs (a regs word's high half), none (0) of the
  // other memories; a write (MEM_DATA_HI's, which comes with hi) writes the
  // unit MEM_ADDR
  wire        d_cr = d_tgt == T_CR;
  // While an engine owns the shared memories (e_on, sp_on) the part
  // address and data are 0 (pu and the masks cleared, k masked), and
  // htm3_tm, the SP and the sequencer's step count (htm3_accel's e_cr_*)
  // drive their ports 0 while they do not: the segment memory's
  // and cfg/regs' inputs are ORs of the two instead of multiplexers (no
  // request comes while an engine runs).
  // pu is 0 from the request's last cycle (fin) on as well, and kq while
  // no request runs, so that the part address is 0 whenever an engine may
  // drive (also in its first cycle).
  wire        cr_on = e_on || sp_on;  // an engine drives e_cr_*
  wire        fin;                      // the request ends (ack follows)
  localparam [15:0] MSEG = SEG2 ? 16'((17'd1 << WCELL) - 1'b1) : 16'((17'd1 << SEG_W) - 1'b1),
                    MSEG1 = SEG2 ? 16'((17'd1 << (WM + 1)) - 1'b1) : MSEG,
                    MFREE = 16'((17'd1 << WS) - 1'b1);
  always @(posedge clk)
    if (cr_on) begin
      pu <= {PA_W{1'b0}};
      wk0 <= 16'd0;
      wk1 <= 16'd0;
    end else if (busy && fin) pu <= {PA_W{1'b0}};
    else if (req && !busy) begin
      tgt <= d_tgt;
      two <= d_two;
      none <= hi && !we && !d_cr;
      pu <= d_pu | PA_W'(hi && !we && d_cr);  // (a MEM_DATA_HI write: hi too, the unit itself)
      wr <= we;
      wk0 <= (sel == {1'b0, MEM_TM_SEG}) ? MSEG : (sel == {1'b0, MEM_TM_FREE}) ? MFREE : 16'hFFFF;
      wk1 <= (sel == {1'b0, MEM_TM_SEG}) ? MSEG1 : (sel == {1'b0, MEM_TM_FREE}) ? MFREE : 16'hFFFF;
    end
  wire [3:0]  selq = sel[3:0];              // the memory (for the SP's port)
  // The host bounds every window address by its memory's depth (at most
  // 16,384 words here), so the high bits never select anything.
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] addrq = addr;                // (memories not in parts, buffers)
  /* verilator lint_on UNUSEDSIGNAL */
  reg         k;                            // the part being issued
  reg         kd;                           // all parts issued
  wire        issue = busy && !kd;          // part k goes out this cycle
  /* verilator lint_off UNUSEDSIGNAL */
  // Writes go out low part first, reads high part first (each read part
  // shifts into rd from the bottom, so the word ends aligned).
  wire        kq = busy && two && (k ^ !wr);
  wire [PA_W:0] pk = {pu, kq};              // its physical address (the memories take its low bits)
  /* verilator lint_on UNUSEDSIGNAL */
  wire [15:0] wpart = k ? hwd[31:16] & wk1 : hwd[15:0] & wk0;  // its data (16-bit memories)

  // ------------------------------------------------------------- memories
  // The memories the TM shares (htm3_tm's e_* ports while e_on).
  wire        cr_we = issue && wr && tgt == T_CR;
  wire [15:0] cr_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(256), .FILE("cfgregs")) u_cr (
      .clk(clk), .ra(e_cr_ra | pk[7:0]), .rd(cr_rd), .we(e_cr_we | cr_we),
      .wa(e_cr_wa | pk[7:0]), .wd(e_cr_wd | wpart));
  assign e_cr_rd = cr_rd;

  wire        sm_we = issue && wr && tgt == T_SM;
  wire [15:0] sm_rd;
  htm_spram #(.WIDTH(16), .DEPTH(1 << SM_AW), .FILE("segmem")) u_sm (
      .clk(clk), .a(sp_conn_en ? sp_conn_a : e_sm_a | pk[SM_AW-1:0]),
      .we(sp_conn_en ? sp_conn_we : e_sm_we | sm_we),
      .wd(sp_conn_en ? sp_conn_wd : e_sm_wd | wpart), .rd(sm_rd));
  assign e_sm_rd = sm_rd;
  assign sp_conn_rd = sm_rd;

  wire             syn_we = issue && wr && tgt == T_SYN;
  wire [SYN_W-1:0] syn_rd;
  htm_spram #(.WIDTH(SYN_W), .DEPTH(S * M), .FILE("tm.syn")) u_syn (
      .clk(clk), .a(e_on ? e_syn_a : addrq[SYN_AW-1:0]), .we(e_on ? e_syn_we : syn_we),
      .wd(e_on ? e_syn_wd : hwd[SYN_W-1:0]), .rd(syn_rd));
  assign e_syn_rd = syn_rd;

  wire          cs_we = issue && wr && tgt == T_CS;
  wire [WG-1:0] cs_rd;
  htm_ebr #(.WIDTH(WG), .DEPTH(NC), .FILE("tm.cellsegs")) u_cs (
      .clk(clk), .ra(e_on ? e_cs_ra : addrq[CS_AW-1:0]), .rd(cs_rd), .we(e_on ? e_cs_we : cs_we),
      .wa(e_on ? e_cs_wa : addrq[CS_AW-1:0]), .wd(e_on ? e_cs_wd : hwd[WG-1:0]));
  assign e_cs_rd = cs_rd;

  wire        act_we = issue && wr && tgt == T_ACT;
  wire [15:0] act_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW), .FILE("tm.active2")) u_act (
      .clk(clk), .ra(e_on ? e_act_ra : pk[ACT_AW:0]), .rd(act_rd), .we(e_on ? e_act_we : act_we),
      .wa(e_on ? e_act_wa : pk[ACT_AW:0]), .wd(e_on ? e_act_wd : wpart));
  assign e_act_rd = act_rd;

  wire        win_we = issue && wr && tgt == T_WIN;
  wire [15:0] win_rd;
  htm_ebr #(.WIDTH(16), .DEPTH(2 << ACT_AW), .FILE("tm.winner2")) u_win (
      .clk(clk), .ra(e_on ? e_win_ra : pk[ACT_AW:0]), .rd(win_rd), .we(e_on ? e_win_we : win_we),
      .wa(e_on ? e_win_wa : pk[ACT_AW:0]), .wd(e_on ? e_win_wd : wpart));
  assign e_win_rd = win_rd;

  // IN_BUF's RAM (32 bits wide: two EBR) holds, in 256 words for N = 120:
  //   IN_BUF       words 0 .. N - 1
  //   PHASE_CYCLES word IB_PH + phase (htm3_seq's)
  //   IN_COUNT, MEM_SEL, MEM_ADDR as written by the bus: words IB_PH + 12,
  //                14, 15 (htm3_host's, selector SEL_PH)
  //   out.pred     (PRED_BUF) from word IB_PR, PR_N entries a word in
  //                lanes of PR_L bits, least significant first (written by
  //                the column engine a lane at a time: the EBR's bit mask)
  // Writes: the host's IN_BUF and register words while idle, the sequencer's
  // PHASE_CYCLES words when a phase ends, the column engine's out.pred
  // entries while it runs (never in the same cycle: the sequencer writes
  // a phase's count in the cycle it starts the engine or after the TM's
  // done; checked under SIM). Reads: the engines' while eng_busy, else
  // a request's (IN_BUF, PHASE_CYCLES, the registers, PRED_BUF).
  localparam integer PR_L = WCI <= 8 ? 8 : 16;
  localparam integer PR_N = 32 / PR_L;
  localparam integer PR_LB = PR_N == 4 ? 2 : 1;
  localparam integer IB_PH = IN_AW >= 4 ? 1 << IN_AW : 16;  // a multiple of 16: the phase is ORed in
  localparam integer IB_PR = IB_PH + 16;
  localparam integer IB_D = IB_PR + (C + PR_N - 1) / PR_N;  // two EBR while <= 256 (N <= 128, C <= 448)
  localparam integer IB_AW = $clog2(IB_D);
  wire        in_we = issue && wr && (tgt == T_IN || tgt == T_PH);
  wire        pr_we = e_on && e_pr_we;
  wire [31:0] in_rd;
  wire [IB_AW-1:0] pr_ra = IB_AW'(IB_PR) + IB_AW'(addrq[WCI-1:0] >> PR_LB);
  wire [IB_AW-1:0] ib_ra = eng_busy ? IB_AW'(eng_ib_a) : tgt == T_PR ? pr_ra :
                           tgt == T_PH ? IB_AW'(IB_PH) | IB_AW'(addrq[3:0]) : IB_AW'(addrq[IN_AW-1:0]);
  wire [IB_AW-1:0] ib_wa = pr_we ? IB_AW'(IB_PR) + IB_AW'(e_pr_wa >> PR_LB) :
                           ph_we ? IB_AW'(IB_PH) | IB_AW'(ph_wa) :
                           tgt == T_PH ? IB_AW'(IB_PH) | IB_AW'(addrq[3:0]) : IB_AW'(addrq[IN_AW-1:0]);
  wire [31:0] ib_wd = pr_we ? {PR_N{PR_L'(e_pr_wd)}} : ph_we ? ph_wd : hwd[63:32];
  wire [3:0]  pr_be = PR_N == 4 ? 4'b0001 << e_pr_wa[PR_LB-1:0] : 4'b0011 << {e_pr_wa[0], 1'b0};
  wire [3:0]  ib_be = pr_we ? pr_be : {4{in_we || ph_we}};
  (* no_rw_check, ram_style = "block" *) reg [31:0] ib_mem[0:IB_D-1];
  reg [31:0] ib_rd;
  integer ib_i;
  always @(posedge clk) begin
    for (ib_i = 0; ib_i < 4; ib_i = ib_i + 1) if (ib_be[ib_i]) ib_mem[ib_wa][8*ib_i+:8] <= ib_wd[8*ib_i+:8];
    ib_rd <= ib_mem[ib_ra];
`ifdef SIM
    if (ib_be != 4'd0 && ib_wa == ib_ra) ib_rd <= ~ib_mem[ib_ra];  // as htm_ebr: undefined on silicon
    if (pr_we && (in_we || ph_we)) $error("htm3_memmap: out.pred and IN_BUF/PHASE_CYCLES written in one cycle");
    if (e_on && (req || busy)) $error("htm3_memmap: a request while the TM owns the shared memories");
`endif
  end
`ifdef SIM
  initial for (ib_i = 0; ib_i < IB_D; ib_i = ib_i + 1) ib_mem[ib_i] = 32'd0;
`endif
  assign in_rd = ib_rd;
  assign eng_ib_d = in_rd;
  // a PRED_BUF entry: its lane of the word read
  wire [WCI-1:0] pr_rd = WCI'(in_rd >> (PR_L * 32'(addrq[PR_LB-1:0])));

  // The SP engine's port.
  always @* begin
    case (selq)
      MEM_SP_POOL: sp_mr_sel = 2'd0;
      MEM_SP_DUTY: sp_mr_sel = 2'd2;
      default: sp_mr_sel = 2'd3;  // MEM_SP_POOLLEN
    endcase
    sp_mr_a = addrq[AMR-1:0];
    sp_mw_we = issue && wr && tgt == T_SP;
    sp_mw_d = hwd[31:0];
    sp_oc_ra = addrq[WCI-1:0];
  end

  // ------------------------------------------------------------- read data
  // One 16-bit path: the part that arrives (kr was issued), shifted into rd
  // from the bottom. A 32-bit word not in parts gives its high half first
  // (kr 0), then its low half.
  // (an OR of the sources, each ANDed with its target's decode: one LUT
  // for two sources, fewer levels than a multiplexer on the 4-bit target)
  wire        kr0 = !kr;
  wire        t_in = tgt == T_IN || tgt == T_PH;
  wire [31:0] syn32 = 32'(syn_rd);
  wire [15:0] part = ({16{tgt == T_CR}} & cr_rd) | ({16{tgt == T_SM}} & sm_rd) |
                     ({16{tgt == T_ACT}} & act_rd) | ({16{tgt == T_WIN}} & win_rd) |
                     ({16{tgt == T_SP && kr0}} & sp_mr_d[31:16]) | ({16{tgt == T_SP && !kr0}} & sp_mr_d[15:0]) |
                     ({16{tgt == T_SYN && kr0}} & syn32[31:16]) | ({16{tgt == T_SYN && !kr0}} & syn32[15:0]) |
                     ({16{t_in && kr0}} & in_rd[31:16]) | ({16{t_in && !kr0}} & in_rd[15:0]) |
                     ({16{tgt == T_CS}} & 16'(cs_rd)) | ({16{tgt == T_OC}} & 16'(sp_oc_rd)) |
                     ({16{tgt == T_PR}} & 16'(pr_rd));

  always @(posedge clk) begin
    if (req && !busy) rd <= 32'd0;
    else if (rv) rd <= {rd[15:0], part};
  end

  // Done: the last write goes out, or the last read's data arrives (into
  // rd, with ack), or a read that issues nothing.
  assign fin = wr ? !kd && k == two : rv ? kr == two : none;
  always @(posedge clk) begin
    ack <= 1'b0;
    rv <= issue && !wr;
    kr <= k;
    if (req && !busy) begin
      busy <= 1'b1;
      k <= 1'b0;
      kd <= hi && !we && !d_cr;
    end else if (busy) begin
      if (issue) begin
        k <= 1'b1;
        if (k == two) kd <= 1'b1;
      end
      if (fin) begin
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
