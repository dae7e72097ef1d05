// htm3_accel: the top of architecture 3 (hdl/rtl3/ACCEL.md), with
// htm_accel's Wishbone slave ports (docs/ARCHITECTURE.md section 3, the same
// register map and host-visible behaviour), so that a board top can
// instantiate either. It connects:
//
//   htm3_host    the register file, commands, errors, window, CRC sequencer
//   htm3_seq     the command sequencer (STEP, RESTORE), cycle counts
//   htm3_memmap  logical image words -> physical memories (window, CRC)
//   htm3_sp      the spatial pooler engine and its memories
//   htm3_tm      the TM: the column engine, the dendrite unit, the bank
//                pointer, RESTORE's rebuild, and the TM's own memories
//
// One logical memory port, the host's (it requests nothing while a command
// runs: the engines read their configuration themselves). The engines
// reach the memories they share with the window (in htm3_memmap) through
// their own ports while they run.
// STEP runs LOAD .. SP_DUTY, TM_CELLS, TM_SWAP, TM_DENDRITE and OUTPUT.
`default_nettype none
module htm3_accel #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    // htm_accel's architecture parameters: reported in CAPS only
    parameter integer LANES_OV = 4,
    parameter integer LANES_SYN = 4,
    parameter integer DIV_LAT = 18,
    /* verilator lint_off UNUSEDPARAM */
    parameter MEM_DIR = "mem"  // htm_accel's; the memories take +memdir= under SIM
    /* verilator lint_on UNUSEDPARAM */
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        wb_cyc_i,
    input  wire        wb_stb_i,
    input  wire        wb_we_i,
    input  wire [13:0] wb_adr_i,
    input  wire [31:0] wb_dat_i,
    input  wire [3:0]  wb_sel_i,
    output wire [31:0] wb_dat_o,
    output wire        wb_ack_o
);
  `include "htm_arch.vh"
  localparam integer WN = (N > 1) ? $clog2(N) : 1;
  localparam integer WNC = $clog2(N + 1);
  localparam integer WCI = (C > 1) ? $clog2(C) : 1;
  localparam integer WC = $clog2(C + 1);
  localparam integer W = (N + 31) / 32;
  localparam integer AMR = $clog2(((Q > W ? Q : W) * C) + 1);
  localparam integer IN_AW = (N > 1) ? $clog2(N) : 1;
  localparam integer NC = C * K;
  localparam integer WCELL = NC > 1 ? $clog2(NC) : 1;
  localparam integer WG = $clog2(G + 1);
  localparam integer NA = (NC + 15) / 16;
  localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1;
  localparam integer SYN_W = B + WCELL + 1;
  localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1;
  `include "htm3_smap.vh"  // SM_CONN, SM_AW: where sp.conn lives in the segment memory

  // host <-> sequencer
  wire         cmd_step, cmd_learn, cmd_restore, cmd_reset, busy, eng_err;
  wire [31:0]  in_count, cycles;
  wire [WC-1:0] out_count, pred_count, anom_num, anom_den;
  wire [3:0]   ph_ra;
  wire [31:0]  ph_wd;  // PHASE_CYCLES: htm3_seq's, kept in IN_BUF's RAM (htm3_memmap)
  wire [3:0]   ph_ws;
  wire         ph_ok, ph_we, cmd_zero;
  // the logical memory port (the host's)
  wire         h_req, h_we, h_hi, m_ack;
  wire [4:0]   h_sel;
  wire [31:0]  h_addr;
  wire [63:0]  h_wd;
  wire [31:0]  m_rd;

  htm3_host #(.N(N), .C(C), .Q(Q), .K(K), .S(S), .M(M), .B(B), .G(G), .LANES_OV(LANES_OV),
      .LANES_SYN(LANES_SYN), .DIV_LAT(DIV_LAT)) u_host (
      .clk(clk), .rst(rst), .wb_cyc_i(wb_cyc_i), .wb_stb_i(wb_stb_i), .wb_we_i(wb_we_i), .wb_adr_i(wb_adr_i),
      .wb_dat_i(wb_dat_i), .wb_sel_i(wb_sel_i), .wb_dat_o(wb_dat_o), .wb_ack_o(wb_ack_o),
      .cmd_step(cmd_step), .cmd_learn(cmd_learn), .cmd_restore(cmd_restore), .cmd_reset(cmd_reset),
      .cmd_zero(cmd_zero), .in_count(in_count), .busy(busy), .eng_err(eng_err), .eng_code(3'd2),  // ERR_BAD_INPUT
      .cycles(cycles), .ph_ra(ph_ra), .ph_ok(ph_ok),
      .out_count(32'(out_count)), .pred_count(32'(pred_count)),
      .anom_num(32'(anom_num)), .anom_den(32'(anom_den)),
      .m_req(h_req), .m_we(h_we), .m_sel(h_sel), .m_addr(h_addr), .m_wd(h_wd), .m_hi(h_hi), .m_ack(m_ack),
      .m_rd(m_rd[31:0]));

  // the SP engine
  wire           sp_start, sp_learn, sp_busy, sp_mw_we;
  wire [2:0]     sp_phase;
  wire [WNC-1:0] sp_n_in;
  wire [WN-1:0]  sp_inbuf_a;
  wire [WC-1:0]  sp_n_act;
  // cfg/regs' engine port: the SP's while it runs (its configuration, regs
  // words 1 and 2), else the TM's (htm3_tm) ORed with the sequencer's
  // (htm3_seq: the step count's parts): they never own it together, the
  // TM and the sequencer drive their addresses, write enables and data 0
  // while they do not, the SP its write enable and data (its addresses are
  // combinational and not: gating them cost as many LUTs in htm3_sp as the
  // multiplexer level, measured)
  wire [6:0]     sp_cr_ra, sp_cr_wa;
  wire [7:0]     x_cr_ra, x_cr_wa;
  wire [15:0]    sp_cr_wd, x_cr_wd;
  wire           sp_cr_we, x_cr_we;
  wire [1:0]     sp_mr_sel;
  wire [AMR-1:0] sp_mr_a;
  wire [31:0]    sp_mr_d, sp_mw_d, ib_d;
  wire [WCI-1:0] sp_oc_ra, sp_oc_rd;
  wire [IN_AW-1:0] ib_a;
  wire [WCI-1:0] map_oc_ra, tm_ac_ra;

  // the TM and its ports on the shared memories
  wire tm_cells, tm_swap, tm_dend, tm_rst, tm_learn, tm_done, tm_cb, e_on;
  wire [WC-1:0] tm_n_pred, tm_anom;
  wire [WCI:0] tm_pred_w, tm_anom_w;
  wire [6:0] e_cr_ra, e_cr_wa;
  wire [15:0] e_cr_rd, e_cr_wd, e_sm_wd, e_sm_rd, e_act_rd, e_act_wd, e_win_rd, e_win_wd;
  wire e_cr_we, e_sm_we, e_syn_we, e_cs_we, e_act_we, e_win_we, e_pr_we;
  wire         s_cr_on, s_cr_we;
  wire [7:0]   s_cr_ra, s_cr_wa;
  wire [15:0]  s_cr_wd;
  assign x_cr_ra = sp_busy ? {1'b0, sp_cr_ra} : s_cr_ra | {1'b0, e_cr_ra};
  assign x_cr_wa = sp_busy ? {1'b0, sp_cr_wa} : s_cr_wa | {1'b0, e_cr_wa};
  assign x_cr_we = e_cr_we | sp_cr_we | s_cr_we;
  assign x_cr_wd = e_cr_wd | sp_cr_wd | s_cr_wd;
  wire [SM_AW-1:0] e_sm_a;
  wire [SYN_AW-1:0] e_syn_a;
  wire [SYN_W-1:0] e_syn_wd, e_syn_rd;
  wire [WCELL-1:0] e_cs_ra, e_cs_wa;
  wire [WG-1:0] e_cs_rd, e_cs_wd;
  wire [ACT_AW:0] e_act_ra, e_act_wa, e_win_ra, e_win_wa;
  wire [WCI-1:0] e_pr_wa, e_pr_wd;
  wire [SM_AW-1:0] sp_conn_a;
  wire           sp_conn_we;
  wire [15:0]    sp_conn_wd, sp_conn_rd;

  htm3_seq #(.N(N), .IN_AW(IN_AW), .WC(WC), .WNC(WNC)) u_seq (
      .clk(clk), .rst(rst), .cmd_step(cmd_step), .cmd_learn(cmd_learn), .cmd_restore(cmd_restore),
      .cmd_reset(cmd_reset), .cmd_zero(cmd_zero), .in_count(in_count), .busy(busy), .err(eng_err),
      .cr_on(s_cr_on), .cr_ra(s_cr_ra), .cr_rd(e_cr_rd), .cr_we(s_cr_we), .cr_wa(s_cr_wa), .cr_wd(s_cr_wd),
      .cycles(cycles), .ph_ra(ph_ra), .ph_ok(ph_ok), .ph_we(ph_we), .ph_ws(ph_ws), .ph_wd(ph_wd),
      .out_count(out_count),
      .pred_count(pred_count), .anom_num(anom_num), .anom_den(anom_den), .ib_a(ib_a), .ib_d(ib_d),
      .tm_cells(tm_cells), .tm_swap(tm_swap), .tm_dend(tm_dend), .tm_rst(tm_rst), .tm_learn(tm_learn),
      .tm_done(tm_done), .tm_n_pred(tm_n_pred), .tm_anom(tm_anom),
      .sp_start(sp_start), .sp_learn(sp_learn), .sp_n_in(sp_n_in), .sp_busy(sp_busy), .sp_phase(sp_phase),
      .sp_n_act(sp_n_act), .sp_inbuf_a(sp_inbuf_a));

  htm3_memmap #(.N(N), .C(C), .K(K), .S(S), .M(M), .B(B), .G(G), .AMR(AMR), .WCI(WCI), .SM_CONN(SM_CONN), .SM_AW(SM_AW)) u_map (
      .clk(clk), .rst(rst),
      .req(h_req), .we(h_we), .sel(h_sel), .addr(h_addr), .hwd(h_wd), .hi(h_hi), .ack(m_ack), .rd(m_rd),
      .sp_mr_sel(sp_mr_sel), .sp_mr_a(sp_mr_a), .sp_mr_d(sp_mr_d), .sp_mw_we(sp_mw_we), .sp_mw_d(sp_mw_d),
      .sp_oc_ra(map_oc_ra), .sp_oc_rd(sp_oc_rd), .sp_conn_en(sp_busy), .sp_conn_a(sp_conn_a),
      .sp_conn_we(sp_conn_we), .sp_conn_wd(sp_conn_wd), .sp_conn_rd(sp_conn_rd),
      .eng_busy(busy), .eng_ib_a(ib_a), .eng_ib_d(ib_d),
      .ph_we(ph_we), .ph_wa(ph_ws), .ph_wd(ph_wd),
      .cb(tm_cb), .e_on(e_on), .sp_on(sp_busy || s_cr_on), .e_cr_ra(x_cr_ra), .e_cr_rd(e_cr_rd), .e_cr_we(x_cr_we),
      .e_cr_wa(x_cr_wa), .e_cr_wd(x_cr_wd), .e_sm_a(e_sm_a), .e_sm_we(e_sm_we), .e_sm_wd(e_sm_wd), .e_sm_rd(e_sm_rd),
      .e_syn_a(e_syn_a), .e_syn_we(e_syn_we), .e_syn_wd(e_syn_wd), .e_syn_rd(e_syn_rd),
      .e_cs_ra(e_cs_ra), .e_cs_rd(e_cs_rd), .e_cs_we(e_cs_we), .e_cs_wa(e_cs_wa), .e_cs_wd(e_cs_wd),
      .e_act_ra(e_act_ra), .e_act_rd(e_act_rd), .e_act_we(e_act_we), .e_act_wa(e_act_wa), .e_act_wd(e_act_wd),
      .e_win_ra(e_win_ra), .e_win_rd(e_win_rd), .e_win_we(e_win_we), .e_win_wa(e_win_wa), .e_win_wd(e_win_wd),
      .e_pr_we(e_pr_we), .e_pr_wa(e_pr_wa), .e_pr_wd(e_pr_wd));

  // out.cols: the column engine's while the TM runs, else the window's
  assign sp_oc_ra = e_on ? tm_ac_ra : map_oc_ra;

  htm3_tm #(.C(C), .K(K), .S(S), .M(M), .G(G), .B(B), .SM_AW(SM_AW)) u_tm (
      .clk(clk), .rst(rst), .start_cells(tm_cells), .start_dend(tm_dend), .start_rst(tm_rst), .swap(tm_swap),
      .learn(tm_learn), .n_act((WCI + 1)'(sp_n_act)), .done(tm_done), .n_pred(tm_pred_w),
      .anom_num(tm_anom_w), .cb(tm_cb), .ac_ra(tm_ac_ra), .ac_rd(sp_oc_rd),
      .e_on(e_on), .e_cr_ra(e_cr_ra), .e_cr_rd(e_cr_rd), .e_cr_we(e_cr_we), .e_cr_wa(e_cr_wa),
      .e_cr_wd(e_cr_wd), .e_sm_a(e_sm_a), .e_sm_we(e_sm_we), .e_sm_wd(e_sm_wd), .e_sm_rd(e_sm_rd),
      .e_syn_a(e_syn_a), .e_syn_we(e_syn_we), .e_syn_wd(e_syn_wd), .e_syn_rd(e_syn_rd),
      .e_cs_ra(e_cs_ra), .e_cs_rd(e_cs_rd), .e_cs_we(e_cs_we), .e_cs_wa(e_cs_wa), .e_cs_wd(e_cs_wd),
      .e_act_ra(e_act_ra), .e_act_rd(e_act_rd), .e_act_we(e_act_we), .e_act_wa(e_act_wa), .e_act_wd(e_act_wd),
      .e_win_ra(e_win_ra), .e_win_rd(e_win_rd), .e_win_we(e_win_we), .e_win_wa(e_win_wa), .e_win_wd(e_win_wd),
      .e_pr_we(e_pr_we), .e_pr_wa(e_pr_wa), .e_pr_wd(e_pr_wd));
  assign tm_n_pred = WC'(tm_pred_w);
  assign tm_anom = WC'(tm_anom_w);

  // sp.conn in the segment memory at SM_CONN
  htm3_sp #(.N(N), .C(C), .Q(Q), .B(B), .CA(SM_AW), .CONN_BASE(SM_CONN)) u_sp (
      .clk(clk), .rst(rst),
      .cr_ra(sp_cr_ra), .cr_rd(e_cr_rd), .cr_we(sp_cr_we),
      .cr_wa(sp_cr_wa), .cr_wd(sp_cr_wd), .start(sp_start), .learn_i(sp_learn), .n_in(sp_n_in), .inbuf_a(sp_inbuf_a),
      .inbuf_d(WN'(ib_d)), .busy(sp_busy), .phase(sp_phase), .n_act(sp_n_act), .oc_ra(sp_oc_ra),
      .oc_rd(sp_oc_rd), .mr_sel(sp_mr_sel), .mr_a(sp_mr_a), .mr_d(sp_mr_d), .mw_we(sp_mw_we), .mw_d(sp_mw_d),
      .conn_a(sp_conn_a), .conn_we(sp_conn_we), .conn_wd(sp_conn_wd), .conn_rd(sp_conn_rd));
endmodule
`default_nettype wire
