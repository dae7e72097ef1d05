// htm3_crc: the CRC sequencer of the host interface (docs/ARCHITECTURE.md
// 3.1: IN_CRC, OUT_CRC, CRC_VALUE), one byte a cycle through one CRC-32
// (IEEE, reflected) byte circuit. It reads the words it needs through the
// logical memory port (htm3_memmap: memories, IN_BUF, OUT_BUF, PRED_BUF)
// and feeds each as 1, 2, 4 or 8 bytes, least significant first.
//
// A run: start with mode (MODE_MEM: memory sel, len words of nb bytes;
// MODE_IN: IN_COUNT then IN_BUF[0 .. IN_COUNT); MODE_OUT: STEP_LO,
// OUT_COUNT, OUT_BUF[0 .. OUT_COUNT), PRED_COUNT, PRED_BUF[0 .. PRED_COUNT),
// ANOM_NUM, ANOM_DEN); busy until value holds the CRC.
`default_nettype none
module htm3_crc (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire        clr,     // CRC_VALUE to 0 (RESET, a refused CRC_SEL)
    input  wire [1:0]  mode,
    input  wire [4:0]  sel_i,
    input  wire [15:0] len_i,
    input  wire [3:0]  nb_i,
    // the registers OUT_CRC and IN_CRC cover
    input  wire [31:0] in_count,
    input  wire [31:0] step_lo,
    input  wire [31:0] out_count,
    input  wire [31:0] pred_count,
    input  wire [31:0] anom_num,
    input  wire [31:0] anom_den,
    // the logical memory port
    output reg         req,
    output reg  [4:0]  sel,
    output reg  [15:0] addr,
    input  wire        ack,
    input  wire [63:0] rd,
    output reg         busy,
    output wire [31:0] value
);
  localparam [1:0] MODE_IN = 2'd1, MODE_OUT = 2'd2;  // and 0: a memory
  localparam integer IN_BUF_WORDS = 1024;  // ARCHITECTURE.md 3.1 (IN_CRC covers at most these)
  localparam [4:0] SEL_IN_BUF = 5'd16, SEL_OUT_BUF = 5'd17, SEL_PRED_BUF = 5'd18;

  // CRC-32 of one byte.
  function [31:0] crc_byte(input [31:0] c0, input [7:0] d);
    integer i;
    reg [31:0] c;
    begin
      c = c0 ^ {24'd0, d};
      for (i = 0; i < 8; i = i + 1) c = c[0] ? ((c >> 1) ^ 32'hEDB88320) : (c >> 1);
      crc_byte = c;
    end
  endfunction

  reg [31:0] crc;     // running; the CRC (complemented) when done
  assign value = crc;
  reg [15:0] len;     // words to read: a memory's depth, IN_COUNT (at most IN_BUF's 1,024), OUT_COUNT, PRED_COUNT
  reg [31:0] cword;   // bytes still to feed, least significant first
  reg [1:0]  hsrc;    // a high half to feed next: 1 the word read, 2 OUT_COUNT, 3 ANOM_DEN
  reg [3:0]  cnb;     // how many
  reg [3:0]  nb;      // bytes per memory word
  reg        wait_r;  // a read is out
  reg [1:0]  post;    // MODE_OUT's parts after OUT_BUF: 1 PRED_COUNT and PRED_BUF, 2 ANOM_NUM and ANOM_DEN

  always @(posedge clk) begin
    req <= 1'b0;
    if (start) begin
      busy <= 1'b1;
      crc <= 32'hFFFFFFFF;
      addr <= 16'd0;
      wait_r <= 1'b0;
      case (mode)
        MODE_IN: begin
          sel <= SEL_IN_BUF; len <= (in_count > IN_BUF_WORDS) ? 16'(IN_BUF_WORDS) : in_count[15:0]; nb <= 4'd4;
          cword <= in_count; cnb <= 4'd4; hsrc <= 2'd0; post <= 2'd0;
        end
        MODE_OUT: begin
          sel <= SEL_OUT_BUF; len <= out_count[15:0]; nb <= 4'd4; cword <= step_lo; cnb <= 4'd4; hsrc <= 2'd2;
          post <= 2'd1;
        end
        default: begin  // a memory
          sel <= sel_i; len <= len_i; nb <= nb_i; cnb <= 4'd0; hsrc <= 2'd0; post <= 2'd0;
        end
      endcase
    end else if (busy) begin
      if (cnb != 0) begin
        crc <= crc_byte(crc, cword[7:0]);
        cword <= {8'd0, cword[31:8]};
        cnb <= cnb - 1'b1;
      end else if (hsrc != 2'd0) begin
        // the high half of an 8-byte item (the word read is held by the port)
        cword <= (hsrc == 2'd1) ? rd[63:32] : (hsrc == 2'd2) ? out_count : anom_den;
        cnb <= 4'd4;
        hsrc <= 2'd0;
      end else if (wait_r) begin
        if (ack) begin
          cword <= rd[31:0];
          cnb <= (nb == 4'd8) ? 4'd4 : nb;
          hsrc <= (nb == 4'd8) ? 2'd1 : 2'd0;
          wait_r <= 1'b0;
          addr <= addr + 1;
        end
      end else if (addr < len) begin
        req <= 1'b1;
        wait_r <= 1'b1;
      end else if (post == 2'd1) begin
        cword <= pred_count;
        cnb <= 4'd4;
        sel <= SEL_PRED_BUF;
        addr <= 16'd0;
        len <= pred_count[15:0];
        post <= 2'd2;
      end else if (post == 2'd2) begin
        cword <= anom_num;
        cnb <= 4'd4;
        hsrc <= 2'd3;
        post <= 2'd0;
      end else begin
        busy <= 1'b0;
        crc <= ~crc;
      end
    end
    if (clr) crc <= 32'd0;
    if (rst) begin
      busy <= 1'b0;
      req <= 1'b0;
      crc <= 32'd0;
    end
  end
endmodule
`default_nettype wire
