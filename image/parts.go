package image

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/htmhw/htmhw/arch"
)

// Part is an FPGA whose on-chip memory a region can be mapped to: its
// block RAM (one primitive shape per family), its single-ported SPRAM
// (iCE40 UltraPlus only) and, for reference, its logic and multipliers.
type Part struct {
	Name       string
	Family     string // "ice40", "ecp5" or "xilinx7"
	Logic      int    // LUT4 logic cells (iCE40, ECP5) or LUT6 (Xilinx 7-series)
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
// segment memory.
var spramOK = map[string]bool{
	"tm.syn": true, "sp.pool": true, "tm.segseq": true, "tm.seglru": true, "sp.conn": true,
	"tm.seg": true, "tm.free": true, "sp.boosttable": true, "tm.usedlist": true,
}

// Memories returns the image's memories followed by architecture 3's
// working memories (docs/ARCHITECTURE.md section 2.3) for the image's
// dimensions, read from cfg.
func (im *Image) Memories() ([]Memory, error) {
	var ms []Memory
	for _, s := range im.Sections {
		switch s.Name {
		case "cfg", "regs", "tm.active", "tm.winner":
			continue // below, in their 16-bit form
		}
		ms = append(ms, Memory{Name: s.Name, Depth: s.Depth(), Width: s.Width, SPRAMOK: spramOK[s.Name]})
	}
	cfg := im.Section("cfg")
	if cfg == nil || cfg.Depth() != arch.CfgWords {
		return nil, fmt.Errorf("image: no cfg section with the dimensions")
	}
	w := func(i int) int { return int(cfg.Words[i]) }
	n, c, q, g, m, s, k := w(arch.CfgN), w(arch.CfgC), w(arch.CfgQ), w(arch.CfgG), w(arch.CfgM), w(arch.CfgS), w(arch.CfgK)
	if n < 1 || c < 1 || q < 1 || m < 1 || s < 1 || k < 1 || g < 1 {
		return nil, fmt.Errorf("image: cfg dimensions N %d, C %d, Q %d, K %d, S %d, M %d, G %d must be at least 1", n, c, q, k, s, m, g)
	}
	nc := c * k
	wS, wM, wQ, wCell, wC := arch.BitsFor(s-1), arch.BitsFor(m), arch.BitsFor(q), arch.BitsFor(nc-1), arch.BitsFor(c)
	in := n
	if in > 1024 {
		in = 1024
	}
	// Read a 16-bit word at a time: cfg and regs share one memory; each
	// cell bitmap has two banks (this step's and the previous one's).
	ms = append(ms,
		Memory{Name: "cfg+regs", Depth: arch.CfgWords*2 + arch.RegsWords*4, Width: 16},
		Memory{Name: "tm.active+prev", Depth: 2 * ceilDiv(nc, 16), Width: 16},
		Memory{Name: "tm.winner+prev", Depth: 2 * ceilDiv(nc, 16), Width: 16})
	for _, x := range []Memory{
		{Name: "in.bits", Depth: ceilDiv(n, 16), Width: 16},
		{Name: "IN_BUF", Depth: in, Width: arch.BitsFor(n - 1)},
		{Name: "sp.overlap", Depth: c, Width: wQ + 1},
		{Name: "sp.hist", Depth: q + 1, Width: wC},
		{Name: "tm.numpot/numconn/link", Depth: s, Width: 2*wM + wS},
		{Name: "tm.cellheads", Depth: nc, Width: wS + 1},
		{Name: "tm.colmarks", Depth: 2 * ceilDiv(c, 16), Width: 16},
		{Name: "tm.prevwinners", Depth: c, Width: wCell},
		{Name: "out.cols/out.pred", Depth: 2 * c, Width: arch.BitsFor(c - 1)},
		{Name: "tm.usedlist", Depth: 2 * s, Width: wS, SPRAMOK: true},
	} {
		x.Working = true
		ms = append(ms, x)
	}
	return ms, nil
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
}

// Fits reports whether the working memories and whatever image memories
// stay on chip fit the part's block RAM.
func (mm *MemoryMap) Fits() bool { return mm.BlockRAMs <= mm.Part.BlockRAMs }

// OnChip reports whether every memory is on chip.
func (mm *MemoryMap) OnChip() bool { return mm.Fits() && len(mm.External) == 0 }

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
	placed := make([]Placed, len(ms))
	order := make([]int, len(ms))
	for i := range ms {
		placed[i] = Placed{Memory: ms[i]}
		order[i] = i
	}
	words := func(m Memory) int { return m.Depth * ceilDiv(m.Width, spramWidth) }
	sort.SliceStable(order, func(a, b int) bool { return words(ms[order[a]]) > words(ms[order[b]]) })
	free := make([]int, p.SPRAMs)
	for i := range free {
		free[i] = spramDepth
	}
	for _, i := range order {
		m := ms[i]
		if !m.SPRAMOK || p.SPRAMs == 0 {
			continue
		}
		f := words(m)
		var tiles []int
		if f > spramDepth {
			for t := range free {
				if free[t] == spramDepth && len(tiles) < ceilDiv(f, spramDepth) {
					tiles = append(tiles, t)
				}
			}
			if len(tiles) < ceilDiv(f, spramDepth) {
				continue
			}
			for k, t := range tiles {
				used := spramDepth
				if k == len(tiles)-1 {
					used = f - spramDepth*(len(tiles)-1)
				}
				free[t] -= used
			}
		} else {
			for t := range free {
				if free[t] >= f {
					free[t] -= f
					tiles = []int{t}
					break
				}
			}
			if tiles == nil {
				continue
			}
		}
		placed[i].Prim, placed[i].Count, placed[i].SPRAM = "SPRAM", len(tiles), tiles
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
	for t := range free {
		if free[t] < spramDepth {
			mm.SPRAMs++
			mm.SPRAMWords[t] = spramDepth - free[t]
		}
	}
	mm.Placed = placed
	return mm, nil
}

// Summary is one line: the primitives used against the part's, or what
// must be external.
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
		fmt.Fprintf(&b, ": does not fit (the working memories alone take more block RAM)")
	case mm.OnChip():
		fmt.Fprintf(&b, ": fits on chip (%.0f%% of block RAM)", 100*float64(mm.BlockRAMs)/float64(p.BlockRAMs))
	default:
		fmt.Fprintf(&b, ": external memory for %s", strings.Join(mm.External, ", "))
	}
	return b.String()
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
