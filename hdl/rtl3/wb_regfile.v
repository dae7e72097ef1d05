// wb_regfile: a small Wishbone B4 classic slave, 2**AW words of 32 bits
// (word addressing, byte selects honoured), acknowledged one clock after
// the strobe. A stand-in for htm_accel, to check the UART bridge on a
// board alone (icebreaker_top, ACCEL = 0).
`default_nettype none
module wb_regfile #(
    parameter integer AW = 4
) (
    input  wire          clk,
    input  wire          rst,
    input  wire          wb_cyc_i,
    input  wire          wb_stb_i,
    input  wire          wb_we_i,
    input  wire [AW-1:0] wb_adr_i,
    input  wire [31:0]   wb_dat_i,
    input  wire [3:0]    wb_sel_i,
    output reg  [31:0]   wb_dat_o,
    output reg           wb_ack_o
);
  reg [31:0] mem[0:(1<<AW)-1];
  integer i;
  always @(posedge clk) begin
    wb_ack_o <= 1'b0;
    if (rst) begin
      wb_ack_o <= 1'b0;
    end else if (wb_cyc_i && wb_stb_i && !wb_ack_o) begin
      wb_ack_o <= 1'b1;
      wb_dat_o <= mem[wb_adr_i];
      if (wb_we_i)
        for (i = 0; i < 4; i = i + 1)
          if (wb_sel_i[i]) mem[wb_adr_i][8*i+:8] <= wb_dat_i[8*i+:8];
    end
  end
endmodule
`default_nettype wire
