// Verilator main for tmcells3_tb: toggles the clock until $finish.
#include <memory>

#include "Vtmcells3_tb.h"
#include "verilated.h"

int main(int argc, char** argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vtmcells3_tb>(ctx.get());
  top->clk = 0;
  while (!ctx->gotFinish()) {
    top->clk = !top->clk;
    top->eval();
    ctx->timeInc(1);
  }
  top->final();
  return 0;
}
