// htm3d_spram: see htm3d_ebr.v.
`default_nettype none
module htm3d_spram #(
    parameter integer WIDTH = 16,
    parameter integer DEPTH = 16384,
    /* verilator lint_off UNUSEDPARAM */  // used under SIM
    parameter FILE = "",
    parameter MEM_DIR = "mem",
    /* verilator lint_on UNUSEDPARAM */
    localparam integer AW = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire             clk,
    input  wire [   AW-1:0] a,
    input  wire             we,
    input  wire [WIDTH-1:0] wd,
    output reg  [WIDTH-1:0] rd
);
  reg [WIDTH-1:0] mem[0:DEPTH-1];
`ifdef SIM
  string dir;
  integer i;
  initial begin
    for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
    rd = {WIDTH{1'b0}};
    if (FILE != "") begin
      if (!$value$plusargs("memdir=%s", dir)) dir = MEM_DIR;
      $readmemh({dir, "/", FILE, ".hex"}, mem);
    end
  end
`endif
  // Single port: a write cycle leaves rd unchanged.
  always @(posedge clk) begin
    if (we) mem[a] <= wd;
    else rd <= mem[a];
  end
endmodule
`default_nettype wire
