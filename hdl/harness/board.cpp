// The iCEBreaker top (rtl3/icebreaker3_top.v: UART, UARTBone bridge,
// accelerator), Verilated, as a board on a serial line: the bytes a host
// sends arrive on standard input and are shifted into the top's uart_rx
// pin, 8N1 at clks-per-bit clocks a bit, back to back as a USB UART sends
// them; the bytes the top's uart_tx pin sends are decoded and written to
// standard output. Nothing else is in between: what answers the host is the
// bitstream's own design, down to the UART. Package hdl's Board serves it
// on a pty (htmhw emulate --backend rtl --top icebreaker).
//
// Usage: Vicebreaker_top +memdir=DIR --clks-per-bit=N
//
// The clock runs while a byte is being shifted in or out, while the bridge
// is in a frame (led_r_n low), and for kTail cycles after the last of
// these, which is longer than any command the accelerator runs on its own
// after a host's last write (a STEP of the small preset is about 14,000
// cycles; a host that waits longer polls STATUS, which runs the clock
// again). Then it stops until the host sends a byte, so an idle board takes
// no CPU. Standard input's end stops the simulation (exit status 0). The
// environment variable HTMHW_BOARD_DEBUG prints each byte sent and each
// edge of uart_tx on standard error.
// Verilator's own output goes to standard error.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>

#include "Vicebreaker_top.h"
#include "verilated.h"

namespace {

const uint64_t kTail = 1 << 17;  // cycles run after the last activity
const int kPollEvery = 64;       // cycles between looks at standard input

[[noreturn]] void die(const std::string &msg) {
  fprintf(stderr, "board: %s\n", msg.c_str());
  fflush(stderr);
  _exit(2);
}

void write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {fd, POLLOUT, 0};
        poll(&pf, 1, -1);
        continue;
      }
      die(std::string("write: ") + strerror(errno));
    }
    p += w;
    n -= size_t(w);
  }
}

}  // namespace

int main(int argc, char **argv) {
  int cpb = 0;
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--clks-per-bit=", 15) == 0) cpb = atoi(argv[i] + 15);
  if (cpb < 4) die("--clks-per-bit=N (N >= 4, the top's CLKS_PER_BIT) is required");

  // Standard output carries only the serial line: Verilator's messages go
  // to standard error.
  int out_fd = dup(1);
  if (out_fd < 0 || dup2(2, 1) < 0) die("cannot move standard output");
  int fl = fcntl(0, F_GETFL);
  if (fl < 0 || fcntl(0, F_SETFL, fl | O_NONBLOCK) < 0) die("cannot make standard input non-blocking");

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vicebreaker_top>(ctx.get());
  top->btn_n = 1;
  top->uart_rx = 1;
  top->clk = 0;
  top->eval();
  // Power on: the top's reset counter runs out before the host's first
  // byte arrives, as on a board that was configured before the host opened
  // its port.
  for (int i = 0; i < 256; i++) {
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
  }

  std::deque<uint8_t> inq;  // bytes from the host not yet shifted in
  int rx_bit = -1;          // bit being sent on uart_rx: -1 idle, 0 start, 1..8 data, 9 stop
  int rx_count = 0;         // cycles left in it
  uint8_t rx_byte = 0;
  int tx_state = -1;  // -1 idle; else cycles since the start bit's falling edge
  uint8_t tx_byte = 0;
  int tx_prev = 1;
  std::string outbuf;
  uint64_t idle = kTail;  // cycles since the last activity
  bool eof = false;
  uint64_t cycle = 0;
  const bool debug = getenv("HTMHW_BOARD_DEBUG") != nullptr;

  for (;;) {
    if (cycle % kPollEvery == 0 || idle >= kTail) {
      uint8_t buf[4096];
      for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n > 0) {
          inq.insert(inq.end(), buf, buf + n);
          continue;
        }
        if (n == 0) eof = true;
        else if (errno != EAGAIN && errno != EINTR) die(std::string("read: ") + strerror(errno));
        break;
      }
      if (!outbuf.empty()) {
        write_all(out_fd, reinterpret_cast<const uint8_t *>(outbuf.data()), outbuf.size());
        outbuf.clear();
      }
      if (idle >= kTail && inq.empty() && rx_bit < 0 && tx_state < 0) {
        if (eof) return 0;
        struct pollfd pf = {0, POLLIN, 0};
        if (poll(&pf, 1, -1) < 0 && errno != EINTR) die(std::string("poll: ") + strerror(errno));
        continue;
      }
    }
    // The host's line: the next bit of the byte being sent.
    if (rx_bit < 0 && !inq.empty()) {
      if (debug) fprintf(stderr, "board: cycle %llu: sending 0x%02x\n", (unsigned long long)cycle, inq.front());
      rx_byte = inq.front();
      inq.pop_front();
      rx_bit = 0;
      rx_count = cpb;
    }
    top->uart_rx = rx_bit < 0 ? 1 : rx_bit == 0 ? 0 : rx_bit == 9 ? 1 : (rx_byte >> (rx_bit - 1)) & 1;
    top->clk = 1;
    top->eval();
    top->clk = 0;
    top->eval();
    cycle++;
    if (rx_bit >= 0 && --rx_count == 0) {
      rx_bit = rx_bit == 9 ? -1 : rx_bit + 1;
      rx_count = cpb;
    }
    // The board's line: sample each bit in its middle.
    int tx = top->uart_tx;
    if (debug && tx != tx_prev) fprintf(stderr, "board: cycle %llu: uart_tx %d\n", (unsigned long long)cycle, tx);
    if (tx_state < 0) {
      if (tx_prev == 1 && tx == 0) tx_state = 0;
    } else {
      tx_state++;
      int mid = tx_state - cpb / 2;  // cycles past the start bit's middle
      if (mid >= 0 && mid % cpb == 0) {
        int bit = mid / cpb;  // 0 start, 1..8 data, 9 stop
        if (bit == 0 && tx != 0) tx_state = -1;  // a glitch, not a start bit
        else if (bit >= 1 && bit <= 8) tx_byte = uint8_t((tx_byte >> 1) | (tx << 7));
        else if (bit == 9) {
          if (tx == 1) outbuf.push_back(char(tx_byte));
          else fprintf(stderr, "board: framing error on uart_tx (stop bit 0)\n");
          tx_state = -1;
        }
      }
    }
    tx_prev = tx;
    bool active = rx_bit >= 0 || !inq.empty() || tx_state >= 0 || top->led_r_n == 0;
    idle = active ? 0 : idle + 1;
    if (ctx->gotFinish()) die("$finish");
  }
}
