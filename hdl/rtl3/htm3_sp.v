// htm3_sp: the spatial pooler of architecture 3 (hdl/rtl3/README.md): a
// sequential engine that touches one memory word per cycle, for small
// FPGAs. A step (start) runs the phases LOAD, SP_OVERLAP, SP_INHIBIT and,
// with learning, SP_LEARN and SP_DUTY of docs/SPEC.md section 5 (global
// inhibition by the overlap histogram; boosting off) on the memories of
// docs/ARCHITECTURE.md section 2: sp.pool in a single-ported SPRAM,
// sp.poollen, sp.duty and the working memories in EBR, and sp.conn, as
// 16-bit halves, in a single-ported memory outside (conn_*: the top maps it
// onto an SPRAM's free words). phase tells which phase runs; the README
// gives each phase's cycles as a formula.
`default_nettype none
module htm3_sp #(
    parameter integer N = 120,  // inputs
    parameter integer C = 256,  // columns
    parameter integer Q = 60,   // pool slots per column
    parameter integer B = 8,    // permanence bits
    // sp.conn's memory: CA address bits; half h of the image's word i
    // (bits 16h .. 16h + 15) at CONN_BASE | 2i + h, so CONN_BASE is a
    // multiple of a power of two >= 2·C·W (checked under SIM)
    parameter integer CA = 14,
    parameter integer CONN_BASE = 0,
    // localparams, as ports need them
    parameter integer WN  = (N > 1) ? $clog2(N) : 1,   // an input index
    parameter integer WNC = $clog2(N + 1),             // an input count
    parameter integer WCI = (C > 1) ? $clog2(C) : 1,   // a column index
    parameter integer WC  = $clog2(C + 1),             // a column count
    parameter integer AMR = $clog2(((Q > W0 ? Q : W0) * C) + 1),  // mr_a: the deepest memory's address
    parameter integer W0  = (N + 31) / 32
) (
    input  wire           clk,
    input  wire           rst,
    // cfg/regs' port while busy (htm3_memmap's 16-bit EBR, a read's word a
    // cycle later): regs word 1, the SP iteration (halves at 68 .. 71, low
    // first), and word 2, minOverlap (its low half at 72), live there, and
    // cfg word i's halves at 2i, 2i + 1 (docs/ARCHITECTURE.md section 2.1;
    // the engine reads its whole configuration there, low halves, and
    // holds no copy but wQ + 1 bits of stimulusThreshold): k (word 3: 6),
    // stimulusThreshold (4: 8), connected, inc, dec, below and trim (6 ..
    // 10: 12 .. 20, their low B bits), minPct (11, Q0.16, at most 65536: 22
    // and bit 16 at 23), dutyCyclePeriod (12, >= 1: 24) and updatePeriod
    // (13, >= 1: 26)
    output reg  [ 6:0]    cr_ra,
    input  wire [15:0]    cr_rd,
    output reg            cr_we,
    output reg  [ 6:0]    cr_wa,
    output reg  [15:0]    cr_wd,
    // a step: the input list (IN_BUF, n_in ascending indices) and learn
    input  wire           start,
    input  wire           learn_i,
    input  wire [WNC-1:0] n_in,
    output wire [WN-1:0]  inbuf_a,
    input  wire [WN-1:0]  inbuf_d,
    output wire           busy,
    output reg  [2:0]     phase,
    // out.cols: n_act active columns, ascending; read port when idle
    output reg  [WC-1:0]  n_act,
    input  wire [WCI-1:0] oc_ra,
    output wire [WCI-1:0] oc_rd,
    // the image memories' read port when idle: mr_sel 0 sp.pool, 2
    // sp.duty, 3 sp.poollen (1, sp.conn, is the top's memory); mr_d is
    // word mr_a a cycle later
    input  wire [1:0]     mr_sel,
    input  wire [AMR-1:0] mr_a,
    output reg  [31:0]    mr_d,
    // and its write port when idle (the host's memory window): word mr_a of
    // memory mr_sel takes mw_d
    input  wire           mw_we,
    input  wire [31:0]    mw_d,
    // sp.conn's single port (one address a cycle, a read's word a cycle
    // later, unspecified after a write), driven while busy; the top owns it
    // when idle
    output wire [CA-1:0]  conn_a,
    output reg            conn_we,
    output wire [15:0]    conn_wd,
    input  wire [15:0]    conn_rd
);
  localparam integer W   = (N + 31) / 32;                 // 32-bit words per input bitmap
  localparam integer H   = 2 * W;                         // 16-bit halves: sp.conn's row, in.bits
  localparam integer WH  = $clog2(H);                     // a half index (H >= 2)
  localparam integer HP2 = ((H & (H - 1)) == 0) ? 1 : 0;  // a row's address is {column, half}
  localparam integer WQ  = $clog2(Q + 1);                 // an overlap, a pool length
  localparam integer PW  = B + WN;                        // sp.pool word
  localparam integer AP  = (C * Q > 1) ? $clog2(C * Q) : 1;
  localparam integer ACH = $clog2(C * H);                 // sp.conn's half address
  localparam integer AQ  = (Q + 1 > 1) ? $clog2(Q + 1) : 1;  // a histogram address
  localparam integer WX  = (WC > WNC) ? WC : WNC;          // cnt
  localparam integer WA  = ((AQ > WCI) ? AQ : WCI) + 1;    // acnt
  localparam [B-1:0] PMAX = {B{1'b1}};

  localparam [2:0] P_IDLE = 3'd0, P_LOAD = 3'd1, P_OVERLAP = 3'd2, P_INHIBIT = 3'd3,
                   P_LEARN = 3'd4, P_DUTY = 3'd5;
  // sub-states
  localparam [3:0] S_CLR = 4'd0,    // LOAD: clear in.bits
                   S_LIST = 4'd1,   // LOAD: set the input bits
                   S_LEND = 4'd2,   // LOAD: last word
                   S_OV = 4'd3,     // SP_OVERLAP
                   S_SCAN = 4'd4,   // SP_INHIBIT: threshold scan
                   S_SEL = 4'd5,    // SP_INHIBIT: selection
                   S_IDX = 4'd6,    // column loop: next list entry
                   S_GET = 4'd7,    // column loop: the column
                   S_CCLR = 4'd8,   // column loop: clear the sp.conn row
                   S_PASS = 4'd9,   // column loop: the pool pass
                   S_DWAIT = 4'd10, // SP_DUTY: reciprocal and update round ready
                   S_DRUN = 4'd11,  // SP_DUTY: duty pass
                   S_DMIN = 4'd12;  // SP_DUTY: minimum duty

  reg [3:0] st;
  reg       learn;
  assign busy = (phase != P_IDLE);

  // ---------------------------------------------------------------- memories
  // sp.pool: perm [0,B), input [B,B+WN)
  reg  [AP-1:0] pool_a;
  reg           pool_we;
  reg  [PW-1:0] pool_wd;
  wire [PW-1:0] pool_rd;
  htm_spram #(.WIDTH(PW), .DEPTH(C * Q), .FILE("sp.pool")) u_pool (
      .clk(clk), .a(pool_a), .we(pool_we), .wd(pool_wd), .rd(pool_rd));

  reg  [WCI-1:0] plen_ra;
  wire           plen_we = !busy && mw_we && mr_sel == 2'd3;
  wire [WQ-1:0]  plen_rd;
  htm_ebr #(.WIDTH(WQ), .DEPTH(C), .FILE("sp.poollen")) u_plen (
      .clk(clk), .ra(plen_ra), .rd(plen_rd), .we(plen_we), .wa(WCI'(mr_a)), .wd(WQ'(mw_d)));

  // sp.duty: a write enable per 16-bit half (the EBR's bit mask), so the
  // duty pass writes each duty cycle as it comes (no register holds the
  // overlap duty cycle for a 32-bit write); htm_ebr's behaviour otherwise
  reg  [WCI-1:0] duty_ra, duty_wa;
  reg  [1:0]     duty_we;       // [0] bits 0-15, [1] bits 16-31
  reg  [31:0]    duty_wd;
  reg  [31:0]    duty_rd;
  (* no_rw_check, ram_style = "block" *) reg [31:0] duty_mem[0:C-1];
`ifdef SIM
  string  duty_dir;
  integer di;
  initial begin
    for (di = 0; di < C; di = di + 1) duty_mem[di] = 32'd0;
    duty_rd = 32'd0;
    if (!$value$plusargs("memdir=%s", duty_dir)) duty_dir = "mem";
    $readmemh({duty_dir, "/sp.duty.hex"}, duty_mem);
  end
`endif
  always @(posedge clk) begin
    if (duty_we[0]) duty_mem[duty_wa][15:0] <= duty_wd[15:0];
    if (duty_we[1]) duty_mem[duty_wa][31:16] <= duty_wd[31:16];
`ifdef SIM
    if (duty_we != 2'b00 && duty_wa == duty_ra) duty_rd <= ~duty_mem[duty_ra];
    else
`endif
    duty_rd <= duty_mem[duty_ra];
  end

  // working memories: in.bits in 16-bit halves, like sp.conn; written
  // through a bit mask (the EBR's MASK: LOAD sets one bit a cycle, no
  // read-modify-write), so not an htm_ebr
  reg  [WH-1:0] inb_ra, inb_wa;
  reg           inb_we;
  reg  [15:0]   inb_wd, inb_wm;
  reg  [15:0]   inb_rd;
  (* no_rw_check, ram_style = "block" *) reg [15:0] inb_mem[0:H-1];
  integer        ib;
  always @(posedge clk) begin
    for (ib = 0; ib < 16; ib = ib + 1) if (inb_we && inb_wm[ib]) inb_mem[inb_wa][ib] <= inb_wd[ib];
    inb_rd <= inb_mem[inb_ra];
  end

  // sp.overlap: overlap [0,WQ), active [WQ], eligible (overlap >=
  // stimulusThreshold, written by SP_OVERLAP for the selection) [WQ+1]
  reg  [WCI-1:0] ov_ra, ov_wa;
  reg            ov_we;
  reg  [WQ+1:0]  ov_wd;
  wire [WQ+1:0]  ov_rd;
  htm_ebr #(.WIDTH(WQ + 2), .DEPTH(C)) u_ov (
      .clk(clk), .ra(ov_ra), .rd(ov_rd), .we(ov_we), .wa(ov_wa), .wd(ov_wd));

  // sp.hist: eligible columns per overlap; zero between steps
  reg  [AQ-1:0] hist_ra, hist_wa;
  reg           hist_we;
  reg  [WC-1:0] hist_wd;
  wire [WC-1:0] hist_rd;
  htm_ebr #(.WIDTH(WC), .DEPTH(Q + 1), .ZERO(1)) u_hist (
      .clk(clk), .ra(hist_ra), .rd(hist_rd), .we(hist_we), .wa(hist_wa), .wd(hist_wd));

  // out.cols (active columns, ascending) and the weak-column list
  reg  [WCI-1:0] oc_ra_e, oc_wa;
  reg            oc_we;
  reg  [WCI-1:0] oc_wd;
  htm_ebr #(.WIDTH(WCI), .DEPTH(C)) u_oc (
      .clk(clk), .ra(busy ? oc_ra_e : oc_ra), .rd(oc_rd), .we(oc_we), .wa(oc_wa), .wd(oc_wd));

  // ------------------------------------------------------- shared registers
  reg [WX-1:0]  cnt;     // LOAD: list index; column loop: list index
  reg [WH-1:0]  wcnt;    // half counter
  reg [WA-1:0]  acnt;    // SP_OVERLAP: column; SP_INHIBIT: histogram, then column; SP_DUTY: column; counts down
  wire          a_end = acnt[WA-1];  // below 0: a column pass is over (C - 1 < 2^(WA-1))
  // the column read a cycle before (acnt counts down a column a cycle in
  // SP_INHIBIT's selection, at a row's last half in SP_OVERLAP), and
  // SP_DUTY's stage-2 column (acnt moves after a column's second issue)
  wire [WCI-1:0] a_c1 = WCI'(acnt + 1'b1);

  // ------------------------------------------------------------------- LOAD
  wire [WN+3:0] xin = {4'd0, inbuf_d};
  wire [WH-1:0] x_w = WH'(xin >> 4);
  assign inbuf_a = WN'(cnt);

  // ------------------------------------------------------------- SP_OVERLAP
  // stage 0 reads sp.conn's half wcnt of column cnt and in.bits' half
  // wcnt; stage 1 counts, stage 2 sums; at a column's last half stage 2
  // writes sp.overlap and reads the histogram counter, stage 3 writes it
  // back. A row has H >= 2 halves, so a counter's write precedes the next
  // column's read: no bypass.
  reg            o_v0, o_v1, o_v2; // pipeline valid: popcount, sum, histogram write
  reg  [WQ-1:0]  thr;             // stimulusThreshold's low bits, then SP_INHIBIT's threshold
  reg            o_first0, o_last0;
  reg  [4:0]     pc1;             // stage 1's popcount
  reg            o_last1;         // the stage-1 half is its column's last
  reg  [WQ-1:0]  o_sum;           // the column's running overlap
  reg            wcnt_first1;     // the stage-1 half is its column's first
  // stage 3 writes the histogram counter at o_sum: the column's overlap,
  // which o_sum holds until the end of that cycle (the next column's first
  // half is then in stage 2)
  wire [15:0]    andw = conn_rd & inb_rd;
  reg  [4:0]     pc;
  integer        b;
  always @* begin
    pc = 5'd0;
    for (b = 0; b < 16; b = b + 1) pc = pc + {4'd0, andw[b]};
  end
  wire [WQ-1:0] o_new = (wcnt_first1 ? {WQ{1'b0}} : o_sum) + WQ'(pc1);
  // overlap >= stimulusThreshold: a WQ-bit compare with its low bits, which
  // thr holds until SP_INHIBIT, and no high bit set (stim_hi); both loaded
  // in the background job's idle cycle 5 (dv_k), before the first column's
  // sum (LOAD and a row take at least H + 2 cycles each, H >= 2)
  reg           stim_hi;
  wire          o_elig = !stim_hi && o_new >= thr;

  // ------------------------------------------------------------- SP_INHIBIT
  reg            i_v1;           // a scan word arrives
  reg  [AQ-1:0]  i_t1;           // its overlap
  reg            found;          // the threshold was found
  // need: k (loaded in the background job's idle cycle 6, with n_act)
  // less the columns above the counters scanned, until the threshold is
  // found; then the ties still to select. n_act: k, or the eligible
  // columns (elig) if the scan's last counter does not find the threshold
  // (elig: eligible columns; 1 in SP_OVERLAP, so that elig_d is the
  // histogram counter's increment: no adder of its own)
  reg  [WC-1:0]  need, elig;
  reg            s_v1;           // a selection word arrives
  wire [WC-1:0]  elig_d = elig + hist_rd;
  wire [WQ-1:0]  s_o = ov_rd[WQ-1:0];
  wire           s_el = ov_rd[WQ+1];  // (SP_OVERLAP's o_elig: no second compare)
  wire           s_tie = found && s_o == thr && need != {WC{1'b0}};
  // one subtractor: a scanned counter (hist_rd) or a tie selected (1); the
  // scan's last counter and the first selected column never meet
  wire [WC:0]    need_d = {1'b0, need} - (i_v1 ? {1'b0, hist_rd} : {{WC{1'b0}}, 1'b1});
  wire           s_sel = s_el && (!found || s_o > thr || s_tie);
  wire           f_now = need_d[WC] || need_d[WC-1:0] == {WC{1'b0}};  // hist_rd >= need

  // ----------------------------------------------------------- column loop
  // Runs over a list (out.cols in SP_LEARN, the weak columns in SP_DUTY):
  // per column, clear its sp.conn row, then the pool pass, from the last
  // synapse down, four cycles a synapse (slot pj, acnt's count, idle in
  // the column loop; cycles po = 0 .. 3),
  // each reading its configuration word in cfg/regs when needed (no
  // copies): read synapse i at t = (slot i, 0) (the word arrives at t + 1,
  // its input stays in pw until t + 5), its input's in.bits half at t + 1;
  // at t + 2 the input's bit picks the increment's or the decrement's
  // address (below's when bumping; p_add keeps which), whose word comes at
  // t + 3 with the synapse's, read again at t + 2 (no permanence copy):
  // the adapted permanence into pn; trim's comes at t + 4 (pn below it:
  // 0), connected's at t + 5 = (slot i - 1, 1), when the synapse is
  // written back and its sp.conn half (read at t + 4) too, with its
  // connected bit ORed in. pn < the word read is one comparator for trim
  // and connected. The pass starts at (slot L, 3), so the first slot's
  // write (pfirst) is not one, and ends at (slot -1, 1); the pool address
  // is col·Q + pj at po = 0, 2 and col·Q + pj + 1 at po = 1, 3: a DSP's
  // product and its adder, the carry-in po[0] (memory ports below).
  reg            bump;           // the pass bumps (SP_DUTY), else adapts
  wire [WQ-1:0]  plen = plen_rd;
  wire [WA-1:0]  pj = acnt;      // the slot (signed: -1, a_end, at the end)
  reg  [1:0]     po;             // the slot's cycle
  reg            pfirst;         // the pass's first slot: no write
  reg  [WN-1:0]  pw;             // the synapse read: its input
  wire [WCI-1:0] lst_rd = bump ? wk_rd : oc_rd;
  // the column and its pool length: the list's and sp.poollen's read
  // words, which hold still from S_CCLR to the next S_IDX (cnt moves at the
  // pass's last cycle, so the list's word changes at S_GET)
  wire [WCI-1:0] col = lst_rd;
  wire [B-1:0]   p_old = pool_rd[B-1:0];  // (t + 3: read again at t + 2)
  wire [WN-1:0]  p_in = pw;
  wire           p_act = inb_rd[p_in[3:0]];
  reg            p_add;          // the synapse adds (bump, or its input active)
  // one adder: old + inc (below), saturating at PMAX, or old - dec =
  // old + ~dec + 1, floored at 0; the sum's carry is the overflow (adding)
  // or no borrow (subtracting). The carry-in rides on a low bit of ones
  // (one chain, no operand inversion); the word is cfg/regs' (t + 3)
  wire [B-1:0]   p_y = p_add ? cr_rd[B-1:0] : ~cr_rd[B-1:0];
  wire [B+1:0]   p_s = {1'b0, p_old, 1'b1} + {1'b0, p_y, !p_add};
  wire [B-1:0]   p_adj = p_add ? (p_s[B+1] ? PMAX : p_s[B:1]) : (p_s[B+1] ? p_s[B:1] : {B{1'b0}});
  // the synapse's permanence: adapted at t + 3, trimmed at t + 4; its
  // input is pw's until the write, t + 5
  reg  [B-1:0]   pn;
  wire           p_lt = pn < cr_rd[B-1:0];  // below trim (t + 4), not connected (t + 5)
  wire [WN-1:0]  q_in = p_in;
  wire [WN+3:0]  q_inx = {4'd0, q_in};
  wire [WH-1:0]  q_w = WH'(q_inx >> 4);
  wire           q_conn = !p_lt;
  // one bit set in a half, shared by LOAD (input inbuf_d: in.bits' write
  // mask) and the pool pass (synapse q's connected bit, ORed into its
  // sp.conn half read the cycle before)
  wire           a_ld = (phase == P_LOAD);
  wire [3:0]     a_i = a_ld ? inbuf_d[3:0] : q_in[3:0];
  wire [15:0]    a_bit = 16'd1 << a_i;  // (the pass writes only connected synapses' halves)
`ifdef SIM
  integer nconn;  // connected synapses of the column (raise check)
  reg [15:0] stim_sim;  // stimulusThreshold, for that check
`endif

  // ---------------------------------------------------------------- SP_DUTY
  // floor(n/p) = (n·m) >> 32 for n < 2^16, with p = min(iteration,
  // dutyCyclePeriod) (wrapped: dutyCyclePeriod) >= 2 and m =
  // floor((2^32 + p)/p) < 2^32: ceil(2^32/p) unless p is a power of two
  // (m·p - 2^32 = e < p, so n·e < 2^32: Granlund and Montgomery 1994,
  // theorem 4.2, with a fixed shift), 2^32/p + 1 when p = 2^j, j <= 15
  // (n·m/2^32 = n/p + n/2^32 and n/2^32 < 1/p). Two 16 x 16 products,
  // n·m_hi and n·m_lo, and no shift. p = 1 (m = 2^32 + 1) makes the new
  // duty cycle v.
  //
  // The background job, from LOAD's first cycle (dv_k counts each pass):
  // the iteration is not copied: DV_SCAN reads regs word 1's halves
  // (cfg/regs, low first) into x2 and writes each back plus the carry in
  // its cycles 2 .. 5 (SP_DUTY's adder, dn, with the quotient 0: the job
  // has just cleared the divider; cy: the carry, the adder's carry-out,
  // and at the end the wrap of all ones to 0), then waits out its 64
  // cycles; DV_INC reads
  // iteration + 1 back, a half per 16 cycles from the top, and feeds its
  // bits (the RAM's output, a 16:1 pick), most significant first, to the bit-serial divider
  // (iteration mod updatePeriod, which DV_SCAN read into per in its idle
  // cycles), noting whether a bit above the low 16 is set (hnz); DV_TURN
  // (19 cycles, dv_k 15 .. 33) loads the low half of iteration + 1 into
  // per, reads dutyCyclePeriod and compares it with per a bit a cycle,
  // most significant first (dv_k 16 .. 31, on the two 16:1 picks DV_INC
  // and DV_RECIP use: no 16-bit comparator), then loads p (the update-round
  // flag from the remainder); DV_RECIP
  // feeds the 33 bits of 2^32 + p, m comes a cycle after its last
  // (DV_WAIT, DV_DONE). Each divider input bit is registered on its way
  // (the divider runs a cycle behind dv_job, so per changes under its last
  // step of iteration mod updatePeriod, not before). The job stops when
  // the engine is idle (a step without learning ends before DV_TURN, whose
  // cfg reads are the engine's only while it is busy).
  localparam [2:0] DV_IDLE = 3'd0, DV_SCAN = 3'd1, DV_INC = 3'd2, DV_TURN = 3'd3,
                   DV_RECIP = 3'd4, DV_WAIT = 3'd5, DV_DONE = 3'd6;
  reg  [2:0]   dv_job;
  reg  [5:0]   dv_k;            // the bit, counted from the top
  reg          cy;              // the increment's carry: iteration + 1 wrapped to 0 after DV_SCAN
  reg          hnz;             // iteration + 1 >= 2^16
  reg          it_done;         // regs word 1 holds iteration + 1 (DV_INC done)
  wire         dv_port = dv_job == DV_SCAN || dv_job == DV_INC || dv_job == DV_TURN;  // the job reads cfg/regs
  wire         i_new = cr_rd[~dv_k[3:0]];  // iteration + 1's bit 63 - dv_k (DV_INC)
  wire [1:0]   dv_kh = dv_k[5:4] + 2'(dv_k[3:0] == 4'hF);  // the quarter of dv_k + 1
  // minOverlap is cfg/regs' output whenever the job does not read the
  // iteration (it is done before SP_DUTY's pass, which compares with it)
  wire [15:0]  minov = cr_rd;
  // DV_RECIP's bits, dv_k from 63 (-1) to 31: 1 at 63, 0 at 0 .. 15, p's
  // bits 15 .. 0 at 16 .. 31
  wire         pb = per[~dv_k[3:0]];  // per's bit 15 - dv_k[3:0] (DV_TURN's compare, DV_RECIP)
  reg          cmp_d, cmp_lt;  // DV_TURN: a bit differed; at the first, per's was 0 (per < dutyCyclePeriod)
  wire         dv_xr = (dv_k == 6'd63) || (dv_k[5:4] == 2'b01 && pb);
  wire         dv_x = (dv_job == DV_RECIP) ? dv_xr : i_new;
  wire [15:0]  dv_r;
  // the quotient's low 17 bits: {p = 1, m_hi} after 17 of DV_RECIP's
  // bits (m_ld takes them), m_lo at the end; 0 in DV_SCAN (cleared)
  wire [16:0]  dv_q;
  reg          dv_xq, dv_run;  // the bit, a cycle later
  always @(posedge clk) begin
    dv_xq <= dv_x;
    dv_run <= (dv_job == DV_INC || dv_job == DV_RECIP);
  end
  htm3_divser #(.WD(16), .WQ(17)) u_div (
      .clk(clk), .clr(dv_job == DV_SCAN || (dv_job == DV_TURN && dv_k[5])), .run(dv_run),
      .x(dv_xq), .d(per), .r(dv_r), .q(dv_q));
  reg          dv_ready, upd;
  reg  [15:0]  per;             // updatePeriod (DV_SCAN .. DV_TURN's first cycle), then p
  // m's high half and p = 1 are taken from the quotient when its top 17
  // bits are in (DV_RECIP's dv_k 17: its 17th bit went in at 16), and 0 in
  // DV_SCAN (the divider is cleared from cycle 1 on); under ICE40 m's high
  // half is u_quot's B register (no flip-flops in the fabric). m's low half
  // straight from the quotient, which holds it from DV_DONE until the next
  // step's DV_SCAN clears it (no copy).
  wire         m_ld = (dv_job == DV_SCAN) || (dv_job == DV_RECIP && dv_k == 6'd17);
  reg          p1;              // p = 1
  always @(posedge clk) if (m_ld) p1 <= dv_q[16];
  wire [15:0]  mlo = dv_q[15:0];  // m's low half (from DV_DONE)

  // the pipeline, two cycles a column (its overlap duty cycle, then its
  // active duty cycle, on the same two multipliers): stage 0 reads column
  // acnt, stage 1 multiplies, stage 2 adds the products and computes the
  // new duty cycle, written at once (overlap: bits 0-15, active: 16-31)
  // with the active duty.
  reg            dh;            // the duty cycle issued: 0 overlap, 1 active
  reg            d_v1, d_v2, d_h1, d_h2;
  // stage 2's column is a_c1: acnt moves after a column's second issue, so
  // in both of its stage-2 cycles acnt is one below it (-1 after column 0)
  wire [WCI-1:0] d_c2 = a_c1;
  // x2: the duty cycle x for v = 1, x - 1 (n) for v = 0, and DV_SCAN's
  // iteration half: loaded every cycle (used a cycle later in S_DRUN and
  // DV_SCAN only); under ICE40 u_quot's C register, so no flip-flops and
  // one LUT a bit in the fabric. z2: x = 0 with v = 0 (any with v = 1).
  wire [15:0]    x2_d = (dv_job == DV_SCAN) ? cr_rd : n1 ^ {16{v1}};
  reg            z2;
  reg            v2;            // its v (0xFFFF or 0)
  reg  [15:0]    n2;            // n (behavioural; on the iCE40 the DSP's input register)
  // n·m_lo: the whole product, so the DSP's output register takes it (keep:
  // Yosys 0.23 otherwise folds this register into the second DSP's D
  // register and loses the product)
  /* verilator lint_off UNUSEDSIGNAL */  // the high half only
  (* keep *) reg [31:0] pl2;
  /* verilator lint_on UNUSEDSIGNAL */
  // the running maximum of the overlap duty cycles: each column's is
  // taken when above it, and the first column's always (mx_first: no
  // clear); under ICE40 in u_max's C register and u_minov's B register
  // (no flip-flops in the fabric), read out through u_max's adder in
  // S_DMIN, where dn is 0
  reg            mx_first;
  wire           mx_ld;
  wire [15:0]    maxod;
  reg  [WC-1:0]  nweak;
  wire [15:0]    x1 = d_h1 ? duty_rd[31:16] : duty_rd[15:0];
  wire           v1 = d_h1 ? ov_rd[WQ] : ov_rd[WQ-1:0] != {WQ{1'b0}};
  // n = v ? ~x : x - 1 = (x ^ v) + (v ? 0 : -1): one LUT a bit for x ^ v
  // (with the half's pick) and one adder with no operand logic; its carry
  // out is x != 0 for v = 0 (x + 0xFFFF), so z2 needs no zero test of x
  wire [15:0]    xv1 = x1 ^ {16{v1}};
  wire [15:0]    n1;
  wire           n1_co;
  assign {n1_co, n1} = {1'b0, xv1} + {1'b0, {16{!v1}}};
  wire [15:0]    dn;             // stage 2's new duty cycle (below)
  // the multipliers: n·m_lo, n·m_hi, and max·minPct (a DSP of its own:
  // cheaper than the two 16-bit multiplexers that shared n·m_lo's)
  /* verilator lint_off UNUSEDSIGNAL */  // these products need their high half only
  wire [31:0]    mul_o = n1 * mlo;
  /* verilator lint_on UNUSEDSIGNAL */
  // q = ⌊n/p⌋, the high half of n·m_hi + ⌊n·m_lo / 2^16⌋, and the new
  // duty cycle x + q (v = 1) or x - q - 1 = n - q (v = 0), x2 - q, in the
  // same DSP: no adder in the fabric. DV_SCAN adds the carry (cy) to the
  // iteration's half in x2 here, q being 0 then (m = 0 and n·m_lo's
  // register 0, v2 = 1); dn_co is the carry out.
  wire           dn_ci = (dv_job == DV_SCAN) && cy;
  wire [15:0]    dsum;
  wire           dn_co;
`ifdef ICE40
  // One SB_MAC16 (its multiplier, its 32-bit adder and the output XOR of
  // its top half's subtract mode; yosys's cells_sim.v semantics): n in the
  // input register A, n·m_hi + {0, n·m_lo's high half} + x2·2^16; for v =
  // 0 the top half runs in subtract mode, ~(q + ~x2) = x2 - q. The bottom
  // half's carry reaches the top through ADDSUBBOT's XOR: in DV_SCAN
  // ADDSUBBOT = cy makes the bottom half all ones with no carry (its
  // operands are 0), so the top's carry-in is cy.
  /* verilator lint_off UNUSEDSIGNAL */  // the top half only: Yosys 0.23's ice40_dsp rewrites an SB_MAC16 whose low half is used as a plain multiplier
  wire [31:0]    s2;
  /* verilator lint_on UNUSEDSIGNAL */
  SB_MAC16 #(
      .NEG_TRIGGER(1'b0), .C_REG(1'b1), .A_REG(1'b1), .B_REG(1'b1), .D_REG(1'b0),
      .TOP_8x8_MULT_REG(1'b0), .BOT_8x8_MULT_REG(1'b0),
      .PIPELINE_16x16_MULT_REG1(1'b0), .PIPELINE_16x16_MULT_REG2(1'b0),
      .TOPOUTPUT_SELECT(2'b00), .TOPADDSUB_LOWERINPUT(2'b10), .TOPADDSUB_UPPERINPUT(1'b1),
      .TOPADDSUB_CARRYSELECT(2'b11),
      .BOTOUTPUT_SELECT(2'b00), .BOTADDSUB_LOWERINPUT(2'b10), .BOTADDSUB_UPPERINPUT(1'b1),
      .BOTADDSUB_CARRYSELECT(2'b00),
      .MODE_8x8(1'b0), .A_SIGNED(1'b0), .B_SIGNED(1'b0)
  ) u_quot (
      .CLK(clk), .CE(1'b1), .A(n1), .B(dv_q[15:0]), .C(x2_d), .D(pl2[31:16]),
      .AHOLD(1'b0), .BHOLD(!m_ld), .CHOLD(1'b0), .DHOLD(1'b0),
      .IRSTTOP(1'b0), .IRSTBOT(1'b0), .ORSTTOP(1'b0), .ORSTBOT(1'b0),
      .OLOADTOP(1'b0), .OLOADBOT(1'b0), .ADDSUBTOP(!v2), .ADDSUBBOT(dn_ci),
      .OHOLDTOP(1'b0), .OHOLDBOT(1'b0), .CI(1'b0), .ACCUMCI(1'b0), .SIGNEXTIN(1'b0),
      .O(s2), .CO(dn_co), .ACCUMCO(), .SIGNEXTOUT());
  assign dsum = s2[31:16];
`else
  reg  [15:0]    x2;  // (on the iCE40 the DSP's C register)
  always @(posedge clk) x2 <= x2_d;
  reg  [15:0]    mhi;  // m's high half (on the iCE40 the DSP's B register)
  always @(posedge clk) if (m_ld) mhi <= dv_q[15:0];
`ifdef SIM
  always @(posedge clk)
    if (dv_job == DV_DONE && (p1 != (per == 16'd1) || (per != 16'd1 && mhi > 16'h8000)))
      $error("htm3_sp: reciprocal {%0d, %0d} of period %0d is not in (2^16, 2^31 + 1] or 2^32 + 1 for 1", mhi, mlo, per);
`endif
  /* verilator lint_off UNUSEDSIGNAL */  // the quotient is the sum's high half
  wire [31:0]    s2 = n2 * mhi + {16'd0, pl2[31:16]};
  /* verilator lint_on UNUSEDSIGNAL */
  wire [16:0]    ds = v2 ? {1'b0, x2} + {1'b0, s2[31:16]} + 17'(dn_ci) : {1'b0, x2 - s2[31:16]};
  assign dsum = ds[15:0];
  assign dn_co = ds[16];
`endif
  // x + q, or n - q (0 when x is 0, n all ones); p = 1: v; 0 in S_DMIN
  // (the maximum's read-out)
  assign dn = (st == S_DMIN) ? 16'd0 : (p1 || (!v2 && z2)) ? {16{v2}} : dsum;
  // minPct ≤ 1.0: with bit 16 set (m16) the rest is 0 and the product is max itself
  reg            m16;
  // max·minPct (cr_rd: minPct's low half in S_DMIN), and the weak
  // column's compare, dn < minOverlap (cr_rd in the duty pass): under
  // ICE40 one SB_MAC16, its product's high half out (the operands swapped:
  // minPct in A) and its top adder, minOverlap + ~dn, unused but for its
  // carry (CO: its complement, dn >= minOverlap), so no comparator in the
  // fabric
  wire [15:0]    mul_mh;
  wire           d_ge;
`ifdef ICE40
  /* verilator lint_off UNUSEDSIGNAL */  // the top half only (as s2's DSP)
  wire [31:0]    mm_o;
  /* verilator lint_on UNUSEDSIGNAL */
  SB_MAC16 #(
      .NEG_TRIGGER(1'b0), .C_REG(1'b0), .A_REG(1'b0), .B_REG(1'b1), .D_REG(1'b0),
      .TOP_8x8_MULT_REG(1'b0), .BOT_8x8_MULT_REG(1'b0),
      .PIPELINE_16x16_MULT_REG1(1'b0), .PIPELINE_16x16_MULT_REG2(1'b0),
      .TOPOUTPUT_SELECT(2'b11), .TOPADDSUB_LOWERINPUT(2'b00), .TOPADDSUB_UPPERINPUT(1'b1),
      .TOPADDSUB_CARRYSELECT(2'b00),
      .BOTOUTPUT_SELECT(2'b11), .BOTADDSUB_LOWERINPUT(2'b00), .BOTADDSUB_UPPERINPUT(1'b1),
      .BOTADDSUB_CARRYSELECT(2'b00),
      .MODE_8x8(1'b0), .A_SIGNED(1'b0), .B_SIGNED(1'b0)
  ) u_minov (
      .CLK(clk), .CE(1'b1), .A(cr_rd), .B(dn), .C(dn), .D(16'd0),
      .AHOLD(1'b0), .BHOLD(!mx_ld), .CHOLD(1'b0), .DHOLD(1'b0),
      .IRSTTOP(1'b0), .IRSTBOT(1'b0), .ORSTTOP(1'b0), .ORSTBOT(1'b0),
      .OLOADTOP(1'b0), .OLOADBOT(1'b0), .ADDSUBTOP(1'b1), .ADDSUBBOT(1'b0),
      .OHOLDTOP(1'b0), .OHOLDBOT(1'b0), .CI(1'b0), .ACCUMCI(1'b0), .SIGNEXTIN(1'b0),
      .O(mm_o), .CO(d_ge), .ACCUMCO(), .SIGNEXTOUT());
  assign mul_mh = mm_o[31:16];
`else
  /* verilator lint_off UNUSEDSIGNAL */  // the high half only
  wire [31:0]    mul_m = maxod * cr_rd;
  /* verilator lint_on UNUSEDSIGNAL */
  assign mul_mh = mul_m[31:16];
  assign d_ge = dn >= minov;
`endif
  // the running maximum's compare, dn > maxod: under ICE40 a DSP's top
  // adder, maxod - dn (maxod its C register), whose carry (CO: dn <=
  // maxod) is the compare, as the weak test's, and whose difference is
  // maxod itself in S_DMIN (dn 0); no comparator in the fabric
  wire           d_gt;
`ifdef ICE40
  /* verilator lint_off UNUSEDSIGNAL */  // the top half only (as s2's DSP)
  wire [31:0]    mx_o;
  /* verilator lint_on UNUSEDSIGNAL */
  wire           mx_le;
  SB_MAC16 #(
      .NEG_TRIGGER(1'b0), .C_REG(1'b1), .A_REG(1'b0), .B_REG(1'b0), .D_REG(1'b0),
      .TOP_8x8_MULT_REG(1'b0), .BOT_8x8_MULT_REG(1'b0),
      .PIPELINE_16x16_MULT_REG1(1'b0), .PIPELINE_16x16_MULT_REG2(1'b0),
      .TOPOUTPUT_SELECT(2'b00), .TOPADDSUB_LOWERINPUT(2'b00), .TOPADDSUB_UPPERINPUT(1'b1),
      .TOPADDSUB_CARRYSELECT(2'b00),
      .BOTOUTPUT_SELECT(2'b00), .BOTADDSUB_LOWERINPUT(2'b00), .BOTADDSUB_UPPERINPUT(1'b1),
      .BOTADDSUB_CARRYSELECT(2'b00),
      .MODE_8x8(1'b1), .A_SIGNED(1'b0), .B_SIGNED(1'b0)
  ) u_max (
      .CLK(clk), .CE(1'b1), .A(dn), .B(16'd0), .C(dn), .D(16'd0),
      .AHOLD(1'b0), .BHOLD(1'b0), .CHOLD(!mx_ld), .DHOLD(1'b0),
      .IRSTTOP(1'b0), .IRSTBOT(1'b0), .ORSTTOP(1'b0), .ORSTBOT(1'b0),
      .OLOADTOP(1'b0), .OLOADBOT(1'b0), .ADDSUBTOP(1'b1), .ADDSUBBOT(1'b0),
      .OHOLDTOP(1'b0), .OHOLDBOT(1'b0), .CI(1'b0), .ACCUMCI(1'b0), .SIGNEXTIN(1'b0),
      .O(mx_o), .CO(mx_le), .ACCUMCO(), .SIGNEXTOUT());
  assign d_gt = !mx_le;
  assign maxod = mx_o[31:16];  // (S_DMIN only)
`else
  reg  [15:0]    mx_q;
  always @(posedge clk) if (mx_ld) mx_q <= dn;
  assign maxod = mx_q;
  assign d_gt = dn > maxod;
`endif
  assign mx_ld = d_v2 && !d_h2 && (d_gt || mx_first);
  // (minOverlap is > 0 when this holds: no test of its own)
  wire           weak2 = d_v2 && !d_h2 && !d_ge;
  wire [15:0]    minov_n = m16 ? maxod : mul_mh;

  reg  [WCI-1:0] wk_ra, wk_wa;
  reg            wk_we;
  wire [WCI-1:0] wk_rd;
  htm_ebr #(.WIDTH(WCI), .DEPTH(C)) u_weak (
      .clk(clk), .ra(wk_ra), .rd(wk_rd), .we(wk_we), .wa(wk_wa), .wd(d_c2));


  // cfg/regs: DV_SCAN reads half dv_k (0 .. 3) and writes half dv_k - 1
  // in cycles 1 .. 4, reads stimulusThreshold in cycle 4 and k in 5 (their
  // words taken in 5 and 6), updatePeriod in cycles 8 .. 62 and half 3 in
  // its last (DV_INC's first bit);
  // DV_INC reads the half of bit 63 - (dv_k + 1) (the low half in its
  // last cycle, for DV_TURN); DV_TURN dutyCyclePeriod (dv_k 15 .. 31); after
  // SP_DUTY's pass (from its last cycle, d_end) minPct's high half, and
  // its low half in the column loop's S_IDX (the cycle before S_DMIN);
  // the pool pass its synapses' words (above: t + 2 .. t + 4; SP_LEARN
  // starts no pass before the job leaves the port, DV_RECIP);
  // otherwise minOverlap, written by SP_DUTY's end
  wire           d_end = a_end && !d_v1 && !d_v2;
  always @* begin
    cr_ra = 7'd72;
    if (dv_job == DV_SCAN)
      cr_ra = (dv_k[5:3] != 3'd0 && dv_k != 6'd63) ? 7'd26 : (dv_k[5:2] == 4'b0001) ? (dv_k[0] ? 7'd6 : 7'd8) :
              {5'b10001, dv_k[2] ? 2'd3 : dv_k[1:0]};
    else if (dv_job == DV_INC) cr_ra = {5'b10001, (dv_k == 6'd63) ? 2'd0 : ~dv_kh};
    else if (dv_job == DV_TURN && !dv_k[5]) cr_ra = 7'd24;
    else if (st == S_PASS && po != 2'd1)  // inc, dec or below; trim; connected
      cr_ra = (po == 2'd2) ? (bump ? 7'd18 : p_act ? 7'd14 : 7'd16) : (po == 2'd3) ? 7'd20 : 7'd12;
    else if (phase == P_DUTY && st != S_DWAIT && (st != S_DRUN || d_end)) cr_ra = (st == S_IDX) ? 7'd22 : 7'd23;
    cr_we = busy && ((dv_job == DV_SCAN && dv_k[5:3] == 3'd0 && dv_k[2] != dv_k[1]) ||  // dv_k 2 .. 5
                     (st == S_DMIN && upd));
    cr_wa = (st == S_DMIN) ? 7'd72 : {5'b10001, dv_k[1:0] - 2'd2};
    // 0 when idle, so that the port's user may OR the engines' addresses
    cr_ra = cr_ra & {7{busy}};
    cr_wa = cr_wa & {7{busy}};
    cr_wd = {16{busy}} & ((st == S_DMIN) ? minov_n : dn);  // (0 when idle: ORed with the TM's)
  end

  // ------------------------------------------------------------ memory ports
  wire           p_wr = po == 2'd1 && !pfirst;  // the pass writes synapse pj + 1
  // the pool address, busy: col·Q + pj (+ 1 at po = 1, 3: the write of
  // pj + 1); idle: mr_a (the product is 0). Under ICE40, when a column
  // index and Q fit 8 bits, one SB_MAC16 (yosys's cells_sim.v semantics):
  // its top 8 x 8 product, col·Q, plus C (pj or mr_a) in its top adder,
  // whose carry-in is ADDSUBBOT's XOR on a bottom half of zeros (no
  // carry); so no adder, no base register and no idle multiplexer in the
  // fabric. (Its top half: Yosys 0.23's ice40_dsp rewrites an instantiated
  // SB_MAC16 whose low output half is used as a plain multiplier.)
  wire [15:0]    pa_d = busy ? 16'($signed(pj)) : 16'(mr_a);
  wire           pa_ci = busy && po[0];
  wire [AP-1:0]  pool_ad;
  generate
    if (WCI <= 8 && Q < 256 && AP <= 16) begin : g_pa_dsp
`ifdef ICE40
      /* verilator lint_off UNUSEDSIGNAL */  // the top half only (as s2's DSP)
      wire [31:0] pa_o;
      /* verilator lint_on UNUSEDSIGNAL */
      SB_MAC16 #(
          .NEG_TRIGGER(1'b0), .C_REG(1'b0), .A_REG(1'b0), .B_REG(1'b0), .D_REG(1'b0),
          .TOP_8x8_MULT_REG(1'b0), .BOT_8x8_MULT_REG(1'b0),
          .PIPELINE_16x16_MULT_REG1(1'b0), .PIPELINE_16x16_MULT_REG2(1'b0),
          .TOPOUTPUT_SELECT(2'b00), .TOPADDSUB_LOWERINPUT(2'b01), .TOPADDSUB_UPPERINPUT(1'b1),
          .TOPADDSUB_CARRYSELECT(2'b11),
          .BOTOUTPUT_SELECT(2'b00), .BOTADDSUB_LOWERINPUT(2'b01), .BOTADDSUB_UPPERINPUT(1'b1),
          .BOTADDSUB_CARRYSELECT(2'b00),
          .MODE_8x8(1'b1), .A_SIGNED(1'b0), .B_SIGNED(1'b0)
      ) u_pa (
          .CLK(clk), .CE(1'b1), .A({8'(lst_rd), 8'd0}), .B({8'(Q) & {8{busy}}, 8'd0}), .C(pa_d), .D(16'd0),
          .AHOLD(1'b0), .BHOLD(1'b0), .CHOLD(1'b0), .DHOLD(1'b0),
          .IRSTTOP(1'b0), .IRSTBOT(1'b0), .ORSTTOP(1'b0), .ORSTBOT(1'b0),
          .OLOADTOP(1'b0), .OLOADBOT(1'b0), .ADDSUBTOP(1'b0), .ADDSUBBOT(pa_ci),
          .OHOLDTOP(1'b0), .OHOLDBOT(1'b0), .CI(1'b0), .ACCUMCI(1'b0), .SIGNEXTIN(1'b0),
          .O(pa_o), .CO(), .ACCUMCO(), .SIGNEXTOUT());
      assign pool_ad = pa_o[16+AP-1:16];
`else
      /* verilator lint_off UNUSEDSIGNAL */  // the low AP bits only
      wire [15:0] pa_s = 16'(lst_rd) * (16'(Q) & {16{busy}}) + pa_d + 16'(pa_ci);
      /* verilator lint_on UNUSEDSIGNAL */
      assign pool_ad = pa_s[AP-1:0];
`endif
    end else begin : g_pa_fabric
      /* verilator lint_off UNUSEDSIGNAL */  // the low AP bits only
      wire [AP-1:0] pa_s = busy ? AP'(lst_rd) * AP'(Q) + AP'($signed(pj)) + AP'(pa_ci) : AP'(mr_a);
      /* verilator lint_on UNUSEDSIGNAL */
      assign pool_ad = pa_s;
    end
  endgenerate
  // sp.conn: half wcnt of column acnt (SP_OVERLAP), of col (the row's
  // clear), synapse q's half of col (the pass: read at t + 4, written at
  // t + 5)
  wire           c_ov = (phase == P_OVERLAP);
  wire [WCI-1:0] c_col = c_ov ? WCI'(acnt) : col;
  wire [WH-1:0]  c_idx = (c_ov || st == S_CCLR) ? wcnt : q_w;
  wire [ACH-1:0] c_half;
  generate
    if (HP2 != 0) begin : g_cat
      assign c_half = ACH'({c_col, c_idx});
    end else begin : g_mul
      assign c_half = ACH'(c_col) * ACH'(H) + ACH'(c_idx);
    end
  endgenerate
  // 0 when idle (conn_we too), so that the memory's user may OR the
  // engines' inputs
  assign conn_a = (CA'(CONN_BASE) | CA'(c_half)) & {CA{busy}};
  assign conn_wd = (st == S_CCLR || !busy) ? 16'd0 : conn_rd | a_bit;
  always @* begin
    pool_a = pool_ad;
    pool_we = (st == S_PASS) && p_wr;
    pool_wd = {p_in, pn};
    plen_ra = lst_rd;
    conn_we = 1'b0;
    inb_ra = (phase == P_OVERLAP) ? wcnt : WH'({4'd0, pool_rd[PW-1:B]} >> 4);
    inb_we = 1'b0;
    inb_wa = wcnt;
    inb_wd = {16{st != S_CLR}};  // zero while in.bits is cleared
    inb_wm = (st == S_CLR) ? 16'hFFFF : a_bit;
    ov_ra = WCI'(acnt);
    ov_we = 1'b0;
    ov_wa = a_c1;
    ov_wd = {o_elig, 1'b0, o_new};
    hist_ra = (phase == P_OVERLAP) ? AQ'(o_new) : AQ'(acnt);
    hist_we = 1'b0;
    hist_wa = AQ'(o_sum);
    hist_wd = elig_d;  // hist_rd + 1 (elig is 1)
    oc_ra_e = WCI'(cnt);
    oc_we = 1'b0;
    oc_wa = WCI'(n_act - WC'(cnt) - 1'b1);  // (cnt: the columns selected)
    oc_wd = a_c1;
    wk_ra = WCI'(cnt);
    wk_we = weak2;
    wk_wa = WCI'(nweak);
    duty_ra = WCI'(acnt);
    duty_we = {d_v2 && d_h2, d_v2 && !d_h2};
    duty_wa = d_c2;
    duty_wd = {dn, dn};
    if (!busy) begin
      pool_we = 1'b0;
      duty_ra = WCI'(mr_a);
      plen_ra = WCI'(mr_a);
    end
    case (st)
      S_CLR: inb_we = 1'b1;
      S_LIST: begin  // entry cnt - 1 arrives: set its bit
        inb_we = cnt != 0;
        inb_wa = x_w;
      end
      S_OV: begin
        ov_we = o_v1 && o_last1;
        hist_we = o_v2;
      end
      S_SCAN, S_SEL: begin
        hist_we = i_v1;
        hist_wa = i_t1;
        hist_wd = {WC{1'b0}};
        ov_we = s_v1;
        ov_wd = {o_elig, s_sel, s_o};  // (the eligible bit is not read again)
        oc_we = s_v1 && s_sel;
      end
      S_CCLR: conn_we = 1'b1;
      // synapse pj + 1's half, read the cycle before, if the synapse is
      // connected (else the half stays as it is: no write, and no enable
      // in the write data's bit)
      S_PASS: conn_we = p_wr && q_conn;
      default: ;
    endcase
    // the host's window writes, when idle
    if (!busy) begin
      pool_we = mw_we && mr_sel == 2'd0;
      pool_wd = PW'(mw_d);
      conn_we = 1'b0;
      duty_we = {2{mw_we && mr_sel == 2'd2}};
      duty_wa = WCI'(mr_a);
      duty_wd = mw_d;
    end
  end

  always @(posedge clk)
    if (st == S_PASS) begin
      if (po == 2'd2) p_add <= bump || p_act;
      if (po == 2'd3) pn <= p_adj;
      else if (po == 2'd0 && p_lt) pn <= {B{1'b0}};  // trim
    end

  reg [1:0] mr_selq;
  always @(posedge clk) mr_selq <= mr_sel;
  always @* begin
    case (mr_selq)
      2'd0: mr_d = 32'(pool_rd);
      2'd2: mr_d = duty_rd;
      default: mr_d = 32'(plen_rd);
    endcase
  end

  // ------------------------------------------------------------- the engine
  always @(posedge clk) begin
    if (rst) begin
      phase <= P_IDLE;
      st <= S_CLR;
      dv_job <= DV_IDLE;
      dv_ready <= 1'b0;
      n_act <= {WC{1'b0}};
    end else begin
      // the background job: iteration + 1, iteration mod updatePeriod, m
      case (dv_job)
        DV_SCAN: begin
          // the iteration's halves into x2 (cycles 1 .. 4), written back
          // plus cy in 2 .. 5; the divider is cleared from cycle 1 on, so
          // n·m_lo's register is 0 from cycle 2 on, and q (v2 = 1)
          v2 <= 1'b1;
          if (dv_k >= 6'd2 && dv_k <= 6'd5) cy <= dn_co;
          if (dv_k == 6'd5) begin  // stimulusThreshold
            thr <= WQ'(cr_rd);
            stim_hi <= (cr_rd >> WQ) != 16'd0;
`ifdef SIM
            stim_sim <= cr_rd;
`endif
          end
          if (dv_k == 6'd6) begin  // k
            need <= WC'(cr_rd);
            n_act <= WC'(cr_rd);
          end
          dv_k <= dv_k + 6'd1;
          if (dv_k == 6'd63) begin
            dv_job <= DV_INC;
            per <= cr_rd;  // updatePeriod
          end
        end
        DV_INC: begin
          if (i_new && dv_k[5:4] != 2'b11) hnz <= 1'b1;
          dv_k <= dv_k + 6'd1;
          if (dv_k == 6'd63) begin
            dv_job <= DV_TURN;
            dv_k <= 6'd15;
            it_done <= 1'b1;
          end
        end
        DV_TURN: begin  // 15: the modulo's last bit is in; 16 .. 31: compare; 32: p; 33: go
          if (dv_k[5:4] == 2'b00) begin
            per <= cr_rd;  // iteration + 1's low half (p if it is below dutyCyclePeriod)
            cmp_d <= 1'b0;
            cmp_lt <= 1'b0;
          end
          if (dv_k[4]) begin  // cr_rd: dutyCyclePeriod; its bit and per's, from the top
            upd <= (dv_r == 16'd0);
            if (!cmp_d && pb != i_new) begin
              cmp_d <= 1'b1;
              cmp_lt <= i_new;
            end
          end
          if (dv_k[5] && !dv_k[0] && (cy || hnz || !cmp_lt)) per <= cr_rd;  // dutyCyclePeriod
          dv_k <= dv_k + 6'd1;
          if (dv_k[5] && dv_k[0]) begin
            dv_k <= 6'd63;
            dv_job <= DV_RECIP;
          end
        end
        DV_RECIP: begin
          dv_k <= dv_k + 6'd1;
          if (dv_k == 6'd31) dv_job <= DV_WAIT;
        end
        DV_WAIT: dv_job <= DV_DONE;
        DV_DONE: begin
          dv_ready <= 1'b1;
          dv_job <= DV_IDLE;
        end
        default: ;
      endcase

      // stage registers that run in every state
      o_v0 <= 1'b0;
      o_v1 <= o_v0;
      o_v2 <= 1'b0;
      wcnt_first1 <= o_first0;
      o_last1 <= o_last0;
      pc1 <= pc;
      i_v1 <= 1'b0;
      s_v1 <= 1'b0;
      d_v1 <= 1'b0;
      d_v2 <= d_v1;
      n2 <= n1;  // (every cycle, like the iCE40 DSP's input register)
      pl2 <= mul_o;  // (every cycle: the DSP's output register, no enable)

      case (phase)
        P_IDLE: if (!start) dv_job <= DV_IDLE;
        else begin
          phase <= P_LOAD;
          st <= S_CLR;
          learn <= learn_i;
          dv_job <= DV_SCAN;  // (a job still running for the last step stops)
          dv_k <= 6'd0;
          cy <= 1'b1;
          hnz <= 1'b0;
          it_done <= 1'b0;
          dv_ready <= 1'b0;
          wcnt <= {WH{1'b0}};
          cnt <= {WX{1'b0}};
          elig <= {{(WC-1){1'b0}}, 1'b1};  // (SP_OVERLAP's increment)
        end

        P_LOAD: case (st)
          S_CLR: begin
            wcnt <= wcnt + 1'b1;
            if (32'(wcnt) == H - 1) st <= S_LIST;
          end
          S_LIST: begin
            // read entry cnt; entry cnt - 1 arrives (its bit: ports above)
            if (cnt == WX'(n_in)) st <= S_LEND;
            else cnt <= cnt + 1'b1;
          end
          default: begin  // S_LEND
            phase <= P_OVERLAP;
            st <= S_OV;
            wcnt <= {WH{1'b0}};
            acnt <= WA'(C - 1);
          end
        endcase

        P_OVERLAP: begin
          // stage 0: read sp.conn and in.bits (ports above)
          if (!a_end) begin  // from column C - 1 down
            wcnt <= (32'(wcnt) == H - 1) ? {WH{1'b0}} : wcnt + 1'b1;
            if (32'(wcnt) == H - 1) acnt <= acnt - 1'b1;
            o_v0 <= 1'b1;
            o_first0 <= (wcnt == 0);
            o_last0 <= (32'(wcnt) == H - 1);
          end
          // stage 1: popcount (pc1 above); stage 2: the sum; at a column's
          // end, write its overlap and read its histogram counter
          if (o_v1) begin
            o_sum <= o_new;
            if (o_last1 && o_elig) begin
              o_v2 <= 1'b1;
            end
          end
          // stage 3: write the counter (ports above)
          if (a_end && !o_v0 && !o_v1) begin
            phase <= P_INHIBIT;
            st <= S_SCAN;
            acnt <= WA'(Q);
            found <= 1'b0;
            elig <= {WC{1'b0}};
          end
        end

        P_INHIBIT: begin
          // the scan: read hist[acnt] from Q down; the word arrives, is
          // cleared and counted
          if (i_v1 && !found) begin
            if (f_now) begin
              found <= 1'b1;
              thr <= WQ'(i_t1);
            end else need <= need_d[WC-1:0];
          end
          if (i_v1) elig <= elig_d;
          // the scan's last counter (i_v1 in S_SEL) and still no threshold:
          // all eligible columns are active
          if (st == S_SEL && i_v1 && !found && !f_now) n_act <= elig_d;
          // the selection: column a_c1 arrives
          if (s_v1 && s_sel) begin
            cnt <= cnt + 1'b1;  // (the columns selected)
            if (s_tie) need <= need_d[WC-1:0];
          end
          case (st)
            S_SCAN: begin
              i_v1 <= 1'b1;
              i_t1 <= AQ'(acnt);
              if (acnt == 0) begin
                st <= S_SEL;
                acnt <= WA'(C - 1);
                cnt <= {WX{1'b0}};
              end else acnt <= acnt - 1'b1;
            end
            default: begin  // S_SEL: read sp.overlap[acnt] from C - 1 down
              if (!a_end) begin
                s_v1 <= 1'b1;
                acnt <= acnt - 1'b1;
              end else if (learn || it_done || (dv_job == DV_INC && dv_k == 6'd63)) begin
                // (without learning, once DV_INC has read iteration + 1)
                cnt <= {WX{1'b0}};
                if (learn) begin
                  phase <= P_LEARN;
                  st <= S_IDX;
                  bump <= 1'b0;
                end else phase <= P_IDLE;
              end
            end
          endcase
        end

        P_LEARN, P_DUTY: case (st)
          S_IDX: begin  // read list entry cnt, or leave the loop
            if (phase == P_DUTY) m16 <= cr_rd[0];  // minPct's bit 16 (ports above)
            if (phase == P_LEARN && dv_port) ;  // the passes need cfg/regs' port: wait for the job
            else if (cnt == WX'(bump ? nweak : n_act)) begin  // the list's length
              if (phase == P_LEARN) begin
                phase <= P_DUTY;
                st <= S_DWAIT;
                acnt <= WA'(C - 1);
                dh <= 1'b0;
                mx_first <= 1'b1;
                nweak <= {WC{1'b0}};
              end else st <= S_DMIN;
            end else st <= S_GET;
          end
          S_GET: begin  // the column arrives: read its pool length
            wcnt <= {WH{1'b0}};
            st <= S_CCLR;
          end
          S_CCLR: begin  // clear the sp.conn row (ports above)
            wcnt <= wcnt + 1'b1;
            if (32'(wcnt) == H - 1) begin
              st <= S_PASS;
              acnt <= WA'(plen);
              po <= 2'd3;
              pfirst <= 1'b1;
`ifdef SIM
              nconn <= 0;
`endif
            end
          end
          S_PASS: begin
            if (po == 2'd1) begin
              pw <= pool_rd[PW-1:B];  // (at the pass's end a word before the pool: not used)
              pfirst <= 1'b0;
            end
`ifdef SIM
            if (p_wr && q_conn) nconn <= nconn + 1;  // synapse pj + 1 is written
`endif
            po <= po + 2'd1;
            if (po == 2'd3) acnt <= acnt - 1'b1;
            if (a_end && po == 2'd1) begin
              st <= S_IDX;
              cnt <= cnt + 1'b1;
`ifdef SIM
              if (!bump && {16'd0, stim_sim} > 32'(nconn + ((plen != 0 && q_conn) ? 1 : 0)))
                $error("htm3_sp: column %0d has %0d connected synapses after learning, below the stimulus threshold (raise)", col, nconn);
`endif
            end
          end
          S_DWAIT: begin
            if (dv_ready) st <= S_DRUN;
          end
          S_DRUN: begin
            // stage 0 (ports above: duty_ra, ov_ra = acnt), two cycles
            if (!a_end) begin  // from column C - 1 down
              dh <= !dh;
              if (dh) acnt <= acnt - 1'b1;
              d_v1 <= 1'b1;
              d_h1 <= dh;
            end
            // stage 1: the product
            d_h2 <= d_h1;
            z2 <= !n1_co;  // (x = 0 when v = 0; not used when v = 1)
            v2 <= v1;
            // stage 2: the quotient and the new duty cycle; the overlap
            // duty cycle: the maximum, the weak list; each written as it
            // comes (ports above)
            if (d_v2 && !d_h2) begin
              mx_first <= 1'b0;  // (maxod takes dn: mx_ld)
              if (weak2) nweak <= nweak + 1'b1;
            end
            if (d_end) begin
              st <= S_IDX;
              bump <= 1'b1;
              cnt <= {WX{1'b0}};
            end
          end
          default: begin  // S_DMIN: the minimum duty cycle on update rounds
            // (minOverlap written on update rounds: ports above)
            phase <= P_IDLE;
          end
        endcase
        default: phase <= P_IDLE;
      endcase
    end
  end
`ifdef SIM
  initial if (CONN_BASE % (1 << ACH) != 0 || CONN_BASE + C * H > (1 << CA))
    $error("htm3_sp: sp.conn at %0d (%0d halves) is not aligned or beyond %0d address bits", CONN_BASE, C * H, CA);
`endif
endmodule
`default_nettype wire
