// htm3_divser: a bit-serial restoring divider. The dividend comes one bit
// per cycle, most significant first (x while run is high): after the bits
// of an X-bit dividend, r holds its remainder by d (>= 1) and q the low WQ
// bits of its quotient. clr starts a new division; run must be low in the
// cycle after the last clr cycle (under ICE40 the remainder register is
// cleared through that cycle; checked under SIM). One subtraction of
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
    output wire [WD-1:0] r,
    output reg  [WQ-1:0] q
);
  wire [WD:0] t = {r, x};
  wire        ge;  // t >= d: no borrow, the quotient's bit
  /* verilator lint_off UNUSEDSIGNAL */  // read under ICE40 (the DSP's reset) and SIM (the check) only
  reg         clr_d;  // clr, a cycle later
  /* verilator lint_on UNUSEDSIGNAL */
  always @(posedge clk) clr_d <= clr;
  generate
`ifdef ICE40
    if (WD == 16) begin : g_dsp
      // Under ICE40 the remainder step is one SB_MAC16 (yosys's cells_sim.v
      // semantics; its top half only, as htm3_sp's): the top adder in
      // subtract mode gives C - A = t - d (mod 2^16) and CO = (A <= C), d
      // <= t's low 16 bits (t's bit 16 is r's top bit; r < d, so t <
      // 2^17); the output register is r: it takes the difference, or C = t
      // itself (OLOADTOP) on a borrow, holds when run is low (OHOLDTOP),
      // and is reset by clr a cycle later (ORSTTOP from a flip-flop: no
      // glitch on the reset; the same state whether the reset acts at
      // once or at the clock edge, since run is low in that cycle). No
      // carry chain, multiplexer or flip-flop of r in the fabric.
      /* verilator lint_off UNUSEDSIGNAL */  // the top half only: Yosys 0.23's ice40_dsp rewrites an SB_MAC16 whose low half is used
      wire [31:0] o;
      /* verilator lint_on UNUSEDSIGNAL */
      wire        co;
      SB_MAC16 #(
          .NEG_TRIGGER(1'b0), .C_REG(1'b0), .A_REG(1'b0), .B_REG(1'b0), .D_REG(1'b0),
          .TOP_8x8_MULT_REG(1'b0), .BOT_8x8_MULT_REG(1'b0),
          .PIPELINE_16x16_MULT_REG1(1'b0), .PIPELINE_16x16_MULT_REG2(1'b0),
          .TOPOUTPUT_SELECT(2'b01), .TOPADDSUB_LOWERINPUT(2'b00), .TOPADDSUB_UPPERINPUT(1'b1),
          .TOPADDSUB_CARRYSELECT(2'b00),
          .BOTOUTPUT_SELECT(2'b00), .BOTADDSUB_LOWERINPUT(2'b00), .BOTADDSUB_UPPERINPUT(1'b1),
          .BOTADDSUB_CARRYSELECT(2'b00),
          .MODE_8x8(1'b1), .A_SIGNED(1'b0), .B_SIGNED(1'b0)
      ) u_sub (
          .CLK(clk), .CE(1'b1), .A(d), .B(16'd0), .C(t[15:0]), .D(16'd0),
          .AHOLD(1'b0), .BHOLD(1'b0), .CHOLD(1'b0), .DHOLD(1'b0),
          .IRSTTOP(1'b0), .IRSTBOT(1'b0), .ORSTTOP(clr_d), .ORSTBOT(1'b0),
          .OLOADTOP(!ge), .OLOADBOT(1'b0), .ADDSUBTOP(1'b1), .ADDSUBBOT(1'b0),
          .OHOLDTOP(!run), .OHOLDBOT(1'b0), .CI(1'b0), .ACCUMCI(1'b0), .SIGNEXTIN(1'b0),
          .O(o), .CO(co), .ACCUMCO(), .SIGNEXTOUT());
      assign r = o[31:16];
      assign ge = t[16] || co;
    end else
`endif
    begin : g_fabric
      wire [WD:0]   sf = t - {1'b0, d};  // sf[WD]: borrow, t < d
      reg  [WD-1:0] rf;
      always @(posedge clk)
        if (clr) rf <= {WD{1'b0}};
        else if (run) rf <= ge ? sf[WD-1:0] : t[WD-1:0];
      assign r = rf;
      assign ge = !sf[WD];
    end
  endgenerate
  always @(posedge clk)
    if (clr) q <= {WQ{1'b0}};
    else if (run) q <= {q[WQ-2:0], ge};
`ifdef SIM
  always @(posedge clk) if (run && d == 0) $error("htm3_divser: division by zero");
  always @(posedge clk) if (run && clr_d && !clr) $error("htm3_divser: run in the cycle after clr");
`endif
endmodule
`default_nettype wire
