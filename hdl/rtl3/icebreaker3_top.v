// icebreaker3_top: the iCEBreaker's board top, the design of its
// bitstream: architecture 3's accelerator (htm3_accel) on a 1BitSquared
// iCEBreaker (iCE40UP5K, package SG48) behind a UARTBone bridge on the
// FTDI's second channel (boards/icebreaker.pcf: clk 12 MHz pin 35, uart_rx
// pin 6 (FTDI TXD), uart_tx pin 9 (FTDI RXD), btn_n pin 10 (user button,
// reset), led_r_n pin 11, led_g_n pin 37). Host:
// serial:///dev/ttyUSB1?baud=<BAUD>. Its files: uart_rx.v, uart_tx.v,
// uartbone.v, wb_regfile.v and htm3_accel's (hdl/rtl3), and htm3_accel's
// include, rtl/htm_arch.vh.
//
// ACCEL = 1 puts htm3_accel (parameters N..DIV_LAT) on the bus. SPRAM has
// no bitstream initialisation: the host loads the image through the memory
// windows, then RESTORE (ACCEL.md); under SIM the memories read their
// $readmemh files from +memdir=DIR (MEM_DIR is htm_accel's parameter,
// kept for the tools' parameter lists). ACCEL = 0 puts a 16-word register
// file (wb_regfile) there instead, to check the bridge on the board alone.
// Word addresses above the slave's address bits alias.
//
// Reset: a power-on counter (the iCE40's flip-flops start at 0) and the
// user button. The red LED is lit while a frame is in progress; the green
// LED toggles at every Wishbone acknowledge.
`default_nettype none
module icebreaker3_top #(
    parameter integer ACCEL = 1,
    parameter integer CLK_HZ = 12000000,
    parameter integer BAUD = 115200,
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    parameter integer LANES_OV = 4,
    parameter integer LANES_SYN = 4,
    parameter integer DIV_LAT = 18,
    parameter MEM_DIR = "mem"
) (
    input  wire clk,
    input  wire btn_n,
    input  wire uart_rx,
    output wire uart_tx,
    output wire led_r_n,
    output wire led_g_n
);
  localparam integer CLKS_PER_BIT = (CLK_HZ + BAUD / 2) / BAUD;
  localparam integer TIMEOUT = CLK_HZ / 10;  // LiteX's 100 ms

  reg [3:0] por = 4'd0;
  reg [1:0] btn_s = 2'b00;
  reg rst = 1'b1;
  always @(posedge clk) begin
    btn_s <= {btn_s[0], btn_n};
    if (por != 4'hf) por <= por + 4'd1;
    rst <= por != 4'hf || !btn_s[1];
  end

  wire [7:0] rx_data, tx_data;
  wire rx_valid, tx_valid, tx_ready, busy;
  wire cyc, stb, we, ack;
  wire [31:0] adr, dat_w, dat_r;
  wire [3:0] sel;
  wire unused = &{1'b0, adr[31:4]};  // the slaves decode the low bits only

  uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
      .clk(clk), .rst(rst), .rx(uart_rx), .data(rx_data), .valid(rx_valid));
  uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
      .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx));
  uartbone #(.TIMEOUT(TIMEOUT)) u_bridge (
      .clk(clk), .rst(rst), .rx_data(rx_data), .rx_valid(rx_valid),
      .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
      .wb_cyc_o(cyc), .wb_stb_o(stb), .wb_we_o(we), .wb_adr_o(adr), .wb_dat_o(dat_w),
      .wb_sel_o(sel), .wb_dat_i(dat_r), .wb_ack_i(ack), .busy(busy));

  generate
    if (ACCEL != 0) begin : g_accel
      htm3_accel #(.N(N), .C(C), .Q(Q), .K(K), .S(S), .M(M), .B(B), .G(G),
                   .LANES_OV(LANES_OV), .LANES_SYN(LANES_SYN), .DIV_LAT(DIV_LAT),
                   .MEM_DIR(MEM_DIR)) u_accel (
          .clk(clk), .rst(rst), .wb_cyc_i(cyc), .wb_stb_i(stb), .wb_we_i(we),
          .wb_adr_i(adr[13:0]), .wb_dat_i(dat_w), .wb_sel_i(sel), .wb_dat_o(dat_r), .wb_ack_o(ack));
    end else begin : g_regfile
      wb_regfile #(.AW(4)) u_regs (
          .clk(clk), .rst(rst), .wb_cyc_i(cyc), .wb_stb_i(stb), .wb_we_i(we),
          .wb_adr_i(adr[3:0]), .wb_dat_i(dat_w), .wb_sel_i(sel), .wb_dat_o(dat_r), .wb_ack_o(ack));
    end
  endgenerate

  reg led_g = 1'b0;
  always @(posedge clk) if (ack) led_g <= !led_g;
  assign led_r_n = !busy;
  assign led_g_n = !led_g;
endmodule
`default_nettype wire
