// htm3_host_synth: the host side of the accelerator alone, for place and
// route only (hdl.TimingProxy, hdl/README.md "Timing proxy"): the
// iCEBreaker board top's UART, UARTBone bridge, and htm3_accel's host
// (register file, commands, window, CRC), sequencer and memory map with its
// memories, connected as htm3_accel connects them, without the two engines
// (htm3_sp, htm3_tm). In their place a pin-light serial stub: while sen is
// high, sdi shifts into a register that drives every engine output the
// rest reads, and the register that captured every engine input shifts out
// on sdo; while sen is low the inputs are captured each cycle. Not part of
// the verified design: it only gives the tools real inputs and outputs, so
// that no memory or logic is optimised away. The engines' own paths are
// the other units' (htm3_sp_top, htm3_tm_cells_synth, htm3_dendrite_synth).
`default_nettype none
module htm3_host_synth #(
    parameter integer CLK_HZ = 12000000,
    parameter integer BAUD = 115200,
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8
) (
    input  wire clk,
    input  wire btn_n,
    input  wire uart_rx,
    output wire uart_tx,
    input  wire sen,
    input  wire sdi,
    output wire sdo
);
  `include "htm_arch.vh"
  localparam integer CLKS_PER_BIT = (CLK_HZ + BAUD / 2) / BAUD;
  localparam integer TIMEOUT = CLK_HZ / 10;
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
  `include "htm3_smap.vh"  // SM_CONN, SM_AW, as htm3_accel has them

  // icebreaker3_top's reset, UART and bridge
  reg [3:0] por = 4'd0;
  reg [1:0] btn_s = 2'b00;
  reg rst = 1'b1;
  always @(posedge clk) begin
    btn_s <= {btn_s[0], btn_n};
    if (por != 4'hf) por <= por + 4'd1;
    rst <= por != 4'hf || !btn_s[1];
  end
  wire [7:0] rx_data, tx_data;
  wire rx_valid, tx_valid, tx_ready, br_busy;
  wire cyc, stb, we, ack;
  wire [31:0] adr, dat_w, dat_r;
  wire [3:0] sel;
  wire unused = &{1'b0, adr[31:14]};  // htm3_host decodes the low 14 bits
  uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
      .clk(clk), .rst(rst), .rx(uart_rx), .data(rx_data), .valid(rx_valid));
  uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
      .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx));
  uartbone #(.TIMEOUT(TIMEOUT)) u_bridge (
      .clk(clk), .rst(rst), .rx_data(rx_data), .rx_valid(rx_valid),
      .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
      .wb_cyc_o(cyc), .wb_stb_o(stb), .wb_we_o(we), .wb_adr_o(adr), .wb_dat_o(dat_w),
      .wb_sel_o(sel), .wb_dat_i(dat_r), .wb_ack_i(ack), .busy(br_busy));

  // htm3_accel's nets
  wire         cmd_step, cmd_learn, cmd_restore, cmd_reset, busy, eng_err;
  wire [31:0]  in_count, cycles;
  wire [WC-1:0] out_count, pred_count, anom_num, anom_den;
  wire [3:0]   ph_ra;
  wire [31:0]  ph_wd;
  wire [3:0]   ph_ws;
  wire         ph_ok, ph_we, cmd_zero;
  wire         h_req, h_we, h_hi, m_ack;
  wire [4:0]   h_sel;
  wire [31:0]  h_addr;
  wire [63:0]  h_wd;
  wire [31:0]  m_rd;

  htm3_host #(.N(N), .C(C), .Q(Q), .K(K), .S(S), .M(M), .B(B), .G(G)) u_host (
      .clk(clk), .rst(rst), .wb_cyc_i(cyc), .wb_stb_i(stb), .wb_we_i(we), .wb_adr_i(adr[13:0]),
      .wb_dat_i(dat_w), .wb_sel_i(sel), .wb_dat_o(dat_r), .wb_ack_o(ack),
      .cmd_step(cmd_step), .cmd_learn(cmd_learn), .cmd_restore(cmd_restore), .cmd_reset(cmd_reset),
      .cmd_zero(cmd_zero), .in_count(in_count), .busy(busy), .eng_err(eng_err), .eng_code(3'd2),
      .cycles(cycles), .ph_ra(ph_ra), .ph_ok(ph_ok),
      .out_count(32'(out_count)), .pred_count(32'(pred_count)),
      .anom_num(32'(anom_num)), .anom_den(32'(anom_den)),
      .m_req(h_req), .m_we(h_we), .m_sel(h_sel), .m_addr(h_addr), .m_wd(h_wd), .m_hi(h_hi), .m_ack(m_ack),
      .m_rd(m_rd[31:0]));

  // the engines' outputs (the stub's shift register drives them)
  wire           sp_busy;
  wire [2:0]     sp_phase;
  wire [WN-1:0]  sp_inbuf_a;
  wire [WC-1:0]  sp_n_act;
  wire [6:0]     sp_cr_ra, sp_cr_wa, e_cr_ra, e_cr_wa;
  wire [15:0]    sp_cr_wd, e_cr_wd;
  wire           sp_cr_we, e_cr_we;
  wire [31:0]    sp_mr_d;
  wire [WCI-1:0] sp_oc_rd, tm_ac_ra;
  wire [SM_AW-1:0] sp_conn_a;
  wire           sp_conn_we;
  wire [15:0]    sp_conn_wd;
  wire           tm_done, tm_cb, e_on;
  wire [WCI:0]   tm_pred_w, tm_anom_w;
  wire [SM_AW-1:0] e_sm_a;
  wire           e_sm_we, e_syn_we, e_cs_we, e_act_we, e_win_we, e_pr_we;
  wire [15:0]    e_sm_wd, e_act_wd, e_win_wd;
  wire [SYN_AW-1:0] e_syn_a;
  wire [SYN_W-1:0] e_syn_wd;
  wire [WCELL-1:0] e_cs_ra, e_cs_wa;
  wire [WG-1:0]  e_cs_wd;
  wire [ACT_AW:0] e_act_ra, e_act_wa, e_win_ra, e_win_wa;
  wire [WCI-1:0] e_pr_wa, e_pr_wd;
  localparam integer EO = 1 + 3 + WN + WC + 7 + 7 + 16 + 1 + 32 + WCI + SM_AW + 1 + 16
      + 1 + 1 + 1 + 2 * (WCI + 1) + WCI + 7 + 7 + 16 + 1 + SM_AW + 1 + 16 + SYN_AW + 1 + SYN_W
      + 2 * WCELL + 1 + WG + 4 * (ACT_AW + 1) + 2 + 32 + 1 + 2 * WCI;
  reg [EO-1:0] eo;
  assign {sp_busy, sp_phase, sp_inbuf_a, sp_n_act, sp_cr_ra, sp_cr_wa, sp_cr_wd, sp_cr_we, sp_mr_d, sp_oc_rd,
          sp_conn_a, sp_conn_we, sp_conn_wd,
          tm_done, tm_cb, e_on, tm_pred_w, tm_anom_w, tm_ac_ra, e_cr_ra, e_cr_wa, e_cr_wd, e_cr_we,
          e_sm_a, e_sm_we, e_sm_wd, e_syn_a, e_syn_we, e_syn_wd, e_cs_ra, e_cs_wa, e_cs_we, e_cs_wd,
          e_act_ra, e_act_wa, e_win_ra, e_win_wa, e_act_we, e_win_we, e_act_wd, e_win_wd,
          e_pr_we, e_pr_wa, e_pr_wd} = eo;

  // the engines' inputs (the stub's capture register holds them)
  wire           sp_start, sp_learn, sp_mw_we;
  wire [WNC-1:0] sp_n_in;
  wire [1:0]     sp_mr_sel;
  wire [AMR-1:0] sp_mr_a;
  wire [31:0]    sp_mw_d, ib_d;
  wire [WCI-1:0] map_oc_ra, sp_oc_ra;
  wire [IN_AW-1:0] ib_a;
  wire [15:0]    sp_conn_rd, e_cr_rd, e_sm_rd, e_act_rd, e_win_rd;
  wire           tm_cells, tm_swap, tm_dend, tm_rst, tm_learn;
  wire [WC-1:0]  tm_n_pred, tm_anom;
  wire [SYN_W-1:0] e_syn_rd;
  wire [WG-1:0]  e_cs_rd;
  wire [7:0]     x_cr_ra, x_cr_wa;
  wire [15:0]    x_cr_wd;
  wire           x_cr_we;
  wire         s_cr_on, s_cr_we;
  wire [7:0]   s_cr_ra, s_cr_wa;
  wire [15:0]  s_cr_wd;
  assign x_cr_ra = sp_busy ? {1'b0, sp_cr_ra} : s_cr_ra | {1'b0, e_cr_ra};
  assign x_cr_wa = sp_busy ? {1'b0, sp_cr_wa} : s_cr_wa | {1'b0, e_cr_wa};
  assign x_cr_we = e_cr_we | sp_cr_we | s_cr_we;
  assign x_cr_wd = e_cr_wd | sp_cr_wd | s_cr_wd;
  assign sp_oc_ra = e_on ? tm_ac_ra : map_oc_ra;
  assign tm_n_pred = WC'(tm_pred_w);
  assign tm_anom = WC'(tm_anom_w);
  localparam integer EI = 1 + 1 + WNC + WN + WCI + 2 + AMR + 1 + 32 + 16
      + 5 + 16 + SYN_W + WG + 16 + 16 + 16;
  reg [EI-1:0] ei;

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

  always @(posedge clk) begin
    if (sen) begin
      eo <= {eo[EO-2:0], sdi};
      ei <= {ei[EI-2:0], 1'b0};
    end else
      ei <= {sp_start, sp_learn, sp_n_in, WN'(ib_d), sp_oc_ra, sp_mr_sel, sp_mr_a, sp_mw_we, sp_mw_d, sp_conn_rd,
             tm_cells, tm_swap, tm_dend, tm_rst, tm_learn, e_cr_rd, e_syn_rd, e_cs_rd, e_sm_rd, e_act_rd, e_win_rd};
  end
  assign sdo = ei[EI-1] ^ br_busy;
endmodule
`default_nettype wire
