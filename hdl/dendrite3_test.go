package hdl

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/sim"
)

// The dendrite unit of architecture 3 (rtl3/DENDRITE.md) with the RAM
// wrappers, and its testbench.
var (
	dend3RTL = []string{"rtl3/htm3_dendrite.v", "rtl3/htm3_dendrite_top.v", "rtl3/htm3_dendrite_synth.v",
		"rtl3/htm_ebr.v", "rtl3/htm_spram.v"}
	dend3TB = []string{"rtl3/tb/dendrite3_tb.v", "rtl3/tb/dendrite3_main.cpp"}
)

// dend3Layout is the segment memory's layout (16-bit words) that
// htm3_dendrite's default parameters give: segseq, seglru, the used list's
// prev and next links, tm.seg, the tail.
type dend3Layout struct{ seqBase, lruBase, prevBase, nextBase, segBase, tail int }

func dend3Mem(S int) dend3Layout {
	return dend3Layout{seqBase: 0, lruBase: 4 * S, prevBase: 6 * S, nextBase: 7 * S, segBase: 8 * S, tail: 9 * S}
}

const dend3SMDepth = 16384

// buildDend3 builds the testbench with Verilator, cached like BuildSP3 by
// the sources of hdl/rtl3, the parameters and Verilator's version.
func buildDend3(t *testing.T, p Params) string {
	t.Helper()
	ver, err := exec.Command("verilator", "--version").Output()
	require.NoError(t, err)
	defs := []string{"C=" + strconv.Itoa(p.C), "K=" + strconv.Itoa(p.K), "S=" + strconv.Itoa(p.S),
		"M=" + strconv.Itoa(p.M), "B=" + strconv.Itoa(p.B)}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%v\n", strings.TrimSpace(string(ver)), defs)
	for _, f := range append(slices.Clone(dend3RTL), dend3TB...) {
		b, err := sources3.ReadFile(f)
		require.NoError(t, err)
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	bin, _, err := buildCached("dend3-"+hex.EncodeToString(h.Sum(nil))[:24], "Vdendrite3_tb", func(tmp string) error {
		if _, err := writeSources3(tmp); err != nil {
			return err
		}
		args := []string{"verilator", "--cc", "--exe", "--build", "-j", "2", "-O3", "--x-assign", "unique", "--x-initial", "unique",
			"-Wno-fatal", "-Wno-lint", "-Wno-style",
			"-DSIM", "--top-module", "dendrite3_tb", "-CFLAGS", "-O1", "--Mdir", filepath.Join(tmp, "obj"),
			"-o", "Vdendrite3_tb"}
		for _, d := range defs {
			args = append(args, "-G"+d)
		}
		for _, f := range append(slices.Clone(dend3RTL), dend3TB...) {
			args = append(args, filepath.Join(tmp, f))
		}
		return runVerilator(context.Background(), tmp, "nice", args...)
	})
	require.NoError(t, err)
	return bin
}

// TestDendrite3Lint: the dendrite unit, its memories and its place-and-route
// wrapper lint clean with verilator --lint-only -Wall, with and without
// SIM; so does the testbench, but for its blocking assignments in a clocked
// process and its unconnected outputs.
func TestDendrite3Lint(t *testing.T) {
	needTool(t, "verilator")
	for _, c := range []struct {
		name string
		args []string
	}{
		{"rtl", append([]string{"--top-module", "htm3_dendrite_synth"}, dend3RTL...)},
		{"rtl-sim", append([]string{"-DSIM", "--top-module", "htm3_dendrite_synth"}, dend3RTL...)},
		{"tb", append([]string{"-DSIM", "-Wno-BLKSEQ", "-Wno-PINCONNECTEMPTY", "--top-module", "dendrite3_tb",
			dend3TB[0]}, dend3RTL...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := exec.Command("verilator", append([]string{"--lint-only", "-Wall"}, c.args...)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			require.Empty(t, strings.TrimSpace(string(out)))
		})
	}
}

// dend3Case is one dendrite pass: its inputs (an image after a step, with
// the TM iteration and seglru words as they were before the pass) and the
// expected results.
type dend3Case struct {
	p     Params
	learn bool
	iter  uint32   // TM iteration before the pass
	lru   []uint32 // seglru before the pass (the image's, poisoned)
	used  []int    // used segments, by creation
	pot   []int    // per segment
	conn  []int
	lists map[int][]int // per cell: its active or matching segments, by creation
	act   []uint32      // golden activeSegs, (cell, creation) order
	match []uint32      // golden matchingSegs
	cmAct []bool        // per column: has an active segment
	cmAny []bool        // per column: has an active or matching segment
}

// lruPoison changes the input seglru words so that the test sees which
// words the unit writes.
const lruPoison = 0x5A5A_A5A5

// newDend3Case derives a pass's inputs and expected results from the image
// after a step (whose TM_DENDRITE has run with learn): SPEC 6.9 on the
// image's tm.active, as model/tm's activateDendrites computes it.
func newDend3Case(t *testing.T, im *image.Image, learn bool) *dend3Case {
	t.Helper()
	p, err := ParamsOf(im)
	require.NoError(t, err)
	cfg := im.Section("cfg").Words
	regs := im.Section("regs").Words
	seg, segSeq, segLRU := im.Section("tm.seg").Words, im.Section("tm.segseq").Words, im.Section("tm.seglru").Words
	syn, active := im.Section("tm.syn").Words, im.Section("tm.active").Words
	NC := p.C * p.K
	wCell := bitsOf(NC - 1)
	actT, minT, connP := int(cfg[16]), int(cfg[17]), cfg[24]
	c := &dend3Case{p: p, learn: learn, iter: uint32(regs[3]), lru: make([]uint32, p.S),
		pot: make([]int, p.S), conn: make([]int, p.S), lists: map[int][]int{},
		cmAct: make([]bool, p.C), cmAny: make([]bool, p.C)}
	if learn {
		c.iter--
	}
	owner := func(s int) int { return int(seg[s] & (1<<wCell - 1)) }
	for s := 0; s < p.S; s++ {
		c.lru[s] = uint32(segLRU[s])
		if seg[s]>>wCell&1 == 0 {
			continue
		}
		c.lru[s] ^= lruPoison
		c.used = append(c.used, s)
		for j := 0; j < p.M; j++ {
			w := syn[s*p.M+j]
			pre := int(w >> p.B & (1<<wCell - 1))
			if w>>(p.B+wCell)&1 == 0 || active[pre/32]>>(pre%32)&1 == 0 {
				continue
			}
			c.pot[s]++
			if w&(1<<p.B-1) >= connP {
				c.conn[s]++
			}
		}
	}
	require.Equal(t, p.S-int(regs[6]), len(c.used), "used segments against FREE_COUNT")
	slices.SortFunc(c.used, func(a, b int) int { return cmpU64(segSeq[a], segSeq[b]) })
	for _, s := range c.used {
		isAct, isMatch := c.conn[s] >= actT, c.pot[s] >= minT
		if isAct {
			c.act = append(c.act, uint32(s))
			c.cmAct[owner(s)/p.K] = true
		}
		if isMatch {
			c.match = append(c.match, uint32(s))
		}
		if isAct || isMatch {
			c.lists[owner(s)] = append(c.lists[owner(s)], s)
			c.cmAny[owner(s)/p.K] = true
		}
	}
	order := func(a, b uint32) int {
		if oa, ob := owner(int(a)), owner(int(b)); oa != ob {
			return oa - ob
		}
		return cmpU64(segSeq[a], segSeq[b])
	}
	slices.SortStableFunc(c.act, order)
	slices.SortStableFunc(c.match, order)
	return c
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bitsOf is ARCHITECTURE.md's bits(x): the bits that hold 0..x, at least 1.
func bitsOf(x int) int {
	n := 1
	for x>>n != 0 {
		n++
	}
	return n
}

// writeDend3Mem writes the testbench's memory files for a case into dir.
func writeDend3Mem(t *testing.T, im *image.Image, c *dend3Case, dir string) {
	t.Helper()
	p := c.p
	write := func(name string, digits int, words []uint64) {
		var b strings.Builder
		b.Grow(len(words) * (digits + 1))
		for _, w := range words {
			s := strconv.FormatUint(w, 16)
			b.WriteString(strings.Repeat("0", max(0, digits-len(s))))
			b.WriteString(s)
			b.WriteByte('\n')
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".hex"), []byte(b.String()), 0o644))
	}
	write("tm.syn", (im.Section("tm.syn").Width+3)/4, im.Section("tm.syn").Words)
	cr := make([]uint64, 128)
	for i, w := range im.Section("cfg").Words {
		cr[2*i], cr[2*i+1] = w&0xFFFF, w>>16&0xFFFF
	}
	regs := slices.Clone(im.Section("regs").Words)
	regs[3] = uint64(c.iter)
	for r, w := range regs {
		for h := 0; h < 4; h++ {
			cr[64+4*r+h] = w >> (16 * h) & 0xFFFF
		}
	}
	write("cfgregs", 4, cr)
	NA := (p.C*p.K + 15) / 16
	act := make([]uint64, NA)
	for i, w := range im.Section("tm.active").Words {
		for h := 0; h < 2 && 2*i+h < NA; h++ {
			act[2*i+h] = w >> (16 * h) & 0xFFFF
		}
	}
	write("tm.active16", 4, act)
	L := dend3Mem(p.S)
	sm := make([]uint64, dend3SMDepth)
	seq := im.Section("tm.segseq").Words
	for s, w := range im.Section("tm.seg").Words {
		for h := 0; h < 4; h++ {
			sm[L.seqBase+4*s+h] = seq[s] >> (16 * h) & 0xFFFF
		}
		sm[L.lruBase+2*s], sm[L.lruBase+2*s+1] = uint64(c.lru[s]&0xFFFF), uint64(c.lru[s]>>16)
		sm[L.segBase+s] = w & 0xFFFF
	}
	for i, s := range c.used {
		if i > 0 {
			sm[L.prevBase+s] = uint64(c.used[i-1])
			sm[L.nextBase+c.used[i-1]] = uint64(s)
		} else {
			sm[L.prevBase+s] = uint64(s) // the oldest is its own prev: the unit's walk ends there
		}
	}
	if n := len(c.used); n > 0 {
		sm[L.tail] = uint64(c.used[n-1])
	}
	write("segmem", 4, sm)
}

// dend3Result is what the testbench wrote.
type dend3Result struct {
	cycles    int
	iter      uint32
	pot, conn []int
	lists     map[int][]int
	cm        []uint64
	lru       []uint32
}

func readDend3(t *testing.T, path string, p Params) *dend3Result {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := &dend3Result{pot: make([]int, p.S), conn: make([]int, p.S), lists: map[int][]int{},
		cm: make([]uint64, (p.C+7)/8), lru: make([]uint32, p.S)}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		v := make([]uint64, len(fs)-1)
		for i, x := range fs[1:] {
			base := 10
			if fs[0] == "cm" && i == 1 {
				base = 16
			}
			v[i], err = strconv.ParseUint(x, base, 64)
			require.NoError(t, err, "%s: %q", path, sc.Text())
		}
		switch fs[0] {
		case "cycles":
			r.cycles = int(v[0])
		case "iter":
			r.iter = uint32(v[0])
		case "seg":
			r.pot[v[0]], r.conn[v[0]] = int(v[1]), int(v[2])
		case "list":
			for _, s := range v[1:] {
				r.lists[int(v[0])] = append(r.lists[int(v[0])], int(s))
			}
		case "cm":
			r.cm[v[0]] = v[1]
		case "lru":
			r.lru[v[0]] = uint32(v[1])
		default:
			t.Fatalf("%s: unknown line %q", path, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return r
}

// check compares a pass's results with the case's expectations and with
// the simulator's image after the step (seglru, iteration) and predictive
// cells.
func (c *dend3Case) check(t *testing.T, step int, r *dend3Result, after *image.Image, predictive []uint32) {
	t.Helper()
	p := c.p
	at := fmt.Sprintf("step %d", step)
	require.Equal(t, sim.Dend3Cycles(len(c.used), p.M), r.cycles, "%s: cycles for %d used segments", at, len(c.used))
	for _, s := range c.used {
		require.Equal(t, c.pot[s], r.pot[s], "%s: numPot of segment %d", at, s)
		require.Equal(t, c.conn[s], r.conn[s], "%s: numConn of segment %d", at, s)
	}
	require.Equal(t, c.lists, r.lists, "%s: per-cell lists", at)
	// The lists, read cell by cell, are the golden model's activeSegs and
	// matchingSegs in (cell, creation) order.
	var act, match []uint32
	cells := make([]int, 0, len(r.lists))
	for cell := range r.lists {
		cells = append(cells, cell)
	}
	slices.Sort(cells)
	var pred []uint32
	for _, cell := range cells {
		for _, s := range r.lists[cell] {
			if r.conn[s] >= int(after.Section("cfg").Words[16]) {
				act = append(act, uint32(s))
				if n := len(pred); n == 0 || pred[n-1] != uint32(cell) {
					pred = append(pred, uint32(cell))
				}
			}
			if r.pot[s] >= int(after.Section("cfg").Words[17]) {
				match = append(match, uint32(s))
			}
		}
	}
	require.Equal(t, c.act, act, "%s: active segments in (cell, creation) order", at)
	require.Equal(t, c.match, match, "%s: matching segments in (cell, creation) order", at)
	require.Equal(t, predictive, pred, "%s: predictive cells against the simulator's", at)
	for col := 0; col < p.C; col++ {
		w := r.cm[col/8]
		require.Equal(t, c.cmAct[col], w>>(col%8)&1 != 0, "%s: column %d's active-segment bit", at, col)
		require.Equal(t, c.cmAny[col], w>>(8+col%8)&1 != 0, "%s: column %d's active-or-matching bit", at, col)
	}
	simLRU := after.Section("tm.seglru").Words
	isAct := make([]bool, p.S)
	for _, s := range c.act {
		isAct[s] = true
	}
	for s := 0; s < p.S; s++ {
		want := c.lru[s]
		if c.learn && isAct[s] {
			want = c.iter
		}
		require.Equal(t, want, r.lru[s], "%s: seglru of segment %d", at, s)
		// Against the simulator: unpoisoned, every word is the image's.
		got := r.lru[s]
		if (!c.learn || !isAct[s]) && slices.Contains(c.used, s) {
			got ^= lruPoison
		}
		require.Equal(t, uint32(simLRU[s]), got, "%s: seglru of segment %d against the simulator", at, s)
	}
	require.Equal(t, uint32(after.Section("regs").Words[3]), r.iter, "%s: TM iteration", at)
}

// TestDendrite3: the architecture-3 dendrite unit on the state of every
// step of a run (learning off every 10th step): after each simulator step,
// the unit runs that step's TM_DENDRITE on its tm.active and is checked
// against SPEC 6.9 and the simulator. "small" is the preset on
// art_daily_jumpsup (300 steps); "stress" is TestTMStress's configuration
// (3 cells per column, 96 segments of 10 slots: a full pool, evictions, so
// that creation order is not segment order); "m2" has segments of 2 slots
// (the schedule's shortest window); "late" is "small" over the whole series
// (4,032 steps), checked every 50th step, where the pool holds about 460
// segments (the cycles of ARCHITECTURE-3.md 3.1's estimate).
func TestDendrite3(t *testing.T) {
	needTool(t, "verilator")
	for _, c := range []struct {
		name, preset, file string
		steps, every       int
		edit               func(*model.Config)
	}{
		{"small", "small", "art_daily_jumpsup.csv", 300, 1, nil},
		{"stress", "small", "speed_7578.csv", 300, 1, tmStress},
		{"m2", "small", "speed_7578.csv", 200, 1, func(c *model.Config) {
			tmStress(c)
			c.TM.MaxSynapsesPerSegment, c.TM.MaxNewSynapseCount = 2, 2
			c.TM.ActivationThreshold, c.TM.MinThreshold = 2, 1
		}},
		{"late", "small", "art_daily_jumpsup.csv", 5000, 50, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			steps := c.steps
			if testing.Short() {
				if c.every > 1 {
					t.Skip("long")
				}
				steps = 40
			}
			runDend3(t, c.preset, c.file, steps, c.every, c.edit)
		})
	}
}

// runDend3 runs the simulator over a series' first steps and the unit on
// the state after every every-th step and after the last.
func runDend3(t *testing.T, preset, file string, steps, every int, edit func(*model.Config)) {
	im, inputs := compileSeries(t, preset, file, steps, edit)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	bin := buildDend3(t, p)
	s, err := sim.New(im)
	require.NoError(t, err)
	dir := t.TempDir()
	var n, sumCyc, maxCyc, sumUsed, nAct, nMatch, longest, multi int
	for i, in := range inputs {
		learn := i%10 != 9
		_, err := s.Step(in, learn)
		require.NoError(t, err)
		if i%every != 0 && i != len(inputs)-1 {
			continue
		}
		after := s.Image()
		c := newDend3Case(t, after, learn)
		writeDend3Mem(t, after, c, dir)
		out := filepath.Join(dir, "out.txt")
		cmd := exec.CommandContext(context.Background(), bin, "+verilator+rand+reset+2", "+verilator+seed+"+strconv.Itoa(i+1),
			"+memdir="+dir, "+out="+out,
			"+learn="+map[bool]string{false: "0", true: "1"}[learn])
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "step %d: testbench: %s", i, b)
		r := readDend3(t, out, p)
		c.check(t, i, r, after, s.PredictiveCells())
		n++
		sumCyc += r.cycles
		maxCyc = max(maxCyc, r.cycles)
		sumUsed += len(c.used)
		nAct += len(c.act)
		nMatch += len(c.match)
		for _, l := range c.lists {
			longest = max(longest, len(l))
			if len(l) > 1 {
				multi++
			}
		}
	}
	require.Positive(t, nAct, "no active segment in the run: the lists were not exercised")
	ev := s.Image().Section("regs").Words[8:11]
	t.Logf("%d passes matched (%d steps; S %d, M %d, K %d): mean %d used segments, %d active, %d matching; "+
		"%d lists of 2 or more (longest %d); cycles mean %d, max %d; segments evicted %d+%d, pruned %d",
		n, len(inputs), p.S, p.M, p.K, sumUsed/n, nAct/n, nMatch/n, multi, longest, sumCyc/n, maxCyc,
		ev[0], ev[1], ev[2])
}

// TestDendrite3Synth: the dendrite unit with its memories (htm3_dendrite_top,
// small preset) synthesizes for the iCE40 UP5K to the RAMs of DENDRITE.md's
// map (tm.syn in two SPRAM tiles, the segment memory in one; 11 EBR: scratch
// 5, heads 3, tm.active, cfg/regs and the column bitmaps 1 each), no DSP,
// and the unit's logic (htm3_dendrite alone) stays within its budget.
func TestDendrite3Synth(t *testing.T) {
	needTool(t, "yosys")
	if testing.Short() {
		t.Skip("yosys")
	}
	small := map[string]int{"C": 256, "K": 4, "S": 1024, "M": 16, "B": 8}
	top, err := YosysStat(context.Background(), t.TempDir(), "htm3_dendrite_top", small, "-dsp")
	require.NoError(t, err)
	t.Logf("htm3_dendrite_top: %v", top)
	require.Equal(t, 2+1, top["SB_SPRAM256KA"], "SPRAM tiles")
	require.Equal(t, 11, top["SB_RAM40_4K"], "EBR")
	require.Zero(t, top["SB_MAC16"], "DSP")
	unit, err := YosysStat(context.Background(), t.TempDir(), "htm3_dendrite", small, "-dsp")
	require.NoError(t, err)
	t.Logf("htm3_dendrite: %v", unit)
	ff := 0
	for c, n := range unit {
		if strings.HasPrefix(c, "SB_DFF") {
			ff += n
		}
	}
	require.LessOrEqual(t, unit["SB_LUT4"], 400, "LUTs")
	require.LessOrEqual(t, ff, 250, "flip-flops")
}
