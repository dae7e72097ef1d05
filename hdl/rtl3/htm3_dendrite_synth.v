// htm3_dendrite_synth: a pin-light wrapper of htm3_dendrite_top for place
// and route only (an iCE40 UP5K in the SG48 package has 39 I/Os; the
// unit's idle-time ports have about 300). While sen is high, sdi shifts
// into a register that drives every ext_* input, and the register that
// captured every ext_* output shifts out on sdo; while sen is low the
// outputs are captured each cycle. Not part of the verified design: it only
// gives the tools real inputs and outputs, so that no memory or logic is
// optimised away.
`default_nettype none
module htm3_dendrite_synth #(
    parameter integer C = 256,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    localparam integer NC = C * K,
    localparam integer WCELL = NC > 1 ? $clog2(NC) : 1,
    localparam integer WS = S > 1 ? $clog2(S) : 1,
    localparam integer WM = $clog2(M + 1),
    localparam integer SYN_W = B + WCELL + 1,
    localparam integer SYN_AW = S * M > 1 ? $clog2(S * M) : 1,
    localparam integer NA = (NC + 15) / 16,
    localparam integer ACT_AW = NA > 1 ? $clog2(NA) : 1,
    localparam integer NCM = (C + 7) / 8,
    localparam integer CM_AW = NCM > 1 ? $clog2(NCM) : 1,
    localparam integer SC_W = WS + 2 * WM,
    localparam integer SM_AW = 14,
    localparam integer RI = SYN_AW + 1 + SYN_W + SM_AW + 1 + 16 + 1 + ACT_AW + 16 + 7 + 1 + 7 + 16 + WS
        + 2 * WCELL + 1 + (WS + 1) + 2 * CM_AW + 1 + 16,
    localparam integer RO = SYN_W + 16 + 16 + SC_W + (WS + 1) + 16
) (
    input  wire clk,
    input  wire rst,
    input  wire start,
    input  wire learn,
    input  wire sen,
    input  wire sdi,
    output wire sdo,
    output wire busy,
    output wire done
);
  reg [RI-1:0] ri;
  reg [RO-1:0] ro;
  wire [SYN_AW-1:0] syn_a;
  wire syn_we;
  wire [SYN_W-1:0] syn_wd, syn_rd;
  wire [SM_AW-1:0] sm_a;
  wire sm_we;
  wire [15:0] sm_wd, sm_rd;
  wire act_we;
  wire [ACT_AW-1:0] act_wa;
  wire [15:0] act_wd;
  wire [6:0] cr_ra, cr_wa;
  wire cr_we;
  wire [15:0] cr_wd, cr_rd;
  wire [WS-1:0] sc_ra;
  wire [SC_W-1:0] sc_rd;
  wire [WCELL-1:0] hd_ra, hd_wa;
  wire hd_we;
  wire [WS:0] hd_wd, hd_rd;
  wire [CM_AW-1:0] cm_ra, cm_wa;
  wire cm_we;
  wire [15:0] cm_wd, cm_rd;
  assign {syn_a, syn_we, syn_wd, sm_a, sm_we, sm_wd, act_we, act_wa, act_wd, cr_ra, cr_we, cr_wa, cr_wd, sc_ra,
          hd_ra, hd_we, hd_wa, hd_wd, cm_ra, cm_we, cm_wa, cm_wd} = ri;
  always @(posedge clk) begin
    if (sen) begin
      ri <= {ri[RI-2:0], sdi};
      ro <= {ro[RO-2:0], 1'b0};
    end else ro <= {syn_rd, sm_rd, cr_rd, sc_rd, hd_rd, cm_rd};
  end
  assign sdo = ro[RO-1];

  htm3_dendrite_top #(.C(C), .K(K), .S(S), .M(M), .B(B)) u (
      .clk(clk), .rst(rst), .start(start), .learn(learn), .busy(busy), .done(done),
      .ext_syn_a(syn_a), .ext_syn_we(syn_we), .ext_syn_wd(syn_wd), .ext_syn_rd(syn_rd),
      .ext_sm_a(sm_a), .ext_sm_we(sm_we), .ext_sm_wd(sm_wd), .ext_sm_rd(sm_rd),
      .ext_act_we(act_we), .ext_act_wa(act_wa), .ext_act_wd(act_wd),
      .ext_cr_ra(cr_ra), .ext_cr_rd(cr_rd), .ext_cr_we(cr_we), .ext_cr_wa(cr_wa), .ext_cr_wd(cr_wd),
      .ext_sc_ra(sc_ra), .ext_sc_rd(sc_rd),
      .ext_hd_ra(hd_ra), .ext_hd_rd(hd_rd), .ext_hd_we(hd_we), .ext_hd_wa(hd_wa), .ext_hd_wd(hd_wd),
      .ext_cm_ra(cm_ra), .ext_cm_rd(cm_rd), .ext_cm_we(cm_we), .ext_cm_wa(cm_wa), .ext_cm_wd(cm_wd)
  );
endmodule
`default_nettype wire
