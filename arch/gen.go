package arch

import (
	"bytes"
	"fmt"
	"math/bits"
	"strings"
)

// A definition is one named constant of the generated headers.
type definition struct {
	name    string // upper case, as the RTL and the harness use it
	bits    int    // the Verilog localparam's width; 0 for an integer
	value   uint64
	comment string
}

// group is a commented block of definitions.
type group struct {
	title string
	defs  []definition
}

// upperName turns a documentation name ("tm.seglru", "STEP_MISMATCH") into
// a constant's suffix ("TM_SEGLRU").
func upperName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, ".", "_")) }

// definitions returns every constant of the headers, in groups.
func definitions() []group {
	var gs []group
	add := func(title string, defs ...definition) { gs = append(gs, group{title, defs}) }
	add("Architecture version (docs/ARCHITECTURE.md, title) and bus address width (section 3.1).",
		definition{"ARCH_VERSION", 0, Version, "VERSION register, cfg word 31"},
		definition{"ADDR_BITS", 0, AddrBits, "bits of a Wishbone word address"})

	var regs []definition
	for _, r := range Registers {
		c := r.Access
		if r.Words > 1 {
			c = fmt.Sprintf("%s, %d words", r.Access, r.Words)
		}
		regs = append(regs, definition{"REG_" + r.Name, AddrBits, uint64(r.Addr), c})
	}
	add("Register word addresses (section 3.1; PHASE_CYCLES: hdl/README.md).", regs...)
	add("Buffer capacities in words (section 3.1), and the address bits of a word within a buffer:\n"+
		"// each buffer's base is a multiple of its capacity, a power of 2.",
		definition{"IN_BUF_WORDS", 0, InBufWords, ""},
		definition{"OUT_BUF_WORDS", 0, OutBufWords, ""},
		definition{"PRED_BUF_WORDS", 0, PredBufWords, ""},
		definition{"IN_BUF_BITS", 0, uint64(bits.Len(InBufWords - 1)), ""},
		definition{"OUT_BUF_BITS", 0, uint64(bits.Len(OutBufWords - 1)), ""},
		definition{"PRED_BUF_BITS", 0, uint64(bits.Len(PredBufWords - 1)), ""})
	add("Register values (section 3.1).",
		definition{"DEVICE_ID", 32, DeviceID, `ID: "HTMH"`},
		definition{"MEM_UNLOCK", 32, MemUnlock, `MEM_LOCK's unlock value: "LOAD"`})
	add("CTRL commands: bits [0,16) of the word, the complement in bits [16,32).",
		definition{"CMD_STEP", CmdBits, CmdStep, ""},
		definition{"CMD_RESTORE", CmdBits, CmdRestore, ""},
		definition{"CMD_CLEAR_ERROR", CmdBits, CmdClearError, ""},
		definition{"CMD_RESET", CmdBits, CmdReset, ""},
		definition{"CMD_LEARN", CmdBits, CmdLearn, "with CMD_STEP"})
	add("STATUS bit positions.",
		definition{"STATUS_BUSY_BIT", 0, StatusBusyBit, ""},
		definition{"STATUS_DONE_BIT", 0, StatusDoneBit, ""},
		definition{"STATUS_ERROR_BIT", 0, StatusErrorBit, ""})
	errs := []definition{{"ERROR_BITS", 0, ErrorBits, "bits of an ERROR code"}}
	for e := ErrorCode(0); e < NumErrorCodes; e++ {
		errs = append(errs, definition{"ERR_" + e.String(), ErrorBits, uint64(e), ""})
	}
	add("ERROR codes (section 3.1).", errs...)
	mems := []definition{
		{"NUM_MEMS", 0, uint64(NumMems), "memories in an image"},
		{"MEM_SEL_BITS", 0, MemSelBits, "bits of a memory index"},
	}
	for m := Mem(0); m < NumMems; m++ {
		mems = append(mems, definition{"MEM_" + upperName(m.String()), MemSelBits, uint64(m), ""})
	}
	add("Memory indices for MEM_SEL and CRC_SEL (section 2's order).", mems...)
	add("Fixed memory depths (section 2).",
		definition{"CFG_WORDS", 0, CfgWords, ""},
		definition{"REGS_WORDS", 0, RegsWords, ""},
		definition{"BOOST_TABLE_WORDS", 0, BoostTableWords, ""})
	var cfg []definition
	for i, n := range cfgConstNames {
		cfg = append(cfg, definition{"CFG_" + n, 0, uint64(i), CfgNames[i]})
	}
	add("cfg word indices (section 2.1).", cfg...)
	var regsIdx []definition
	for i, n := range regsConstNames {
		regsIdx = append(regsIdx, definition{"REGS_" + n, 0, uint64(i), ""})
	}
	add("regs word indices (section 2.2).", regsIdx...)
	add("CAPS fields (section 3.1): each parameter in CAPS_FIELD_BITS bits.",
		definition{"CAPS_LANES_OV_SHIFT", 0, CapsLanesOVShift, ""},
		definition{"CAPS_LANES_SYN_SHIFT", 0, CapsLanesSynShift, ""},
		definition{"CAPS_DIV_LAT_SHIFT", 0, CapsDivLatShift, ""},
		definition{"CAPS_FIELD_BITS", 0, CapsFieldBits, ""})
	ph := []definition{{"NUM_PHASES", 0, NumPhases, "PHASE_CYCLES words"}}
	for p, n := range PhaseNames {
		ph = append(ph, definition{"PHASE_" + n, 0, uint64(p), ""})
	}
	add("STEP phases in schedule order (section 4): PHASE_CYCLES word p.", ph...)
	return gs
}

// The constant names of the cfg and regs words, in word order.
var (
	cfgConstNames = [CfgWords]string{"N", "C", "Q", "NUM_ACTIVE", "STIMULUS_THRESHOLD", "B",
		"SYN_PERM_CONNECTED", "SYN_PERM_ACTIVE_INC", "SYN_PERM_INACTIVE_DEC", "SYN_PERM_BELOW_STIMULUS_INC",
		"SYN_PERM_TRIM_THRESHOLD", "MIN_PCT_OVERLAP_DUTY_CYCLES", "DUTY_CYCLE_PERIOD", "UPDATE_PERIOD", "BOOST",
		"RESERVED", "ACTIVATION_THRESHOLD", "MIN_THRESHOLD", "MAX_NEW_SYNAPSE_COUNT", "G", "M", "S", "K",
		"INITIAL_PERMANENCE", "CONNECTED_PERMANENCE", "PERMANENCE_INCREMENT", "PERMANENCE_DECREMENT",
		"PREDICTED_SEGMENT_DECREMENT", "LANES_OV", "LANES_SYN", "DIV_LAT", "ARCH_VERSION"}
	regsConstNames = [RegsWords]string{"STEPS", "SP_ITERATION", "SP_MIN_OVERLAP", "TM_ITERATION", "TM_CREATED",
		"TM_GENERATOR", "FREE_COUNT", "SEGMENTS_CREATED", "SEG_EVICTED_CELL", "SEG_EVICTED_POOL",
		"SEGMENTS_PRUNED", "SEG_NOT_CREATED", "SYNAPSES_CREATED", "SYNAPSES_PRUNED", "SYNAPSES_EVICTED", "RESERVED"}
)

const generatedNotice = "generated by go generate ./hdl (arch/cmd/archgen) from package arch; DO NOT EDIT."

// VerilogHeader returns hdl/rtl3/htm_arch.vh: the contract as localparams,
// which a module includes inside its body (`include "htm_arch.vh"). It has
// no include guard, since each module that includes it needs its own copy
// of the localparams.
func VerilogHeader() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// htm_arch.vh: the htmhw accelerator's hardware contract, %s\n", generatedNotice)
	b.WriteString("// Include it inside a module body; every module that includes it gets the\n")
	b.WriteString("// localparams below (no include guard on purpose).\n")
	b.WriteString("/* verilator lint_off UNUSEDPARAM */\n")
	for _, g := range definitions() {
		fmt.Fprintf(&b, "\n// %s\n", g.title)
		for _, d := range g.defs {
			var v string
			if d.bits == 0 {
				v = fmt.Sprintf("localparam integer %s = %d;", d.name, d.value)
			} else {
				hexDigits := (d.bits + 3) / 4
				v = fmt.Sprintf("localparam [%d:0] %s = %d'h%0*X;", d.bits-1, d.name, d.bits, hexDigits, d.value)
			}
			if d.comment != "" {
				v += "  // " + d.comment
			}
			b.WriteString(v + "\n")
		}
	}
	b.WriteString("/* verilator lint_on UNUSEDPARAM */\n")
	return b.Bytes()
}

// CHeader returns hdl/harness/htm_arch.h: the contract as C++ constants
// for the Verilator harness.
func CHeader() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// htm_arch.h: the htmhw accelerator's hardware contract, %s\n", generatedNotice)
	b.WriteString("#ifndef HTM_ARCH_H\n#define HTM_ARCH_H\n\n#include <cstdint>\n")
	for _, g := range definitions() {
		fmt.Fprintf(&b, "\n// %s\n", g.title)
		for _, d := range g.defs {
			v := fmt.Sprintf("constexpr uint32_t %s = 0x%X;", d.name, d.value)
			if d.bits == 0 {
				v = fmt.Sprintf("constexpr uint32_t %s = %d;", d.name, d.value)
			}
			if d.comment != "" {
				v += "  // " + d.comment
			}
			b.WriteString(v + "\n")
		}
	}
	b.WriteString("\n// Memory names (image sections, the $readmemh files' names) by index.\n")
	b.WriteString("constexpr const char *MEM_NAMES[NUM_MEMS] = {\n")
	for _, n := range MemNames {
		fmt.Fprintf(&b, "    %q,\n", n)
	}
	b.WriteString("};\n")
	b.WriteString("\n// Phase names by PHASE_CYCLES word.\n")
	b.WriteString("constexpr const char *PHASE_NAMES[NUM_PHASES] = {\n")
	for _, n := range PhaseNames {
		fmt.Fprintf(&b, "    %q,\n", n)
	}
	b.WriteString("};\n\n#endif  // HTM_ARCH_H\n")
	return b.Bytes()
}
