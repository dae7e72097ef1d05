// htm_ram: a synchronous RAM with one read port and one write port
// (docs/ARCHITECTURE.md section 2): reads have one cycle of latency and
// return the old word when the same address is written in the same cycle.
// The contents start from "<dir>/<FILE>.hex" ($readmemh) when FILE is not
// empty, else from zeros. Under simulation (SIM defined) <dir> comes from
// the plusarg +memdir=DIR when given, else from MEM_DIR.
//
// RW_OLD = 0 is for a RAM whose user never uses the word read in a cycle
// that writes the same address, nor a word read beyond DEPTH: those reads
// return an unspecified word (Yosys's no_rw_check). An iCE40 block RAM does
// not define a read of the word being written, so for RW_OLD = 1 Yosys
// delays every write by a cycle and bypasses the read, which costs about
// WIDTH plus the address in flip-flops; RW_OLD = 0 saves them. Under
// simulation such reads return the inverted old word (all ones beyond
// DEPTH), so that a user that does use them fails its tests.
`default_nettype none
module htm_ram #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    parameter FILE = "",
    parameter MEM_DIR = "mem",
    parameter integer RW_OLD = 1
) (
    input  wire                     clk,
    input  wire [$clog2(DEPTH+1)-1:0] ra,
    output reg  [WIDTH-1:0]         rd,
    input  wire                     we,
    input  wire [$clog2(DEPTH+1)-1:0] wa,
    input  wire [WIDTH-1:0]         wd
);
`ifdef __ICARUS__
  reg [WIDTH-1:0] mem[0:DEPTH-1];  // (Icarus 11 takes no parameter in an attribute)
`else
  (* no_rw_check = (RW_OLD == 0) *) reg [WIDTH-1:0] mem[0:DEPTH-1];
`endif
  integer i;
`ifdef SIM
`ifdef VERILATOR
  string dir, path;  // (a vector's leading NULs would stay in the file name)
`else
  reg [8*1024-1:0] dir, path;  // Icarus 11 takes no string from $value$plusargs
`endif
  initial begin
    for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
    rd = {WIDTH{1'b0}};
    if (FILE != "") begin
      if (!$value$plusargs("memdir=%s", dir)) dir = MEM_DIR;
`ifdef VERILATOR
      path = {dir, "/", FILE, ".hex"};
`else
      $swrite(path, "%0s/%0s.hex", dir, FILE);
`endif
      $readmemh(path, mem);
    end
  end
`else
  initial begin
    if (FILE != "") $readmemh({MEM_DIR, "/", FILE, ".hex"}, mem);
    else for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
  end
`endif
  always @(posedge clk) begin
    if (we && wa < DEPTH) mem[wa[$clog2(DEPTH+1)-1:0]] <= wd;
    if (RW_OLD != 0) rd <= (ra < DEPTH) ? mem[ra] : {WIDTH{1'b0}};
`ifdef SIM
    else if (ra >= DEPTH) rd <= {WIDTH{1'b1}};
    else if (we && wa == ra) rd <= ~mem[ra];
`endif
    else rd <= mem[ra];
  end
endmodule
`default_nettype wire
