// htm_tb: a plain-Verilog host for Icarus Verilog smoke tests. It reads
// in.hex (the number of steps, then per step the input count and the
// indices), runs each as a learning STEP over the Wishbone bus and prints
// "step S cycles C cols c0 c1 ..." per step.
`timescale 1ns/1ps
module htm_tb #(
    parameter integer N = 120, C = 256, Q = 60, K = 4, S = 1024, M = 16, B = 8, G = 8,
    parameter integer LANES_OV = 4, LANES_SYN = 4, DIV_LAT = 18
);
  `include "htm_arch.vh"

  reg clk = 0, rst = 1;
  reg cyc = 0, we = 0;
  reg [13:0] adr = 0;
  reg [31:0] dat = 0;
  wire [31:0] dat_o;
  wire ack;
  always #5 clk = ~clk;
  htm_accel #(.N(N), .C(C), .Q(Q), .K(K), .S(S), .M(M), .B(B), .G(G), .LANES_OV(LANES_OV), .LANES_SYN(LANES_SYN),
      .DIV_LAT(DIV_LAT)) dut (clk, rst, cyc, cyc, we, adr, dat, 4'hF, dat_o, ack);
  task wbw(input [13:0] a, input [31:0] d); begin
    @(negedge clk); cyc = 1; we = 1; adr = a; dat = d;
    @(posedge clk); while (!ack) @(posedge clk);
    @(negedge clk); cyc = 0; we = 0; end endtask
  task wbr(input [13:0] a, output [31:0] d); begin
    @(negedge clk); cyc = 1; we = 0; adr = a;
    @(posedge clk); while (!ack) @(posedge clk);
    d = dat_o; @(negedge clk); cyc = 0; end endtask
  reg [31:0] inw [0:65535];
  integer pos, n, i, s, nsteps;
  reg [31:0] v, st, cnt;
  initial begin
    $readmemh("in.hex", inw);
    nsteps = inw[0]; pos = 1;
    repeat (4) @(posedge clk); rst = 0;
    for (s = 0; s < nsteps; s = s + 1) begin
      n = inw[pos]; pos = pos + 1;
      wbr(REG_STEP_LO, st);
      wbw(REG_STEP_EXPECT, st);
      wbw(REG_IN_COUNT, n);
      for (i = 0; i < n; i = i + 1) begin wbw(REG_IN_BUF + i, inw[pos]); pos = pos + 1; end
      wbw(REG_CTRL, {~(CMD_STEP | CMD_LEARN), CMD_STEP | CMD_LEARN});
      v = 1; while (v[STATUS_BUSY_BIT]) wbr(REG_STATUS, v);
      wbr(REG_ERROR, v);
      if (v != 0) $display("ERROR %0d", v);
      wbr(REG_CYCLES, cnt);
      $write("step %0d cycles %0d cols", st, cnt);
      wbr(REG_OUT_COUNT, cnt);
      for (i = 0; i < cnt; i = i + 1) begin wbr(REG_OUT_BUF + i, v); $write(" %0d", v); end
      $write("\n");
    end
    $finish;
  end
endmodule
