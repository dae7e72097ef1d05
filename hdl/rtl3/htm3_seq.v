// htm3_seq: the command sequencer of architecture 3 (hdl/rtl3/ACCEL.md).
// STEP: LOAD's input check (IN_BUF read one index a cycle: each below N and
// ascending), then the SP engine (LOAD .. SP_DUTY), then the TM (htm3_tm:
// TM_CELLS with TM_PREDICT folded in, TM_SWAP the bank pointer,
// TM_DENDRITE), then OUTPUT. RESTORE: the step count's copy is made from
// regs word 0 (the engines read their configuration in cfg/regs
// themselves, and the SP its iteration and minOverlap; the sequencer has no
// port on the logical memory port), then the TM's working state is rebuilt (htm3_tm's restore pass, then a
// dendrite pass without learning). The step count lives in cfg/regs' EBR
// (htm3_memmap): regs word 0, its home, and a copy of it above the image's
// words (cfg/regs physical words 192 .. 195, htm3_host reads it as STEP_LO
// and STEP_HI through the logical port), which only RESTORE and OUTPUT
// write, so that window writes of regs word 0 change the count only at the
// next RESTORE. The cycles of each phase (one running counter,
// written to the PHASE_CYCLES RAM, which htm3_memmap keeps in IN_BUF's EBR,
// when the phase changes) and of the command are kept for PHASE_CYCLES and
// CYCLES.
`default_nettype none
module htm3_seq #(
    parameter integer N = 120,
    parameter integer IN_AW = 7,
    parameter integer WC = 9,      // a column count
    parameter integer WNC = 7      // an input count
) (
    input  wire           clk,
    input  wire           rst,
    // commands (htm3_host)
    input  wire           cmd_step,
    input  wire           cmd_learn,
    input  wire           cmd_restore,
    input  wire           cmd_reset,
    input  wire           cmd_zero,    // a CTRL command that starts nothing: CYCLES 0
    /* verilator lint_off UNUSEDSIGNAL */  // at most N when a STEP starts (the host's check): its low bits
    input  wire [31:0]    in_count,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire           busy,
    output reg            err,        // the command failed with BAD_INPUT
    // cfg/regs' engine port (htm3_accel; while cr_on): the step count's
    // parts, regs word 0 at 64 + p and its copy at 192 + p
    output wire           cr_on,
    output wire [7:0]     cr_ra,
    input  wire [15:0]    cr_rd,
    output wire           cr_we,
    output wire [7:0]     cr_wa,
    output wire [15:0]    cr_wd,
    output wire [31:0]    cycles,
    // PHASE_CYCLES in RAM (htm3_memmap keeps it in IN_BUF's spare words):
    // ph_we writes ph_wd at phase ph_ws; the host reads phase ph_ra, its
    // word a cycle later. ph_ok: the phase ran in the last STEP and no
    // command runs or ran a cycle ago (the engines own the RAM's read
    // port then), else the word reads 0
    input  wire [3:0]     ph_ra,
    output wire           ph_ok,
    output wire           ph_we,
    output wire [3:0]     ph_ws,
    output wire [31:0]    ph_wd,
    output reg  [WC-1:0]  out_count,
    output reg  [WC-1:0]  pred_count,
    output reg  [WC-1:0]  anom_num,
    output wire [WC-1:0]  anom_den,   // OUT_COUNT's value (both the SP's active columns)
    // IN_BUF's engine read port
    output wire [IN_AW-1:0] ib_a,
    input  wire [31:0]    ib_d,
    // the SP engine
    output reg            sp_start,
    output reg            sp_learn,
    output wire [WNC-1:0] sp_n_in,
    input  wire           sp_busy,
    input  wire [2:0]     sp_phase,
    input  wire [WC-1:0]  sp_n_act,
    input  wire [WN-1:0]  sp_inbuf_a,
    // the TM (htm3_tm)
    output reg            tm_cells,
    output reg            tm_swap,
    output reg            tm_dend,
    output reg            tm_rst,
    output wire           tm_learn,
    input  wire           tm_done,
    input  wire [WC-1:0]  tm_n_pred,
    input  wire [WC-1:0]  tm_anom
);
  `include "htm3_ltc.vh"  // ltc(x, c): x < c for a constant, as gates
  localparam integer WN = (N > 1) ? $clog2(N) : 1;
  // Q_PW: the cycle after the last one of a STEP, in which OUTPUT's count is
  // written (busy, not counted in CYCLES)
  localparam [3:0] Q_IDLE = 4'd0, Q_CHECK = 4'd1, Q_SP = 4'd2, Q_CELLS = 4'd3, Q_SWAP = 4'd4, Q_DEND = 4'd5,
                   Q_TMR = 4'd6, Q_TMD = 4'd7, Q_PW = 4'd8, Q_CNT = 4'd9;
  reg [3:0]  q;
  wire   run = q != Q_IDLE && q != Q_PW;
  reg    busy_q;
  assign busy = q != Q_IDLE;
  always @(posedge clk) busy_q <= busy;

  // ------------------------------------------------------------ the check
  // At check cycle ci, IN_BUF word ci is read and word ci - 1 arrives: below
  // N, and above the previous one. in_count <= N (the host refuses more).
  reg [WNC-1:0] ci;
  reg [WN-1:0]  prev;
  wire [31:0]   v = ib_d;
  // (the host starts a STEP only with in_count <= N: its low bits)
  wire          chk_last = ci == in_count[WNC-1:0];
  wire          chk_bad = ci != 0 && (!ltc(v, N) || (!ltc(32'(ci), 2) && !(prev < WN'(v))));
  assign ib_a = sp_busy ? IN_AW'(sp_inbuf_a) : IN_AW'(ci);
  assign sp_n_in = WNC'(in_count);

  // ---------------------------------------------------------- phase count
  // One running counter, pn (u_pcnt), the cycles of the current phase so
  // far, the current one included (loaded with 1 in a phase's first cycle;
  // the first check cycle is not counted); a phase's count, pn itself, is
  // written to the PHASE_CYCLES RAM in the cycle the phase changes (at
  // most one write a cycle; OUTPUT's in Q_PW), at the phase's number: 0 ..
  // 4 LOAD .. SP_DUTY, 6 TM_CELLS, 7 TM_SWAP, 8 TM_DENDRITE, 9 OUTPUT;
  // TM_PREDICT (5) is folded into TM_CELLS and reads 0. The write needs no
  // register of its own: pn is reloaded as it goes out. The phases written
  // in the last STEP are known from two flags: a STEP passed its check
  // since RESET (pv: every phase but TM_PREDICT then, the SP's
  // SP_LEARN and SP_DUTY only with learning, pl) - once it has ended, since
  // no phase after the check fails or is skipped otherwise (ph_ok is read
  // only while no command runs).
  localparam [3:0] PH_LEARN = 4'd3, PH_DUTY = 4'd4, PH_PRED = 4'd5, PH_CELLS = 4'd6, PH_SWAP = 4'd7, PH_DEND = 4'd8,
                   PH_OUT = 4'd9;
  reg [3:0]  pcur;
  reg        pv, pl;
  assign ph_ok = ltc(32'(ph_ra), 10) && ph_ra != PH_PRED && pv && (pl || (ph_ra != PH_LEARN && ph_ra != PH_DUTY)) &&
                 !busy && !busy_q;
  wire [3:0] sp_sl = {1'b0, sp_phase - 3'd1};  // the SP's phase (1 LOAD .. 5 SP_DUTY) as a phase number
  assign ph_we = (q == Q_SP && (sp_busy ? sp_sl != pcur : !sp_start)) || ((q == Q_CELLS || q == Q_DEND) && tm_done) ||
                 q == Q_SWAP || q == Q_PW;
  assign ph_ws = pcur;
  wire p_clr = ph_we || (q == Q_IDLE && cmd_step);
  wire p_inc = (q == Q_CHECK && ci != {WNC{1'b0}}) || q == Q_SP || q == Q_CELLS || q == Q_DEND || q == Q_CNT;
  // CYCLES: counted while a command runs, cleared when one starts or fails
  wire c_clr = rst || (q == Q_CHECK && chk_bad) || (q == Q_IDLE && (cmd_step || cmd_restore || cmd_reset || cmd_zero));
  // Two counters: pn (loaded with 1: the phase's count itself, so that
  // PHASE_CYCLES' word needs no incrementer) and CYCLES (loaded with 0)
  wire [31:0] pn;
  htm3_seq_cnt #(.INIT(1)) u_pcnt (.clk(clk), .clr(p_clr), .inc(p_inc), .q(pn));
  assign ph_wd = pn;
  htm3_seq_cnt #(.INIT(0)) u_cycles (.clk(clk), .clr(c_clr), .inc(run), .q(cycles));
  assign tm_learn = sp_learn;
  assign anom_den = out_count;

  // ------------------------------------------------------- the step count
  // The step count (Q_CNT) on cfg/regs' engine port, 16 bits a cycle, in
  // two passes of 5 cycles over its four parts p (low first; a part read
  // at cycle t arrives at t + 1, written then as it is, plus the carry sc):
  // pass A (OUTPUT only, ca): regs word 0 := the copy + 1 (sc set at its
  // start, then the carry out of each part); pass B: the copy := regs word
  // 0 (sc 0). RESTORE runs pass B alone (the copy of the word it restores).
  // No read meets a write at the same address: the passes read one region
  // and write the other. so: the pass is OUTPUT's (Q_PW next), else
  // RESTORE's (the TM's rebuild next).
  reg       so;
  reg       sc;
  reg       ca;      // pass A
  reg [2:0] ct;      // the cycle of a pass: reads part ct, writes part ct - 1 (cp)
  reg [1:0] cp;
  wire [16:0] s_inc = {1'b0, cr_rd} + 17'(sc);
  assign cr_on = q == Q_CNT;
  // Addresses, enable and data are 0 while idle (htm3_accel ORs them with
  // the engines'): ca, ct and cp are 0 outside a pass (reset, and cleared
  // by a pass's last cycle), so only the region bits need cr_on.
  assign cr_ra = {ca, cr_on, 4'b0000, ct[1:0]};
  assign cr_we = cr_on && ct != 3'd0;
  assign cr_wa = {cr_on && !ca, cr_on, 4'b0000, cp};
  assign cr_wd = cr_we ? s_inc[15:0] : 16'd0;

  always @(posedge clk) begin
    sp_start <= 1'b0;
    tm_cells <= 1'b0;
    tm_swap <= 1'b0;
    tm_dend <= 1'b0;
    tm_rst <= 1'b0;
    err <= 1'b0;
    cp <= ct[1:0];
    case (q)
      Q_CHECK: begin
        ci <= ci + 1'b1;
        prev <= WN'(v);
        if (chk_bad) begin
          err <= 1'b1;
          q <= Q_IDLE;
        end else if (chk_last) begin
          sp_start <= 1'b1;
          q <= Q_SP;
          pv <= 1'b1;
          pl <= sp_learn;
        end
      end
      Q_SP:
      if (sp_busy || sp_start) begin
        if (sp_busy && sp_sl != pcur) pcur <= sp_sl;
      end else begin
        // TM_CELLS: the column engine on the SP's active columns
        pcur <= PH_CELLS;
        tm_cells <= 1'b1;
        q <= Q_CELLS;
      end
      Q_CELLS: begin
        if (tm_done) begin
          // TM_SWAP: the bank pointer flips (htm3_tm), one cycle
          pcur <= PH_SWAP;
          tm_swap <= 1'b1;
          pred_count <= tm_n_pred;
          anom_num <= tm_anom;
          q <= Q_SWAP;
        end
      end
      Q_SWAP: begin
        // TM_DENDRITE on the new active cells
        pcur <= PH_DEND;
        tm_dend <= 1'b1;
        q <= Q_DEND;
      end
      Q_DEND: begin
        if (tm_done) begin
          // OUTPUT: the outputs, then the step count incremented (regs word 0; the SP
          // engine writes words 1 and 2 itself)
          pcur <= PH_OUT;
          out_count <= WC'(sp_n_act);
          sc <= 1'b1;
          ca <= 1'b1;
          ct <= 3'd0;
          so <= 1'b1;
          q <= Q_CNT;
        end
      end
      // RESTORE's TM part: the rebuild, then a dendrite pass without learning
      Q_TMR:
      if (tm_done) begin
        tm_dend <= 1'b1;
        q <= Q_TMD;
      end
      Q_TMD: if (tm_done) q <= Q_IDLE;
      Q_PW: q <= Q_IDLE;
      Q_CNT: begin
        ct <= ct + 3'd1;
        if (ct != 3'd0) sc <= s_inc[16];
        if (ct == 3'd4) begin
          ct <= 3'd0;
          sc <= 1'b0;
          ca <= 1'b0;
          if (!ca) begin
            if (so) q <= Q_PW;  // OUTPUT's count written
            else begin
              tm_rst <= 1'b1;
              q <= Q_TMR;
            end
          end
        end
      end
      default:
      if (cmd_step) begin
        q <= Q_CHECK;
        ci <= {WNC{1'b0}};
        pcur <= 4'd0;
        sp_learn <= cmd_learn;
      end else if (cmd_restore) begin
        // the step count's copy := regs word 0 (pass B), then the TM's rebuild
        sc <= 1'b0;
        ca <= 1'b0;
        ct <= 3'd0;
        so <= 1'b0;
        q <= Q_CNT;
        sp_learn <= 1'b0;  // the TM's dendrite pass: no learning
      end else if (cmd_reset) begin
        out_count <= {WC{1'b0}};
        pred_count <= {WC{1'b0}};
        anom_num <= {WC{1'b0}};
        pv <= 1'b0;
      end
    endcase
    if (rst) begin
      sc <= 1'b0;
      ca <= 1'b0;
      ct <= 3'd0;
      cp <= 2'd0;
      q <= Q_IDLE;
      sp_start <= 1'b0;
      err <= 1'b0;
      out_count <= {WC{1'b0}};
      pred_count <= {WC{1'b0}};
      anom_num <= {WC{1'b0}};
      pv <= 1'b0;
      tm_cells <= 1'b0;
      tm_swap <= 1'b0;
      tm_dend <= 1'b0;
      tm_rst <= 1'b0;
    end
  end
endmodule

// htm3_seq_cnt: a 32-bit counter with a synchronous load of INIT (clr,
// first) and an increment (inc), in logic. It was one SB_MAC16 in
// accumulator mode under ICE40 (93 logic cells less), but Yosys 0.23's
// ice40_dsp pass, run by synth_ice40 -dsp, rewrites an instantiated
// SB_MAC16's configuration as a multiplier's (A·B, clock 0), so the board
// design's counters read 0: TestAccel3Gate, the netlist simulated with
// Yosys's cells_sim.v, caught it (RESTORE 0 cycles). Not again without a
// gate-level run.
/* verilator lint_off DECLFILENAME */  // htm3_seq's own counter, kept in its file (the build lists name files)
module htm3_seq_cnt #(
/* verilator lint_on DECLFILENAME */
    parameter integer INIT = 0
) (
    input  wire        clk,
    input  wire        clr,
    input  wire        inc,
    output wire [31:0] q
);
  reg [31:0] r;
  always @(posedge clk)
    if (clr) r <= 32'(INIT);
    else if (inc) r <= r + 32'd1;
  assign q = r;
endmodule
`default_nettype wire
