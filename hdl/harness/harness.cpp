// Verilator harness for htm3_accel (hdl/rtl3, built with --prefix Vhtm_accel):
// drives the Wishbone bus as a host would (docs/ARCHITECTURE.md section 3),
// runs STEP commands on inputs read from a
// file and writes a register trace (model/trace: step,cols,pred,anom_num,
// anom_den,cycles), the per-phase cycles (PHASE_CYCLES) and, at the end, a
// dump of every memory read back through the memory window with its
// hardware CRC.
//
// Usage: Vhtm_accel +memdir=DIR --in INPUTS [--trace F] [--phases F]
//        [--dump F] [--depths d0,..,d15] [--load DIR] [--vcd F]
// INPUTS: one line per step: the learn flag (0 or 1), then the input
// indices, separated by spaces.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "Vhtm_accel.h"
#include "htm_arch.h"  // register map, commands, codes, memories: generated from package arch
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

static const uint32_t kDone = 1u << STATUS_DONE_BIT, kBusy = 1u << STATUS_BUSY_BIT, kError = 1u << STATUS_ERROR_BIT;

static std::unique_ptr<VerilatedContext> ctx;
static std::unique_ptr<Vhtm_accel> top;
#if VM_TRACE
static std::unique_ptr<VerilatedVcdC> vcd;
#endif
static uint64_t cycle = 0;

static void tick() {
  top->clk = 0;
  top->eval();
#if VM_TRACE
  if (vcd) vcd->dump(ctx->time());
#endif
  ctx->timeInc(1);
  top->clk = 1;
  top->eval();
#if VM_TRACE
  if (vcd) vcd->dump(ctx->time());
#endif
  ctx->timeInc(1);
  cycle++;
}

static void die(const char *msg) {
  fprintf(stderr, "harness: %s\n", msg);
  exit(2);
}

static uint32_t wb(bool we, uint32_t adr, uint32_t dat) {
  top->wb_cyc_i = 1;
  top->wb_stb_i = 1;
  top->wb_we_i = we;
  top->wb_adr_i = adr;
  top->wb_dat_i = dat;
  top->wb_sel_i = 0xF;
  for (int n = 0;; n++) {
    tick();
    if (top->wb_ack_o) break;
    if (n > 50000000) die("bus timeout");
  }
  uint32_t r = top->wb_dat_o;
  top->wb_cyc_i = 0;
  top->wb_stb_i = 0;
  top->wb_we_i = 0;
  return r;
}
static void wr(uint32_t adr, uint32_t dat) { wb(true, adr, dat); }
static uint32_t rd(uint32_t adr) { return wb(false, adr, 0); }
static void command(uint32_t c) { wr(REG_CTRL, (c & 0xFFFF) | ((~c & 0xFFFF) << 16)); }

static uint32_t crc_table[256];
static void crc_init() {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    crc_table[i] = c;
  }
}
struct Crc {
  uint32_t c = 0xFFFFFFFFu;
  void word(uint32_t w) {
    for (int b = 0; b < 4; b++) c = crc_table[(c ^ (w >> (8 * b))) & 0xFF] ^ (c >> 8);
  }
  uint32_t sum() const { return ~c; }
};

static void wait_idle() {
  for (int n = 0;; n++) {
    if ((rd(REG_STATUS) & kBusy) == 0) return;
    if (n > 10000000) die("command does not finish");
  }
}

static std::vector<uint64_t> read_hex(const std::string &path) {
  std::ifstream f(path);
  if (!f) die(("cannot open " + path).c_str());
  std::vector<uint64_t> w;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '/') continue;
    w.push_back(strtoull(line.c_str(), nullptr, 16));
  }
  return w;
}

static void expect(bool ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "harness: protocol check failed: %s\n", what);
    exit(5);
  }
}

// restore issues RESTORE as a host of contract version 4 does: the used
// segments (those not on tm.free's stack of FREE_COUNT entries) in
// creation order (ascending tm.segseq), oldest first, written into tm.free
// above FREE_COUNT first (image.Image.UsedList), through the window.
static bool keep_list = false;  // --keep-list: tm.free as loaded (a test's own list)
static void restore() {
  if (keep_list) {
    command(CMD_RESTORE);
    return;
  }
  // The window's units (contract version 4, arch.Window): regs and
  // tm.segseq keep a 64-bit word in two units, tm.free (at most 16 bits)
  // two entries a unit, low half first.
  auto unit = [](uint32_t m, uint32_t u) -> uint32_t {
    wr(REG_MEM_SEL, m);
    wr(REG_MEM_ADDR, u);
    return rd(REG_MEM_DATA_LO);
  };
  auto word64 = [&](uint32_t m, uint32_t i) -> uint64_t {
    return unit(m, 2 * i) | uint64_t(unit(m, 2 * i + 1)) << 32;
  };
  auto entry = [&](uint32_t j) -> uint32_t { return unit(MEM_TM_FREE, j / 2) >> (16 * (j % 2)) & 0xFFFFu; };
  uint32_t S = rd(REG_DIM_SEGS);
  uint64_t fc = word64(MEM_REGS, 6);  // FREE_COUNT
  if (fc > S) die("FREE_COUNT exceeds S");
  std::vector<bool> is_free(S, false);
  for (uint32_t j = 0; j < fc; j++) {
    uint32_t f = entry(j);
    if (f < S) is_free[f] = true;
  }
  std::vector<std::pair<uint64_t, uint32_t>> used;  // (tm.segseq, segment)
  for (uint32_t s = 0; s < S; s++)
    if (!is_free[s]) used.push_back({word64(MEM_TM_SEGSEQ, s), s});
  std::stable_sort(used.begin(), used.end(),
                   [](const std::pair<uint64_t, uint32_t> &a, const std::pair<uint64_t, uint32_t> &b) { return a.first < b.first; });
  // entries S - n .. S - 1, unit by unit: a unit's other half (the free
  // stack's top entry, or an odd memory's spare word) is written back as read
  uint32_t first = S - uint32_t(used.size());
  std::vector<uint32_t> units;
  for (uint32_t u = first / 2; u < (S + 1) / 2; u++) units.push_back(unit(MEM_TM_FREE, u));
  for (uint32_t k = 0; k < used.size(); k++) {
    uint32_t j = first + k, &v = units[j / 2 - first / 2], sh = 16 * (j % 2);
    v = (v & ~(0xFFFFu << sh)) | used[k].second << sh;
  }
  uint32_t lock = rd(REG_MEM_LOCK);
  wr(REG_MEM_LOCK, MEM_UNLOCK);
  wr(REG_MEM_SEL, MEM_TM_FREE);
  wr(REG_MEM_ADDR, first / 2);
  for (uint32_t v : units) {
    wr(REG_MEM_DATA_LO, v);
    wr(REG_MEM_DATA_HI, 0);
  }
  if (lock != 0) wr(REG_MEM_LOCK, 1);
  command(CMD_RESTORE);
}

// run_protocol checks the host interface's error handling (ARCHITECTURE.md
// 3.1-3.4): every refused command changes nothing and counts no cycles.
// It leaves the accelerator as it found it (no step computed, errors
// cleared, IN_COUNT 0).
static void run_protocol() {
  expect(rd(REG_STATUS) == kDone, "STATUS done, not busy, no error after reset");
  expect(rd(REG_VERSION) == ARCH_VERSION, "VERSION");
  uint32_t n = rd(REG_STEP_LO);
  // A command whose halves are not complements: BAD_CMD, nothing done.
  wr(REG_STEP_EXPECT, n);
  wr(REG_IN_COUNT, 0);
  wr(REG_CTRL, CMD_STEP | CMD_STEP << 16);
  expect(rd(REG_ERROR) == ERR_BAD_CMD, "BAD_CMD for a word without its complement");
  expect((rd(REG_STATUS) & kError) != 0, "STATUS error bit");
  expect(rd(REG_STEP_LO) == n, "no step after BAD_CMD");
  command(CMD_CLEAR_ERROR);
  expect(rd(REG_ERROR) == ERR_NONE && (rd(REG_STATUS) & kError) == 0, "CLEAR_ERROR");
  // STEP_EXPECT mismatch.
  wr(REG_STEP_EXPECT, n + 7);
  command(CMD_STEP);
  expect(rd(REG_ERROR) == ERR_STEP_MISMATCH, "STEP_MISMATCH");
  expect(rd(REG_STEP_LO) == n && (rd(REG_STATUS) & kBusy) == 0, "no step after STEP_MISMATCH");
  command(CMD_CLEAR_ERROR);
  // Input not ascending: BAD_INPUT, no cycles, no step.
  wr(REG_STEP_EXPECT, n);
  wr(REG_IN_COUNT, 2);
  wr(REG_IN_BUF + 0, 5);
  wr(REG_IN_BUF + 1, 5);
  command(CMD_STEP);
  wait_idle();
  expect(rd(REG_ERROR) == ERR_BAD_INPUT, "BAD_INPUT for repeated indices");
  expect(rd(REG_CYCLES) == 0 && rd(REG_STEP_LO) == n, "BAD_INPUT counts no cycles and no step");
  command(CMD_CLEAR_ERROR);
  // An index not below N.
  wr(REG_IN_COUNT, 1);
  wr(REG_IN_BUF + 0, rd(REG_DIM_IN));
  command(CMD_STEP);
  wait_idle();
  expect(rd(REG_ERROR) == ERR_BAD_INPUT && rd(REG_STEP_LO) == n, "BAD_INPUT for an index >= N");
  command(CMD_CLEAR_ERROR);
  // IN_CRC of what was written, and IN_BUF reads back.
  Crc c;
  c.word(1);
  c.word(rd(REG_DIM_IN));
  expect(rd(REG_IN_CRC) == c.sum(), "IN_CRC");
  expect(rd(REG_IN_BUF + 0) == rd(REG_DIM_IN) && rd(REG_IN_BUF + 1) == 5, "IN_BUF reads back");
  // Locked windows: a MEM_DATA_HI write sets LOCKED and changes nothing.
  wr(REG_MEM_LOCK, 1);
  expect(rd(REG_MEM_LOCK) != 0, "MEM_LOCK reads locked");
  wr(REG_MEM_SEL, MEM_SP_DUTY);
  wr(REG_MEM_ADDR, 3);
  uint32_t old = rd(REG_MEM_DATA_LO);
  rd(REG_MEM_DATA_HI);
  expect(rd(REG_MEM_ADDR) == 4, "MEM_ADDR auto-increments after MEM_DATA_HI");
  wr(REG_MEM_ADDR, 3);
  wr(REG_MEM_DATA_LO, old ^ 0x5A5A5A5Au);
  wr(REG_MEM_DATA_HI, 0);
  expect(rd(REG_ERROR) == ERR_LOCKED, "LOCKED");
  expect(rd(REG_MEM_ADDR) == 3, "no auto-increment on a refused write");
  expect(rd(REG_MEM_DATA_LO) == old, "a locked write changes nothing");
  command(CMD_CLEAR_ERROR);
  // Unlocked: the write lands, and reads back.
  wr(REG_MEM_LOCK, MEM_UNLOCK);
  expect(rd(REG_MEM_LOCK) == 0, "MEM_LOCK unlocked by LOAD");
  wr(REG_MEM_ADDR, 3);
  wr(REG_MEM_DATA_LO, old ^ 0x5A5A5A5Au);
  wr(REG_MEM_DATA_HI, 0);
  expect(rd(REG_ERROR) == ERR_NONE, "unlocked write");
  wr(REG_MEM_ADDR, 3);
  expect(rd(REG_MEM_DATA_LO) == (old ^ 0x5A5A5A5Au), "written word reads back");
  wr(REG_MEM_ADDR, 3);
  wr(REG_MEM_DATA_LO, old);
  wr(REG_MEM_DATA_HI, 0);
  // The window in physical units (contract version 4): a regs unit at an
  // even address is written there (MEM_DATA_HI's write is the unit's), and
  // MEM_DATA_HI reads the odd unit after it (a 64-bit word's high half).
  wr(REG_MEM_SEL, MEM_REGS);
  wr(REG_MEM_ADDR, 6);
  uint32_t r6 = rd(REG_MEM_DATA_LO), r7 = rd(REG_MEM_DATA_HI);
  wr(REG_MEM_ADDR, 6);
  wr(REG_MEM_DATA_LO, r6 ^ 0xA5A5A5A5u);
  wr(REG_MEM_DATA_HI, 0);
  wr(REG_MEM_ADDR, 6);
  expect(rd(REG_MEM_DATA_LO) == (r6 ^ 0xA5A5A5A5u) && rd(REG_MEM_DATA_HI) == r7, "a regs unit written reads back");
  wr(REG_MEM_ADDR, 6);
  wr(REG_MEM_DATA_LO, r6);
  wr(REG_MEM_DATA_HI, 0);
  wr(REG_MEM_SEL, MEM_SP_DUTY);
  // Memories written without RESTORE: STEP refuses with BAD_STATE (and
  // locks the windows: an accepted STEP command locks, computed or not).
  wr(REG_IN_COUNT, 0);
  wr(REG_STEP_EXPECT, n);
  command(CMD_STEP);
  wait_idle();
  expect(rd(REG_ERROR) == ERR_BAD_STATE && rd(REG_STEP_LO) == n && rd(REG_CYCLES) == 0, "BAD_STATE after window writes");
  expect(rd(REG_MEM_LOCK) == 1, "STEP locks the windows");
  command(CMD_CLEAR_ERROR);
  restore();  // RESTORE
  wait_idle();
  expect(rd(REG_ERROR) == ERR_NONE && rd(REG_CYCLES) > 0, "RESTORE");
  // A memory index beyond the last: BAD_MEM (unlocked: LOCKED comes first).
  wr(REG_MEM_LOCK, MEM_UNLOCK);
  wr(REG_MEM_SEL, NUM_MEMS);
  wr(REG_MEM_DATA_HI, 0);
  expect(rd(REG_ERROR) == ERR_BAD_MEM, "BAD_MEM for memory NUM_MEMS");
  command(CMD_CLEAR_ERROR);
  wr(REG_CRC_SEL, NUM_MEMS + 1);
  expect(rd(REG_ERROR) == ERR_BAD_MEM && rd(REG_CRC_VALUE) == 0, "BAD_MEM for CRC_SEL NUM_MEMS + 1, CRC_VALUE 0");
  // RESET: registers to power-on values, windows locked.
  command(CMD_RESET);
  expect(rd(REG_ERROR) == ERR_NONE && rd(REG_IN_COUNT) == 0 && rd(REG_MEM_LOCK) != 0 && rd(REG_MEM_SEL) == 0 &&
             rd(REG_CYCLES) == 0,
         "RESET");
  expect(rd(REG_STEP_LO) == n, "RESET keeps the step count");
}

int serve_main(int argc, char **argv);  // serve.cpp

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--serve") == 0) return serve_main(argc, argv);  // the RTL as a board (serve.cpp)
  ctx.reset(new VerilatedContext);
  ctx->commandArgs(argc, argv);
  std::string in_path, trace_path, phases_path, dump_path, load_dir, vcd_path;
  std::vector<uint32_t> depths;
  bool protocol = false;
  long restore_at = -1;  // --restore-at K: RESTORE before the K-th step of --in
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--in") in_path = next();
    else if (a == "--trace") trace_path = next();
    else if (a == "--phases") phases_path = next();
    else if (a == "--dump") dump_path = next();
    else if (a == "--load") load_dir = next();
    else if (a == "--vcd") vcd_path = next();
    else if (a == "--protocol") protocol = true;
    else if (a == "--keep-list") keep_list = true;
    else if (a == "--restore-at") restore_at = strtol(next().c_str(), nullptr, 10);
    else if (a == "--depths") {
      std::stringstream ss(next());
      std::string t;
      while (std::getline(ss, t, ',')) depths.push_back(strtoul(t.c_str(), nullptr, 10));
    } else if (a[0] == '+') {
    } else die(("unknown argument " + a).c_str());
  }
  crc_init();
  top.reset(new Vhtm_accel(ctx.get()));
#if VM_TRACE
  if (!vcd_path.empty()) {
    ctx->traceEverOn(true);
    vcd.reset(new VerilatedVcdC);
    top->trace(vcd.get(), 99);
    vcd->open(vcd_path.c_str());
  }
#else
  if (!vcd_path.empty()) die("built without --trace");
#endif
  top->rst = 1;
  for (int i = 0; i < 4; i++) tick();
  top->rst = 0;
  tick();
  if (rd(REG_ID) != DEVICE_ID) die("ID register is not HTMH");

  if (!load_dir.empty()) {
    if (depths.size() != NUM_MEMS) die("--load needs --depths");
    wr(REG_MEM_LOCK, MEM_UNLOCK);
    for (uint32_t m = 0; m < NUM_MEMS; m++) {
      std::vector<uint64_t> w = read_hex(load_dir + "/" + MEM_NAMES[m] + ".hex");
      if (w.size() != depths[m]) die(("wrong depth in " + std::string(MEM_NAMES[m]) + ".hex").c_str());
      wr(REG_MEM_SEL, m);
      wr(REG_MEM_ADDR, 0);
      for (uint64_t x : w) {
        wr(REG_MEM_DATA_LO, uint32_t(x));
        wr(REG_MEM_DATA_HI, uint32_t(x >> 32));
      }
    }
    wr(REG_MEM_LOCK, 1);
    restore();  // RESTORE
    wait_idle();
    if (rd(REG_ERROR) != ERR_NONE) die("error after load");
    fprintf(stderr, "harness: RESTORE %u cycles\n", rd(REG_CYCLES));
  }

  if (load_dir.empty()) {
    // RESTORE, as sim.New does: the working memories (the dendrite
    // activation's lists, the previous winners) are derived from the image,
    // which $readmemh may have initialised with a trained region.
    restore();
    wait_idle();
    if (rd(REG_ERROR) != ERR_NONE) die("error after RESTORE");
    fprintf(stderr, "harness: RESTORE %u cycles\n", rd(REG_CYCLES));
  }

  if (protocol) {
    run_protocol();
    fprintf(stderr, "harness: protocol checks passed\n");
  }

  FILE *trace = trace_path.empty() ? nullptr : fopen(trace_path.c_str(), "w");
  FILE *phases = phases_path.empty() ? nullptr : fopen(phases_path.c_str(), "w");
  if (trace) fprintf(trace, "step,cols,pred,anom_num,anom_den,cycles\n");
  if (!in_path.empty()) {
    std::ifstream in(in_path);
    if (!in) die("cannot open the input file");
    std::string line;
    std::vector<uint32_t> idx;
    long k = 0;
    while (std::getline(in, line)) {
      std::stringstream ss(line);
      int learn = 0;
      if (!(ss >> learn)) continue;
      if (k++ == restore_at) {
        // RESTORE of the memories as they stand: the working state rebuilt
        // from them must continue the run unchanged
        restore();
        wait_idle();
        if (rd(REG_ERROR) != ERR_NONE) die("error after RESTORE");
        fprintf(stderr, "harness: RESTORE before step %u: %u cycles\n", rd(REG_STEP_LO), rd(REG_CYCLES));
      }
      idx.clear();
      uint32_t x;
      while (ss >> x) idx.push_back(x);
      uint32_t n = rd(REG_STEP_LO);
      wr(REG_STEP_EXPECT, n);
      wr(REG_IN_COUNT, idx.size());
      for (size_t i = 0; i < idx.size(); i++) wr(REG_IN_BUF + i, idx[i]);
      Crc ic;
      ic.word(idx.size());
      for (uint32_t v : idx) ic.word(v);
      uint32_t got = rd(REG_IN_CRC);
      if (got != ic.sum()) {
        fprintf(stderr, "harness: step %u: IN_CRC %08x, want %08x\n", n, got, ic.sum());
        exit(3);
      }
      command(CMD_STEP | (learn ? CMD_LEARN : 0));
      wait_idle();
      uint32_t err = rd(REG_ERROR);
      if (err != 0) {
        fprintf(stderr, "harness: step %u: ERROR %u\n", n, err);
        exit(4);
      }
      uint32_t lo = rd(REG_STEP_LO);
      if (lo != n + 1) {
        fprintf(stderr, "harness: step %u: STEP_LO %u after the step\n", n, lo);
        exit(4);
      }
      uint32_t cyc = rd(REG_CYCLES);
      uint32_t nout = rd(REG_OUT_COUNT);
      std::vector<uint32_t> cols(nout), pred;
      for (uint32_t i = 0; i < nout; i++) cols[i] = rd(REG_OUT_BUF + i);
      uint32_t npred = rd(REG_PRED_COUNT);
      for (uint32_t i = 0; i < npred; i++) pred.push_back(rd(REG_PRED_BUF + i));
      uint32_t an = rd(REG_ANOM_NUM), ad = rd(REG_ANOM_DEN);
      Crc oc;
      oc.word(lo);
      oc.word(nout);
      for (uint32_t v : cols) oc.word(v);
      oc.word(npred);
      for (uint32_t v : pred) oc.word(v);
      oc.word(an);
      oc.word(ad);
      uint32_t ocg = rd(REG_OUT_CRC);
      if (ocg != oc.sum()) {
        fprintf(stderr, "harness: step %u: OUT_CRC %08x, want %08x\n", n, ocg, oc.sum());
        exit(3);
      }
      if (trace) {
        fprintf(trace, "%u,", n);
        for (size_t i = 0; i < cols.size(); i++) fprintf(trace, "%s%u", i ? " " : "", cols[i]);
        fprintf(trace, ",");
        for (size_t i = 0; i < pred.size(); i++) fprintf(trace, "%s%u", i ? " " : "", pred[i]);
        fprintf(trace, ",%u,%u,%u\n", an, ad, cyc);
      }
      if (phases) {
        fprintf(phases, "%u", n);
        for (uint32_t p = 0; p < NUM_PHASES; p++) fprintf(phases, ",%u", rd(REG_PHASE_CYCLES + p));
        fprintf(phases, "\n");
      }
    }
  }
  if (trace) fclose(trace);
  if (phases) fclose(phases);

  if (!dump_path.empty()) {
    if (depths.size() != NUM_MEMS) die("--dump needs --depths");
    FILE *d = fopen(dump_path.c_str(), "w");
    for (uint32_t m = 0; m < NUM_MEMS; m++) {
      wr(REG_CRC_SEL, m);
      uint32_t crc = rd(REG_CRC_VALUE);
      fprintf(d, "mem %u %s %u %08x\n", m, MEM_NAMES[m], depths[m], crc);
      wr(REG_MEM_SEL, m);
      wr(REG_MEM_ADDR, 0);
      for (uint32_t i = 0; i < depths[m]; i++) {
        uint32_t lo = rd(REG_MEM_DATA_LO);
        uint32_t hi = rd(REG_MEM_DATA_HI);
        fprintf(d, "%llx\n", (unsigned long long)(uint64_t(hi) << 32 | lo));
      }
    }
    fclose(d);
  }
  fprintf(stderr, "harness: %llu cycles\n", (unsigned long long)cycle);
  top->final();
#if VM_TRACE
  if (vcd) vcd->close();
  vcd.reset();  // before the statics Verilated's destructors use
#endif
  top.reset();
  ctx.reset();
  return 0;
}
