// htm3_divser: a bit-serial restoring divider. The dividend comes one bit
// per cycle, most significant first (x while run is high): after the bits
// of an X-bit dividend, r holds its remainder by d (>= 1) and q the low WQ
// bits of its quotient. clr starts a new division. One subtraction of
// WD + 1 bits and no copy of the dividend: the user picks each bit from
// where it already is.
`default_nettype none
module htm3_divser #(
    parameter integer WD = 16,
    parameter integer WQ = 17
) (
    input  wire          clk,
    input  wire          clr,
    input  wire          run,
    input  wire          x,
    input  wire [WD-1:0] d,
    output reg  [WD-1:0] r,
    output reg  [WQ-1:0] q
);
  wire [WD:0] t = {r, x};
  wire [WD:0] s = t - {1'b0, d};  // s[WD]: borrow, t < d
  always @(posedge clk)
    if (clr) begin
      r <= {WD{1'b0}};
      q <= {WQ{1'b0}};
    end else if (run) begin
      r <= s[WD] ? t[WD-1:0] : s[WD-1:0];
      q <= {q[WQ-2:0], ~s[WD]};
    end
`ifdef SIM
  always @(posedge clk) if (run && d == 0) $error("htm3_divser: division by zero");
`endif
endmodule
`default_nettype wire
