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

// The column engine of architecture 3 (rtl3/TM.md) and its testbench.
var (
	tmc3RTL = []string{"rtl3/htm3_tm_cells.v", "rtl3/htm3_rng.v", "rtl3/htm_ebr.v", "rtl3/htm_spram.v"}
	tmc3TB  = []string{"rtl3/tb/tmcells3_tb.v", "rtl3/tb/tmcells3_main.cpp"}
)

// buildRTL3 builds a Verilator testbench of hdl/rtl3 (top module top, the
// binary named V<top>), cached by the sources, the parameters and
// Verilator's version.
func buildRTL3(t *testing.T, top string, files []string, defs []string) string {
	t.Helper()
	ver, err := exec.Command("verilator", "--version").Output()
	require.NoError(t, err)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%v\n", strings.TrimSpace(string(ver)), top, defs)
	for _, f := range files {
		b, err := sources3.ReadFile(f)
		require.NoError(t, err)
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	exe := "V" + top
	bin, _, err := buildCached(top+"-"+hex.EncodeToString(h.Sum(nil))[:24], exe, func(tmp string) error {
		if _, err := writeSources3(tmp); err != nil {
			return err
		}
		args := []string{"verilator", "--cc", "--exe", "--build", "-j", "2", "-O3", "-Wno-fatal", "-Wno-lint", "-Wno-style",
			"-DSIM", "--top-module", top, "-CFLAGS", "-O1", "--Mdir", filepath.Join(tmp, "obj"), "-o", exe}
		for _, d := range defs {
			args = append(args, "-G"+d)
		}
		for _, f := range files {
			args = append(args, filepath.Join(tmp, f))
		}
		return runVerilator(context.Background(), tmp, "nice", args...)
	})
	require.NoError(t, err)
	return bin
}

// tmc3Mem is htm3_tm_cells's segment memory layout: DENDRITE.md's on R,
// S rounded up to a power of two, and tm.free at 10R.
func tmc3Mem(S int) (dend3Layout, int) {
	R := 1 << bitsOf(S-1)
	return dend3Layout{seqBase: 0, lruBase: 4 * R, prevBase: 6 * R, nextBase: 7 * R, segBase: 8 * R, tail: 9 * R}, 10 * R
}

// tmc3Case is one column pass: its inputs (the image before a step, the
// dendrite's lists over it, the step's active columns) and the counts of
// the cycle formula.
type tmc3Case struct {
	p                               Params
	cols                            []uint32
	visited, entries, bursts, draws int
	npw                             int // previous winners
	segOps                          int // adapt and punish passes, with learning
}

// opsOf are the segment operations of a pass as the RTL counts them: the
// testbench's state entries (htm3_tm_cells's state numbers). They are only
// a cross-check of the simulator's counts (sim.Sim.TMCells3).
func opsOf(ent map[int]int) sim.TMCells3Ops {
	return sim.TMCells3Ops{Resume: ent[15], BLearn: ent[16], Adapts: ent[17], Grows: ent[23], GEv: ent[28],
		Creates: ent[35], Walks: ent[37], Walked: ent[38], Scans: ent[46], Pops: ent[47], Destroys: ent[48]}
}

// bitmapCells lists the set bits of a bitmap of 32-bit words.
func bitmapCells(words []uint64, n int) []uint32 {
	var out []uint32
	for c := 0; c < n; c++ {
		if words[c/32]>>(c%32)&1 != 0 {
			out = append(out, uint32(c))
		}
	}
	return out
}

// checkOps returns the simulator's counts of TM.md's formula for a pass
// (got: sim.Sim.TMCells3 after the step), the one source of the cycles,
// after cross-checking them: the column loop's counts against the case's
// (from the dendrite's lists over the image before the step), the
// segment operations against the RTL's (its state entries, opsOf), the
// adapt and punish passes against the case's (with learning; none of the
// learning operations without) and the step's event counters in regs 7 to
// 11 (before and after are the simulator's images around the step).
func checkOps(t *testing.T, at string, learn bool, c *tmc3Case, got sim.TMCells3Counts, ent map[int]int, before, after *image.Image) sim.TMCells3Counts {
	t.Helper()
	o := got.Ops
	require.Equal(t, sim.TMCells3Counts{Act: len(c.cols), Visited: c.visited, Entries: c.entries, Bursts: c.bursts,
		Draws: c.draws, PrevWinners: c.npw, Ops: o}, got, "%s: the simulator's counts of the column loop", at)
	require.Equal(t, opsOf(ent), o, "%s: the simulator's segment operations against the RTL's", at)
	ev := func(w int) int { return int(after.Section("regs").Words[w] - before.Section("regs").Words[w]) }
	if learn {
		require.Equal(t, c.segOps, o.Adapts, "%s: adapt and punish passes", at)
	} else {
		require.Zero(t, o.Adapts+o.Grows+o.Creates+o.BLearn, "%s: segment operations without learning", at)
	}
	require.Equal(t, ev(7), o.Pops, "%s: segments created", at)
	require.Equal(t, ev(8), o.Walks, "%s: cell-full walks against cell evictions", at)
	require.Equal(t, ev(9)+ev(11), o.Scans, "%s: pool scans against pool evictions and refusals", at)
	require.Equal(t, ev(8)+ev(9)+ev(10), o.Destroys, "%s: segments destroyed", at)
	return got
}

// writeTmc3Mem writes the testbench's memories for the step that starts
// from image before with active columns cols: the dendrite's per-cell lists
// and column bitmaps (as htm3_dendrite leaves them, DENDRITE.md), and the
// new banks of the cell bitmaps poisoned so that the test sees the clear.
// With dir "" it writes nothing and only counts (accel3Run.check).
func writeTmc3Mem(t *testing.T, before *image.Image, cols []uint32, bank int, dir string) *tmc3Case {
	t.Helper()
	d := newDend3Case(t, before, false)
	p := d.p
	NC := p.C * p.K
	wCol, wS, wM := bitsOf(p.C-1), bitsOf(p.S-1), bitsOf(p.M)
	write := func(name string, digits int, words []uint64) {
		if dir == "" {
			return
		}
		var b strings.Builder
		for _, w := range words {
			fmt.Fprintf(&b, "%0*x\n", digits, w)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".hex"), []byte(b.String()), 0o644))
	}
	cr := make([]uint64, 128)
	for i, w := range before.Section("cfg").Words {
		cr[2*i], cr[2*i+1] = w&0xFFFF, w>>16&0xFFFF
	}
	for r, w := range before.Section("regs").Words {
		for h := 0; h < 4; h++ {
			cr[64+4*r+h] = w >> (16 * h) & 0xFFFF
		}
	}
	write("cfgregs", 4, cr)
	ac := make([]uint64, p.C)
	for i, c := range cols {
		ac[i] = uint64(c)
	}
	write("ac", (wCol+3)/4, ac)
	cm := make([]uint64, (p.C+7)/8)
	for c := 0; c < p.C; c++ {
		if d.cmAct[c] {
			cm[c/8] |= 1 << (c % 8)
		}
		if d.cmAny[c] {
			cm[c/8] |= 1 << (8 + c%8)
		}
	}
	write("cm", 4, cm)
	hd := make([]uint64, NC)
	sc := make([]uint64, p.S)
	c := &tmc3Case{p: p, cols: cols}
	for cell, l := range d.lists {
		hd[cell] = uint64(l[0]) | 1<<wS // {valid, segment}
		for i, s := range l {
			link := s
			if i+1 < len(l) {
				link = l[i+1]
			}
			sc[s] = uint64(d.pot[s]) | uint64(d.conn[s])<<wM | uint64(link)<<(2*wM)
		}
		c.entries += len(l)
	}
	write("hd", (wS+1+3)/4, hd)
	write("sc", (wS+2*wM+3)/4, sc)
	write("cs", (bitsOf(p.G)+3)/4, before.Section("tm.cellsegs").Words)
	NA := (NC + 15) / 16
	half := func(words []uint64) []uint64 {
		out := make([]uint64, NA)
		for i := range out {
			out[i] = words[i/2] >> (16 * (i % 2)) & 0xFFFF
		}
		return out
	}
	// a bank is 2^ACT_AW words (the bank is the address's top bit)
	stride := 1 << bitsOf(NA-1)
	act, win := make([]uint64, 2*stride), make([]uint64, 2*stride)
	pa, pw := half(before.Section("tm.active").Words), half(before.Section("tm.winner").Words)
	for i := 0; i < NA; i++ {
		act[(1-bank)*stride+i], win[(1-bank)*stride+i] = pa[i], pw[i]
		act[bank*stride+i], win[bank*stride+i] = 0xA5A5^uint64(i), 0x5A5A^uint64(i)
	}
	write("act", 4, act)
	write("win", 4, win)
	// The previous winners' list (ascending) in wl's other bank.
	wlBank := 1 << bitsOf(NC-1)
	wl := make([]uint64, 2*wlBank)
	for i, cell := range bitmapCells(before.Section("tm.winner").Words, NC) {
		wl[(1-bank)*wlBank+i] = uint64(cell)
		c.npw++
	}
	write("wl", (bitsOf(NC-1)+3)/4, wl)
	write("tm.syn", (before.Section("tm.syn").Width+3)/4, before.Section("tm.syn").Words)
	// The segment memory (TM.md's layout) with the used list in creation
	// order, ends self-linked (the testbench's: a tm.seg word in one part).
	L, freeBase := tmc3Mem(p.S)
	sm := make([]uint64, max(dend3SMDepth, freeBase+p.S))
	seq, lru := before.Section("tm.segseq").Words, before.Section("tm.seglru").Words
	for s, w := range before.Section("tm.seg").Words {
		for h := 0; h < 4; h++ {
			sm[L.seqBase+4*s+h] = seq[s] >> (16 * h) & 0xFFFF
		}
		sm[L.lruBase+2*s], sm[L.lruBase+2*s+1] = lru[s]&0xFFFF, lru[s]>>16&0xFFFF
		sm[L.segBase+s] = w & 0xFFFF
	}
	for i, s := range d.used {
		sm[L.prevBase+s], sm[L.nextBase+s] = uint64(s), uint64(s)
		if i > 0 {
			sm[L.prevBase+s] = uint64(d.used[i-1])
			sm[L.nextBase+d.used[i-1]] = uint64(s)
		}
	}
	if n := len(d.used); n > 0 {
		sm[L.tail] = uint64(d.used[n-1])
	}
	for i, f := range before.Section("tm.free").Words {
		sm[freeBase+i] = f
	}
	write("segmem", 4, sm)
	// The formula's counts.
	actT, minT := int(before.Section("cfg").Words[16]), int(before.Section("cfg").Words[17])
	psd := before.Section("cfg").Words[27] != 0
	isAct := make([]bool, p.C)
	for _, col := range cols {
		isAct[col] = true
	}
	prevWin := func(cell int) bool { return pw[cell/16]>>(cell%16)&1 != 0 }
	for col := 0; col < p.C; col++ {
		if !isAct[col] && !d.cmAny[col] {
			continue
		}
		c.visited++
		for cell := col * p.K; cell < (col+1)*p.K; cell++ {
			for _, s := range d.lists[cell] {
				switch {
				case isAct[col] && d.cmAct[col] && d.conn[s] >= actT, !isAct[col] && psd && d.pot[s] >= minT:
					c.segOps++
				}
			}
		}
		if !isAct[col] || d.cmAct[col] {
			continue
		}
		c.bursts++
		found := false
		for cell := col * p.K; cell < (col+1)*p.K; cell++ {
			for _, s := range d.lists[cell] {
				found = found || d.pot[s] >= minT
			}
			found = found || prevWin(cell)
		}
		if !found {
			c.draws++
		}
		for cell := col * p.K; cell < (col+1)*p.K; cell++ {
			if slices.ContainsFunc(d.lists[cell], func(s int) bool { return d.pot[s] >= minT }) {
				c.segOps++ // the best matching segment
				break
			}
		}
	}
	return c
}

// tmc3Result is what the testbench wrote.
type tmc3Result struct {
	cycles, anom, dirty int
	pred, wl            []uint32
	act, win            []uint32 // cells set in the new banks
	gen                 uint32
	ent                 map[int]int // state entries
	regs                [16]uint64
	syn, sm, cs         []uint64
}

func readTmc3(t *testing.T, path string) *tmc3Result {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r := &tmc3Result{ent: map[int]int{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		v := make([]uint64, len(fs)-1)
		for i, x := range fs[1:] {
			v[i], err = strconv.ParseUint(x, 10, 64)
			require.NoError(t, err, "%s: %q", path, sc.Text())
		}
		list := func() []uint32 {
			out := []uint32{}
			for _, x := range v {
				out = append(out, uint32(x))
			}
			return out
		}
		switch fs[0] {
		case "cycles":
			r.cycles = int(v[0])
		case "anom":
			r.anom = int(v[0])
		case "dirty":
			r.dirty = int(v[0])
		case "gen":
			r.gen = uint32(v[0])
		case "ent":
			r.ent[int(v[0])] = int(v[1])
		case "regs":
			r.regs[v[0]] = v[1]
		case "syn":
			r.syn = append(r.syn, v[0])
		case "sm":
			r.sm = append(r.sm, v[0])
		case "cs":
			r.cs = append(r.cs, v[0])
		case "pred":
			r.pred = list()
		case "wl":
			r.wl = list()
		case "aw":
			for b := 0; b < 16; b++ {
				if v[1]>>b&1 != 0 {
					r.act = append(r.act, uint32(16*v[0])+uint32(b))
				}
				if v[2]>>b&1 != 0 {
					r.win = append(r.win, uint32(16*v[0])+uint32(b))
				}
			}
		default:
			t.Fatalf("%s: unknown line %q", path, sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return r
}

// TestTMCells3: the architecture-3 column engine (TM_PREDICT and TM_CELLS)
// on the state before every step of a run (learning off every 10th step):
// each pass starts from the simulator's image, with the dendrite's lists
// over it, runs the step's column loop with the step's learning flag, and
// is checked against the simulator after the step: predicted columns,
// anomaly numerator, active and winner cells (bitmaps and the winner list),
// tm.syn, tm.seg, tm.segseq, tm.seglru (but for the segments the step's
// dendrite activation marks), tm.free, tm.cellsegs, regs 4-14 word for
// word, the used list, heads, bitmaps and exclusion marks left cleared, and
// the cycles against TM.md's formula. The "carries" case starts the event
// counters (regs 7-14) at 2^48 - 1, so that the first event of each kind
// carries out of the low quarter that the engine increments as it goes
// into the three quarters that S_FIN adds the carry to.
func TestTMCells3(t *testing.T) {
	needTool(t, "verilator")
	for _, c := range []struct {
		name, preset, file string
		steps              int
		edit               func(*model.Config)
		counters           uint64 // the event counters' start (0: the image's)
	}{
		{"small", "small", "art_daily_jumpsup.csv", 300, nil, 0},
		{"stress", "small", "speed_7578.csv", 300, tmStress, 0},
		{"carries", "small", "speed_7578.csv", 40, tmStress, 1<<48 - 1},
		// a pool of a power of two (the segment memory's regions are S
		// words): cell-full walks over a full-width used count
		{"s128", "small", "speed_7578.csv", 200, func(c *model.Config) {
			tmStress(c)
			c.TM.SegmentPoolCapacity = 128
		}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			steps := c.steps
			if testing.Short() {
				steps = 40
			}
			runTmc3(t, c.preset, c.file, steps, c.edit, c.counters)
		})
	}
}

func runTmc3(t *testing.T, preset, file string, steps int, edit func(*model.Config), counters uint64) {
	im, inputs := compileSeries(t, preset, file, steps, edit)
	if counters != 0 {
		for w := 7; w <= 14; w++ {
			im.Section("regs").Words[w] = counters
		}
	}
	p, err := ParamsOf(im)
	require.NoError(t, err)
	defs := []string{"C=" + strconv.Itoa(p.C), "K=" + strconv.Itoa(p.K), "S=" + strconv.Itoa(p.S),
		"M=" + strconv.Itoa(p.M), "G=" + strconv.Itoa(p.G), "B=" + strconv.Itoa(p.B)}
	bin := buildRTL3(t, "tmcells3_tb", append(slices.Clone(tmc3RTL), tmc3TB...), defs)
	s, err := sim.New(im)
	require.NoError(t, err)
	dir := t.TempDir()
	if d := os.Getenv("TMC3_KEEP"); d != "" {
		dir = d
	}
	var sumCyc, maxCyc, nBurst, nDraw, nPred, nVisit int
	for i, in := range inputs {
		learn := i%10 != 9
		before := s.Image()
		got, err := s.Step(in, learn)
		require.NoError(t, err)
		after := s.Image()
		cols := slices.Clone(got.ActiveColumns)
		bank := i % 2
		c := writeTmc3Mem(t, before, cols, bank, dir)
		out := filepath.Join(dir, "out.txt")
		b, err := exec.Command(bin, "+memdir="+dir, "+out="+out, "+nact="+strconv.Itoa(len(cols)),
			"+bank="+strconv.Itoa(bank), "+npw="+strconv.Itoa(c.npw),
			"+learn="+map[bool]string{false: "0", true: "1"}[learn]).CombinedOutput()
		require.NoError(t, err, "step %d: testbench: %s", i, b)
		r := readTmc3(t, out)
		at := fmt.Sprintf("step %d (learn %v)", i, learn)
		require.Equal(t, append([]uint32{}, got.PredictedColumns...), r.pred, "%s: predicted columns", at)
		require.Equal(t, int(got.AnomalyNum), r.anom, "%s: anomaly numerator", at)
		wantAct, wantWin := append([]uint32{}, s.ActiveCells()...), append([]uint32{}, s.WinnerCells()...)
		require.Equal(t, wantAct, append([]uint32{}, r.act...), "%s: active cells", at)
		require.Equal(t, wantWin, append([]uint32{}, r.win...), "%s: winner cells", at)
		require.Equal(t, wantWin, r.wl, "%s: winner list", at)
		require.Zero(t, r.dirty, "%s: heads, column bitmap or exclusion words left non-zero", at)
		checkTmc3Mem(t, at, after, learn, r)
		// The cycles: TM.md's formula on the simulator's counts, which
		// are checked against the lists, the RTL's and the event counters.
		o := checkOps(t, at, learn, c, s.TMCells3(), r.ent, before, after)
		require.Equal(t, o.Cycles(p.sim3()), r.cycles, "%s: cycles (%+v)", at, o)
		sumCyc += r.cycles
		maxCyc = max(maxCyc, r.cycles)
		nBurst += c.bursts
		nDraw += c.draws
		nPred += len(r.pred)
		nVisit += c.visited
	}
	n := len(inputs)
	require.Positive(t, nPred, "no predicted column in the run")
	ev := s.Image().Section("regs").Words[7:15]
	t.Logf("%d passes matched (C %d, K %d, S %d): per step %d visited columns, %d predicted, %d bursts, "+
		"%d draws; cycles mean %d, max %d; events %v", n, p.C, p.K, p.S, nVisit/n, nPred/n, nBurst/n, nDraw/n,
		sumCyc/n, maxCyc, ev)
}

// checkTmc3Mem compares the memories a pass leaves with the simulator's
// image after the step: the TM iteration and the seglru words of the
// segments that the step's dendrite activation marks active (with
// learning) are the dendrite's, not the column loop's.
func checkTmc3Mem(t *testing.T, at string, after *image.Image, learn bool, r *tmc3Result) {
	t.Helper()
	p, err := ParamsOf(after)
	require.NoError(t, err)
	regs := after.Section("regs").Words
	for w := 4; w <= 14; w++ {
		require.Equal(t, regs[w], r.regs[w], "%s: regs word %d", at, w)
	}
	syn := after.Section("tm.syn").Words
	for j, w := range syn {
		require.Equal(t, w, r.syn[j], "%s: tm.syn slot %d (segment %d)", at, j, j/p.M)
	}
	require.Equal(t, after.Section("tm.cellsegs").Words, r.cs, "%s: tm.cellsegs", at)
	L, freeBase := tmc3Mem(p.S)
	marked := map[int]bool{}
	if learn {
		for _, s := range newDend3Case(t, after, learn).act {
			marked[int(s)] = true
		}
	}
	seq, lru := after.Section("tm.segseq").Words, after.Section("tm.seglru").Words
	for s, w := range after.Section("tm.seg").Words {
		require.Equal(t, w, r.sm[L.segBase+s], "%s: tm.seg word %d", at, s)
		var q uint64
		for h := 0; h < 4; h++ {
			q |= r.sm[L.seqBase+4*s+h] << (16 * h)
		}
		require.Equal(t, seq[s], q, "%s: tm.segseq word %d", at, s)
		if !marked[s] {
			require.Equal(t, lru[s], r.sm[L.lruBase+2*s]|r.sm[L.lruBase+2*s+1]<<16, "%s: tm.seglru word %d", at, s)
		}
	}
	for i, f := range after.Section("tm.free").Words {
		require.Equal(t, f, r.sm[freeBase+i], "%s: tm.free word %d", at, i)
	}
	// The used list, from the tail by prev links and from the oldest by
	// next links: the used segments in creation order.
	var used []int
	for s, w := range after.Section("tm.seg").Words {
		if w>>bitsOf(p.C*p.K-1)&1 != 0 {
			used = append(used, s)
		}
	}
	slices.SortFunc(used, func(a, b int) int { return cmpU64(seq[a], seq[b]) })
	if len(used) == 0 {
		return
	}
	s := int(r.sm[L.tail])
	for i := len(used) - 1; i >= 0; i-- {
		require.Equal(t, used[i], s, "%s: used list entry %d from the tail", at, i)
		if i == 0 {
			require.Equal(t, s, int(r.sm[L.prevBase+s]), "%s: the oldest segment's prev link", at)
		}
		s = int(r.sm[L.prevBase+s])
	}
	for i, u := range used {
		next := int(r.sm[L.nextBase+u])
		if i+1 < len(used) {
			require.Equal(t, used[i+1], next, "%s: next link of segment %d", at, u)
		} else {
			require.Equal(t, u, next, "%s: the newest segment's next link", at)
		}
	}
}

// TestTMCells3Lint: the column engine, its generator and its place-and-route
// wrapper lint clean with verilator --lint-only -Wall, with and without
// SIM; so does the testbench, but for its blocking assignments in a clocked
// process and its unconnected outputs.
func TestTMCells3Lint(t *testing.T) {
	needTool(t, "verilator")
	rtl := []string{"rtl3/htm3_tm_cells_synth.v", "rtl3/htm3_tm_cells.v", "rtl3/htm3_rng.v", "rtl3/htm_ebr.v",
		"rtl3/htm_spram.v"}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"rtl", append([]string{"--top-module", "htm3_tm_cells_synth"}, rtl...)},
		{"rtl-sim", append([]string{"-DSIM", "--top-module", "htm3_tm_cells_synth"}, rtl...)},
		{"tb", append([]string{"-DSIM", "-Wno-BLKSEQ", "-Wno-PINCONNECTEMPTY", "--top-module", "tmcells3_tb",
			tmc3TB[0]}, rtl[1:]...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := exec.Command("verilator", append([]string{"--lint-only", "-Wall"}, c.args...)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			require.Empty(t, strings.TrimSpace(string(out)))
		})
	}
}

// TestTMCells3Synth: the column engine with its memories (the place-and-
// route wrapper, small preset) synthesizes for the iCE40 UP5K to the RAMs
// of TM.md's map (tm.syn in two SPRAM tiles, the segment memory in one; 21
// EBR, of which the engine's own are the winner list's two banks and the
// exclusion marks) and the one multiplier (two DSP tiles), and the engine's
// logic stays within the bound TM.md records (1,598 LUT4 and a few percent:
// TM.md "Verification").
func TestTMCells3Synth(t *testing.T) {
	needTool(t, "yosys")
	if testing.Short() {
		t.Skip("yosys")
	}
	small := map[string]int{"C": 256, "K": 4, "S": 1024, "M": 16, "G": 8, "B": 8}
	top, err := YosysStat(context.Background(), t.TempDir(), "htm3_tm_cells_synth", small, "-dsp")
	require.NoError(t, err)
	t.Logf("htm3_tm_cells_synth: %v", top)
	require.Equal(t, 2+1, top["SB_SPRAM256KA"], "SPRAM tiles")
	require.Equal(t, 21, top["SB_RAM40_4K"], "EBR")
	require.Equal(t, 2, top["SB_MAC16"], "DSP")
	unit, err := YosysStat(context.Background(), t.TempDir(), "htm3_tm_cells", small, "-dsp")
	require.NoError(t, err)
	t.Logf("htm3_tm_cells: %v", unit)
	require.LessOrEqual(t, unit["SB_LUT4"], 1700, "LUTs")
}
