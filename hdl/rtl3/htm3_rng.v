// htm3_rng: the TM generator of docs/SPEC.md section 3 with the one shared
// multiplier. shift moves the state's high half into its low half and
// shift_in into its high half (regs word 5 is loaded a half at a time, low
// half first, and written from the low half, shifted between the two
// writes: one 16-bit path each way); step advances it by one
// xorshift32 draw (13/17/5) at the clock edge; below is, combinationally,
// the high word of state * below_n: after a step, below(n) =
// floor(draw * n / 2^32) for that draw (SPEC 3).
`default_nettype none
module htm3_rng #(
    parameter integer NW = 11  // width of n (n < 2^NW)
) (
    input  wire          clk,
    input  wire          shift,
    input  wire [  15:0] shift_in,
    input  wire          step,
    input  wire [NW-1:0] below_n,
    output wire [  15:0] state_lo,  // the state's low half (regs 5 is written from it)
    output wire [NW-1:0] below
);
  reg [31:0] state;
  assign state_lo = state[15:0];
  wire [31:0] x1 = state ^ (state << 13);
  wire [31:0] x2 = x1 ^ (x1 >> 17);
  wire [31:0] x3 = x2 ^ (x2 << 5);
  always @(posedge clk) begin
    if (shift) state <= {shift_in, state[31:16]};
    else if (step) state <= x3;
  end
  // the low word of the product is not used: below() is the high word
  /* verilator lint_off UNUSEDSIGNAL */
  wire [31+NW:0] prod = {{NW{1'b0}}, state} * {32'd0, below_n};
  /* verilator lint_on UNUSEDSIGNAL */
  assign below = prod[31+NW:32];
endmodule
`default_nettype wire
