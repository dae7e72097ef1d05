// htm3_smap.vh: the segment memory's map (hdl/rtl3/TM.md, ACCEL.md
// "Memory map"; Go's mirror is hdl.Accel3Layout), included in a module
// body after htm_arch.vh and the localparams C, S, M, W and WCELL, by
// htm3_accel and the timing proxy's host wrapper, htm3_host_synth.
// sp.conn's base in the segment memory: after sp.boosttable (11R, R = S
// rounded up to a power of two), aligned to its own size rounded up to a
// power of two, so that htm3_sp ORs its address in (Accel3Layout.SPConn)
// (after tm.seg's region of 2R, aligned to 2R, when a tm.seg word is two
// parts: TM.md); the segment memory's address bits SM_AW: sp.conn and
// sp.boost's C words at the top, rounded up to a power of two
localparam integer SM_R = 1 << $clog2(S);
localparam integer CONN_AL = 1 << $clog2(2 * C * W);
localparam integer SEG2 = WCELL + 1 + $clog2(M + 1) > 16 ? 1 : 0;
localparam integer SM_END = SEG2 != 0 ? (13 * SM_R + BOOST_TABLE_WORDS - 1) / (2 * SM_R) * (2 * SM_R) + 2 * SM_R :
    11 * SM_R + BOOST_TABLE_WORDS;
localparam integer SM_CONN = (SM_END + CONN_AL - 1) / CONN_AL * CONN_AL;
localparam integer SM_AW = $clog2(SM_CONN + 2 * C * W + C + C % 2);  // (sp.boost on an even base)
