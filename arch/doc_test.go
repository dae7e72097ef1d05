package arch

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// table returns the rows (cells trimmed, header and separator dropped) of
// the first Markdown table after the heading that starts with heading.
func table(t *testing.T, path, heading string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	i := 0
	for i < len(lines) && !strings.HasPrefix(lines[i], heading) {
		i++
	}
	if i == len(lines) {
		t.Fatalf("%s: no heading %q", path, heading)
	}
	for i < len(lines) && !strings.HasPrefix(lines[i], "|") {
		i++
	}
	var rows [][]string
	for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
		cells := strings.Split(strings.Trim(strings.TrimSpace(lines[i]), "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, cells)
	}
	if len(rows) < 3 {
		t.Fatalf("%s: the table after %q has %d rows", path, heading, len(rows))
	}
	return rows[2:]
}

var (
	code      = regexp.MustCompile("`([^`]*)`")
	addrRange = regexp.MustCompile("^0x([0-9A-Fa-f]+)(?:`–`0x([0-9A-Fa-f]+))?$")
)

// docRegisters reads a register table (word address, name, access) into
// Registers, splitting rows that list two registers ("`0x012` | `STEP_LO`,
// `0x013` `STEP_HI`") and skipping reserved ranges (no name).
func docRegisters(t *testing.T, rows [][]string) []Register {
	t.Helper()
	var regs []Register
	for _, row := range rows {
		if len(row) < 3 {
			t.Fatalf("register row %q: %d cells", row, len(row))
		}
		// The address cell, then the name cell's `0x…` `NAME` pairs.
		tokens := []string{strings.ReplaceAll(row[0], " ", "")}
		for _, m := range code.FindAllStringSubmatch(row[1], -1) {
			tokens = append(tokens, m[1])
		}
		if len(tokens) == 1 {
			continue // reserved
		}
		for k := 0; k+1 < len(tokens); k += 2 {
			addrTok, name := strings.Trim(tokens[k], "`"), tokens[k+1]
			m := addrRange.FindStringSubmatch(addrTok)
			if m == nil {
				t.Fatalf("register row %q: address %q", row, tokens[k])
			}
			first, _ := strconv.ParseUint(m[1], 16, 32)
			words := uint64(1)
			if m[2] != "" {
				last, _ := strconv.ParseUint(m[2], 16, 32)
				words = last - first + 1
			}
			name, _, _ = strings.Cut(name, "[") // PHASE_CYCLES[p]
			regs = append(regs, Register{Name: name, Addr: uint32(first), Words: uint32(words), Access: row[2]})
		}
	}
	return regs
}

// TestDocRegisterMap checks ARCHITECTURE.md 3.1's register table and
// hdl/README.md's additions against Registers: names, addresses, sizes,
// access, order.
func TestDocRegisterMap(t *testing.T) {
	doc := docRegisters(t, table(t, "../docs/ARCHITECTURE.md", "### 3.1 Register map"))
	extra := docRegisters(t, table(t, "../hdl/README.md", "### Register map additions"))
	var want, wantExtra []Register
	for _, r := range Registers {
		if r.Name == "PHASE_CYCLES" {
			wantExtra = append(wantExtra, r)
		} else {
			want = append(want, r)
		}
	}
	compare := func(where string, got, want []Register) {
		if len(got) != len(want) {
			t.Errorf("%s lists %d registers, arch %d:\n%v\n%v", where, len(got), len(want), got, want)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s row %d: %+v, arch has %+v", where, i, got[i], want[i])
			}
		}
	}
	compare("ARCHITECTURE.md 3.1", doc, want)
	compare("hdl/README.md", extra, wantExtra)
}

// registerCell returns the meaning cell of a register in section 3.1.
func registerCell(t *testing.T, name string) string {
	t.Helper()
	for _, row := range table(t, "../docs/ARCHITECTURE.md", "### 3.1 Register map") {
		if strings.HasPrefix(row[1], "`"+name+"`") {
			return row[3]
		}
	}
	t.Fatalf("ARCHITECTURE.md 3.1 has no register %s", name)
	return ""
}

// TestDocRegisterValues checks the values section 3.1 gives in words: ID,
// CAPS fields, commands, STATUS bits, ERROR codes, the unlock value, and
// the version in the title.
func TestDocRegisterValues(t *testing.T) {
	if got := registerCell(t, "ID"); !strings.Contains(got, fmt.Sprintf("`0x%08X`", DeviceID)) {
		t.Errorf("ID: %q does not give %#08x", got, DeviceID)
	}
	if got := registerCell(t, "MEM_LOCK"); !strings.Contains(got, fmt.Sprintf("`0x%08X`", MemUnlock)) {
		t.Errorf("MEM_LOCK: %q does not give %#08x", got, MemUnlock)
	}
	caps := registerCell(t, "CAPS")
	for _, f := range []struct {
		name  string
		shift int
	}{{"LANES_OV", CapsLanesOVShift}, {"LANES_SYN", CapsLanesSynShift}, {"DIV_LAT", CapsDivLatShift}} {
		want := fmt.Sprintf("`%s` `[%d,%d)`", f.name, f.shift, f.shift+CapsFieldBits)
		if !strings.Contains(caps, want) {
			t.Errorf("CAPS: %q does not hold %s", caps, want)
		}
	}
	pairs := regexp.MustCompile("(\\d+) `([A-Z_]+)`")
	cmds := map[string]int{}
	for _, m := range pairs.FindAllStringSubmatch(registerCell(t, "CTRL"), -1) {
		cmds[m[2]], _ = strconv.Atoi(m[1])
	}
	wantCmds := map[string]int{"STEP": CmdStep, "RESTORE": CmdRestore, "CLEAR_ERROR": CmdClearError, "RESET": CmdReset}
	if fmt.Sprint(cmds) != fmt.Sprint(wantCmds) {
		t.Errorf("CTRL commands %v, arch %v", cmds, wantCmds)
	}
	if ctrl := registerCell(t, "CTRL"); !strings.Contains(ctrl, fmt.Sprintf("bit %d of `c`: learn", 8)) || CmdLearn != 1<<8 {
		t.Errorf("CTRL: the learn bit is not bit 8 in both %q and CmdLearn %#x", ctrl, CmdLearn)
	}
	status := registerCell(t, "STATUS")
	for _, b := range []struct {
		bit  int
		name string
	}{{StatusBusyBit, "busy"}, {StatusDoneBit, "done"}, {StatusErrorBit, "error"}} {
		if !strings.Contains(status, fmt.Sprintf("bit %d %s", b.bit, b.name)) {
			t.Errorf("STATUS: %q has no bit %d %s", status, b.bit, b.name)
		}
	}
	codes := map[int]string{}
	for _, m := range pairs.FindAllStringSubmatch(registerCell(t, "ERROR"), -1) {
		n, _ := strconv.Atoi(m[1])
		codes[n] = m[2]
	}
	if !strings.HasPrefix(registerCell(t, "ERROR"), "0 none") {
		t.Errorf("ERROR: code 0 is not none")
	}
	if len(codes) != NumErrorCodes-1 {
		t.Errorf("ERROR lists %d codes besides none, arch %d", len(codes), NumErrorCodes-1)
	}
	for e := ErrorCode(1); e < NumErrorCodes; e++ {
		if codes[int(e)] != e.String() {
			t.Errorf("ERROR code %d is %q, arch %q", e, codes[int(e)], e)
		}
	}
	if 1<<ErrorBits < NumErrorCodes {
		t.Errorf("ErrorBits %d do not hold %d codes", ErrorBits, NumErrorCodes)
	}
	b, err := os.ReadFile("../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	title, _, _ := strings.Cut(string(b), "\n")
	if !strings.HasSuffix(title, fmt.Sprintf("version %d", Version)) {
		t.Errorf("ARCHITECTURE.md's title %q is not version %d", title, Version)
	}
	if !strings.Contains(string(b), fmt.Sprintf("Architecture version: **%d** (`ARCH_VERSION`)", Version)) {
		t.Errorf("ARCHITECTURE.md does not state version %d", Version)
	}
}

// TestDocParameters checks section 1's parameter table: names and
// defaults.
func TestDocParameters(t *testing.T) {
	rows := table(t, "../docs/ARCHITECTURE.md", "## 1. Parameters")
	want := [][2]string{{"`LANES_OV`", strconv.Itoa(DefaultLanesOV)}, {"`LANES_SYN`", strconv.Itoa(DefaultLanesSyn)},
		{"`DIV_LAT`", strconv.Itoa(DefaultDivLat)}}
	if len(rows) != len(want) {
		t.Fatalf("section 1 lists %d parameters, arch %d", len(rows), len(want))
	}
	for i, w := range want {
		if rows[i][0] != w[0] || rows[i][2] != w[1] {
			t.Errorf("section 1 row %d: %s default %s, arch %s default %s", i, rows[i][0], rows[i][2], w[0], w[1])
		}
	}
	if got := DefaultParams(); got.Validate() != nil || got.Caps() != DefaultLanesOV|DefaultLanesSyn<<8|DefaultDivLat<<16 {
		t.Errorf("DefaultParams %+v: invalid, or CAPS %#x", got, got.Caps())
	}
}

// eval evaluates a depth or width of section 2's table ("C·Q",
// "wCell + 1 + wM") for a layout.
func eval(t *testing.T, expr string, l Layout) int {
	t.Helper()
	vars := map[string]int{"N": l.N, "C": l.C, "Q": l.Q, "K": l.K, "NC": l.NC, "S": l.S, "M": l.M, "B": l.B, "G": l.G,
		"wN": l.WN, "wQ": l.WQ, "wCell": l.WCell, "wS": l.WS, "wM": l.WM, "wG": l.WG, "W": l.W, "WC": l.WC}
	sum := 0
	for _, term := range strings.Split(strings.Trim(expr, "`"), "+") {
		prod := 1
		for _, f := range strings.Split(strings.TrimSpace(term), "·") {
			if v, ok := vars[f]; ok {
				prod *= v
			} else if n, err := strconv.Atoi(f); err == nil {
				prod *= n
			} else {
				t.Fatalf("section 2: %q in %q", f, expr)
			}
		}
		sum += prod
	}
	return sum
}

// TestDocMemories checks section 2's memory table against the memory
// list, and its depth and width formulas against Layout.Depth and Width
// for several dimensions.
func TestDocMemories(t *testing.T) {
	rows := table(t, "../docs/ARCHITECTURE.md", "## 2. Memories")
	if len(rows) != int(NumMems) {
		t.Fatalf("section 2 lists %d memories, arch %d", len(rows), NumMems)
	}
	dims := []Dims{
		{N: 120, C: 256, Q: 60, K: 4, S: 1024, M: 16, B: 8, G: 8},
		{N: 1, C: 1, Q: 1, K: 1, S: 1, M: 1, B: 1, G: 1},
		{N: 1024, C: 2048, Q: 512, K: 32, S: 32768, M: 32, B: 16, G: 128},
	}
	for m := Mem(0); m < NumMems; m++ {
		row := rows[m]
		if row[0] != "`"+m.String()+"`" {
			t.Errorf("section 2 row %d is %s, arch has %q", m, row[0], m)
			continue
		}
		for _, d := range dims {
			l := NewLayout(d)
			if got := eval(t, row[1], l); got != l.Depth(m) {
				t.Errorf("%v %+v: depth %s = %d, Layout.Depth %d", m, d, row[1], got, l.Depth(m))
			}
			if got := eval(t, row[2], l); got != l.Width(m) {
				t.Errorf("%v %+v: width %s = %d, Layout.Width %d", m, d, row[2], got, l.Width(m))
			}
		}
	}
	if got := registerText(t, "Memory indices for `MEM_SEL`/`CRC_SEL`"); !strings.Contains(got,
		fmt.Sprintf("from\n0 (`%v`) to %d (`%v`)", MemCfg, NumMems-1, NumMems-1)) {
		t.Errorf("section 3.1's memory index range %q does not match arch", got)
	}
	if 1<<MemSelBits != NumMems {
		t.Errorf("MemSelBits %d for %d memories", MemSelBits, NumMems)
	}
}

// registerText returns the paragraph of ARCHITECTURE.md that starts with
// prefix.
func registerText(t *testing.T, prefix string) string {
	t.Helper()
	b, err := os.ReadFile("../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), prefix)
	if !ok {
		t.Fatalf("ARCHITECTURE.md has no %q", prefix)
	}
	para, _, _ := strings.Cut(after, "\n\n")
	return para
}

// TestDocCfgWords checks section 2.1's two-column table: each word's
// entry holds CfgNames' identifier for it.
func TestDocCfgWords(t *testing.T) {
	entries := map[int]string{}
	for _, row := range table(t, "../docs/ARCHITECTURE.md", "### 2.1 `cfg` words") {
		for k := 0; k+1 < len(row); k += 2 {
			n, err := strconv.Atoi(row[k])
			if err != nil {
				t.Fatalf("section 2.1: word %q", row[k])
			}
			entries[n] = row[k+1]
		}
	}
	if len(entries) != CfgWords {
		t.Fatalf("section 2.1 lists %d words, arch %d", len(entries), CfgWords)
	}
	for i, name := range CfgNames {
		if !hasWord(entries[i], name) {
			t.Errorf("cfg word %d is %q in section 2.1, arch says %s", i, entries[i], name)
		}
	}
	for i, want := range map[int]string{CfgN: "N", CfgC: "C", CfgQ: "Q", CfgNumActive: "k", CfgB: "B", CfgG: "G", CfgM: "M",
		CfgS: "S", CfgK: "K", CfgLanesOV: "LANES_OV", CfgLanesSyn: "LANES_SYN", CfgDivLat: "DIV_LAT",
		CfgArchVersion: "ARCH_VERSION", CfgBoost: "boosting", CfgReserved: "reserved",
		CfgPredictedSegmentDec: "predictedSegmentDecrement", CfgMinPctOverlapDutyCycles: "minPctOverlapDutyCycles"} {
		if CfgNames[i] != want {
			t.Errorf("Cfg constant for word %d names %s, CfgNames %s", i, want, CfgNames[i])
		}
	}
}

// TestDocRegsWords checks section 2.2's table: the word numbers and the
// identifiers of the named words.
func TestDocRegsWords(t *testing.T) {
	rows := table(t, "../docs/ARCHITECTURE.md", "### 2.2 `regs` words")
	want := map[string]string{
		strconv.Itoa(RegsSteps):                                        "steps",
		strconv.Itoa(RegsSPIteration):                                  "iteration",
		strconv.Itoa(RegsSPMinOverlap):                                 "minOverlap",
		strconv.Itoa(RegsTMIteration):                                  "iteration",
		strconv.Itoa(RegsTMCreated):                                    "created",
		strconv.Itoa(RegsTMGenerator):                                  "generator",
		strconv.Itoa(RegsFreeCount):                                    "FREE_COUNT",
		fmt.Sprintf("%d–%d", RegsSegmentsCreated, RegsSynapsesEvicted): "tm",
		strconv.Itoa(RegsReserved):                                     "reserved",
	}
	if len(rows) != len(want) {
		t.Fatalf("section 2.2 has %d rows, arch %d", len(rows), len(want))
	}
	for _, row := range rows {
		w, ok := want[row[0]]
		if !ok || !hasWord(row[1], w) {
			t.Errorf("section 2.2 word %s is %q, arch says %s", row[0], row[1], w)
		}
	}
	if NumEventCounters != 8 || RegsReserved != RegsWords-1 {
		t.Errorf("%d event counters, reserved word %d of %d", NumEventCounters, RegsReserved, RegsWords)
	}
}

// hasWord reports whether text holds name as a whole identifier.
func hasWord(text, name string) bool {
	f := strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
	for _, w := range f {
		if w == name {
			return true
		}
	}
	return false
}
