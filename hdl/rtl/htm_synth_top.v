// htm_synth_top: a pin-light wrapper of htm_accel for synthesis and place
// and route (an iCE40 UP5K has 39 I/Os, the Wishbone bus needs 85). A host
// shifts a 47-bit request {we, adr[13:0], dat[31:0]} into sdi, most
// significant bit first, on rising edges of sck while cs_n is low (sck and
// sdi synchronised to clk); raising cs_n runs the Wishbone cycle, whose read
// data then shifts out on sdo during the next request. Not part of the
// verified design: it only gives the tools real I/O.
`default_nettype none
module htm_synth_top #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    parameter integer LANES_OV = 4,
    parameter integer LANES_SYN = 4,
    parameter integer DIV_LAT = 18,
    parameter MEM_DIR = "mem"
) (
    input  wire clk,
    input  wire rst,
    input  wire sck,
    input  wire sdi,
    input  wire cs_n,
    output wire sdo
);
  reg [2:0] sck_s, cs_s;
  reg [1:0] sdi_s;
  reg [46:0] sin;
  reg [31:0] sout;
  reg cyc, we;
  reg [13:0] adr;
  reg [31:0] dat;
  wire [31:0] dat_o;
  wire ack;
  always @(posedge clk) begin
    sck_s <= {sck_s[1:0], sck};
    cs_s <= {cs_s[1:0], cs_n};
    sdi_s <= {sdi_s[0], sdi};
    if (!cs_s[1] && sck_s[2:1] == 2'b01) begin
      sin <= {sin[45:0], sdi_s[1]};
      sout <= {sout[30:0], 1'b0};
    end
    if (cs_s[2:1] == 2'b01 && !cyc) begin
      cyc <= 1;
      {we, adr, dat} <= sin;
    end
    if (cyc && ack) begin
      cyc <= 0;
      sout <= dat_o;
    end
    if (rst) cyc <= 0;
  end
  assign sdo = sout[31];
  htm_accel #(
      .N(N), .C(C), .Q(Q), .K(K), .S(S), .M(M), .B(B), .G(G), .LANES_OV(LANES_OV), .LANES_SYN(LANES_SYN),
      .DIV_LAT(DIV_LAT), .MEM_DIR(MEM_DIR)
  ) u_accel (
      .clk(clk), .rst(rst), .wb_cyc_i(cyc), .wb_stb_i(cyc), .wb_we_i(we), .wb_adr_i(adr), .wb_dat_i(dat),
      .wb_sel_i(4'hF), .wb_dat_o(dat_o), .wb_ack_o(ack)
  );
endmodule
`default_nettype wire
