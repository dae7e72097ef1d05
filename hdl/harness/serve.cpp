// Bus server mode of the Verilator harness (Vhtm_accel --serve): the RTL as
// an emulated board. It reads Wishbone requests on standard input and
// answers on standard output, driving the bus cycle by cycle as
// harness.cpp's wb() does; package hdl's RTLTarget is its client
// (docs/DRIVER.md, "The emulated board", backend rtl).
//
// Usage: Vhtm_accel +memdir=DIR --serve
//
// Framing (binary, little-endian):
//   hello  server -> client, once, after reset and the ID check:
//          "HTMS" and the protocol version (u32, 1)
//   'W' (0x57) addr u32, data u32   write; no answer
//   'R' (0x52) addr u32             read; answered with data u32
//   'C' (0x43)                      answered with the cycles simulated (u64)
//   'Q' (0x51)                      quit (exit status 0)
// Any other request byte is a protocol error: the server says so on
// standard error and exits with status 2, as on a bus timeout. Answers are
// buffered and flushed when no complete request is waiting, so a client may
// send several requests before it reads their answers (as long as the
// answers fit the pipe's buffer). Addresses keep their low 14 bits, the
// width of wb_adr_i.
//
// The clock runs while the host has nothing to say and the accelerator is
// busy (STATUS bit 0, read over the bus between chunks of 128 cycles), as a
// board's clock runs freely; between chunks the server looks for requests
// and yields the CPU (the host shares the machine). It stops while the
// accelerator is idle, so an idle server takes no CPU. A read that the RTL
// holds (a window or OUT_BUF read while a command runs, any access while a
// CRC runs) is answered when the RTL acknowledges it. Verilator's own output
// (messages of $display, $readmemh warnings) goes to standard error:
// standard output carries only the framing.
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "Vhtm_accel.h"
#include "htm_arch.h"  // generated from package arch
#include "verilated.h"

namespace {

const uint32_t kAdrMask = (1u << ADDR_BITS) - 1;  // wb_adr_i's bits
const uint32_t kVersion = 1;

std::unique_ptr<VerilatedContext> vctx;
std::unique_ptr<Vhtm_accel> dut;
uint64_t scycle = 0;
int out_fd = -1;
std::string outbuf;

[[noreturn]] void sdie(const std::string &msg) {
  fprintf(stderr, "harness: serve: %s\n", msg.c_str());
  fflush(stderr);
  _exit(2);
}

void stick() {
  dut->clk = 0;
  dut->eval();
  vctx->timeInc(1);
  dut->clk = 1;
  dut->eval();
  vctx->timeInc(1);
  scycle++;
}

// swb is harness.cpp's wb(): one classic Wishbone cycle, held until the
// slave acknowledges.
uint32_t swb(bool we, uint32_t adr, uint32_t dat) {
  dut->wb_cyc_i = 1;
  dut->wb_stb_i = 1;
  dut->wb_we_i = we;
  dut->wb_adr_i = adr & kAdrMask;
  dut->wb_dat_i = dat;
  dut->wb_sel_i = 0xF;
  for (int n = 0;; n++) {
    stick();
    if (dut->wb_ack_o) break;
    if (n > 50000000) sdie("bus timeout: no acknowledge in 50,000,000 cycles, address " + std::to_string(adr));
  }
  uint32_t r = dut->wb_dat_o;
  dut->wb_cyc_i = 0;
  dut->wb_stb_i = 0;
  dut->wb_we_i = 0;
  return r;
}

void put32(uint32_t v) {
  for (int i = 0; i < 4; i++) outbuf.push_back(char(v >> (8 * i)));
}

void flush_out() {
  size_t off = 0;
  while (off < outbuf.size()) {
    ssize_t n = write(out_fd, outbuf.data() + off, outbuf.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) sdie(std::string("write: ") + strerror(errno));  // the client went away
    off += size_t(n);
  }
  outbuf.clear();
}

// The input buffer: bytes [pos, end) not yet consumed.
unsigned char inbuf[1 << 16];
size_t pos = 0, end = 0;

// fill reads what standard input has (blocking when block), keeping the
// unconsumed bytes. It returns false at end of input.
bool fill(bool block) {
  if (pos > 0) {
    memmove(inbuf, inbuf + pos, end - pos);
    end -= pos;
    pos = 0;
  }
  if (!block) {
    struct pollfd p = {0, POLLIN, 0};
    int r = poll(&p, 1, 0);
    if (r <= 0) return true;
  }
  for (;;) {
    ssize_t n = read(0, inbuf + end, sizeof inbuf - end);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) sdie(std::string("read: ") + strerror(errno));
    if (n == 0) return false;
    end += size_t(n);
    return true;
  }
}

uint32_t get32(size_t at) {
  return uint32_t(inbuf[at]) | uint32_t(inbuf[at + 1]) << 8 | uint32_t(inbuf[at + 2]) << 16 |
         uint32_t(inbuf[at + 3]) << 24;
}

size_t need(unsigned char op) {
  switch (op) {
    case 'W': return 9;
    case 'R': return 5;
    case 'C': case 'Q': return 1;
  }
  char m[64];
  snprintf(m, sizeof m, "protocol error: unknown request byte 0x%02x", op);
  sdie(m);
}

}  // namespace

int serve_main(int argc, char **argv) {
  // Standard output carries the framing only: keep a descriptor of it and
  // send everything else written to it (Verilator's messages) to stderr.
  out_fd = dup(1);
  if (out_fd < 0 || dup2(2, 1) < 0) sdie("cannot redirect standard output");
  vctx.reset(new VerilatedContext);
  vctx->commandArgs(argc, argv);
  dut.reset(new Vhtm_accel(vctx.get()));
  dut->rst = 1;
  for (int i = 0; i < 4; i++) stick();
  dut->rst = 0;
  stick();
  if (swb(false, REG_ID, 0) != DEVICE_ID) sdie("ID register is not HTMH");
  outbuf.append("HTMS");
  put32(kVersion);
  bool eof = false;
  for (;;) {
    // Run the requests that are complete.
    while (end - pos >= 1 && end - pos >= need(inbuf[pos])) {
      unsigned char op = inbuf[pos];
      switch (op) {
        case 'W': swb(true, get32(pos + 1), get32(pos + 5)); break;
        case 'R': put32(swb(false, get32(pos + 1), 0)); break;
        case 'C':
          put32(uint32_t(scycle));
          put32(uint32_t(scycle >> 32));
          break;
        case 'Q':
          flush_out();
          dut->final();
          dut.reset();
          vctx.reset();
          fprintf(stderr, "harness: serve: %llu cycles\n", (unsigned long long)scycle);
          return 0;
      }
      pos += need(op);
    }
    if (eof) {
      if (end > pos) sdie("end of input inside a request");
      fprintf(stderr, "harness: serve: end of input after %llu cycles\n", (unsigned long long)scycle);
      return 0;  // the client closed without 'Q'
    }
    // Nothing complete: answer what was asked, then wait for more bytes,
    // letting the clock run while a command is busy.
    flush_out();
    if (!fill(false)) {
      eof = true;
      continue;
    }
    if (end - pos >= 1 && end - pos >= need(inbuf[pos])) continue;
    bool got = false;
    while (swb(false, REG_STATUS, 0) & (1u << STATUS_BUSY_BIT)) {
      for (int i = 0; i < 128; i++) stick();
      sched_yield();  // let the host run
      size_t before = end;
      if (!fill(false)) {
        eof = true;
        break;
      }
      if (end > before) {
        got = true;
        break;
      }
    }
    if (eof || got) continue;
    if (!fill(true)) eof = true;
  }
}
