package image

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/model"
)

// Part is an FPGA whose on-chip memory a region can be mapped to: its
// block RAM (one primitive shape per family), its single-ported SPRAM
// (iCE40 UltraPlus only) and, for reference, its logic and multipliers.
type Part struct {
	Name       string
	Family     string // "ice40", "ecp5" or "xilinx7"
	Logic      int    // logic cells (iCE40), LUT4s (ECP5) or LUTs (Xilinx 7-series: six inputs)
	BlockRAMs  int    // EBR (iCE40, 4 Kbit), DP16KD (ECP5, 18 Kbit), RAMB18 (Xilinx, 18 Kbit)
	SPRAMs     int    // SB_SPRAM256KA, 16K x 16, single-ported
	DSPs       int    // SB_MAC16, MULT18X18D, DSP48E1
	PlaceRoute bool   // an open place and route runs here (nextpnr-ice40)
}

// Parts are the parts htmhw sizes regions for, smallest first.
var Parts = []Part{
	{Name: "iCE40 UP5K", Family: "ice40", Logic: 5280, BlockRAMs: 30, SPRAMs: 4, DSPs: 8, PlaceRoute: true},
	{Name: "iCE40 HX8K", Family: "ice40", Logic: 7680, BlockRAMs: 32, PlaceRoute: true},
	{Name: "ECP5-25", Family: "ecp5", Logic: 24288, BlockRAMs: 56, DSPs: 28},
	{Name: "ECP5-45", Family: "ecp5", Logic: 43848, BlockRAMs: 108, DSPs: 72},
	{Name: "ECP5-85", Family: "ecp5", Logic: 83640, BlockRAMs: 208, DSPs: 156},
	{Name: "Artix-7 35T", Family: "xilinx7", Logic: 20800, BlockRAMs: 100, DSPs: 90},
	{Name: "Artix-7 100T", Family: "xilinx7", Logic: 63400, BlockRAMs: 270, DSPs: 240},
}

// PartByName returns the part whose name, compared without case and
// spaces, is name or ends with it ("up5k", "ecp5-85", "artix-7 100t").
func PartByName(name string) (Part, error) {
	key := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	k := key(name)
	for _, p := range Parts {
		if pk := key(p.Name); k != "" && (pk == k || strings.HasSuffix(pk, k)) {
			return p, nil
		}
	}
	var names []string
	for _, p := range Parts {
		names = append(names, p.Name)
	}
	return Part{}, fmt.Errorf("image: no part %q (known: %s)", name, strings.Join(names, ", "))
}

// blockShapes are the depth x width configurations of a family's block RAM.
var blockShapes = map[string][][2]int{
	"ice40":   {{256, 16}, {512, 8}, {1024, 4}, {2048, 2}},
	"ecp5":    {{512, 36}, {1024, 18}, {2048, 9}, {4096, 4}, {8192, 2}, {16384, 1}},
	"xilinx7": {{512, 36}, {1024, 18}, {2048, 9}, {4096, 4}, {8192, 2}, {16384, 1}},
}

// SPRAM geometry (iCE40 UltraPlus).
const (
	spramDepth = 16384
	spramWidth = 16
)

// blocksFor returns the block RAM primitives a depth x width memory takes
// in the best configuration of the family: tiles in depth times tiles in
// width, no two memories sharing a primitive.
func blocksFor(family string, depth, width int) int {
	best := -1
	for _, s := range blockShapes[family] {
		n := ceilDiv(depth, s[0]) * ceilDiv(width, s[1])
		if best < 0 || n < best {
			best = n
		}
	}
	return best
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Memory is one memory of the accelerator as the memory map sees it.
type Memory struct {
	Name    string
	Depth   int
	Width   int
	Working bool // a working memory (rebuilt by RESTORE), not an image section
	// SPRAMOK says the architecture's schedule accesses it through a single
	// port, so it may live in SPRAM (docs/ARCHITECTURE.md section 2.3).
	SPRAMOK bool
}

// Bits returns the memory's size.
func (m Memory) Bits() int { return m.Depth * m.Width }

// The memories architecture 3 keeps in single-ported SPRAM when a part has
// it (docs/ARCHITECTURE.md section 2.3): the synapse arrays and the
// segment memory (tm.segseq, tm.seglru, tm.seg, tm.free, sp.boosttable,
// sp.conn, sp.boost and the used-segment list).
var spramOK = map[string]bool{
	"tm.syn": true, "sp.pool": true, "tm.segseq": true, "tm.seglru": true, "sp.conn": true,
	"tm.seg": true, "tm.free": true, "sp.boosttable": true, "sp.boost": true, "tm.usedlist": true,
}

// Memories returns the image's memories followed by architecture 3's
// working memories for the image's dimensions, read from cfg: the RAMs
// that hdl/rtl3 declares, with the depths and widths it gives them
// (docs/ARCHITECTURE.md section 2.3, hdl/rtl3/ACCEL.md "EBR budget"), so
// that the map on a UP5K counts the EBRs Yosys infers (hdl's
// TestICE40Board checks that for small).
func (im *Image) Memories() ([]Memory, error) {
	var ms []Memory
	for _, s := range im.Sections {
		switch s.Name {
		case "cfg", "regs", "tm.active", "tm.winner":
			continue // below, in their 16-bit form
		}
		ms = append(ms, Memory{Name: s.Name, Depth: s.Depth(), Width: s.Width, SPRAMOK: spramOK[s.Name]})
	}
	d, err := im.dims()
	if err != nil {
		return nil, err
	}
	n, c, q, m, s, k := d.N, d.C, d.Q, d.M, d.S, d.K
	nc := c * k
	wS, wM, wQ, wCell := arch.BitsFor(s-1), arch.BitsFor(m), arch.BitsFor(q), arch.BitsFor(nc-1)
	wCol, wCols := arch.BitsFor(c-1), arch.BitsFor(c) // a column index, a column count
	actAW := arch.BitsFor(ceilDiv(nc, 16) - 1)        // a bank of a 16-bit cell bitmap
	// IN_BUF's RAM (hdl/rtl3/htm3_memmap.v): IN_BUF, PHASE_CYCLES from
	// 2^bits(N − 1) (at least 16), then out.pred four (or two) entries a word.
	inAW := arch.BitsFor(n - 1)
	ibPH := 16
	if inAW >= 4 {
		ibPH = 1 << inAW
	}
	prN := 4
	if wCol > 8 {
		prN = 2
	}
	ncm := ceilDiv(c, 8) // column-bitmap words (htm3_tm.v), with RESTORE's two 4-word slots
	r := 1
	for r < s {
		r <<= 1
	}
	ms = append(ms,
		Memory{Name: "cfg+regs", Depth: 256, Width: 16},
		Memory{Name: "tm.active (2 banks)", Depth: 2 << actAW, Width: 16},
		Memory{Name: "tm.winner (2 banks)", Depth: 2 << actAW, Width: 16})
	for _, x := range []Memory{
		{Name: "IN_BUF+PHASE_CYCLES+out.pred", Depth: ibPH + 16 + ceilDiv(c, prN), Width: 32},
		{Name: "in.bits", Depth: 2 * ceilDiv(n, 32), Width: 16},
		{Name: "sp.overlap", Depth: c, Width: wQ + 1},
		{Name: "sp.hist", Depth: q + 1, Width: wCols},
		{Name: "out.cols", Depth: c, Width: wCol},
		{Name: "sp.weak", Depth: c, Width: wCol},
		{Name: "tm.cellheads", Depth: nc, Width: wS + 1},
		{Name: "tm.scratch", Depth: s, Width: wS + 2*wM},
		{Name: "tm.colmarks", Depth: ceilDiv(ncm, 8)*8 + 8, Width: 16},
		{Name: "tm.exclude", Depth: 1 << actAW, Width: 16},
		{Name: "tm.winnerlists", Depth: 2 << wCell, Width: wCell},
		{Name: "tm.usedlist", Depth: 3 * r, Width: 16, SPRAMOK: true},
	} {
		x.Working = true
		ms = append(ms, x)
	}
	return ms, nil
}

// dims reads the region's dimensions from cfg and checks that they are
// sizes a part could hold.
func (im *Image) dims() (arch.Dims, error) {
	cfg := im.Section("cfg")
	if cfg == nil || cfg.Depth() != arch.CfgWords {
		return arch.Dims{}, fmt.Errorf("image: no cfg section with the dimensions")
	}
	w := func(i int) int { return int(min(cfg.Words[i], 1<<30)) }
	d := arch.Dims{N: w(arch.CfgN), C: w(arch.CfgC), Q: w(arch.CfgQ), K: w(arch.CfgK), S: w(arch.CfgS),
		M: w(arch.CfgM), B: w(arch.CfgB), G: w(arch.CfgG)}
	if d.N < 1 || d.C < 1 || d.Q < 1 || d.M < 1 || d.S < 1 || d.K < 1 || d.G < 1 {
		return d, fmt.Errorf("image: cfg dimensions N %d, C %d, Q %d, K %d, S %d, M %d, G %d must be at least 1", d.N, d.C, d.Q, d.K, d.S, d.M, d.G)
	}
	if d.N > 1<<20 || d.C > 1<<20 || d.Q > 1<<20 || d.K > 1<<10 || d.S > 1<<24 || d.M > 1<<10 || d.G > 1<<10 {
		return d, fmt.Errorf("image: cfg dimensions N %d, C %d, Q %d, K %d, S %d, M %d, G %d are beyond any part", d.N, d.C, d.Q, d.K, d.S, d.M, d.G)
	}
	return d, nil
}

// Placed is where one memory goes on a part.
type Placed struct {
	Memory
	Prim  string // "SPRAM", "EBR", "DP16KD", "RAMB18" or "external"
	Count int    // primitives it takes (SPRAM: the tiles it uses, shared ones included)
	SPRAM []int  // SPRAM tiles it occupies (iCE40 UltraPlus)
}

// MemoryMap is a region's memories placed on a part.
type MemoryMap struct {
	Part       Part
	Placed     []Placed
	BlockRAMs  int      // block RAM primitives used on chip
	SPRAMs     int      // SPRAM tiles used
	SPRAMWords [4]int   // 16-bit words used in each SPRAM tile
	External   []string // image memories that do not fit on chip, largest first
	Logic      int      // estimated logic in the part's units (Part.Logic; LogicEstimate)
}

// Fits reports whether the working memories and whatever image memories
// stay on chip fit the part's block RAM.
func (mm *MemoryMap) Fits() bool { return mm.BlockRAMs <= mm.Part.BlockRAMs }

// OnChip reports whether every memory is on chip.
func (mm *MemoryMap) OnChip() bool { return mm.Fits() && len(mm.External) == 0 }

// LogicFits reports whether the estimated logic is at most the part's.
func (mm *MemoryMap) LogicFits() bool { return mm.Logic <= mm.Part.Logic }

// Architecture 3's logic, fitted to Yosys 0.23 synth_ice40 -dsp and
// nextpnr-ice40 0.4's packing of the iCEBreaker board top (accelerator,
// UARTBone bridge, UART) at five dimension sets, `small` and four
// variants (LogicFitCases), on main after the seventh area round of
// 2026-12-08 (the first that fits): logic cells = logicBase + logicPerBit ×
// (bits of a column index, a cell index, a segment index, a synapse count
// and an input index), within 48 cells of each of the five. The RTL's logic hardly
// depends on the model's size, only on its counters' and addresses'
// widths. `HTMHW_LOGIC_FIT=1 go test ./hdl -run TestLogicFit -v`
// synthesizes the five again and prints the fit; TestICE40Board checks
// the estimate for `small` against every build.
const (
	logicBase      = 2982
	logicPerBitX10 = 526 // logic cells per bit, times 10
)

// logicPerLC is each family's logic in its own units per iCE40 logic cell,
// in thousandths, from Yosys 0.23 on `small`'s board top (`htmhw hdl synth
// --target ice40-up5k|ecp5|xilinx --model small`, 2026-12-08, after the
// seventh area round: 5,061 logic cells; ECP5 4,564 LUT4 and 442 CCU2C
// carry cells, each two LUT4s of a slice, 5,448 LUT4; Xilinx 7-series
// 3,554 LUTs).
var logicPerLC = map[string]int{"ice40": 1000, "ecp5": 1076, "xilinx7": 702}

// The RTL's multipliers and some of its adders take DSPs where a part has
// them (all eight SB_MAC16 of a UP5K since the seventh area round); on a
// part with fewer, Yosys builds them from logic: small's board top with
// DSP inference off packed into 8,708 logic cells, 2,193 more (2026-12-07,
// before the branches spregs and heads, the last measurement; the
// SB_MAC16s that htm3_sp instantiates by name, five since the seventh
// round, stay, so the RTL needs those replaced to build for such a part at
// all).
const (
	logicDSPs      = 8
	logicNoDSPCost = 2193
)

// LogicBits is the estimate's variable (logicBase): the bits of a column
// index, a cell index, a segment index, a synapse count and an input index.
func LogicBits(d arch.Dims) int {
	return arch.BitsFor(d.C-1) + arch.BitsFor(d.C*d.K-1) + arch.BitsFor(d.S-1) + arch.BitsFor(d.M) + arch.BitsFor(d.N-1)
}

// LogicFitCases are the dimension sets the estimate is fitted to: `small`
// and four variants of its input, columns, cells, segments and synapses
// (hdl's TestLogicFit packs them; image's TestMapAgainstYosys holds what
// the packs gave).
var LogicFitCases = []struct {
	Name string
	Edit func(*model.Config) // nil for small itself
}{
	{"small", nil},
	{"C128-S512", func(c *model.Config) { c.SP.ColumnDimensions = []int{128}; c.TM.SegmentPoolCapacity = 512 }},
	{"N240", func(c *model.Config) { c.Encoder.RDSE.Size = 240; c.Encoder.RDSE.ActiveBits = 21 }},
	{"K2-S512-M8", func(c *model.Config) {
		c.TM.CellsPerColumn, c.TM.SegmentPoolCapacity, c.TM.MaxSynapsesPerSegment = 2, 512, 8
	}},
	{"N60-C64-S256-M8", func(c *model.Config) {
		c.Encoder.RDSE.Size, c.Encoder.RDSE.ActiveBits = 60, 7
		c.SP.ColumnDimensions, c.SP.NumActiveColumnsPerInhArea = []int{64}, 4
		c.TM.SegmentPoolCapacity, c.TM.MaxSynapsesPerSegment = 256, 8
	}},
}

// LogicEstimate returns the logic architecture 3's board top takes for the
// image's dimensions on part p, in the part's units (Part.Logic): iCE40
// logic cells after packing, ECP5 LUT4s (a carry cell as two), Xilinx
// LUTs. It is an estimate fitted to Yosys and nextpnr (logicBase), not a
// synthesis.
func (im *Image) LogicEstimate(p Part) (int, error) {
	per, ok := logicPerLC[p.Family]
	if !ok {
		return 0, fmt.Errorf("image: no logic estimate for family %q", p.Family)
	}
	d, err := im.dims()
	if err != nil {
		return 0, err
	}
	lc := logicBase + (logicPerBitX10*LogicBits(d)+5)/10
	if p.DSPs < logicDSPs {
		lc += logicNoDSPCost
	}
	return (lc*per + 500) / 1000, nil
}

// blockName is the family's block RAM primitive.
func blockName(family string) string {
	switch family {
	case "ice40":
		return "EBR"
	case "ecp5":
		return "DP16KD"
	}
	return "RAMB18"
}

// Map places the image's memories and the architecture's working memories on
// part p (docs/ARCHITECTURE.md section 2.3). On a part with SPRAM the
// memories the schedule reads through one port go there first, largest
// first: a memory larger than a tile takes whole tiles side by side, a
// smaller one the first tile with room (as consecutive 16-bit words). Every
// other memory takes block RAM primitives of its own in the family's best
// shape. When block RAM runs out, the largest memories, image memories
// first, move to external memory until the rest fit.
func (im *Image) Map(p Part) (*MemoryMap, error) {
	ms, err := im.Memories()
	if err != nil {
		return nil, err
	}
	mm := &MemoryMap{Part: p}
	if mm.Logic, err = im.LogicEstimate(p); err != nil {
		return nil, err
	}
	placed := make([]Placed, len(ms))
	order := make([]int, len(ms))
	for i := range ms {
		placed[i] = Placed{Memory: ms[i]}
		order[i] = i
	}
	// the largest first where block RAM runs out and counts tie
	words := func(m Memory) int { return m.Depth * ceilDiv(m.Width, spramWidth) }
	sort.SliceStable(order, func(a, b int) bool { return words(ms[order[a]]) > words(ms[order[b]]) })
	// SPRAM, as the RTL instantiates it (htm_spram): tm.syn and sp.pool
	// each in tiles of their own, rows of 16K words times columns of 16
	// bits; the other memories the schedule reads through one port share
	// the segment memory, 16-bit words, whole tiles. Largest first; an
	// instance that does not find its tiles free stays in block RAM.
	type inst struct {
		name  string
		mems  []int
		words []int // 16-bit words used in each of its tiles
	}
	var insts []*inst
	seg := &inst{name: "segment memory"}
	for i, m := range ms {
		switch {
		case !m.SPRAMOK:
		case m.Name == "tm.syn" || m.Name == "sp.pool":
			in := &inst{name: m.Name, mems: []int{i}}
			for range ceilDiv(m.Width, spramWidth) {
				for r := 0; r < ceilDiv(m.Depth, spramDepth); r++ {
					in.words = append(in.words, min(spramDepth, m.Depth-r*spramDepth))
				}
			}
			insts = append(insts, in)
		default:
			seg.mems = append(seg.mems, i)
		}
	}
	if len(seg.mems) > 0 {
		n := 0
		for _, i := range seg.mems {
			n += ms[i].Depth * ceilDiv(ms[i].Width, spramWidth)
		}
		for ; n > 0; n -= spramDepth {
			seg.words = append(seg.words, min(n, spramDepth))
		}
		insts = append(insts, seg)
	}
	sort.SliceStable(insts, func(a, b int) bool { return len(insts[a].words) > len(insts[b].words) })
	for _, in := range insts {
		if mm.SPRAMs+len(in.words) > p.SPRAMs {
			continue
		}
		var tiles []int
		for _, w := range in.words {
			tiles = append(tiles, mm.SPRAMs)
			mm.SPRAMWords[mm.SPRAMs] = w
			mm.SPRAMs++
		}
		for _, i := range in.mems {
			placed[i].Prim, placed[i].Count, placed[i].SPRAM = "SPRAM", len(tiles), tiles
		}
	}
	blk := blockName(p.Family)
	for i := range placed {
		if placed[i].Prim == "" {
			placed[i].Prim, placed[i].Count = blk, blocksFor(p.Family, ms[i].Depth, ms[i].Width)
			mm.BlockRAMs += placed[i].Count
		}
	}
	// Too many block RAMs: move image memories, those taking the most
	// primitives first, to external memory. Working memories stay: the
	// engine uses them beside the external ones.
	byBlocks := append([]int(nil), order...)
	sort.SliceStable(byBlocks, func(a, b int) bool { return placed[byBlocks[a]].Count > placed[byBlocks[b]].Count })
	for _, i := range byBlocks {
		if mm.BlockRAMs <= p.BlockRAMs {
			break
		}
		if placed[i].Prim != blk || placed[i].Working {
			continue
		}
		mm.BlockRAMs -= placed[i].Count
		placed[i].Prim, placed[i].Count = "external", 0
		mm.External = append(mm.External, placed[i].Name)
	}
	mm.Placed = placed
	return mm, nil
}

// Summary is one line: the memory primitives used against the part's (or
// what must be external) and the estimated logic against the part's.
func (mm *MemoryMap) Summary() string {
	p := mm.Part
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s", p.Name)
	if p.SPRAMs > 0 {
		fmt.Fprintf(&b, " SPRAM %d/%d,", mm.SPRAMs, p.SPRAMs)
	}
	fmt.Fprintf(&b, " %s %d/%d", blockName(p.Family), mm.BlockRAMs, p.BlockRAMs)
	switch {
	case !mm.Fits():
		fmt.Fprintf(&b, ": memory does not fit (the working memories alone take more block RAM)")
	case mm.OnChip():
		fmt.Fprintf(&b, ": memory on chip (%.0f%% of block RAM)", 100*float64(mm.BlockRAMs)/float64(p.BlockRAMs))
	default:
		fmt.Fprintf(&b, ": external memory for %s", strings.Join(mm.External, ", "))
	}
	fmt.Fprintf(&b, "; logic ~%d of %d %s (%d%%, estimated)", mm.Logic, p.Logic, logicUnit(p.Family), (100*mm.Logic+p.Logic-1)/p.Logic)
	if !mm.LogicFits() {
		b.WriteString(": too much logic")
	}
	return b.String()
}

// logicUnit names a family's unit of logic (Part.Logic).
func logicUnit(family string) string {
	switch family {
	case "ice40":
		return "LC"
	case "ecp5":
		return "LUT4"
	}
	return "LUT"
}

// WriteTo writes the map: each memory, its shape, primitive and count.
func (mm *MemoryMap) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	fmt.Fprintf(cw, "%s (docs/ARCHITECTURE.md section 2.3):\n", mm.Summary())
	tw := tabwriter.NewWriter(cw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  memory\tdepth x width\tkind\tprimitive\tcount\t")
	for _, pl := range mm.Placed {
		kind := "image"
		if pl.Working {
			kind = "working"
		}
		where := fmt.Sprint(pl.Count)
		if pl.Prim == "SPRAM" {
			where = fmt.Sprint(pl.SPRAM)
		}
		fmt.Fprintf(tw, "  %s\t%d x %d\t%s\t%s\t%s\t\n", pl.Name, pl.Depth, pl.Width, kind, pl.Prim, where)
	}
	tw.Flush()
	if mm.SPRAMs > 0 {
		fmt.Fprintf(cw, "  SPRAM words used per tile: %v of %d\n", mm.SPRAMWords[:mm.Part.SPRAMs], spramDepth)
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
	return n, err
}
