// htm3_crc: the CRC sequencer of the host interface (docs/ARCHITECTURE.md
// 3.1: IN_CRC, OUT_CRC, CRC_VALUE). It owns no data path of its own: it
// asks htm3_host's read path for the words it covers, by their bus address
// (IN_COUNT, IN_BUF + i, STEP_LO, OUT_COUNT, OUT_BUF + i, PRED_COUNT,
// PRED_BUF + i, ANOM_NUM, ANOM_DEN; a memory's word i as MEM_DATA_LO, at
// its own index instead of the window's: since the window addresses units,
// no word is wider than 4 bytes;
// a buffer's word i by the buffer's base address, htm3_host taking i from
// idx, not from ra), and feeds the word the host returns (d, the host's
// read data register) one bit a cycle, least significant first, into a bit-serial CRC-32 (IEEE,
// reflected): the same CRC as a byte at a time, 8 times slower, in about
// 20 LUTs instead of about 85 plus a 32-bit word register and its
// multiplexer.
//
// A run: start with mode (MODE_MEM: memory sel_i, len_i words of nb_i
// bytes; MODE_IN: IN_COUNT then IN_BUF[0 .. min(IN_COUNT, 1024)); MODE_OUT:
// STEP_LO, OUT_COUNT, OUT_BUF[0 .. OUT_COUNT), PRED_COUNT, PRED_BUF[0 ..
// PRED_COUNT), ANOM_NUM, ANOM_DEN); busy until value holds the CRC. A
// buffer's loop length is the count fed just before it (one register, len,
// loaded from the word read: no multiplexer of the counts), a memory's is
// len_i. The counts do not change while it runs (the host serves no command
// then).
`default_nettype none
module htm3_crc #(
    parameter integer WA = 15  // bits of a memory's word index (its depth fits)
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        start,
    input  wire        clr,     // CRC_VALUE to 0 (RESET, a refused CRC_SEL)
    input  wire [1:0]  mode,
    input  wire [WA-1:0] len_i,   // MODE_MEM: the memory's depth
    input  wire [1:0]  nb_i,    // MODE_MEM: log2 of the bytes per word (1, 2, 4; a unit is 4)
    input  wire        in_gt,   // IN_COUNT > 1,024 (IN_CRC covers 1,024 words then)
    // reads through htm3_host: rq asks for the word at bus address ra (for
    // MEM_DATA_LO: memory sel_i's word idx), ack says d holds it
    output reg         rq,
    output reg  [13:0] ra,
    output wire [WA-1:0] idx,
    input  wire        ack,
    input  wire [31:0] d,
    output reg         busy,
    output wire [31:0] value
);
  `include "htm_arch.vh"
  localparam [1:0] MODE_IN = 2'd1, MODE_OUT = 2'd2;  // and 0: a memory
  // The items, in order: 0 .. 6 MODE_OUT's, 7 .. 8 MODE_IN's, 9 a memory's
  // words. 2, 4, 8 and 9 are loops over ci.
  localparam [3:0] P_STEP = 4'd0, P_OCNT = 4'd1, P_OBUF = 4'd2, P_PCNT = 4'd3, P_PBUF = 4'd4,
                   P_ANUM = 4'd5, P_ADEN = 4'd6, P_ICNT = 4'd7, P_IBUF = 4'd8, P_MEM = 4'd9;
  localparam [1:0] C_NEXT = 2'd0, C_WAIT = 2'd1, C_FEED = 2'd2, C_FIN = 2'd3;

  // z is the complement of the running CRC register: it starts at 0 (the
  // register's all ones) and is the CRC itself at the end, so that start,
  // the clear and the end need no multiplexer: a step of the register,
  // c' = (c >> 1) ^ (c[0] ^ b ? P : 0), is z' = {1, z >> 1} ^ (!z[0] ^ b ? P : 0).
  reg [31:0] z;
  assign value = z;
  reg [1:0]  cs;
  reg [3:0]  cp;   // the item
  reg [WA-1:0] ci;   // the word within a loop
  reg [WA-1:0] len;  // the loop's length
  reg [4:0]  cb;   // the bit fed
  reg [1:0]  nb;   // log2 of the bytes per memory word
  assign idx = ci;

  wire loop = cp == P_OBUF || cp == P_PBUF || cp == P_IBUF || cp == P_MEM;
  // The loop's length: a memory's depth, loaded at the start; a buffer's
  // count, loaded from the word just fed at the end of every other item
  // (the count is the item before its buffer: OUT_COUNT, PRED_COUNT,
  // IN_COUNT; the others' loads are not read). IN_COUNT above 1,024 (in_gt)
  // is clamped to 1,024, bit 10 alone (cp[2] & cp[1]: P_ICNT, or P_ADEN whose
  // load is not read; checked under SIM). OUT_COUNT and PRED_COUNT are at
  // most C, below 1,024.
  wire          g = in_gt && cp[2] && cp[1];
  wire [WA-1:0] dlen = {d[WA-1:11] & ~{(WA - 11) {g}}, d[10] | g, d[9:0] & ~{10{g}}};
  always @* begin
    case (cp)
      P_STEP: ra = REG_STEP_LO;
      P_OCNT: ra = REG_OUT_COUNT;
      P_OBUF: ra = REG_OUT_BUF;
      P_PCNT: ra = REG_PRED_COUNT;
      P_PBUF: ra = REG_PRED_BUF;
      P_ANUM: ra = REG_ANOM_NUM;
      P_ADEN: ra = REG_ANOM_DEN;
      P_ICNT: ra = REG_IN_COUNT;
      P_IBUF: ra = REG_IN_BUF;
      default: ra = REG_MEM_DATA_LO;
    endcase
  end
  // the last bit of a word: 8 x its bytes - 1 (registers, buffers and units 4)
  wire [4:0] cb_last = (cp != P_MEM || nb[1]) ? 5'd31 : nb[0] ? 5'd15 : 5'd7;
  wire       w_end = cs == C_FEED && cb == cb_last;
  wire       fb = !z[0] ^ d[cb];

  always @(posedge clk) begin
    rq <= 1'b0;
    if (start) begin
      busy <= 1'b1;
      z <= 32'd0;
      cs <= C_NEXT;
      ci <= {WA{1'b0}};
      nb <= nb_i;
      cp <= (mode == MODE_OUT) ? P_STEP : (mode == MODE_IN) ? P_ICNT : P_MEM;
    end else if (busy) begin
      case (cs)
        C_NEXT:
        if (loop && ci == len) begin
          ci <= {WA{1'b0}};
          if (cp == P_IBUF || cp == P_MEM) cs <= C_FIN;
          else cp <= cp + 4'd1;
        end else begin
          rq <= 1'b1;
          cs <= C_WAIT;
        end
        C_WAIT:
        if (ack) begin
          cb <= 5'd0;
          cs <= C_FEED;
        end
        C_FEED: begin
          z <= {1'b1, z[31:1]} ^ (fb ? 32'hEDB88320 : 32'd0);
          cb <= cb + 5'd1;
          if (cb == cb_last) begin
            cs <= C_NEXT;
            if (loop) ci <= ci + 1'b1;
            else if (cp == P_ADEN) cs <= C_FIN;
            else cp <= cp + 4'd1;
          end
        end
        default: busy <= 1'b0;  // C_FIN
      endcase
    end
    if (start) len <= len_i;
    else if (w_end && !loop) len <= dlen;
    if (clr) z <= 32'd0;
    if (rst) begin
      busy <= 1'b0;
      rq <= 1'b0;
      z <= 32'd0;
    end
  end
`ifdef SIM
  initial
    if (IN_BUF_WORDS != 1024 || P_ICNT != 4'd7 || P_OCNT[2:1] == 2'b11 || P_PCNT[2:1] == 2'b11 ||
        P_STEP[2:1] == 2'b11 || P_OBUF != P_OCNT + 4'd1 || P_PBUF != P_PCNT + 4'd1 || P_IBUF != P_ICNT + 4'd1 || WA < 11)
      $error("htm3_crc: the loop length's loads changed");
  // every word of a memory is at most a unit (4 bytes)
  always @(posedge clk) if (start && mode == 2'd0 && nb_i == 2'd3) $error("htm3_crc: 8-byte words are not covered");
`endif
endmodule
`default_nettype wire
