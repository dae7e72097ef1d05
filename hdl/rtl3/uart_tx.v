// uart_tx: 8N1 UART transmitter. A byte is taken when valid and ready are
// both high; ready is low while it is sent (start bit, 8 data bits least
// significant first, stop bit, CLKS_PER_BIT clocks each).
`default_nettype none
module uart_tx #(
    parameter integer CLKS_PER_BIT = 104
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] data,
    input  wire       valid,
    output wire       ready,
    output reg        tx
);
  localparam integer WC = $clog2(CLKS_PER_BIT + 1);
  localparam integer FULLI = CLKS_PER_BIT - 1;
  localparam [WC-1:0] FULL = FULLI[WC-1:0];
  reg busy;
  reg [WC-1:0] cnt;
  reg [3:0] bitn;
  reg [7:0] shift;  // data, shifted out least significant first
  assign ready = !busy;
  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
      tx <= 1'b1;
      cnt <= {WC{1'b0}};
      bitn <= 4'd0;
    end else if (!busy) begin
      if (valid) begin
        busy <= 1'b1;
        shift <= data;
        tx <= 1'b0;
        cnt <= FULL;
        bitn <= 4'd0;
      end
    end else if (cnt != {WC{1'b0}}) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt <= FULL;
      bitn <= bitn + 4'd1;
      if (bitn == 4'd9) begin
        busy <= 1'b0;  // stop bit done
      end else if (bitn == 4'd8) begin
        tx <= 1'b1;  // stop bit
      end else begin
        tx <= shift[0];
        shift <= {1'b1, shift[7:1]};
      end
    end
  end
endmodule
`default_nettype wire
