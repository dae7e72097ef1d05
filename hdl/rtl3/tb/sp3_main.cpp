// The clock of sp3_tb (hdl/rtl3/tb/sp3_tb.v): the testbench does the rest.
#include <memory>
#include "Vsp3_tb.h"
#include "verilated.h"

int main(int argc, char** argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto tb = std::make_unique<Vsp3_tb>(ctx.get());
  tb->clk = 0;
  tb->eval();
  while (!ctx->gotFinish()) {
    tb->clk = 1;
    tb->eval();
    tb->clk = 0;
    tb->eval();
  }
  tb->final();
  return 0;
}
