package arch

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math/bits"
	"strings"
	"testing"
)

func TestParams(t *testing.T) {
	for _, c := range []struct {
		p  Params
		ok bool
	}{
		{DefaultParams(), true},
		{Params{1, 1, 1}, true},
		{Params{4, 4, 18}, false}, // architecture 2's defaults
		{Params{0, 1, 1}, false},
		{Params{1, 2, 1}, false},
		{Params{1, 1, 18}, false},
	} {
		err := c.p.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%+v: Validate %v", c.p, err)
		}
		if c.ok && ParamsFromCaps(c.p.Caps()) != c.p {
			t.Errorf("%+v: CAPS %#x decodes to %+v", c.p, c.p.Caps(), ParamsFromCaps(c.p.Caps()))
		}
	}
	if got := (Params{LanesOV: 3, LanesSyn: 4, DivLat: 25}).Caps(); got != 0x190403 {
		t.Errorf("CAPS %#x, want 0x190403", got)
	}
}

// TestRegisterMap: the map is in address order, registers do not overlap,
// every address fits AddrBits, each buffer's base is a multiple of its
// power-of-2 size (the RTL decodes a buffer by its high address bits),
// and the named constants agree with the table.
func TestRegisterMap(t *testing.T) {
	names := map[string]bool{}
	for i, r := range Registers {
		if names[r.Name] {
			t.Errorf("%s listed twice", r.Name)
		}
		names[r.Name] = true
		if r.Words == 0 || r.Addr+r.Words > 1<<AddrBits {
			t.Errorf("%s: %d words at %#x do not fit %d address bits", r.Name, r.Words, r.Addr, AddrBits)
		}
		if i > 0 && Registers[i-1].Addr+Registers[i-1].Words > r.Addr {
			t.Errorf("%s at %#x overlaps %s", r.Name, r.Addr, Registers[i-1].Name)
		}
		if r.Access != "R" && r.Access != "W" && r.Access != "RW" {
			t.Errorf("%s: access %q", r.Name, r.Access)
		}
	}
	for _, b := range []struct {
		base, words uint32
	}{{RegInBuf, InBufWords}, {RegOutBuf, OutBufWords}, {RegPredBuf, PredBufWords}} {
		if bits.OnesCount32(b.words) != 1 || b.base%b.words != 0 {
			t.Errorf("buffer at %#x of %#x words is not aligned to a power-of-2 size", b.base, b.words)
		}
	}
	byName := func(name string) Register {
		for _, r := range Registers {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no register %s", name)
		return Register{}
	}
	for name, addr := range map[string]uint32{"ID": RegID, "CTRL": RegCtrl, "STATUS": RegStatus, "ERROR": RegError,
		"IN_CRC": RegInCRC, "MEM_LOCK": RegMemLock, "MEM_DATA_HI": RegMemDataHi, "CRC_VALUE": RegCRCValue,
		"PHASE_CYCLES": RegPhaseCycles, "IN_BUF": RegInBuf, "PRED_BUF": RegPredBuf} {
		if got := byName(name).Addr; got != addr {
			t.Errorf("%s at %#x in Registers, constant %#x", name, got, addr)
		}
	}
	if CtrlWord(CmdStep|CmdLearn) != 0xFEFE0101 {
		t.Errorf("CtrlWord(STEP|learn) = %#x", CtrlWord(CmdStep|CmdLearn))
	}
	if string([]byte{DeviceID >> 24, DeviceID >> 16 & 0xFF, DeviceID >> 8 & 0xFF, DeviceID & 0xFF}) != "HTMH" ||
		string([]byte{MemUnlock >> 24, MemUnlock >> 16 & 0xFF, MemUnlock >> 8 & 0xFF, MemUnlock & 0xFF}) != "LOAD" {
		t.Error(`ID is not "HTMH" or the unlock value not "LOAD"`)
	}
}

func TestErrorCode(t *testing.T) {
	for _, c := range []struct {
		e    ErrorCode
		want string
	}{{CodeNone, "NONE"}, {CodeStepMismatch, "STEP_MISMATCH"}, {CodeBadState, "BAD_STATE"}, {NumErrorCodes, "ERROR(8)"}} {
		if got := c.e.String(); got != c.want {
			t.Errorf("%d: %q, want %q", uint32(c.e), got, c.want)
		}
	}
}

func TestMem(t *testing.T) {
	if MemTMWinner.String() != "tm.winner" || Mem(NumMems).String() != "Mem(16)" {
		t.Errorf("names: %v, %v", MemTMWinner, Mem(NumMems))
	}
	// The small preset's shapes (docs/ARCHITECTURE.md section 5 sizes them).
	l := NewLayout(Dims{N: 120, C: 256, Q: 60, K: 4, S: 1024, M: 16, B: 8, G: 8})
	for _, c := range []struct {
		m            Mem
		width, depth int
	}{
		{MemCfg, 32, 32}, {MemRegs, 64, 16}, {MemSPPool, 8 + 7, 256 * 60}, {MemSPPoolLen, 6, 256},
		{MemSPConn, 32, 256 * 4}, {MemSPBoostTable, 16, 1024}, {MemTMSeg, 10 + 1 + 5, 1024},
		{MemTMSegSeq, 64, 1024}, {MemTMFree, 10, 1024}, {MemTMSyn, 8 + 10 + 1, 1024 * 16},
		{MemTMCellSegs, 4, 1024}, {MemTMActive, 32, 32},
	} {
		if w, d := l.Width(c.m), l.Depth(c.m); w != c.width || d != c.depth {
			t.Errorf("%v: %d × %d bits, want %d × %d", c.m, d, w, c.depth, c.width)
		}
	}
	for _, c := range []struct{ width, bytes int }{{1, 1}, {8, 1}, {9, 2}, {16, 2}, {17, 4}, {32, 4}, {33, 8}, {64, 8}} {
		if got := WordBytes(c.width); got != c.bytes {
			t.Errorf("WordBytes(%d) = %d, want %d", c.width, got, c.bytes)
		}
	}
}

func TestCRCs(t *testing.T) {
	le := func(ws ...uint32) []byte {
		var b []byte
		for _, w := range ws {
			b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
		}
		return b
	}
	if got, want := InCRC(2, []uint32{5, 7}), crc32.ChecksumIEEE(le(2, 5, 7)); got != want {
		t.Errorf("InCRC %#x, want %#x", got, want)
	}
	if got, want := OutCRC(9, []uint32{1, 4}, []uint32{4}, 1, 2), crc32.ChecksumIEEE(le(9, 2, 1, 4, 1, 4, 1, 2)); got != want {
		t.Errorf("OutCRC %#x, want %#x", got, want)
	}
}

// TestHeaders: both headers define every register, memory and error code,
// once, with arch's value.
func TestHeaders(t *testing.T) {
	vh, ch := string(VerilogHeader()), string(CHeader())
	if !bytes.Equal(VerilogHeader(), VerilogHeader()) {
		t.Fatal("VerilogHeader is not deterministic")
	}
	check := func(name string, bitsW int, v uint64) {
		t.Helper()
		var vl string
		if bitsW == 0 {
			vl = fmt.Sprintf("localparam integer %s = %d;", name, v)
		} else {
			vl = fmt.Sprintf("localparam [%d:0] %s = %d'h%0*X;", bitsW-1, name, bitsW, (bitsW+3)/4, v)
		}
		if strings.Count(vh, " "+name+" ") != 1 || !strings.Contains(vh, vl) {
			t.Errorf("htm_arch.vh: %s is not defined once as %q", name, vl)
		}
		if strings.Count(ch, " "+name+" ") != 1 || !strings.Contains(ch, fmt.Sprintf("constexpr uint32_t %s = ", name)) {
			t.Errorf("htm_arch.h: %s is not defined once", name)
		}
	}
	for _, r := range Registers {
		check("REG_"+r.Name, AddrBits, uint64(r.Addr))
	}
	for m := Mem(0); m < NumMems; m++ {
		check("MEM_"+upperName(m.String()), MemSelBits, uint64(m))
	}
	for e := ErrorCode(0); e < NumErrorCodes; e++ {
		check("ERR_"+e.String(), ErrorBits, uint64(e))
	}
	check("ARCH_VERSION", 0, Version)
	check("DEVICE_ID", 32, DeviceID)
	check("MEM_UNLOCK", 32, MemUnlock)
	check("CMD_LEARN", CmdBits, CmdLearn)
	check("CFG_ARCH_VERSION", 0, CfgArchVersion)
	check("REGS_FREE_COUNT", 0, RegsFreeCount)
	check("IN_BUF_BITS", 0, 10)
	check("PHASE_OUTPUT", 0, PhaseOutput)
}
