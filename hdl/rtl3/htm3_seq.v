// htm3_seq: the command sequencer of architecture 3 (hdl/rtl3/ACCEL.md).
// STEP: LOAD's input check (IN_BUF read one index a cycle: each below N and
// ascending), then the SP engine (LOAD .. SP_DUTY), then OUTPUT; the TM
// phases are not in this version (ACCEL.md, "Left"). RESTORE: the engines'
// configuration and the registers that live in flip-flops (the step count,
// the SP's iteration and minOverlap) are loaded from cfg and regs through
// the logical memory port. The cycles of each phase (one running counter,
// stored when the phase changes) and of the command are kept for
// PHASE_CYCLES and CYCLES.
`default_nettype none
module htm3_seq #(
    parameter integer N = 120,
    parameter integer B = 8,
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
    input  wire [31:0]    in_count,
    output wire           busy,
    output reg            err,        // the command failed with BAD_INPUT
    output reg  [63:0]    steps,
    output reg  [31:0]    cycles,
    output wire [319:0]   phcyc,
    output reg  [31:0]    out_count,
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
    input  wire [63:0]    sp_iter,
    input  wire [15:0]    sp_minov,
    output reg            sp_regs_ld,
    output reg  [63:0]    sp_iter_i,
    output reg  [15:0]    sp_minov_i,
    // the SP's configuration (cfg words 3 .. 13)
    output reg  [WC-1:0]  cfg_k,
    output reg  [15:0]    cfg_stim,
    output reg  [B-1:0]   cfg_conn,
    output reg  [B-1:0]   cfg_inc,
    output reg  [B-1:0]   cfg_dec,
    output reg  [B-1:0]   cfg_below,
    output reg  [B-1:0]   cfg_trim,
    output reg  [16:0]    cfg_minpct,
    output reg  [15:0]    cfg_dutyper,
    output reg  [15:0]    cfg_updper,
    // the logical memory port (RESTORE's loads)
    output reg            m_req,
    output reg            m_we,
    output reg  [63:0]    m_wd,
    output reg  [4:0]     m_sel,
    output reg  [31:0]    m_addr,
    input  wire           m_ack,
    input  wire [63:0]    m_rd
);
  `include "htm_arch.vh"
  localparam integer WN = (N > 1) ? $clog2(N) : 1;
  // Phases (PHASE_CYCLES' order, ARCHITECTURE.md section 4).
  localparam [3:0] PH_LOAD = 4'd0, PH_OUT = 4'd9;
  localparam [2:0] Q_IDLE = 3'd0, Q_CHECK = 3'd1, Q_SP = 3'd2, Q_LOAD = 3'd3, Q_LWAIT = 3'd4;
  reg [2:0]  q;
  assign busy = q != Q_IDLE;

  // ------------------------------------------------------------ the check
  reg [31:0] ci;       // the index being read
  reg [31:0] prev;     // the previous index
  wire [31:0] v = ib_d;
  wire        chk_last = ci == in_count;
  wire        chk_bad = ci != 0 && (v >= N || (ci > 1 && v <= prev));
  assign ib_a = sp_busy ? IN_AW'(sp_inbuf_a) : IN_AW'(ci);
  assign sp_n_in = WNC'(in_count);

  // ---------------------------------------------------------- phase count
  reg [31:0] ph [0:NUM_PHASES-1];
  reg [31:0] pcnt;
  reg [3:0]  pcur;
  genvar gp;
  generate
    for (gp = 0; gp < NUM_PHASES; gp = gp + 1) begin : g_ph
      assign phcyc[32*gp+:32] = ph[gp];
    end
  endgenerate
  // the phase of this cycle while the SP runs: its own (1 LOAD .. 5 SP_DUTY)
  wire [3:0] sp_ph = {1'b0, sp_phase} - 4'd1;

  // ------------------------------------------- RESTORE's loads, OUTPUT's stores
  // li 0 .. 10: cfg word 3 + li read; 11 .. 13: regs word li - 11 read
  // (RESTORE ends after 13); 14 .. 16: regs word li - 14 written (the step
  // count, the SP's iteration and minOverlap: their home is regs).
  reg [4:0] li;
  integer   k;

  always @(posedge clk) begin
    sp_start <= 1'b0;
    sp_regs_ld <= 1'b0;
    err <= 1'b0;
    m_req <= 1'b0;
    if (busy) cycles <= cycles + 1;
    case (q)
      Q_CHECK: begin
        ci <= ci + 1;
        prev <= v;
        pcnt <= pcnt + 1;
        if (chk_bad) begin
          err <= 1'b1;
          cycles <= 32'd0;
          q <= Q_IDLE;
        end else if (chk_last) begin
          sp_start <= 1'b1;
          q <= Q_SP;
          for (k = 1; k < NUM_PHASES; k = k + 1) ph[k] <= 32'd0;
        end
      end
      Q_SP:
      if (sp_busy || sp_start) begin
        if (sp_busy && sp_ph != pcur) begin
          ph[pcur] <= pcnt;
          pcur <= sp_ph;
          pcnt <= 32'd1;
        end else pcnt <= pcnt + 1;
      end else begin
        // OUTPUT: the outputs, then regs words 0 .. 2 stored
        ph[pcur] <= pcnt;
        pcur <= PH_OUT;
        pcnt <= 32'd1;
        out_count <= 32'(sp_n_act);
        steps <= steps + 1;
        li <= 5'd14;
        q <= Q_LOAD;
      end
      Q_LOAD: begin
        if (pcur == PH_OUT) pcnt <= pcnt + 1;
        m_req <= 1'b1;
        m_we <= li >= 5'd14;
        m_sel <= (li < 5'd11) ? {1'b0, MEM_CFG} : {1'b0, MEM_REGS};
        m_addr <= (li < 5'd11) ? 32'(li) + 32'd3 : (li < 5'd14) ? 32'(li) - 32'd11 : 32'(li) - 32'd14;
        m_wd <= (li == 5'd14) ? steps : (li == 5'd15) ? sp_iter : {48'd0, sp_minov};
        q <= Q_LWAIT;
      end
      Q_LWAIT: begin
        if (pcur == PH_OUT) pcnt <= pcnt + 1;
        if (m_ack) begin
          case (li)
            5'd0: cfg_k <= WC'(m_rd);
            5'd1: cfg_stim <= m_rd[15:0];
            5'd3: cfg_conn <= B'(m_rd);
            5'd4: cfg_inc <= B'(m_rd);
            5'd5: cfg_dec <= B'(m_rd);
            5'd6: cfg_below <= B'(m_rd);
            5'd7: cfg_trim <= B'(m_rd);
            5'd8: cfg_minpct <= m_rd[16:0];
            5'd9: cfg_dutyper <= m_rd[15:0];
            5'd10: cfg_updper <= m_rd[15:0];
            5'd11: steps <= m_rd;
            5'd12: sp_iter_i <= m_rd;
            5'd13: begin
              sp_minov_i <= m_rd[15:0];
              sp_regs_ld <= 1'b1;
            end
            default: ;  // cfg word 5 (B, fixed by the build); the stores
          endcase
          li <= li + 1'b1;
          if (li == 5'd13 || li == 5'd16) q <= Q_IDLE;
          else q <= Q_LOAD;
          if (li == 5'd16) ph[PH_OUT] <= pcnt + 1;
        end
      end
      default:
      if (cmd_step) begin
        q <= Q_CHECK;
        ci <= 32'd0;
        cycles <= 32'd0;
        pcnt <= 32'd0;
        pcur <= PH_LOAD;
        sp_learn <= cmd_learn;
      end else if (cmd_restore) begin
        q <= Q_LOAD;
        li <= 5'd0;
        pcur <= PH_LOAD;
        cycles <= 32'd0;
      end else if (cmd_reset) begin
        cycles <= 32'd0;
        out_count <= 32'd0;
        for (k = 0; k < NUM_PHASES; k = k + 1) ph[k] <= 32'd0;
      end
    endcase
    if (rst) begin
      q <= Q_IDLE;
      sp_start <= 1'b0;
      sp_regs_ld <= 1'b0;
      err <= 1'b0;
      m_req <= 1'b0;
      cycles <= 32'd0;
      out_count <= 32'd0;
    end
  end
endmodule
`default_nettype wire
