// htm3_sp_top: a pin-light top for placing and routing htm3_sp alone (its
// area and fmax; hdl/rtl3/README.md, "UP5K"). A 32-bit command shifts in on
// sdi while sen is high; sgo executes it: bits [31:27] the operation,
// [26:0] its argument. The configuration and regs are in a cfg/regs EBR
// written so (op 10), IN_BUF an EBR; reads (out.cols, regs, the image memories through the
// engine's read port; sp.conn, in an SPRAM of this top, as 16-bit halves)
// load a 32-bit register that shifts out on sdo; a write (19) puts its
// argument into the word the last read addressed, through the engine's
// idle write port (sp.conn: this top's SPRAM), as htm3_accel's window
// does. No memory is initialised (SPRAM cannot be): the memories hold
// whatever the host wrote, which keeps every path live for the tools.
`default_nettype none
module htm3_sp_top #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer B = 8
) (
    input  wire       clk,
    input  wire       sdi,
    input  wire       sen,
    input  wire       sgo,
    output wire       sdo,
    output wire       busy,
    output wire [2:0] phase
);
  localparam integer WN  = (N > 1) ? $clog2(N) : 1;
  localparam integer WNC = $clog2(N + 1);
  localparam integer WCI = (C > 1) ? $clog2(C) : 1;
  localparam integer WC  = $clog2(C + 1);

  reg  [31:0] sh = 32'd0, so = 32'd0;
  reg         rst = 1'b1;
  always @(posedge clk) if (sen) sh <= {sh[30:0], sdi};
  wire [4:0]  op = sh[31:27];
  wire [26:0] arg = sh[26:0];

  reg            start = 1'b0, learn = 1'b0;
  reg  [WNC-1:0] n_in;
  reg  [WCI-1:0] oc_ra;
  wire [WCI-1:0] oc_rd;
  wire [WC-1:0]  n_act;
  // regs words 1 and 2 in a cfg/regs EBR as htm3_memmap's (halves at 68 ..
  // 75), and cfg words 3 .. 13 (the SP's configuration: halves 6 .. 27),
  // which the engine reads itself: the engine's
  // port while busy, the commands' when idle (op 10 writes half
  // arg[22:16], op 16 with rsel 1 reads half arg[6:0])
  wire [6:0]     cr_ra, cr_wa;
  wire           cr_we;
  wire [15:0]    cr_wd, cr_rd;
  reg  [6:0]     cr_ha;
  htm_ebr #(.WIDTH(16), .DEPTH(128)) u_cr (
      .clk(clk), .ra(busy ? cr_ra : cr_ha), .rd(cr_rd), .we(busy ? cr_we : sgo && op == 5'd10),
      .wa(busy ? cr_wa : arg[22:16]), .wd(busy ? cr_wd : arg[15:0]));
  wire [WN-1:0]  inbuf_a, inbuf_d;
  reg  [2:0]     rsel;
  localparam integer W = (N + 31) / 32;
  localparam integer AMR = $clog2(((Q > W ? Q : W) * C) + 1);
  reg  [1:0]     mr_sel;
  reg  [AMR-1:0] mr_a;
  wire [31:0]    mr_d;
  // sp.conn: 2·C·W halves of 16 bits in an SPRAM; the engine's port while
  // it runs, the read command's (mr_a, a half) when idle
  localparam integer CA = $clog2(2 * C * W);
  wire [CA-1:0]  conn_a;
  wire           conn_we;
  wire [15:0]    conn_wd, conn_rd;
  wire           mw_we = sgo && op == 5'd19;
  htm_spram #(.WIDTH(16), .DEPTH(2 * C * W)) u_conn (
      .clk(clk), .a(busy ? conn_a : CA'(mr_a)), .we(busy ? conn_we : mw_we && mr_sel == 2'd1),
      .wd(busy ? conn_wd : arg[15:0]), .rd(conn_rd));

  htm_ebr #(.WIDTH(WN), .DEPTH(N)) u_inbuf (
      .clk(clk), .ra(inbuf_a), .rd(inbuf_d), .we(sgo && op == 5'd12), .wa(WN'(arg[26:16])), .wd(WN'(arg[15:0])));

  always @(posedge clk) begin
    start <= 1'b0;
    if (sgo) begin
      case (op)
        5'd13: begin
          learn <= arg[16];
          n_in <= WNC'(arg[15:0]);
          start <= 1'b1;
        end
        5'd16: begin
          oc_ra <= WCI'(arg);
          cr_ha <= arg[6:0];
          rsel <= arg[26:24];
        end
        5'd17: rst <= arg[0];
        5'd18: begin
          mr_sel <= arg[25:24];
          mr_a <= AMR'(arg);
          rsel <= 3'd4;
        end
        default: ;
      endcase
    end
    case (rsel)
      3'd0: so <= {16'(n_act), 16'(oc_rd)};
      3'd1: so <= {16'd0, cr_rd};
      3'd4: so <= (mr_sel == 2'd1) ? {16'd0, conn_rd} : mr_d;
      default: so <= {so[30:0], 1'b0};
    endcase
  end
  assign sdo = so[31];

  htm3_sp #(.N(N), .C(C), .Q(Q), .B(B), .CA(CA)) u_sp (
      .clk(clk), .rst(rst),
      .cr_ra(cr_ra), .cr_rd(cr_rd), .cr_we(cr_we), .cr_wa(cr_wa), .cr_wd(cr_wd),
      .start(start), .learn_i(learn), .n_in(n_in), .inbuf_a(inbuf_a), .inbuf_d(inbuf_d),
      .busy(busy), .phase(phase), .n_act(n_act), .oc_ra(oc_ra), .oc_rd(oc_rd),
      .mr_sel(mr_sel), .mr_a(mr_a), .mr_d(mr_d), .mw_we(mw_we), .mw_d({5'd0, arg}),
      .conn_a(conn_a), .conn_we(conn_we), .conn_wd(conn_wd), .conn_rd(conn_rd));
endmodule
`default_nettype wire
