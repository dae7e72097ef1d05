// htm3_divser: a serial (restoring) divider, one quotient bit per cycle:
// q = x / d and r = x mod d for a WX-bit x and a WD-bit d >= 1, WX cycles
// after start (done rises then and stays until the next start).
`default_nettype none
module htm3_divser #(
    parameter integer WX = 64,
    parameter integer WD = 16
) (
    input  wire          clk,
    input  wire          start,
    input  wire [WX-1:0] x,
    input  wire [WD-1:0] d,
    output reg  [WX-1:0] q,
    output wire [WD-1:0] r,
    output reg           done
);
  localparam integer CW = $clog2(WX + 1);
  reg  [WD-1:0] rem;
  reg  [WD-1:0] dv;
  reg  [CW-1:0] n;
  wire [WD:0]   t = {rem, q[WX-1]};
  wire [WD:0]   s = t - {1'b0, dv};  // s[WD]: borrow, t < dv
  assign r = rem;
  initial done = 1'b0;
  always @(posedge clk) begin
    if (start) begin
      q <= x;
      rem <= {WD{1'b0}};
      dv <= d;
      n <= CW'(WX);
      done <= 1'b0;
    end else if (n != 0) begin
      rem <= s[WD] ? t[WD-1:0] : s[WD-1:0];
      q <= {q[WX-2:0], ~s[WD]};
      n <= n - 1'b1;
      done <= (n == 1);
    end
  end
`ifdef SIM
  always @(posedge clk) if (start && d == 0) $error("htm3_divser: division by zero");
`endif
endmodule
`default_nettype wire
