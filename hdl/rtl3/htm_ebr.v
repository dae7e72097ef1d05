// htm_ebr: a synchronous RAM with one read port and one write port, the
// shape of an iCE40 SB_RAM40_4K (Yosys infers it for any WIDTH and DEPTH,
// splitting into 16-bit-wide, 256..4096-deep blocks). A read has one
// cycle of latency. A read of the word written in the same cycle returns an
// unspecified word (the block RAM does not define it); under simulation it
// returns the inverted old word, so that a user relying on it fails its
// tests. Every size maps to block RAM (ram_style), even a few words, so
// that no memory becomes flip-flops. ZERO = 1 starts the contents at zero
// (an EBR's bitstream initialisation); under simulation FILE ("" for none)
// names a $readmemh file "<dir>/<FILE>.hex", <dir> from the plusarg
// +memdir=DIR.
`default_nettype none
module htm_ebr #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    // (ZERO is for silicon, FILE for simulation: each build uses one)
    /* verilator lint_off UNUSEDPARAM */
    parameter integer ZERO  = 0,
    parameter FILE = ""
    /* verilator lint_on UNUSEDPARAM */
) (
    input  wire                  clk,
    input  wire [AW-1:0]         ra,
    output reg  [WIDTH-1:0]      rd,
    input  wire                  we,
    input  wire [AW-1:0]         wa,
    input  wire [WIDTH-1:0]      wd
);
  localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  (* no_rw_check, ram_style = "block" *) reg [WIDTH-1:0] mem[0:DEPTH-1];
`ifdef SIM
  string dir;
  integer i;
  initial begin
    for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
    rd = {WIDTH{1'b0}};
    if (FILE != "") begin
      if (!$value$plusargs("memdir=%s", dir)) dir = "mem";
      $readmemh({dir, "/", FILE, ".hex"}, mem);
    end
  end
  always @(posedge clk) begin
    if (we) begin
      if (32'(wa) >= DEPTH) $error("htm_ebr %s: write at %0d beyond depth %0d", FILE, wa, DEPTH);
      mem[wa] <= wd;
    end
    if (we && wa == ra) rd <= ~mem[ra];
    else rd <= mem[ra];
  end
`else
  generate
    if (ZERO != 0) begin : g_zero
      integer i;
      initial for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
    end
  endgenerate
  always @(posedge clk) begin
    if (we) mem[wa] <= wd;
    rd <= mem[ra];
  end
`endif
endmodule
`default_nettype wire
