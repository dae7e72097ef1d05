// htm3_ltc.vh: ltc(x, c), x < c for a constant c, as gates. Yosys maps a
// comparison to a carry chain, a logic cell a bit even against a
// constant; written as a bit loop it folds to a few LUTs. A module that
// compares a register with a parameter includes this file inside its body
// (`include "htm3_ltc.vh"), as it includes htm_arch.vh.
function automatic ltc(input [31:0] x, input [31:0] c);
  integer i;
  reg lt, eq;
  begin
    lt = 1'b0;
    eq = 1'b1;
    for (i = 31; i >= 0; i = i - 1) begin
      lt = lt | (eq & ~x[i] & c[i]);
      eq = eq & (x[i] == c[i]);
    end
    ltc = lt;
  end
endfunction
