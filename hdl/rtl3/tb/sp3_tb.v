// sp3_tb: the simulation host of htm3_sp (Verilator, SIM). It loads cfg and
// regs from +memdir=DIR ($readmemh files of htmhw compile --mem-dir; the
// engine's memories read their own), then runs the steps of +in=FILE (one
// line per step: learn flag, count, input indices, decimal) and writes to
// +out=FILE per step the active columns and the cycles of each phase:
//   step <n_act> <col>...
//   cyc <LOAD> <SP_OVERLAP> <SP_INHIBIT> <SP_LEARN> <SP_DUTY>
// and at the end the SP memories and regs as the engine holds them:
//   mem <name> <depth>, then one hexadecimal word per line.
// sp.conn is the testbench's: a single-ported 16-bit memory at CONN_BASE
// with htm_spram's behaviour under SIM (a read's word a cycle later, the
// inverted word after a write), kept as the image's 32-bit words.
`default_nettype none
module sp3_tb #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer B = 8
) (
    input wire clk
);
  localparam integer WN  = (N > 1) ? $clog2(N) : 1;
  localparam integer WNC = $clog2(N + 1);
  localparam integer WCI = (C > 1) ? $clog2(C) : 1;
  localparam integer WC  = $clog2(C + 1);
  localparam integer W   = (N + 31) / 32;
  localparam integer CA  = 14;
  localparam integer CONN_BASE = 12288;  // htm3_accel's place (ACCEL.md)

  reg  [31:0] cfg[0:31];
  reg  [63:0] regs[0:15];
  reg  [WN-1:0] inbuf[0:N-1];
  reg  [31:0]   connw[0:C*W-1];  // sp.conn
  string dir, inpath, outpath;
  integer fin, fout;
  initial begin
    if (!$value$plusargs("memdir=%s", dir)) dir = "mem";
    if (!$value$plusargs("in=%s", inpath)) inpath = "in.txt";
    if (!$value$plusargs("out=%s", outpath)) outpath = "out.txt";
    $readmemh({dir, "/cfg.hex"}, cfg);
    $readmemh({dir, "/regs.hex"}, regs);
    $readmemh({dir, "/sp.conn.hex"}, connw);
    fin = $fopen(inpath, "r");
    fout = $fopen(outpath, "w");
    if (fin == 0 || fout == 0) begin
      $display("sp3_tb: cannot open %s or %s", inpath, outpath);
      $finish;
    end
  end

  reg            rst = 1'b1;
  reg            start = 1'b0;
  reg            learn = 1'b0;
  reg  [WNC-1:0] n_in = {WNC{1'b0}};
  wire [WN-1:0]  inbuf_a;
  reg  [WN-1:0]  inbuf_d;
  wire           busy;
  wire [2:0]     phase;
  wire [WC-1:0]  n_act;
  reg  [WCI-1:0] oc_ra = {WCI{1'b0}};
  wire [WCI-1:0] oc_rd;
  // cfg/regs' 16-bit EBR as htm3_memmap keeps it: cfg word i at 2i, 2i + 1,
  // regs word 1 at 68 .. 71, word 2 at 72 .. 75 (low half first); loaded
  // from cfg.hex and regs.hex when reset ends
  reg  [15:0]    crm[0:127];
  wire [6:0]     cr_ra, cr_wa;
  wire           cr_we;
  wire [15:0]    cr_wd;
  reg  [15:0]    cr_rd;
  always @(posedge clk) begin
    cr_rd <= crm[cr_ra];
    if (cr_we) crm[cr_wa] <= cr_wd;
  end
  localparam integer AMR = $clog2(((Q > W ? Q : W) * C) + 1);
  reg  [1:0]     mr_sel = 2'd0;
  reg  [AMR-1:0] mr_a = {AMR{1'b0}};
  wire [31:0]    mr_d;
  integer        mi, md;  // dump: memory, depth
  always @(posedge clk) inbuf_d <= inbuf[inbuf_a];

  wire [CA-1:0]  conn_a;
  wire           conn_we;
  wire [15:0]    conn_wd;
  reg  [15:0]    conn_rd;
  wire [CA-1:0]  conn_i = conn_a - CA'(CONN_BASE);  // the half
  localparam integer CWA = (C * W > 1) ? $clog2(C * W) : 1;
  wire [CWA-1:0] conn_w = conn_i[CWA:1];  // the word
  always @(posedge clk) begin
    if (conn_we && (conn_a < CA'(CONN_BASE) || 32'(conn_i) >= 2 * C * W))
      $error("sp3_tb: sp.conn address %0d outside [%0d, %0d)", conn_a, CONN_BASE, CONN_BASE + 2 * C * W);
    else if (conn_we) begin
      if (conn_i[0]) connw[conn_w][31:16] <= conn_wd;
      else connw[conn_w][15:0] <= conn_wd;
      conn_rd <= ~conn_wd;
    end else conn_rd <= conn_i[0] ? connw[conn_w][31:16] : connw[conn_w][15:0];
  end

  htm3_sp #(.N(N), .C(C), .Q(Q), .B(B), .CA(CA), .CONN_BASE(CONN_BASE)) dut (
      .clk(clk), .rst(rst),
      .cr_ra(cr_ra), .cr_rd(cr_rd), .cr_we(cr_we), .cr_wa(cr_wa), .cr_wd(cr_wd),
      .start(start), .learn_i(learn), .n_in(n_in), .inbuf_a(inbuf_a), .inbuf_d(inbuf_d),
      .busy(busy), .phase(phase), .n_act(n_act), .oc_ra(oc_ra), .oc_rd(oc_rd),
      .mr_sel(mr_sel), .mr_a(mr_a), .mr_d(mr_d), .mw_we(1'b0), .mw_d(32'd0),
      .conn_a(conn_a), .conn_we(conn_we), .conn_wd(conn_wd), .conn_rd(conn_rd));

  // the host
  integer st = 0, i, r, lf, cnt, x;
  reg [63:0] cyc[0:7];
  always @(posedge clk) begin
    start <= 1'b0;
    case (st)
      0: begin
        rst <= 1'b0;
        for (i = 0; i < 32; i = i + 1) begin
          crm[2*i] = cfg[i][15:0];
          crm[2*i+1] = cfg[i][31:16];
        end
        for (i = 0; i < 4; i = i + 1) begin
          crm[68+i] = regs[1][16*i+:16];
          crm[72+i] = regs[2][16*i+:16];
        end
        st <= 1;
      end
      1: begin  // the next step
        r = $fscanf(fin, "%d %d", lf, cnt);
        if (r != 2) st <= 5;
        else begin
          for (i = 0; i < cnt; i = i + 1) begin
            r = $fscanf(fin, "%d", x);
            inbuf[i] = WN'(x);
          end
          learn <= lf != 0;
          n_in <= WNC'(cnt);
          start <= 1'b1;
          for (i = 0; i < 8; i = i + 1) cyc[i] = 64'd0;
          st <= 2;
        end
      end
      2: st <= 3;  // busy rises
      3: begin
        if (busy) cyc[phase] = cyc[phase] + 64'd1;
        else begin
          $fwrite(fout, "step %0d", n_act);
          oc_ra <= {WCI{1'b0}};
          i = 0;
          st <= 4;
        end
      end
      4: begin  // out.cols: oc_ra was set a cycle ago; oc_rd is entry i
        if (i > 0) $fwrite(fout, " %0d", oc_rd);
        if (i == 32'(n_act)) begin
          $fwrite(fout, "\ncyc %0d %0d %0d %0d %0d\n", cyc[1], cyc[2], cyc[3], cyc[4], cyc[5]);
          st <= 1;
        end else begin
          oc_ra <= WCI'(i + 1);
          // (entry i is read now; printed in the next cycle)
        end
        i = i + 1;
      end
      5: begin  // the memories through the engine's read port (sp.conn: ours)
        mi = 0;
        i = 0;
        st <= 6;
      end
      6: begin  // address word i of memory mi; word i - 2 arrives
        md = (mi == 0) ? C * Q : (mi == 1) ? C * W : C;
        if (i == 0)
          case (mi)
            0: $fwrite(fout, "mem sp.pool %0d\n", md);
            1: $fwrite(fout, "mem sp.conn %0d\n", md);
            2: $fwrite(fout, "mem sp.duty %0d\n", md);
            default: $fwrite(fout, "mem sp.poollen %0d\n", md);
          endcase
        if (i >= 2) $fwrite(fout, "%0x\n", (mi == 1) ? connw[i-2] : mr_d);
        mr_sel <= mi[1:0];
        mr_a <= AMR'(i);
        if (i == md + 1) begin
          i = 0;
          if (mi == 3) begin
            $fwrite(fout, "regs %0x %0x\n", {crm[71], crm[70], crm[69], crm[68]}, crm[72]);
            $fclose(fout);
            $finish;
          end
          mi = mi + 1;
        end else i = i + 1;
      end
      default: ;
    endcase
  end
endmodule
`default_nettype wire
