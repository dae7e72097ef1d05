// dendrite3_tb: runs one TM_DENDRITE pass of htm3_dendrite_top on the
// memories loaded from +memdir (see dendrite3_test.go), learning with
// +learn=1, and writes what it computed to +out: the busy cycles, the TM
// iteration, every segment's numPot/numConn, every non-empty per-cell list
// (walked from its head along the links), the column bitmaps and every
// seglru word.
`default_nettype none
module dendrite3_tb #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    localparam integer NC = C * K,
    localparam integer WS = S > 1 ? $clog2(S) : 1,
    localparam integer WM = $clog2(M + 1)
) (
    input wire clk
);
  reg [31:0] cyc = 0, nbusy = 0;
  reg start = 0, learn = 0, fin = 0;
  wire rst = cyc < 2;
  wire busy, done;
  integer f, c, s, n, w;
  reg [WS:0] h;
  reg [WS+2*WM-1:0] sc;
  string out;

  htm3_dendrite_top #(.C(C), .K(K), .S(S), .M(M), .B(B)) u (
      .clk(clk), .rst(rst), .start(start), .learn(learn), .busy(busy), .done(done),
      .ext_syn_a(0), .ext_syn_we(1'b0), .ext_syn_wd(0), .ext_syn_rd(),
      .ext_sm_a(0), .ext_sm_we(1'b0), .ext_sm_wd(16'd0), .ext_sm_rd(),
      .ext_act_we(1'b0), .ext_act_wa(0), .ext_act_wd(16'd0),
      .ext_cr_ra(7'd0), .ext_cr_rd(), .ext_cr_we(1'b0), .ext_cr_wa(7'd0), .ext_cr_wd(16'd0),
      .ext_sc_ra(0), .ext_sc_rd(),
      .ext_hd_ra(0), .ext_hd_rd(), .ext_hd_we(1'b0), .ext_hd_wa(0), .ext_hd_wd(0),
      .ext_cm_ra(0), .ext_cm_rd(), .ext_cm_we(1'b0), .ext_cm_wa(0), .ext_cm_wd(16'd0)
  );

  initial begin
    if (!$value$plusargs("learn=%d", n)) n = 0;
    learn = n != 0;
    if (!$value$plusargs("out=%s", out)) out = "dendrite.out";
  end

  always @(posedge clk) begin
    cyc <= cyc + 1;
    start <= cyc == 3;
    if (busy && !rst) nbusy <= nbusy + 1;
    if (done && !rst) fin <= 1;
    if (cyc > 10 + 2 * (M > 4 ? M : 4) * S + 100) $fatal(1, "dendrite3_tb: no done after %0d cycles", cyc);
    if (fin) begin
      f = $fopen(out, "w");
      $fwrite(f, "cycles %0d\n", nbusy);
      $fwrite(f, "iter %0d\n", {u.u_cr.mem[77], u.u_cr.mem[76]});
      for (s = 0; s < S; s = s + 1) begin
        sc = u.u_sc.mem[s];
        $fwrite(f, "seg %0d %0d %0d\n", s, sc[WM-1:0], sc[2*WM-1:WM]);
      end
      for (c = 0; c < NC; c = c + 1) begin
        h = u.u_hd.mem[c];
        if (h[WS]) begin
          $fwrite(f, "list %0d", c);
          s = 32'(h[WS-1:0]);
          for (n = 0; n <= S; n = n + 1) begin
            $fwrite(f, " %0d", s);
            sc = u.u_sc.mem[s];
            if (sc[2*WM+:WS] == s[WS-1:0]) n = S + 1;
            else s = 32'(sc[2*WM+:WS]);
          end
          $fwrite(f, "\n");
        end
      end
      for (w = 0; w < (C + 7) / 8; w = w + 1) $fwrite(f, "cm %0d %04x\n", w, u.u_cm.mem[w]);
      for (s = 0; s < S; s = s + 1) $fwrite(f, "lru %0d %0d\n", s, {u.u_sm.mem[4*S+2*s+1], u.u_sm.mem[4*S+2*s]});
      $fclose(f);
      $finish;
    end
  end
endmodule
`default_nettype wire
