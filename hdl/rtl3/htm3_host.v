// htm3_host: the host interface of architecture 3 (docs/ARCHITECTURE.md
// section 3, unchanged from version 2; sim.Device is its model): the
// Wishbone B4 classic slave (32-bit, word addressing), the register file,
// CTRL decoding with the complement check, the error codes (first error
// kept), STEP_EXPECT, MEM_LOCK, the memory window with auto-increment, and
// the CRC sequencer (htm3_crc). Every RAM-backed word (window, IN_BUF,
// OUT_BUF, PRED_BUF, the CRCs' words) goes through one logical memory port
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
    output reg  [31:0]  in_count,
    // the sequencer's state and results
    input  wire         busy,
    input  wire         eng_err,   // the command running failed (eng_code)
    input  wire [2:0]   eng_code,
    input  wire [63:0]  steps,
    input  wire [31:0]  cycles,
    output wire [3:0]   ph_ra,     // PHASE_CYCLES (htm3_seq's RAM): the phase read
    input  wire [31:0]  ph_rd,     //   its word, a cycle later
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
    input  wire         m_ack,
    input  wire [63:0]  m_rd
);
  `include "htm_arch.vh"
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
  localparam integer WS = bitsf(S - 1);
  localparam integer WM = bitsf(M);
  localparam integer WG = bitsf(G);
  localparam integer W = (N + 31) / 32;
  localparam integer WC = (NC + 31) / 32;
  localparam integer IN_D = N;  // IN_BUF words held (an input has at most N indices)
  localparam [4:0] SEL_IN_BUF = 5'd16, SEL_OUT_BUF = 5'd17, SEL_PRED_BUF = 5'd18;

  function [31:0] mem_depth(input [3:0] m);
    case (m)
      MEM_CFG: mem_depth = CFG_WORDS;
      MEM_REGS: mem_depth = REGS_WORDS;
      MEM_SP_POOL: mem_depth = C * Q;
      MEM_SP_CONN: mem_depth = C * W;
      MEM_SP_POOLLEN, MEM_SP_DUTY, MEM_SP_BOOST: mem_depth = C;
      MEM_SP_BOOSTTABLE: mem_depth = BOOST_TABLE_WORDS;
      MEM_TM_SEG, MEM_TM_SEGLRU, MEM_TM_SEGSEQ, MEM_TM_FREE: mem_depth = S;
      MEM_TM_SYN: mem_depth = S * M;
      MEM_TM_CELLSEGS: mem_depth = NC;
      default: mem_depth = WC;  // MEM_TM_ACTIVE, MEM_TM_WINNER
    endcase
  endfunction
  // Bytes per word in a CRC (image.Section.WordBytes): 1, 2, 4 or 8.
  function [3:0] mem_bytes(input [3:0] m);
    integer w;
    begin
      case (m)
        MEM_CFG: w = 32;
        MEM_REGS: w = 64;
        MEM_SP_POOL: w = B + WN;
        MEM_SP_POOLLEN: w = WQ;
        MEM_SP_CONN, MEM_SP_DUTY, MEM_TM_SEGLRU, MEM_TM_ACTIVE, MEM_TM_WINNER: w = 32;
        MEM_SP_BOOST, MEM_SP_BOOSTTABLE: w = 16;
        MEM_TM_SEG: w = WCELL + 1 + WM;
        MEM_TM_SEGSEQ: w = 64;
        MEM_TM_FREE: w = WS;
        MEM_TM_SYN: w = B + WCELL + 1;
        default: w = WG;  // MEM_TM_CELLSEGS
      endcase
      mem_bytes = (w <= 8) ? 4'd1 : (w <= 16) ? 4'd2 : (w <= 32) ? 4'd4 : 4'd8;
    end
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

  // ------------------------------------------------------------- registers
  reg                  locked, dirty;
  reg [3:0]            csel;     // CRC_SEL's memory
  reg [ERROR_BITS-1:0] err;
  reg [31:0]           step_expect, mem_sel, mem_addr, mem_lo;
  localparam [1:0] H_IDLE = 2'd0, H_MEM = 2'd1, H_CRC = 2'd2, H_PH = 2'd3;
  reg [1:0]            hs;
  reg [13:0]           h_adr;   // the bus address being served

  wire mem_ok = mem_sel < NUM_MEMS && mem_addr < mem_depth(mem_sel[3:0]);
  wire wb_req = wb_cyc_i && wb_stb_i && !wb_ack_o;
  wire [15:0] cmd = wb_dat_i[15:0];
  wire cmd_ok = wb_dat_i[31:16] == ~wb_dat_i[15:0];

  // The CRC sequencer and its share of the memory port.
  reg         c_start, c_clr;
  reg  [1:0]  c_mode;
  wire        c_req, c_busy;
  wire [4:0]  c_sel;
  wire [15:0] c_addr;
  wire [31:0] c_value;
  htm3_crc u_crc (
      .clk(clk), .rst(rst), .start(c_start), .clr(c_clr), .mode(c_mode), .sel_i({1'b0, csel}),
      .len_i(16'(mem_depth(csel))), .nb_i(mem_bytes(csel)),
      .in_count(in_count), .step_lo(steps[31:0]), .out_count(out_count), .pred_count(pred_count),
      .anom_num(anom_num), .anom_den(anom_den),
      .req(c_req), .sel(c_sel), .addr(c_addr), .ack(m_ack), .rd(m_rd), .busy(c_busy), .value(c_value));

  // The bus's own memory requests (registered: h_req, h_we, h_sel, h_addr).
  reg        h_req, h_we;
  reg [4:0]  h_sel;
  reg [31:0] h_addr;
  always @* begin
    m_req = c_busy ? c_req : h_req;
    m_we = c_busy ? 1'b0 : h_we;
    m_sel = c_busy ? c_sel : h_sel;
    m_addr = c_busy ? 32'(c_addr) : h_addr;
    m_wd = {wb_dat_i, mem_lo};  // an IN_BUF write's index is the high half (htm3_memmap)
  end

  // Register reads, decoded by 16-word page and then by the word's low
  // bits (one small multiplexer per page instead of a 14-bit comparison
  // per register; the pages are checked under SIM).
  reg [31:0] rdv;
  wire [3:0] ph_i = wb_adr_i[3:0] - REG_PHASE_CYCLES[3:0];  // a PHASE_CYCLES word's phase
  // below the base, ph_i wraps to 16 - d >= NUM_PHASES (checked under SIM)
  wire       is_ph = wb_adr_i[13:4] == REG_PHASE_CYCLES[13:4] && {28'd0, ph_i} < NUM_PHASES;
  assign ph_ra = ph_i;
  always @* begin
    rdv = 32'd0;
    case (wb_adr_i[13:4])
      REG_ID[13:4]:
      case (wb_adr_i[3:0])
        REG_ID[3:0]: rdv = DEVICE_ID;
        REG_VERSION[3:0]: rdv = ARCH_VERSION;
        REG_CAPS[3:0]:
        rdv = (LANES_OV << CAPS_LANES_OV_SHIFT) | (LANES_SYN << CAPS_LANES_SYN_SHIFT) | (DIV_LAT << CAPS_DIV_LAT_SHIFT);
        REG_DIM_IN[3:0]: rdv = N;
        REG_DIM_COLS[3:0]: rdv = C;
        REG_DIM_CELLS[3:0]: rdv = K;
        REG_DIM_SEGS[3:0]: rdv = S;
        REG_DIM_SYNS[3:0]: rdv = M;
        default: ;
      endcase
      REG_STATUS[13:4]:
      case (wb_adr_i[3:0])
        REG_STATUS[3:0]: begin
          rdv[STATUS_BUSY_BIT] = busy;
          rdv[STATUS_DONE_BIT] = !busy;
          rdv[STATUS_ERROR_BIT] = err != ERR_NONE;
        end
        REG_STEP_LO[3:0]: rdv = steps[31:0];
        REG_STEP_HI[3:0]: rdv = steps[63:32];
        REG_ERROR[3:0]: rdv = {{(32 - ERROR_BITS) {1'b0}}, err};
        REG_CYCLES[3:0]: rdv = cycles;
        default: ;  // CTRL, STEP_EXPECT: write-only, read 0
      endcase
      REG_IN_COUNT[13:4]:
      case (wb_adr_i[3:0])
        REG_IN_COUNT[3:0]: rdv = in_count;
        REG_OUT_COUNT[3:0]: rdv = out_count;
        REG_PRED_COUNT[3:0]: rdv = pred_count;
        REG_ANOM_NUM[3:0]: rdv = anom_num;
        REG_ANOM_DEN[3:0]: rdv = anom_den;
        REG_MEM_LOCK[3:0]: rdv = {31'd0, locked};
        default: ;
      endcase
      REG_MEM_SEL[13:4]:
      case (wb_adr_i[3:0])
        REG_MEM_SEL[3:0]: rdv = mem_sel;
        REG_MEM_ADDR[3:0]: rdv = mem_addr;
        default: ;
      endcase
      default: ;  // PHASE_CYCLES: RAM-backed (H_PH)
    endcase
  end

  // Commands (one-cycle pulses to the sequencer).
  wire bus_cmd = hs == H_IDLE && wb_req && wb_we_i && wb_adr_i == REG_CTRL && !c_busy && !rst;
  always @* begin
    cmd_step = 1'b0;
    cmd_restore = 1'b0;
    cmd_reset = 1'b0;
    cmd_zero = 1'b0;
    cmd_learn = (cmd & CMD_LEARN) != 0;
    if (bus_cmd && cmd_ok && !busy) begin
      cmd_step = (cmd & ~CMD_LEARN) == CMD_STEP && step_expect == steps[31:0] && in_count <= IN_D && !dirty;
      cmd_restore = cmd == CMD_RESTORE;
      cmd_reset = cmd == CMD_RESET;
      cmd_zero = !cmd_step && !cmd_restore && !cmd_reset;
    end
    if (bus_cmd && !cmd_ok && !busy) cmd_zero = 1'b1;
  end

  always @(posedge clk) begin
    wb_ack_o <= 1'b0;
    h_req <= 1'b0;
    c_start <= 1'b0;
    c_clr <= 1'b0;
    if (eng_err && err == ERR_NONE) err <= eng_code;
    case (hs)
      H_MEM:
      if (m_ack) begin
        if (h_adr == REG_MEM_DATA_HI) begin
          wb_dat_o <= m_rd[63:32];
          mem_addr <= mem_addr + 1;
          if (h_we) dirty <= 1'b1;
        end else wb_dat_o <= m_rd[31:0];
        // beyond IN_BUF's N words, OUT_BUF's OUT_COUNT, PRED_BUF's PRED_COUNT: 0
        if ((is_in_buf(h_adr) && {22'd0, h_adr[IN_BUF_BITS-1:0]} >= IN_D) ||
            (is_out_buf(h_adr) && {20'd0, h_adr[OUT_BUF_BITS-1:0]} >= out_count) ||
            (is_pred_buf(h_adr) && {20'd0, h_adr[PRED_BUF_BITS-1:0]} >= pred_count))
          wb_dat_o <= 32'd0;
        wb_ack_o <= 1'b1;
        hs <= H_IDLE;
      end
      H_PH: begin
        wb_dat_o <= ph_ok ? ph_rd : 32'd0;
        wb_ack_o <= 1'b1;
        hs <= H_IDLE;
      end
      H_CRC:
      if (!c_busy && !c_start) begin
        wb_dat_o <= c_value;
        wb_ack_o <= 1'b1;
        hs <= H_IDLE;
      end
      default:
      if (wb_req && !c_busy) begin
        h_adr <= wb_adr_i;
        h_we <= wb_we_i;
        if (wb_we_i) begin
          wb_ack_o <= 1'b1;
          case (wb_adr_i)
            REG_CTRL:
            if (!cmd_ok) begin
              err <= (err == ERR_NONE) ? ERR_BAD_CMD : err;
            end else if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
            else if (cmd == CMD_CLEAR_ERROR) err <= ERR_NONE;
            else if (cmd == CMD_RESET) begin
              err <= ERR_NONE; in_count <= 32'd0; locked <= 1'b1; step_expect <= 32'd0; mem_sel <= 32'd0;
              mem_addr <= 32'd0; mem_lo <= 32'd0; c_clr <= 1'b1;
            end else if ((cmd & ~CMD_LEARN) == CMD_STEP) begin
              locked <= 1'b1;  // an accepted STEP command locks, computed or not
              if (step_expect != steps[31:0]) err <= (err == ERR_NONE) ? ERR_STEP_MISMATCH : err;
              else if (dirty) err <= (err == ERR_NONE) ? ERR_BAD_STATE : err;
              else if (in_count > IN_D) err <= (err == ERR_NONE) ? ERR_BAD_INPUT : err;
            end else if (cmd == CMD_RESTORE) dirty <= 1'b0;
            else err <= (err == ERR_NONE) ? ERR_BAD_CMD : err;
            REG_STEP_EXPECT: step_expect <= wb_dat_i;
            REG_IN_COUNT: in_count <= wb_dat_i;
            REG_MEM_LOCK: locked <= wb_dat_i != MEM_UNLOCK;
            REG_MEM_SEL: mem_sel <= wb_dat_i;
            REG_MEM_ADDR: mem_addr <= wb_dat_i;
            REG_MEM_DATA_LO: mem_lo <= wb_dat_i;
            REG_MEM_DATA_HI:
            if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
            else if (locked) err <= (err == ERR_NONE) ? ERR_LOCKED : err;
            else if (!mem_ok) err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
            else begin
              // the word is written through the port; the bus waits for it
              wb_ack_o <= 1'b0;
              h_req <= 1'b1; h_sel <= {1'b0, mem_sel[3:0]}; h_addr <= mem_addr;
              hs <= H_MEM;
            end
            REG_CRC_SEL:
            if (busy) err <= (err == ERR_NONE) ? ERR_BUSY : err;
            else if (wb_dat_i >= NUM_MEMS) begin
              err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
              c_clr <= 1'b1;
            end else begin
              c_start <= 1'b1; c_mode <= 2'd0; csel <= wb_dat_i[3:0];
            end
            default:
            if (is_in_buf(wb_adr_i) && {22'd0, wb_adr_i[IN_BUF_BITS-1:0]} < IN_D && !busy) begin
              wb_ack_o <= 1'b0;
              h_req <= 1'b1; h_sel <= SEL_IN_BUF; h_addr <= {22'd0, wb_adr_i[IN_BUF_BITS-1:0]};
              hs <= H_MEM;
            end
          endcase
        end else begin
          if (wb_adr_i == REG_MEM_DATA_LO || wb_adr_i == REG_MEM_DATA_HI || is_out_buf(wb_adr_i) ||
              is_pred_buf(wb_adr_i) || is_in_buf(wb_adr_i)) begin
            // RAM-backed: wait for the command to finish, then read.
            if (!busy) begin
              if ((wb_adr_i == REG_MEM_DATA_LO || wb_adr_i == REG_MEM_DATA_HI) && !mem_ok) begin
                err <= (err == ERR_NONE) ? ERR_BAD_MEM : err;
                wb_dat_o <= 32'd0;
                wb_ack_o <= 1'b1;
              end else begin
                h_req <= 1'b1;
                hs <= H_MEM;
                if (is_in_buf(wb_adr_i)) begin
                  h_sel <= SEL_IN_BUF; h_addr <= {22'd0, wb_adr_i[IN_BUF_BITS-1:0]};
                end else if (is_out_buf(wb_adr_i)) begin
                  h_sel <= SEL_OUT_BUF; h_addr <= {20'd0, wb_adr_i[OUT_BUF_BITS-1:0]};
                end else if (is_pred_buf(wb_adr_i)) begin
                  h_sel <= SEL_PRED_BUF; h_addr <= {20'd0, wb_adr_i[PRED_BUF_BITS-1:0]};
                end else begin
                  h_sel <= {1'b0, mem_sel[3:0]}; h_addr <= mem_addr;
                end
              end
            end
          end else if (wb_adr_i == REG_IN_CRC || wb_adr_i == REG_OUT_CRC) begin
            if (!busy) begin
              hs <= H_CRC;
              c_start <= 1'b1;
              c_mode <= (wb_adr_i == REG_IN_CRC) ? 2'd1 : 2'd2;
            end
          end else if (wb_adr_i == REG_CRC_VALUE) hs <= H_CRC;
          else if (is_ph) begin
            if (!busy) hs <= H_PH;  // the word, a cycle later; wait while a command runs
          end
          else begin
            wb_dat_o <= rdv;
            wb_ack_o <= 1'b1;
          end
        end
      end
    endcase
    if (rst) begin
      hs <= H_IDLE; err <= ERR_NONE; in_count <= 32'd0; locked <= 1'b1; step_expect <= 32'd0;
      mem_sel <= 32'd0; mem_addr <= 32'd0; mem_lo <= 32'd0; wb_ack_o <= 1'b0; dirty <= 1'b0; csel <= 4'd0;
      h_req <= 1'b0; c_start <= 1'b0; c_clr <= 1'b1;
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
        32'(REG_PHASE_CYCLES[3:0]) + NUM_PHASES > 16)
      $error("htm3_host: the register map's pages changed: update the read decoder");
  end
  // The port is used by one of the bus and the CRC at a time, never while
  // a command runs (the sequencer owns the memories then).
  always @(posedge clk) if (!rst && m_req && busy) $error("htm3_host: memory request while busy");
`endif
endmodule
`default_nettype wire
