// uartbone_tb: drives serial bytes into uart_rx -> uartbone -> uart_tx
// with the bridge on a Wishbone RAM (1024 words, 0 to 3 wait states), and
// reads the bridge's answer with a second uart_rx. Prints "ok <test>" per
// check, "FAIL <reason>" on a mismatch and "DONE <fails>" at the end.
// Run by hdl.TestUARTBone (Icarus).
`timescale 1ns / 1ps
`default_nettype none
module uartbone_tb;
  localparam integer CPB = 8;  // clocks per bit
  localparam integer TIMEOUT = 3000;  // frame timeout, clocks
  localparam integer BIT = CPB * 10;  // ns per bit (10 ns clock)

  reg clk = 0, rst = 1, line = 1;
  always #5 clk = !clk;

  wire [7:0] rx_data, tx_data, ans_data;
  wire rx_valid, tx_valid, tx_ready, tx_line, ans_valid, busy;
  wire cyc, stb, we;
  wire [31:0] adr, dat_w;
  wire [3:0] sel;
  reg [31:0] dat_r;
  reg ack;

  uart_rx #(.CLKS_PER_BIT(CPB)) u_rx (.clk(clk), .rst(rst), .rx(line), .data(rx_data), .valid(rx_valid));
  uartbone #(.TIMEOUT(TIMEOUT)) dut (
      .clk(clk), .rst(rst), .rx_data(rx_data), .rx_valid(rx_valid),
      .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
      .wb_cyc_o(cyc), .wb_stb_o(stb), .wb_we_o(we), .wb_adr_o(adr), .wb_dat_o(dat_w),
      .wb_sel_o(sel), .wb_dat_i(dat_r), .wb_ack_i(ack), .busy(busy));
  uart_tx #(.CLKS_PER_BIT(CPB)) u_tx (.clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(tx_line));
  uart_rx #(.CLKS_PER_BIT(CPB)) u_ans (.clk(clk), .rst(rst), .rx(tx_line), .data(ans_data), .valid(ans_valid));

  // Wishbone RAM with 0..3 wait states (a counter), classic cycles.
  reg [31:0] ram[0:1023];
  reg [1:0] wait_n = 0, waited = 0;
  integer writes = 0, reads = 0, bad_bus = 0;
  always @(posedge clk) begin
    ack <= 0;
    if (cyc && stb && !ack) begin
      if (sel != 4'hf || adr[31:10] != 0) bad_bus = bad_bus + 1;
      if (waited == wait_n) begin
        ack <= 1;
        waited <= 0;
        wait_n <= wait_n + 1;
        dat_r <= ram[adr[9:0]];
        if (we) begin
          ram[adr[9:0]] <= dat_w;
          writes = writes + 1;
        end else reads = reads + 1;
      end else waited <= waited + 1;
    end
    if (stb && !cyc) bad_bus = bad_bus + 1;
  end

  // Answer bytes.
  reg [7:0] ans[0:4095];
  integer nans = 0;
  always @(posedge clk) if (ans_valid) begin
    ans[nans] = ans_data;
    nans = nans + 1;
  end

  task send(input [7:0] b);
    integer i;
    begin
      line = 0;
      #(BIT);
      for (i = 0; i < 8; i = i + 1) begin
        line = b[i];
        #(BIT);
      end
      line = 1;
      #(BIT);
    end
  endtask
  task send_word(input [31:0] w);
    begin
      send(w[31:24]); send(w[23:16]); send(w[15:8]); send(w[7:0]);
    end
  endtask
  task header(input [7:0] cmd, input [7:0] len, input [31:0] addr);
    begin
      send(cmd); send(len); send_word(addr);
    end
  endtask
  // Waits until the bridge is idle again and the answer's last byte is in.
  task settle;
    begin
      wait (!busy);
      #(BIT * 12);
    end
  endtask

  integer fails = 0, i, base;
  time t0;
  function [31:0] ans_word(input integer k);
    ans_word = {ans[k], ans[k+1], ans[k+2], ans[k+3]};
  endfunction
  task check(input [31:0] got, input [31:0] want, input [8*40-1:0] what);
    if (got !== want) begin
      $display("FAIL %0s: got %h want %h", what, got, want);
      fails = fails + 1;
    end
  endtask

  initial begin
    for (i = 0; i < 1024; i = i + 1) ram[i] = 32'hdead0000 | i;
    #100 rst = 0;
    #100;

    // 1. Write 4 words incrementing at 0x203, read them back.
    header(8'h01, 4, 32'h00000203);
    for (i = 0; i < 4; i = i + 1) send_word(32'h11223344 + 32'h01010101 * i);
    settle;
    check(nans, 0, "write answered");
    check(ram[10'h203], 32'h11223344, "ram 0x203");
    check(ram[10'h206], 32'h14253647, "ram 0x206");
    check(ram[10'h207], 32'hdead0207, "ram 0x207 untouched");
    header(8'h02, 5, 32'h00000203);
    settle;
    check(nans, 20, "read incr bytes");
    for (i = 0; i < 4; i = i + 1) check(ans_word(4 * i), 32'h11223344 + 32'h01010101 * i, "read incr word");
    check(ans_word(16), 32'hdead0207, "read incr word 4");
    $display("ok write/read incrementing");

    // 2. Fixed address: 3 writes to 0x020, the last stays; 3 reads of it.
    header(8'h03, 3, 32'h00000020);
    send_word(32'ha0a0a0a0); send_word(32'hb1b1b1b1); send_word(32'hc2c2c2c2);
    settle;
    check(ram[10'h020], 32'hc2c2c2c2, "fixed write last");
    check(ram[10'h021], 32'hdead0021, "fixed write 0x021 untouched");
    check(writes, 7, "bus writes");
    base = nans;
    header(8'h04, 3, 32'h00000020);
    settle;
    check(nans - base, 12, "read fixed bytes");
    for (i = 0; i < 3; i = i + 1) check(ans_word(base + 4 * i), 32'hc2c2c2c2, "read fixed word");
    $display("ok write/read fixed");

    // 3. Truncated write frame (1 word and 2 bytes of 2 words): the first
    // word is written, the frame is abandoned after TIMEOUT clocks, and
    // the next frame is decoded from its command byte.
    t0 = $time;
    header(8'h01, 2, 32'h00000100);
    send_word(32'h0badf00d);
    send(8'h01); send(8'h02);
    #(t0 + TIMEOUT * 10 - 1000 - $time);
    check(busy, 1, "busy before timeout");
    #2000;
    check(busy, 0, "abandoned after timeout");
    check(ram[10'h100], 32'h0badf00d, "truncated: complete word");
    check(ram[10'h101], 32'hdead0101, "truncated: partial word");
    base = nans;
    header(8'h02, 2, 32'h00000100);
    settle;
    check(nans - base, 8, "read after timeout bytes");
    check(ans_word(base), 32'h0badf00d, "read after timeout 0");
    check(ans_word(base + 4), 32'hdead0101, "read after timeout 1");
    // A truncated read header (no address) too.
    send(8'h02); send(8'h01); send(8'h00);
    #(TIMEOUT * 10);
    base = nans;
    header(8'h02, 1, 32'h00000101);
    settle;
    check(nans - base, 4, "read after truncated read");
    check(ans_word(base), 32'hdead0101, "read after truncated read word");
    $display("ok truncated frames abandoned after the timeout");

    // 4. Unknown commands: the bridge reads length and address, answers
    // nothing, touches no word, and takes the next byte as a command.
    base = nans;
    i = writes + reads;
    header(8'h00, 1, 32'h01020304);
    header(8'h07, 2, 32'h00000300);
    header(8'hff, 1, 32'h02000000);
    settle;
    check(nans - base, 0, "unknown command answered");
    check(writes + reads, i, "unknown command bus cycles");
    header(8'h01, 1, 32'h00000300);
    send_word(32'hcafe0300);
    header(8'h02, 1, 32'h00000300);
    settle;
    check(nans - base, 4, "after unknown command bytes");
    check(ans_word(base), 32'hcafe0300, "after unknown command word");
    $display("ok unknown commands");

    // 5. len 0 (LiteX: runs until the timeout): a fixed read answers
    // words until the frame timer fires, and the bridge then recovers.
    base = nans;
    header(8'h04, 0, 32'h00000300);
    settle;
    check(nans - base > 4 ? 1 : 0, 1, "len 0 read answers");
    base = nans;
    header(8'h02, 1, 32'h00000203);
    settle;
    check(nans - base, 4, "after len 0 bytes");
    check(ans_word(base), 32'h11223344, "after len 0 word");
    $display("ok len 0 runs until the timeout");

    check(bad_bus, 0, "Wishbone protocol");
    $display("DONE %0d", fails);
    $finish;
  end

  initial begin
    #(50_000_000);
    $display("FAIL watchdog");
    $display("DONE 1");
    $finish;
  end
endmodule
`default_nettype wire
