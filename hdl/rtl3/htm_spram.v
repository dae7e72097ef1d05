// htm_spram: a single-ported synchronous RAM, the shape of an iCE40 UP5K
// SB_SPRAM256KA (16K x 16): one address a per cycle, a write (we = 1) or a
// read, whose word rd shows one cycle later. rd is unspecified in the cycle
// after a write (under simulation it holds the inverted written word).
// Under ICE40 the RAM is built from ceil(DEPTH/16384) x ceil(WIDTH/16)
// SB_SPRAM256KA tiles, instantiated explicitly (Yosys infers no SPRAM from a
// RAM with separate read and write addresses); otherwise it is behavioural.
// An SPRAM has no bitstream initialisation: only under simulation does FILE
// ("" for none) name a $readmemh file "<dir>/<FILE>.hex" (+memdir=DIR).
`default_nettype none
module htm_spram #(
    parameter integer WIDTH = 16,
    parameter integer DEPTH = 16384,
    // (ZERO is for silicon, FILE for simulation: each build uses one)
    /* verilator lint_off UNUSEDPARAM */
    parameter FILE = ""
    /* verilator lint_on UNUSEDPARAM */
) (
    input  wire             clk,
    input  wire [AW-1:0]    a,
    input  wire             we,
    input  wire [WIDTH-1:0] wd,
    output wire [WIDTH-1:0] rd
);
  localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
`ifdef ICE40
  localparam integer ROWS = (DEPTH + 16383) / 16384;
  localparam integer COLS = (WIDTH + 15) / 16;
  localparam integer RW = (ROWS > 1) ? $clog2(ROWS) : 1;
  wire [16*COLS-1:0] wdx = {{(16*COLS-WIDTH){1'b0}}, wd};
  wire [16*COLS-1:0] rdr[0:ROWS-1];
  wire [AW+13:0] ax = {14'd0, a};  // a, wide enough for the row select
  reg  [RW-1:0] rsel;  // the row read in the previous cycle
  always @(posedge clk) rsel <= ax[14+RW-1:14];
  genvar r, k;
  generate
    for (r = 0; r < ROWS; r = r + 1) begin : g_row
      for (k = 0; k < COLS; k = k + 1) begin : g_col
        SB_SPRAM256KA u_sp (
            .ADDRESS(ax[13:0]),
            .DATAIN(wdx[16*k+15:16*k]),
            .MASKWREN(4'b1111),
            .WREN(we),
            .CHIPSELECT(ax[14+RW-1:14] == r),
            .CLOCK(clk),
            .STANDBY(1'b0),
            .SLEEP(1'b0),
            .POWEROFF(1'b1),
            .DATAOUT(rdr[r][16*k+15:16*k])
        );
      end
    end
  endgenerate
  wire [16*COLS-1:0] rdw = rdr[rsel];
  assign rd = rdw[WIDTH-1:0];
`else
  reg [WIDTH-1:0] mem[0:DEPTH-1];
  reg [WIDTH-1:0] q;
  assign rd = q;
`ifdef SIM
  string dir;
  integer i;
  initial begin
    for (i = 0; i < DEPTH; i = i + 1) mem[i] = {WIDTH{1'b0}};
    q = {WIDTH{1'b0}};
    if (FILE != "") begin
      if (!$value$plusargs("memdir=%s", dir)) dir = "mem";
      $readmemh({dir, "/", FILE, ".hex"}, mem);
    end
  end
`endif
  always @(posedge clk)
    if (we) begin
      mem[a] <= wd;
`ifdef SIM
      q <= ~wd;
`endif
    end else q <= mem[a];
`endif
endmodule
`default_nettype wire
