// htm3_rng: the TM generator of docs/SPEC.md section 3 with the one shared
// multiplier. load sets one 16-bit half of the state (the high half with
// load_hi: regs word 5 is read a half at a time); step advances it by one
// xorshift32 draw (13/17/5) at the clock edge; below is, combinationally,
// the high word of state * below_n: after a step, below(n) =
// floor(draw * n / 2^32) for that draw (SPEC 3).
`default_nettype none
module htm3_rng #(
    parameter integer NW = 11  // width of n (n < 2^NW)
) (
    input  wire          clk,
    input  wire          load,
    input  wire          load_hi,
    input  wire [  15:0] load_val,
    input  wire          step,
    input  wire [NW-1:0] below_n,
    output reg  [  31:0] state,
    output wire [NW-1:0] below
);
  wire [31:0] x1 = state ^ (state << 13);
  wire [31:0] x2 = x1 ^ (x1 >> 17);
  wire [31:0] x3 = x2 ^ (x2 << 5);
  always @(posedge clk) begin
    if (load) begin
      if (load_hi) state[31:16] <= load_val;
      else state[15:0] <= load_val;
    end else if (step) state <= x3;
  end
  // the low word of the product is not used: below() is the high word
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31+NW:0] prod = {{NW{1'b0}}, state} * {32'd0, below_n};
  /* verilator lint_on UNUSEDSIGNAL */
  assign below = prod[31+NW:32];
endmodule
`default_nettype wire
