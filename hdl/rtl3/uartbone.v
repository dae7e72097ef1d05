// uartbone: a UART-to-Wishbone bridge speaking LiteX's UARTBone format
// (docs/DRIVER.md, "UARTBone"; driver.UARTBoneBridge is the byte-level
// reference), written from the protocol description:
//
//   request: cmd(1) len(1) addr(4, big-endian WORD address) [len x data(4, big-endian)]
//   cmd:     0x01 write, incrementing   0x02 read, incrementing
//            0x03 write, fixed address  0x04 read, fixed address
//   read:    answered by len words (4 bytes each, big-endian), no header
//   write:   not answered
//
// As LiteX's Stream2Wishbone: another command byte makes the bridge read
// the length and the address and go back to waiting for a command; the
// frame timer runs whenever the bridge is not waiting for a command and
// abandons the frame (an unfinished Wishbone cycle is dropped) TIMEOUT
// clocks after the command byte, answer included; the words left, the
// current one included, count down from len (1: the last), and len 0
// never ends (a flag), so it runs until the timeout (a write writes every
// word it receives, a read answers words until then).
// Words complete before the timeout stay written. Bytes that arrive while
// a read is answered, or while a Wishbone cycle runs, are lost (LiteX's PHY
// has no receive FIFO either; the host does not send then).
//
// Wishbone B4 classic master, 32 bits, word addressing, all byte lanes.
`default_nettype none
module uartbone #(
    parameter integer TIMEOUT = 1200000  // clocks (LiteX: 100 ms)
) (
    input  wire        clk,
    input  wire        rst,
    // received bytes (uart_rx)
    input  wire [7:0]  rx_data,
    input  wire        rx_valid,
    // bytes to send (uart_tx)
    output wire [7:0]  tx_data,
    output reg         tx_valid,
    input  wire        tx_ready,
    // Wishbone master
    output reg         wb_cyc_o,
    output reg         wb_stb_o,
    output reg         wb_we_o,
    output reg  [31:0] wb_adr_o,
    output wire [31:0] wb_dat_o,
    output wire [3:0]  wb_sel_o,
    input  wire [31:0] wb_dat_i,
    input  wire        wb_ack_i,
    // status
    output wire        busy       // not waiting for a command
);
  localparam [2:0] S_CMD = 3'd0, S_LEN = 3'd1, S_ADDR = 3'd2, S_WDATA = 3'd3,
                   S_WBUS = 3'd4, S_RBUS = 3'd5, S_RSEND = 3'd6;
  // The frame timer counts up from 2^WT - TIMEOUT + 1 (the command byte's
  // cycle is the first): its carry into bit WT (tend) is the timeout, so
  // that no comparison is needed. It is loaded with that constant alone
  // (reset, waiting for a command, the timeout: the flip-flops'
  // synchronous set and reset) and otherwise counts, so that each bit is
  // one cell (its LUT the incrementer's, with the carry).
  localparam integer WT = $clog2(TIMEOUT + 1);
  localparam integer TSTARTI = (1 << WT) - TIMEOUT + 1;
  localparam [WT:0] TSTART = TSTARTI[WT:0];

  reg [2:0] state;
  // Words left, the current one included (len first): 1 marks the last.
  reg [7:0] left;
  reg       inf;   // len 0: no last word
  reg is_write, is_read, incr;  // the command byte, decoded when it arrives
  reg [1:0] nbyte;
  // One shift register holds the word: the bytes of a write as they arrive
  // (then wb_dat_o, still during the bus cycle), a read's word as it is sent
  // (its top byte is tx_data).
  reg [31:0] word;
  assign wb_dat_o = word;
  assign tx_data = word[31:24];
  // The address: its bytes shifted in (S_ADDR), or incremented after a
  // word. The next value is one logic cell a bit on the iCE40: the LUT
  // takes the shifted-in bit, the bit, the load (S_ADDR) and the carry in,
  // its carry cell's operands the bit and the load (a loaded bit's carry
  // out is not read), so the multiplexer and the incrementer share the
  // cell with the flip-flop (Yosys maps them to two cells a bit).
  wire        a_ld = state == S_ADDR;
  wire [31:0] a_sh = {wb_adr_o[23:0], rx_data};
  wire [31:0] a_d;
`ifdef ICE40
  wire [32:0] a_c;
  assign a_c[0] = 1'b1;
  genvar gb;
  generate
    for (gb = 0; gb < 32; gb = gb + 1) begin : g_adr
      SB_LUT4 #(.LUT_INIT(16'hA3AC)) u_l (  // I2 ? I0 : I1 ^ I3
          .O(a_d[gb]), .I0(a_sh[gb]), .I1(wb_adr_o[gb]), .I2(a_ld), .I3(a_c[gb]));
      SB_CARRY u_c (.CO(a_c[gb+1]), .I0(wb_adr_o[gb]), .I1(a_ld), .CI(a_c[gb]));
    end
  endgenerate
`else
  assign a_d = a_ld ? a_sh : wb_adr_o + 32'd1;
`endif
  // The words left: len loaded (S_LEN) or decremented after a word, one
  // cell a bit likewise (the LUT's third input is "not loading", the
  // carry cell's second operand: left + 0xff with no carry in).
  wire       l_dec = state != S_LEN;
  wire [7:0] l_d;
`ifdef ICE40
  wire [8:0] l_c;
  assign l_c[0] = 1'b0;
  generate
    for (gb = 0; gb < 8; gb = gb + 1) begin : g_left
      SB_LUT4 #(.LUT_INIT(16'hCA3A)) u_l (  // I2 ? !(I1 ^ I3) : I0
          .O(l_d[gb]), .I0(rx_data[gb]), .I1(left[gb]), .I2(l_dec), .I3(l_c[gb]));
      SB_CARRY u_c (.CO(l_c[gb+1]), .I0(left[gb]), .I1(l_dec), .CI(l_c[gb]));
    end
  endgenerate
`else
  assign l_d = l_dec ? left - 8'd1 : rx_data;
`endif
  reg [WT:0] timer;
  wire tend = timer[WT];
  // The last word of the frame: none left (never for len 0).
  wire last = left == 8'd1 && !inf;
  wire t_ld = rst || state == S_CMD || tend;
  always @(posedge clk)
    if (t_ld) timer <= TSTART;
    else timer <= timer + 1'b1;
  assign wb_sel_o = 4'hf;
  assign busy = state != S_CMD;

  always @(posedge clk) begin
    if (rst) begin
      state <= S_CMD;
      wb_cyc_o <= 1'b0;
      wb_stb_o <= 1'b0;
      wb_we_o <= 1'b0;
      tx_valid <= 1'b0;
    end else if (state != S_CMD && tend) begin
      // Frame timeout: abandon the frame, whatever it was doing.
      state <= S_CMD;
      wb_cyc_o <= 1'b0;
      wb_stb_o <= 1'b0;
      wb_we_o <= 1'b0;
      tx_valid <= 1'b0;
    end else begin
      case (state)
        S_CMD:
          if (rx_valid) begin
            is_write <= rx_data == 8'h01 || rx_data == 8'h03;
            is_read <= rx_data == 8'h02 || rx_data == 8'h04;
            incr <= rx_data == 8'h01 || rx_data == 8'h02;
            state <= S_LEN;
          end
        S_LEN:
          if (rx_valid) begin
            left <= l_d;
            inf <= rx_data == 8'd0;
            nbyte <= 2'd0;
            state <= S_ADDR;
          end
        S_ADDR:
          if (rx_valid) begin
            wb_adr_o <= a_d;
            nbyte <= nbyte + 2'd1;
            if (nbyte == 2'd3) begin
              if (is_write) begin
                state <= S_WDATA;
              end else if (is_read) begin
                state <= S_RBUS;
                wb_cyc_o <= 1'b1;
                wb_stb_o <= 1'b1;
                wb_we_o <= 1'b0;
              end else begin
                state <= S_CMD;  // unknown command: frame header dropped
              end
            end
          end
        S_WDATA:
          if (rx_valid) begin
            nbyte <= nbyte + 2'd1;
            word <= {word[23:0], rx_data};
            if (nbyte == 2'd3) begin
              wb_cyc_o <= 1'b1;
              wb_stb_o <= 1'b1;
              wb_we_o <= 1'b1;
              state <= S_WBUS;
            end
          end
        S_WBUS:
          if (wb_ack_i) begin
            wb_cyc_o <= 1'b0;
            wb_stb_o <= 1'b0;
            wb_we_o <= 1'b0;
            if (incr) wb_adr_o <= a_d;
            left <= l_d;
            state <= last ? S_CMD : S_WDATA;
          end
        S_RBUS:
          if (wb_ack_i) begin
            wb_cyc_o <= 1'b0;
            wb_stb_o <= 1'b0;
            word <= wb_dat_i;
            nbyte <= 2'd0;
            tx_valid <= 1'b1;
            state <= S_RSEND;
          end
        S_RSEND:
          if (tx_valid && tx_ready) begin
            nbyte <= nbyte + 2'd1;
            word <= {word[23:0], 8'h00};
            if (nbyte == 2'd3) begin
              tx_valid <= 1'b0;
              if (incr) wb_adr_o <= a_d;
              left <= l_d;
              if (last) begin
                state <= S_CMD;
              end else begin
                state <= S_RBUS;
                wb_cyc_o <= 1'b1;
                wb_stb_o <= 1'b1;
              end
            end
          end
        default: state <= S_CMD;
      endcase
    end
  end
endmodule
`default_nettype wire
