// htm3_host: the host interface of architecture 3 (docs/ARCHITECTURE.md
// section 3, unchanged from version 2; sim.Device is its model): the
// Wishbone B4 classic slave (32-bit, word addressing), the register file,
// CTRL decoding with the complement check, the error codes (first error
// kept), STEP_EXPECT, MEM_LOCK, the memory window with auto-increment, and
// the CRC sequencer (htm3_crc). Every RAM-backed word (window, IN_BUF,
// OUT_BUF, PRED_BUF, PHASE_CYCLES, IN_COUNT, MEM_SEL, MEM_ADDR, the CRCs'
// words, STEP_LO and STEP_HI) goes through one logical memory port
// (htm3_memmap), shared between the bus and the CRC and used only while no
// command runs. The engine's side (steps, cycles, outputs) comes in on
// ports; commands go out as one-cycle pulses.
//
// Register addresses, commands, codes and memory indices come from
// htm_arch.vh, generated from package arch.
`default_nettype none
module htm3_host #(
    parameter integer N = 120,
    parameter integer C = 256,
    parameter integer Q = 60,
    parameter integer K = 4,
    parameter integer S = 1024,
    parameter integer M = 16,
    parameter integer B = 8,
    parameter integer G = 8,
    // CAPS fields (the image's cfg words 28..30)
    parameter integer LANES_OV = 4,
    parameter integer LANES_SYN = 4,
    parameter integer DIV_LAT = 18
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         wb_cyc_i,
    input  wire         wb_stb_i,
    input  wire         wb_we_i,
    input  wire [13:0]  wb_adr_i,
    input  wire [31:0]  wb_dat_i,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [3:0]   wb_sel_i,  // 32-bit accesses only (ARCHITECTURE.md 3)
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [31:0]  wb_dat_o,
    output reg          wb_ack_o,
    // commands to the sequencer
    output reg          cmd_step,
    output reg          cmd_learn,
    output reg          cmd_restore,
    output reg          cmd_reset,
    output reg          cmd_zero,    // a CTRL command that starts nothing (CYCLES 0)
    output wire [31:0]  in_count,  // its low bits (the sequencer's; at most N when a STEP starts)
    // the sequencer's state and results
    input  wire         busy,
    input  wire         eng_err,   // the command running failed (eng_code)
    input  wire [2:0]   eng_code,
    input  wire [31:0]  cycles,
    output wire [3:0]   ph_ra,     // PHASE_CYCLES (read through the port): the phase read
    input  wire         ph_ok,     //   the phase ran (else 0)
    input  wire [31:0]  out_count,
    input  wire [31:0]  pred_count,
    input  wire [31:0]  anom_num,
    input  wire [31:0]  anom_den,
    // the logical memory port (htm3_memmap)
    output reg          m_req,
    output reg          m_we,
    output reg  [4:0]   m_sel,
    output reg  [31:0]  m_addr,
    output reg  [63:0]  m_wd,
    output wire         m_hi,      // a read's 32 bits: the word's high half (MEM_DATA_HI), else its low
    input  wire         m_ack,
    input  wire [31:0]  m_rd       // the port's rd[31:0]: the 32 bits asked for
);
  `include "htm_arch.vh"
  `include "htm3_ltc.vh"  // ltc(x, c): x < c for a constant, as gates
  function integer bitsf(input integer x);
    begin
      bitsf = 1;
      while ((1 << bitsf) <= x) bitsf = bitsf + 1;
    end
  endfunction
  localparam integer NC = C * K;
  localparam integer WN = bitsf(N - 1);
  localparam integer WQ = bitsf(Q);
  localparam integer WCELL = bitsf(NC - 1);
  localparam integer WM = bitsf(M);
  localparam integer WG = bitsf(G);
  localparam integer W = (N + 31) / 32;
  localparam integer WC = (NC + 31) / 32;
  localparam integer IN_D = N;  // IN_BUF words held (an input has at most N indices)
  localparam [4:0] SEL_IN_BUF = 5'd16, SEL_OUT_BUF = 5'd17, SEL_PRED_BUF = 5'd18, SEL_PH = 5'd19;

  // The window's depth of memory m, in its units (contract version 4,
  // arch.Window: a memory kept in 16-bit physical words is seen as 32-bit
  // units, two physical words each; the others word for word), and the
  // bytes a unit takes in a CRC (image.Section.WordBytes of the unit's
  // width: 4 for the units), as its log2.
  localparam integer SEG2 = WCELL + 1 + WM > 16 ? 1 : 0;
  function [31:0] mem_depth(input [3:0] m);
    case (m)
      MEM_CFG: mem_depth = CFG_WORDS;              // two parts a word
      MEM_REGS: mem_depth = 2 * REGS_WORDS;        // four
      MEM_SP_POOL: mem_depth = C * Q;
      MEM_SP_CONN: mem_depth = C * W;
      MEM_SP_POOLLEN, MEM_SP_DUTY: mem_depth = C;
      MEM_SP_BOOST: mem_depth = (C + 1) / 2;       // one part a word
      MEM_SP_BOOSTTABLE: mem_depth = BOOST_TABLE_WORDS / 2;
      MEM_TM_SEG: mem_depth = SEG2 != 0 ? S : (S + 1) / 2;
      MEM_TM_SEGLRU: mem_depth = S;
      MEM_TM_SEGSEQ: mem_depth = 2 * S;
      MEM_TM_FREE: mem_depth = (S + 1) / 2;
      MEM_TM_SYN: mem_depth = S * M;
      MEM_TM_CELLSEGS: mem_depth = NC;
      default: mem_depth = WC;  // MEM_TM_ACTIVE, MEM_TM_WINNER
    endcase
  endfunction
  // (each width's log2 of bytes is a constant: a comparison of widths
  // inside the case would be built as carry chains on MEM_SEL's decoding)
  function [1:0] nbw(input integer w);
    nbw = (w <= 8) ? 2'd0 : (w <= 16) ? 2'd1 : 2'd2;
  endfunction
  localparam [1:0] NB_POOL = nbw(B + WN), NB_POOLLEN = nbw(WQ), NB_SYN = nbw(B + WCELL + 1), NB_CS = nbw(WG);
  function [1:0] mem_bytes(input [3:0] m);
    case (m)
      MEM_SP_POOL: mem_bytes = NB_POOL;
      MEM_SP_POOLLEN: mem_bytes = NB_POOLLEN;
      MEM_TM_SYN: mem_bytes = NB_SYN;
      MEM_TM_CELLSEGS: mem_bytes = NB_CS;
      default: mem_bytes = 2'd2;  // a unit, MEM_SP_DUTY's 32 bits
    endcase
  endfunction
  function is_in_buf(input [13:0] a);
    is_in_buf = (a >> IN_BUF_BITS) == (REG_IN_BUF >> IN_BUF_BITS);
  endfunction
  function is_out_buf(input [13:0] a);
    is_out_buf = (a >> OUT_BUF_BITS) == (REG_OUT_BUF >> OUT_BUF_BITS);
  endfunction
  function is_pred_buf(input [13:0] a);
    is_pred_buf = (a >> PRED_BUF_BITS) == (REG_PRED_BUF >> PRED_BUF_BITS);
  endfunction
  // IN_COUNT, MEM_SEL, MEM_ADDR: kept in IN_BUF's RAM (their word in
  // PHASE_CYCLES' block: rg_word); STEP_EXPECT too, written there, read
  // back only by a CTRL write's check (a bus read of it reads 0)
  function is_rreg(input [13:0] a);
    is_rreg = a == REG_IN_COUNT || a == REG_MEM_SEL || a == REG_MEM_ADDR;
  endfunction
  // their word: 12 + {a[4] & a[5], a[0] | a[2]} (IN_COUNT 12, STEP_EXPECT
  // 13, MEM_SEL 14, MEM_ADDR 15: above the phases, checked under SIM)
  /* verilator lint_off UNUSEDSIGNAL */  // four bits tell the four apart
  function [3:0] rg_word(input [13:0] a);
    rg_word = {2'b11, a[4] & a[5], a[0] | a[2]};
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // The window's word addresses: every memory's depth fits WA bits, and
  // MEM_ADDR below a depth stays below 2^WA after its increment, so only
  // its low WA bits count (the high bits are kept for reading back).
  localparam integer MAXD0 = (C * Q > S * M) ? C * Q : S * M;
  localparam integer MAXD1 = (MAXD0 > C * W) ? MAXD0 : C * W;
  localparam integer MAXD2 = (MAXD1 > NC) ? MAXD1 : NC;
  localparam integer MAXD3 = (MAXD2 > BOOST_TABLE_WORDS) ? MAXD2 : BOOST_TABLE_WORDS;
  localparam integer MAXD = (MAXD3 > 2 * S) ? MAXD3 : 2 * S;  // (tm.segseq's units)
  localparam integer WA = bitsf(MAXD);
  localparam integer WCC = bitsf(C);  // OUT_COUNT and PRED_COUNT are at most C

  // ------------------------------------------------------------- registers
  // Every register the bus writes takes wb_dat_i under one enable, and the
  // ones RESET clears share one synchronous clear (zr), so that none needs
  // a multiplexer in front of its flip-flops.
  reg                  locked, dirty;
  reg [3:0]            csel;      // CRC_SEL's memory
  reg [ERROR_BITS-1:0] err;
  // IN_COUNT, MEM_SEL and MEM_ADDR are read back from words of IN_BUF's
  // RAM (htm3_memmap: spare words of PHASE_CYCLES' block, selector SEL_PH),
  // written through the port with the register; only the bits the engines
  // and the window use are kept in flip-flops (the low bits, and flags),
  // so that neither their other bits nor three 32-bit sources of the read
  // multiplexer cost a cell. A word not written since RESET reads 0 (rg_v).
  // STEP_EXPECT has no flip-flop: a CTRL write reads it into the read
  // register (wb_dat_o; the bus ignores it on a write), then STEP_LO. Nor
  // has the data latch (MEM_DATA_LO written): it is kept in word 10 of
  // PHASE_CYCLES' block (rg_v[4]: written since RESET), and a MEM_DATA_HI
  // write reads it into wb_dat_o before the word is written.
  reg [3:0]            ms;        // MEM_SEL's low bits: the window's memory
  reg [WA-1:0]         ma;        // MEM_ADDR's low bits, the window's address
  reg                  ma_ok;     // MEM_ADDR's high bits 0
  reg                  sel_ok;    // MEM_SEL < NUM_MEMS
  reg                  in_ok;     // IN_COUNT <= IN_D
  reg [10:0]           ic;        // IN_COUNT's low bits
  reg                  ic_gt;     // IN_COUNT > IN_BUF_WORDS (IN_CRC covers IN_BUF_WORDS then)
  reg [4:0]            rg_v;      // IN_COUNT, STEP_EXPECT, MEM_SEL, MEM_ADDR, the latch written since RESET
  // MEM_ADDR against each memory's depth, a constant each (a few LUTs, no
  // carry chain; equal depths merge), then the one of memory ms: no table
  // of depths and no comparison of two variables
  wire [NUM_MEMS-1:0] ma_lt;
  genvar gm;
  generate
    for (gm = 0; gm < NUM_MEMS; gm = gm + 1) begin : g_ma_lt
      assign ma_lt[gm] = ltc(32'(ma), mem_depth(gm[3:0]));  // (every depth fits WA bits)
    end
  endgenerate
  wire mem_ok = sel_ok && ma_ok && ma_lt[ms];

  // The bus: a request is taken in H_IDLE; the address read is ra and
  // the word is read from ra's source in H_DEC (registers) or H_MEM (the
  // memory port: window, IN_BUF, OUT_BUF, PRED_BUF, PHASE_CYCLES, each the
  // 32 bits read in the port's rd[31:0]) into dr, wb_dat_o. The CRC
  // sequencer reads its words the same way (rcrc), while it runs and the
  // bus waits; IN_CRC and OUT_CRC return CRC_VALUE through H_DEC when it
  // ends. So wb_dat_o has two sources, the register multiplexer and the
  // port.
  localparam [1:0] H_IDLE = 2'd0, H_DEC = 2'd1, H_MEM = 2'd2;
  reg [1:0]  hs;
  reg        rcrc;   // the read is the CRC's
  reg        rvc;    // the read is CRC_VALUE, for IN_CRC or OUT_CRC
  reg        wcrc;   // the bus waits for the CRC (IN_CRC, OUT_CRC)
  reg        rse;    // a CTRL write reads STEP_EXPECT first (its check),
  reg        rctl;   //   then STEP_LO
  reg        rlat;   // a MEM_DATA_HI write reads the data latch first
  wire [13:0] c_ra;
  // The address read (or written through the port): no register, since its
  // sources hold it until the access ends (the bus master until its
  // acknowledgement, the CRC until c_ack).
  wire [13:0] ra = rcrc ? c_ra : rvc ? REG_CRC_VALUE : rse ? REG_STEP_EXPECT : rctl ? REG_STEP_LO :
                    rlat ? REG_MEM_DATA_LO : wb_adr_i;
  reg        h_we;
  wire [31:0] dr = wb_dat_o;

  // The CRC sequencer.
  reg         c_start, c_clr, c_ack;
  reg  [1:0]  c_mode;
  wire        c_rq, c_busy;
  wire [WA-1:0] c_idx;
  wire [31:0] c_value;
  htm3_crc #(.WA(WA)) u_crc (
      .clk(clk), .rst(rst), .start(c_start), .clr(c_clr), .mode(c_mode),
      .len_i(WA'(mem_depth(csel))), .nb_i(mem_bytes(csel)),
      .in_gt(ic_gt),
      .rq(c_rq), .ra(c_ra), .idx(c_idx), .ack(c_ack), .d(dr), .busy(c_busy), .value(c_value));

  wire wb_req = wb_cyc_i && wb_stb_i && !wb_ack_o;
  wire take = hs == H_IDLE && wb_req && !c_busy && !c_start && !wcrc && !rst;  // a bus request is served
  wire [15:0] cmd = wb_dat_i[15:0];
  wire cmd_ok = wb_dat_i[31:16] == ~wb_dat_i[15:0];
  wire dat_hi0 = wb_dat_i[31:12] == 20'd0;  // one test for the comparisons below
  wire sel_in = dat_hi0 && wb_dat_i[11:MEM_SEL_BITS] == 0;  // wb_dat_i < NUM_MEMS
  // A CTRL write while no command runs is taken once STEP_EXPECT (rse,
  // into wb_dat_o) and STEP_LO (rctl: the step count is in cfg/regs' RAM,
  // htm3_seq) have been read through the port, for STEP_EXPECT's check, in
  // the cycle of the second read's acknowledgement (ctl_go; the master
  // holds the write until the bus acknowledgement).
  wire ctl_wait = wb_adr_i == REG_CTRL && !busy;
  wire ctl_go = hs == H_MEM && m_ack && rctl;
  wire wr = (take && wb_we_i && !ctl_wait) || ctl_go;
  wire wr_ctrl = wr && wb_adr_i == REG_CTRL;
  wire ctl = wr_ctrl && cmd_ok && !busy;  // a command taken
  wire se_ok = wb_dat_o == m_rd;  // (ctl_go: STEP_EXPECT, STEP_LO)
  wire zr = rst || (ctl && cmd == CMD_RESET);  // RESET's registers to their power-on values

  // Register reads, decoded by 16-word page and then by the word's low
  // bits (one select per source instead of a 14-bit comparison per
  // register; the pages are checked under SIM). The read register's next
  // value (rdn) is an OR of the sources, each ANDed with its select (0
  // unless the read is in H_DEC, or the port's word in H_MEM), so that each
  // bit is a few LUTs of AND-OR rather than a multiplexer tree.
  wire [3:0] ph_i = ra[3:0];  // a PHASE_CYCLES word's phase (the base's low bits are 0: checked under SIM)
  wire       is_ph = ra[13:4] == REG_PHASE_CYCLES[13:4] && ltc(32'(ph_i), NUM_PHASES);
  assign ph_ra = ph_i;
  wire       rd_dec = hs == H_DEC;
  wire       pg_id = rd_dec && ra[13:4] == REG_ID[13:4];
  wire       pg_st = rd_dec && ra[13:4] == REG_STATUS[13:4];
  wire       pg_ic = rd_dec && ra[13:4] == REG_IN_COUNT[13:4];
  wire       s_stat = pg_st && ra[3:0] == REG_STATUS[3:0];
  wire       s_err = pg_st && ra[3:0] == REG_ERROR[3:0];
  wire       s_cyc = pg_st && ra[3:0] == REG_CYCLES[3:0];
  wire       s_oc = pg_ic && ra[3:0] == REG_OUT_COUNT[3:0];
  wire       s_pc = pg_ic && ra[3:0] == REG_PRED_COUNT[3:0];
  wire       s_an = pg_ic && ra[3:0] == REG_ANOM_NUM[3:0];
  wire       s_ad = pg_ic && ra[3:0] == REG_ANOM_DEN[3:0];
  wire       s_lk = pg_ic && ra[3:0] == REG_MEM_LOCK[3:0];
  // (IN_COUNT, MEM_SEL, MEM_ADDR: RAM-backed)
  wire       s_cv = rd_dec && ra[13:4] == REG_CRC_VALUE[13:4] && ra[3:0] == REG_CRC_VALUE[3:0];
  reg [31:0] rk;  // the constants of the first page
  always @* begin
    rk = 32'd0;
    case (ra[3:0])
      REG_ID[3:0]: rk = DEVICE_ID;
      REG_VERSION[3:0]: rk = ARCH_VERSION;
      REG_CAPS[3:0]: rk = (LANES_OV << CAPS_LANES_OV_SHIFT) | (LANES_SYN << CAPS_LANES_SYN_SHIFT) | (DIV_LAT << CAPS_DIV_LAT_SHIFT);
      REG_DIM_IN[3:0]: rk = N;
      REG_DIM_COLS[3:0]: rk = C;
      REG_DIM_CELLS[3:0]: rk = K;
      REG_DIM_SEGS[3:0]: rk = S;
      REG_DIM_SYNS[3:0]: rk = M;
      default: ;
    endcase
  end
  wire [31:0] rdv = (rk & {32{pg_id}}) |
                    ((32'd1 << STATUS_BUSY_BIT) & {32{s_stat && busy}}) |
                    ((32'd1 << STATUS_DONE_BIT) & {32{s_stat && !busy}}) |
                    ((32'd1 << STATUS_ERROR_BIT) & {32{s_stat && err != ERR_NONE}}) |
                    (32'(err) & {32{s_err}}) | (cycles & {32{s_cyc}}) |
                    (out_count & {32{s_oc}}) | (pred_count & {32{s_pc}}) |
                    (anom_num & {32{s_an}}) | (anom_den & {32{s_ad}}) | {31'd0, locked && s_lk} |
                    (c_value & {32{s_cv}});
  wire ra_lat = ra == REG_MEM_DATA_LO && (h_we || rlat);  // the data latch (word 10), not the window
  wire ra_win = (ra == REG_MEM_DATA_LO && !ra_lat) || ra == REG_MEM_DATA_HI;
  wire ra_hi = ra == REG_MEM_DATA_HI;
  wire ra_rg = is_rreg(ra) || (ra == REG_STEP_EXPECT && (h_we || rse));
  wire [3:0] ra_rw = rg_word(ra);
  wire ra_st = ra[13:1] == REG_STEP_LO[13:1];  // STEP_LO, STEP_HI: regs unit 64 (physical words 192 .. 195, htm3_memmap), a unit each (m_hi)
  wire ra_port = ra_st || ra_lat || ra_win || is_in_buf(ra) || is_out_buf(ra) || is_pred_buf(ra) || is_ph || ra_rg;  // RAM-backed
  wire ra_crc = ra == REG_IN_CRC || ra == REG_OUT_CRC;
  // a buffer word's index: OUT_BUF's and PRED_BUF's 12 bits, IN_BUF's 10 (checked under SIM);
  // a register's word in PHASE_CYCLES' block
  wire [11:0] ra_idx = {ra[11:10] & ~{2{is_in_buf(ra)}}, ra[9:4], ra_rg ? ra_rw : ra[3:0]};
  // The port's address: a window word at MEM_ADDR, a buffer's or a
  // window's word at the CRC's index (its address is the buffer's base:
  // c_idx comes straight, not through ra), PHASE_CYCLES' and the
  // registers' at ra_idx. The buffer's range checks below read its index
  // here, the bus's or the CRC's.
  localparam integer HA = (WA > OUT_BUF_BITS) ? WA : OUT_BUF_BITS;
  wire [HA-1:0] h_addr = ra_st ? HA'(64) : ra_lat ? HA'(10) : (rcrc && !ra_rg) ? HA'(c_idx) : ra_win ? HA'(ma) :
                         HA'(ra_idx);
  // OUT_BUF's or PRED_BUF's word below its count (PRED_BUF: ra[13], checked under SIM): one comparator
  wire [WCC-1:0] bc = ra[13] ? pred_count[WCC-1:0] : out_count[WCC-1:0];
  wire       bc_lt = {1'b0, h_addr[11:0]} < 13'(bc);
  // The port's word (H_MEM), the half asked for (m_hi): 0 beyond IN_BUF's N
  // words, OUT_BUF's OUT_COUNT, PRED_BUF's PRED_COUNT, for a phase that did
  // not run, a register not written since RESET (the counts are at most C:
  // their low bits); MEM_ADDR's low bits are counted in ma (0 after RESET).
  wire       rm_z = (is_in_buf(ra) && !ltc(32'(h_addr[IN_BUF_BITS-1:0]), IN_D)) ||
                    ((is_out_buf(ra) || is_pred_buf(ra)) && !bc_lt) || (is_ph && !ph_ok) ||
                    (ra_rg && !rg_v[{1'b0, ra_rw[1:0]}]) || (ra_lat && !rg_v[4]);
  wire       rm_on = hs == H_MEM && !rm_z;
  wire       rm_ma = hs == H_MEM && ra == REG_MEM_ADDR;
  wire [31:0] rdm = (m_rd & {{(32 - WA) {rm_on}}, {WA{rm_on && !rm_ma}}}) | (32'(ma) & {32{rm_ma}});

  // Commands (one-cycle pulses to the sequencer).
  always @* begin
    cmd_step = ctl && (cmd & ~CMD_LEARN) == CMD_STEP && se_ok && in_ok && !dirty;
    cmd_restore = ctl && cmd == CMD_RESTORE;
    cmd_reset = ctl && cmd == CMD_RESET;
    cmd_zero = wr_ctrl && !busy && !cmd_step && !cmd_restore && !cmd_reset;
    cmd_learn = (cmd & CMD_LEARN) != 0;
  end

  // Errors: the first one is kept (the bus's before the engine's in the same cycle).
  reg       e_set;
  reg [2:0] e_code;
  always @* begin
    e_set = 1'b0;
    e_code = ERR_BAD_CMD;
    if (wr) begin
      case (wb_adr_i)
        REG_CTRL:
        if (!cmd_ok) e_set = 1'b1;
        else if (busy) begin
          e_set = 1'b1; e_code = ERR_BUSY;
        end else if ((cmd & ~CMD_LEARN) == CMD_STEP) begin
          e_set = !se_ok || dirty || !in_ok;
          e_code = !se_ok ? ERR_STEP_MISMATCH : dirty ? ERR_BAD_STATE : ERR_BAD_INPUT;
        end else e_set = cmd != CMD_CLEAR_ERROR && cmd != CMD_RESET && cmd != CMD_RESTORE;
        REG_MEM_DATA_HI: begin
          e_set = busy || locked || !mem_ok;
          e_code = busy ? ERR_BUSY : locked ? ERR_LOCKED : ERR_BAD_MEM;
        end
        REG_CRC_SEL: begin
          e_set = busy || !sel_in;
          e_code = busy ? ERR_BUSY : ERR_BAD_MEM;
        end
        default: ;
      endcase
    end
    if (hs == H_DEC && !rcrc && ra_win && !busy && !mem_ok) begin
      e_set = 1'b1; e_code = ERR_BAD_MEM;
    end
  end
  wire clr_err = ctl && (cmd == CMD_CLEAR_ERROR || cmd == CMD_RESET);

  // The port's requests: the bus's (window, buffers) and the CRC's. The
  // selector and the address are decoded from ra, which holds until the
  // port's acknowledgement (no register: the port registers its decoding).
  reg        h_req;
  wire [4:0] h_sel = is_in_buf(ra) ? SEL_IN_BUF : is_out_buf(ra) ? SEL_OUT_BUF : is_pred_buf(ra) ? SEL_PRED_BUF :
                     (is_ph || ra_rg || ra_lat) ? SEL_PH : ra_st ? {1'b0, MEM_REGS} : {1'b0, rcrc ? csel : ms};
  always @* begin
    m_req = h_req;
    m_we = h_we;
    m_sel = h_sel;
    m_addr = 32'(h_addr);
    m_wd = {wb_dat_i, wb_dat_o};  // the latch read (rlat); an IN_BUF write's index is the high half (htm3_memmap)
  end
  assign m_hi = ra_hi || ra == REG_STEP_HI;

  // the registers RESET clears, each with its enable
  assign in_count = 32'(ic);
  wire w_ic = wr && wb_adr_i == REG_IN_COUNT;
  wire w_ms = wr && wb_adr_i == REG_MEM_SEL;
  wire w_ma = wr && wb_adr_i == REG_MEM_ADDR;
  always @(posedge clk) begin
    if (zr) begin
      ic <= 11'd0;
      ic_gt <= 1'b0;
      in_ok <= 1'b1;
      ms <= 4'd0;
      sel_ok <= 1'b1;
      ma_ok <= 1'b1;
      rg_v <= 5'd0;
    end else begin
      if (wr && wb_adr_i == REG_STEP_EXPECT) rg_v[1] <= 1'b1;
      if (w_ic) begin
        ic <= wb_dat_i[10:0];
        ic_gt <= !ltc(wb_dat_i, IN_BUF_WORDS + 1);
        in_ok <= ltc(wb_dat_i, IN_D + 1);
        rg_v[0] <= 1'b1;
      end
      if (w_ms) begin
        ms <= wb_dat_i[3:0];
        sel_ok <= sel_in;
        rg_v[2] <= 1'b1;
      end
      if (w_ma) begin
        ma_ok <= wb_dat_i[31:WA] == 0;
        rg_v[3] <= 1'b1;
      end
      if (wr && wb_adr_i == REG_MEM_DATA_LO) rg_v[4] <= 1'b1;
    end
  end
  // MEM_ADDR's low bits: written, cleared, or counted by a window access.
  // The next value (the bus's word or ma + 1) is one logic cell a bit on
  // the iCE40: the LUT takes the word, ma, the load and the carry in, and
  // its carry cell's operands are ma and the load (the carry out of a
  // loaded bit is not read), so the multiplexer and the incrementer share
  // the cell with the flip-flop (Yosys maps them to two cells a bit).
  wire ma_inc = hs == H_MEM && m_ack && !rcrc && ra_hi;
  wire [WA-1:0] ma_d;
`ifdef ICE40
  wire [WA:0] ma_c;
  assign ma_c[0] = 1'b1;
  genvar gb;
  generate
    for (gb = 0; gb < WA; gb = gb + 1) begin : g_ma
      SB_LUT4 #(.LUT_INIT(16'hA3AC)) u_l (  // I2 ? I0 : I1 ^ I3
          .O(ma_d[gb]), .I0(wb_dat_i[gb]), .I1(ma[gb]), .I2(w_ma), .I3(ma_c[gb]));
      SB_CARRY u_c (.CO(ma_c[gb+1]), .I0(ma[gb]), .I1(w_ma), .CI(ma_c[gb]));
    end
  endgenerate
`else
  assign ma_d = w_ma ? wb_dat_i[WA-1:0] : ma + 1'b1;
`endif
  always @(posedge clk)
    if (zr) ma <= {WA{1'b0}};
    else if (w_ma || ma_inc) ma <= ma_d;

  always @(posedge clk) begin
    if (zr || clr_err) err <= ERR_NONE;
    else if (err == ERR_NONE && e_set) err <= e_code;
    else if (err == ERR_NONE && eng_err) err <= eng_code;
    if (zr || (ctl && (cmd & ~CMD_LEARN) == CMD_STEP)) locked <= 1'b1;  // an accepted STEP command locks
    else if (wr && wb_adr_i == REG_MEM_LOCK) locked <= wb_dat_i != MEM_UNLOCK;
    if (rst || cmd_restore) dirty <= 1'b0;
    else if (ma_inc && h_we) dirty <= 1'b1;
    if (wr && wb_adr_i == REG_CRC_SEL && !busy && sel_in) csel <= wb_dat_i[3:0];
    else if (rst) csel <= 4'd0;
  end

  // The read register: a register's value in H_DEC (rdv; 0 for a window
  // word out of range), the port's word in H_MEM (rdm), one enable.
  wire rd_ld = (hs == H_DEC && ((!ra_port && !ra_crc) || (ra_win && !rcrc && !busy && !mem_ok))) ||
               (hs == H_MEM && m_ack);
  always @(posedge clk) if (rd_ld) wb_dat_o <= rdv | rdm;

  // The read path and the port's requests.
  wire crc_sel_go = wr && wb_adr_i == REG_CRC_SEL && !busy;
  wire hi_w = wb_adr_i == REG_MEM_DATA_HI && !busy && !locked && mem_ok;  // a window word written
  wire in_buf_w = is_in_buf(wb_adr_i) && ltc(32'(wb_adr_i[IN_BUF_BITS-1:0]), IN_D) && !busy;
  always @(posedge clk) begin
    wb_ack_o <= 1'b0;
    h_req <= 1'b0;
    c_start <= 1'b0;
    c_ack <= 1'b0;
    c_clr <= zr || (crc_sel_go && !sel_in);
    if (crc_sel_go && sel_in) begin
      c_start <= 1'b1; c_mode <= 2'd0;
    end
    case (hs)
      H_DEC:
      if (ra_port) begin
        // RAM-backed: wait for the command to finish, then read
        if (!busy) begin
          if (!rcrc && ra_win && !mem_ok) begin
            wb_ack_o <= 1'b1;
            hs <= H_IDLE;
          end else begin
            // a read, or a write taken (h_we): the same selector and address
            h_req <= 1'b1;
            hs <= H_MEM;
          end
        end
      end else if (ra_crc) begin
        if (!busy) begin
          c_start <= 1'b1;
          c_mode <= (ra == REG_IN_CRC) ? 2'd1 : 2'd2;
          wcrc <= 1'b1;
          hs <= H_IDLE;
        end
      end else begin
        wb_ack_o <= !rcrc;
        c_ack <= rcrc;
        hs <= H_IDLE;
      end
      H_MEM:
      if (m_ack) begin
        wb_ack_o <= !rcrc;
        c_ack <= rcrc;
        hs <= H_IDLE;
        if (rse) begin
          // a CTRL write: STEP_EXPECT read (0 after RESET), STEP_LO next
          wb_ack_o <= 1'b0;
          rse <= 1'b0;
          rctl <= 1'b1;
          hs <= H_DEC;
        end
        if (rlat) begin
          // a MEM_DATA_HI write: the latch read (0 after RESET), the word written next
          wb_ack_o <= 1'b0;
          rlat <= 1'b0;
          h_we <= 1'b1;
          hs <= H_DEC;
        end
      end
      default:
      if (c_rq) begin
        rcrc <= 1'b1;
        rvc <= 1'b0;
        rse <= 1'b0;
        rctl <= 1'b0;
        rlat <= 1'b0;
        h_we <= 1'b0;
        hs <= H_DEC;
      end else if (wcrc) begin
        if (!c_busy && !c_start) begin
          // the CRC, read as CRC_VALUE
          rvc <= 1'b1;
          rcrc <= 1'b0;
          rse <= 1'b0;
          rctl <= 1'b0;
          rlat <= 1'b0;
          hs <= H_DEC;
          wcrc <= 1'b0;
        end
      end else if (take) begin
        rcrc <= 1'b0;
        rvc <= 1'b0;
        rse <= wb_we_i && ctl_wait;
        rctl <= 1'b0;
        rlat <= wb_we_i && hi_w;
        h_we <= wb_we_i && !ctl_wait && !hi_w;
        if (!wb_we_i || ctl_wait) hs <= H_DEC;
        // a write of MEM_DATA_HI or IN_BUF: the word is written through the port, its selector
        // and address decoded from ra in H_DEC as a read's are; the bus waits for it
        // (IN_COUNT, MEM_SEL, MEM_ADDR likewise, their flip-flops above written now: the bus
        // waits for the RAM while a command runs)
        else if (hi_w || in_buf_w || is_rreg(wb_adr_i) || wb_adr_i == REG_STEP_EXPECT ||
                 wb_adr_i == REG_MEM_DATA_LO)
          hs <= H_DEC;
        else wb_ack_o <= 1'b1;
      end
    endcase
    if (rst) begin
      hs <= H_IDLE; wb_ack_o <= 1'b0; h_req <= 1'b0; h_we <= 1'b0; c_start <= 1'b0; c_ack <= 1'b0; wcrc <= 1'b0;
      rcrc <= 1'b0; rvc <= 1'b0; rse <= 1'b0; rctl <= 1'b0; rlat <= 1'b0;
    end
  end

`ifdef SIM
  // The register pages of the read decoder.
  initial begin
    if (REG_VERSION[13:4] != REG_ID[13:4] || REG_CAPS[13:4] != REG_ID[13:4] || REG_DIM_IN[13:4] != REG_ID[13:4] ||
        REG_DIM_COLS[13:4] != REG_ID[13:4] || REG_DIM_CELLS[13:4] != REG_ID[13:4] ||
        REG_DIM_SEGS[13:4] != REG_ID[13:4] || REG_DIM_SYNS[13:4] != REG_ID[13:4] ||
        REG_STEP_LO[13:4] != REG_STATUS[13:4] || REG_STEP_HI[13:4] != REG_STATUS[13:4] ||
        REG_ERROR[13:4] != REG_STATUS[13:4] || REG_CYCLES[13:4] != REG_STATUS[13:4] ||
        REG_OUT_COUNT[13:4] != REG_IN_COUNT[13:4] || REG_PRED_COUNT[13:4] != REG_IN_COUNT[13:4] ||
        REG_ANOM_NUM[13:4] != REG_IN_COUNT[13:4] || REG_ANOM_DEN[13:4] != REG_IN_COUNT[13:4] ||
        REG_MEM_LOCK[13:4] != REG_IN_COUNT[13:4] || REG_MEM_ADDR[13:4] != REG_MEM_SEL[13:4] ||
        REG_PHASE_CYCLES[3:0] != 4'd0 || NUM_PHASES > 16 || IN_BUF_BITS != 10 || OUT_BUF_BITS != 12 ||
        PRED_BUF_BITS != 12 || !REG_PRED_BUF[13] || REG_OUT_BUF[13] || NUM_PHASES > 12 || rg_word(REG_IN_COUNT) != 4'd12 ||
        rg_word(REG_STEP_EXPECT) != 4'd13 || rg_word(REG_MEM_SEL) != 4'd14 || rg_word(REG_MEM_ADDR) != 4'd15 ||
        REG_STEP_HI != REG_STEP_LO + 14'd1 || REG_STEP_LO[0] != 1'b0 || REG_CTRL == REG_STEP_LO || N > 1024)
      $error("htm3_host: the register map's pages changed: update the read decoder");
  end
  // The port is used by one of the bus and the CRC at a time, never while
  // a command runs (the sequencer owns the memories then).
  always @(posedge clk) if (!rst && m_req && busy) $error("htm3_host: memory request while busy");
`endif
endmodule
`default_nettype wire
