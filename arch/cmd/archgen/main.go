// Command archgen writes the headers generated from package arch: the
// Verilog header the RTL includes and the C++ header of the Verilator
// harness. hdl runs it through go generate:
//
//	archgen -verilog rtl3/htm_arch.vh -c harness/htm_arch.h
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/htmhw/htmhw/arch"
)

func main() {
	verilog := flag.String("verilog", "", "write the Verilog header (localparams) to this file")
	cpp := flag.String("c", "", "write the C++ header to this file")
	flag.Parse()
	if flag.NArg() != 0 || (*verilog == "" && *cpp == "") {
		fmt.Fprintln(os.Stderr, "usage: archgen [-verilog FILE] [-c FILE]")
		os.Exit(2)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{*verilog, arch.VerilogHeader()}, {*cpp, arch.CHeader()}} {
		if f.path == "" {
			continue
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "archgen:", err)
			os.Exit(1)
		}
	}
}
