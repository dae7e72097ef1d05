// htm3d_ebr (here), htm3d_spram (htm3d_spram.v): the dendrite unit's stand-ins for the two memory
// wrappers of docs/ARCHITECTURE-3.md section 1 (htm_ebr: one read port and
// one write port; htm_spram: one port, read or write), with the same timing
// (one cycle of read latency). They are to be replaced by the shared
// wrappers of hdl/rtl3 when those land. Under SIM a memory with a FILE is
// loaded with $readmemh from +memdir=DIR (default MEM_DIR), FILE.hex.
`default_nettype none
module htm3d_ebr #(
    parameter integer WIDTH = 16,
    parameter integer DEPTH = 256,
    /* verilator lint_off UNUSEDPARAM */  // used under SIM
    parameter FILE = "",
    parameter MEM_DIR = "mem",
    /* verilator lint_on UNUSEDPARAM */
    localparam integer AW = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire             clk,
    input  wire [   AW-1:0] ra,
    output reg  [WIDTH-1:0] rd,
    input  wire             we,
    input  wire [   AW-1:0] wa,
    input  wire [WIDTH-1:0] wd
);
  // A read of the address written in the same cycle is unspecified (the
  // iCE40 EBR's behaviour; no bypass logic): the unit never makes one whose
  // data it uses, and under SIM such a read returns the inverted word so
  // that a test would catch a use.
  (* no_rw_check *) reg [WIDTH-1:0] mem[0:DEPTH-1];
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
  always @(posedge clk) begin
    if (we) mem[wa] <= wd;
`ifdef SIM
    if (we && wa == ra) rd <= ~mem[ra];
    else
`endif
      rd <= mem[ra];
  end
endmodule

`default_nettype wire
