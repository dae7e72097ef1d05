package hdl

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/sim"
)

// accel3Item is the cycles htm3_seq spends on one word of the logical
// memory port (hdl/rtl3/ACCEL.md): the request, the map's np parts, and the
// acknowledgement; reads wait one cycle more for the last part's data.
func accel3Item(parts int, read bool) uint64 {
	if read {
		return uint64(parts + 4)
	}
	return uint64(parts + 3)
}

// accel3RestoreCycles is RESTORE's cycles (ACCEL.md): cfg words 3 .. 13
// (two parts each) and regs words 0 .. 2 (four) read.
var accel3RestoreCycles = 11*accel3Item(2, true) + 3*accel3Item(4, true)

// accel3Cycles is ACCEL.md's formula of each phase of a STEP of htm3_accel
// (PHASE_CYCLES' order): htm3_sp's phases (sp3Cycles) with LOAD's input
// check (n_in + 1) and the engine's start (1) in LOAD; OUTPUT stores regs
// words 0 .. 2 (four parts each) after one cycle.
func accel3Cycles(p Params, learn bool, nIn int, active, bumped []int) [sim.NumPhases]uint64 {
	sp := sp3Cycles(p, learn, nIn, active, bumped)
	var c [sim.NumPhases]uint64
	copy(c[:5], sp[:])
	c[sim.PhaseLoad] += uint64(nIn) + 2
	c[sim.PhaseOutput] = 1 + 3*accel3Item(4, false)
	return c
}

// TestAccel3 runs htm3_accel over the bus (the harness of htm_accel) on
// small and art_daily_jumpsup, learning on, against the simulator: per step
// STEP_LO, IN_CRC, OUT_CRC (the harness), the active columns (OUT_BUF) and
// every phase's cycles against accel3Cycles, CYCLES their sum; RESTORE's
// cycles; the protocol checks of harness --protocol; at the end every
// memory read back through the window and its CRC_VALUE. The TM is not in
// this top yet: the SP's memories, cfg and regs words 0 .. 2 are compared
// with the simulator's, the TM's memories and regs words 3 .. 15 with the
// image the run started from (they pass through the address translation
// untouched).
func TestAccel3(t *testing.T) {
	needTool(t, "verilator")
	n := 300
	if testing.Short() {
		n = 40
	}
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", n, nil)
	require.Zero(t, im.Section("cfg").Words[arch.CfgBoost], "htm3_sp implements boosting off only")
	p, err := ParamsOf(im)
	require.NoError(t, err)
	t0 := time.Now()
	m, err := BuildAccel3(context.Background(), p)
	require.NoError(t, err)
	build := time.Since(t0)
	dir := t.TempDir()
	require.NoError(t, WriteMemFiles3(im, dir))
	steps := make([]Step, len(inputs))
	for i, in := range inputs {
		steps[i] = Step{Input: in, Learn: true}
	}
	t0 = time.Now()
	res, err := m.Run(context.Background(), im, dir, steps, RunOptions{Dump: true, Protocol: true})
	require.NoError(t, err)
	t.Logf("verilator build %v (cached %v), run %v", build.Round(time.Millisecond), m.Cached, time.Since(t0).Round(time.Millisecond))
	require.Contains(t, res.Log, "protocol checks passed")
	rs := regexp.MustCompile(`RESTORE (\d+) cycles`).FindAllStringSubmatch(res.Log, -1)
	require.NotEmpty(t, rs, "the harness reports RESTORE's cycles")
	for _, mm := range rs {
		c, _ := strconv.ParseUint(mm[1], 10, 64)
		require.Equal(t, accel3RestoreCycles, c, "RESTORE's cycles")
	}
	require.Len(t, res.Regs, len(steps))
	require.Len(t, res.Phases, len(steps))

	s, err := sim.New(im)
	require.NoError(t, err)
	plen := im.Section("sp.poollen").Words
	var sum [sim.NumPhases]uint64
	for i, st := range steps {
		minOv := s.Image().Section("regs").Words[arch.RegsSPMinOverlap]
		r, err := s.Step(st.Input, st.Learn)
		require.NoError(t, err)
		got := res.Regs[i]
		require.Equal(t, uint64(i), got.Step, "step %d: STEP_LO", i)
		require.Equal(t, r.ActiveColumns, got.Cols, "step %d: active columns", i)
		var active, bumped []int
		for _, c := range r.ActiveColumns {
			active = append(active, int(plen[c]))
		}
		if st.Learn && minOv > 0 {
			for c, w := range s.Image().Section("sp.duty").Words {
				if w&0xFFFF < minOv {
					bumped = append(bumped, int(plen[c]))
				}
			}
		}
		want := accel3Cycles(p, st.Learn, len(st.Input), active, bumped)
		var tot uint64
		for ph := range want {
			require.Equal(t, want[ph], res.Phases[i][ph], "step %d: %s cycles", i, sim.Phase(ph))
			tot += want[ph]
			sum[ph] += want[ph]
		}
		require.Equal(t, tot, got.Cycles, "step %d: CYCLES", i)
	}
	end := s.Image()
	require.Len(t, res.Mems, int(arch.NumMems))
	for mi, sec := range res.Mems {
		name := sec.Name
		want := end.Section(name)
		switch arch.Mem(mi) {
		case arch.MemCfg, arch.MemSPPool, arch.MemSPPoolLen, arch.MemSPConn, arch.MemSPDuty, arch.MemSPBoost,
			arch.MemSPBoostTable:
		case arch.MemRegs:
			w := append([]uint64(nil), im.Section(name).Words...)
			copy(w[:3], end.Section(name).Words[:3])
			want = &image.Section{Name: name, Width: want.Width, Words: w}
		default:
			want = im.Section(name)
		}
		require.Len(t, sec.Words, len(want.Words), name)
		for j := range want.Words {
			if sec.Words[j] != want.Words[j] {
				t.Fatalf("memory %s word %d: RTL %#x, want %#x", name, j, sec.Words[j], want.Words[j])
			}
		}
		require.Equal(t, want.CRC(), res.CRCs[mi], "%s: CRC_VALUE", name)
	}
	t.Logf("%d steps: STEP_LO, active columns, phase cycles and CYCLES match; memories and CRC_VALUE match; RESTORE %d cycles; cycles per phase summed %v",
		len(steps), accel3RestoreCycles, fmt.Sprint(sum))
}

// TestAccel3Lint runs verilator --lint-only -Wall on htm3_accel with and
// without SIM, and on icebreaker3_top: no warning (the RTL's waivers are by
// line, with reasons).
func TestAccel3Lint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := writeAccel3Sources(dir)
	require.NoError(t, err)
	board := append([]string{filepath.Join(dir, "rtl3", "icebreaker3_top.v")}, vs...)
	for _, f := range []string{"uart_rx.v", "uart_tx.v", "uartbone.v"} {
		board = append(board, filepath.Join(IncludeDir(dir), f))
	}
	for _, tc := range []struct {
		top   string
		def   []string
		files []string
	}{{"htm3_accel", []string{"-DSIM"}, vs}, {"htm3_accel", nil, vs}, {"icebreaker3_top", nil, board}} {
		args := append([]string{"--lint-only", "-Wall", "-I" + IncludeDir(dir), "--top-module", tc.top}, tc.def...)
		args = append(args, tc.files...)
		out, err := exec.Command("verilator", args...).CombinedOutput()
		require.NoError(t, err, "verilator %s %v:\n%s", tc.top, tc.def, out)
	}
}
