// uart_rx: 8N1 UART receiver. rx is synchronised to clk (two flip-flops);
// a falling edge starts a frame, every bit is sampled in its middle
// (CLKS_PER_BIT clocks apart). A byte whose stop bit reads 0 (framing
// error, or a break) is dropped. valid is high for one clock with data.
// data is the shift register itself (no copy): it holds the byte from its
// stop bit until the next byte's first data bit.
`default_nettype none
module uart_rx #(
    parameter integer CLKS_PER_BIT = 104
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       rx,
    output wire [7:0] data,
    output reg        valid
);
  localparam integer WC = $clog2(CLKS_PER_BIT + 1);
  localparam integer FULLI = CLKS_PER_BIT - 1;
  localparam integer HALFI = CLKS_PER_BIT / 2 - 1;
  localparam [WC-1:0] FULL = FULLI[WC-1:0];
  localparam [WC-1:0] HALF = HALFI[WC-1:0];
  reg [1:0] sync;
  reg busy;
  reg [WC-1:0] cnt;
  reg [3:0] bitn;  // 0: start bit, 1..8: data, 9: stop
  reg [7:0] shift;
  assign data = shift;
  wire rxs = sync[1];
  always @(posedge clk) begin
    sync <= {sync[0], rx};
    valid <= 1'b0;
    if (rst) begin
      sync <= 2'b11;
      busy <= 1'b0;
      cnt <= {WC{1'b0}};
      bitn <= 4'd0;
    end else if (!busy) begin
      if (!rxs) begin
        busy <= 1'b1;
        cnt <= HALF;
        bitn <= 4'd0;
      end
    end else if (cnt != {WC{1'b0}}) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt <= FULL;
      bitn <= bitn + 4'd1;
      if (bitn == 4'd0) begin
        if (rxs) busy <= 1'b0;  // a glitch, not a start bit
      end else if (bitn == 4'd9) begin
        busy <= 1'b0;
        if (rxs) valid <= 1'b1;
      end else begin
        shift <= {rxs, shift[7:1]};
      end
    end
  end
endmodule
`default_nettype wire
