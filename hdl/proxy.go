package hdl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProxyLabel says what TimingProxy's figures are, wherever they are shown.
const ProxyLabel = "timing proxy: each unit placed and routed alone on the UP5K, not the whole chip"

// DefaultProxySeed is nextpnr's placer seed when ProxyOptions.Seed is 0:
// a fixed seed makes a unit's placement, and so its fmax, the same from run
// to run on the same netlist.
const DefaultProxySeed = 1

// ProxyUnit is a unit of the accelerator that TimingProxy places and routes
// alone: a pin-light wrapper around the unit and its memories in hdl/rtl3.
type ProxyUnit struct {
	Name string // what ProxyOptions.Units and the report call it
	Top  string // the wrapper module (hdl/rtl3/<Top>.v)
	What string // what the wrapper holds
	// params are the wrapper's parameters for the model's dimensions.
	params func(Params) map[string]int
}

// ProxyUnits are the units of the timing proxy, in the order it runs them.
var ProxyUnits = []ProxyUnit{
	{Name: "sp", Top: "htm3_sp_top", What: "the SP engine htm3_sp with its memories",
		params: func(p Params) map[string]int { return map[string]int{"N": p.N, "C": p.C, "Q": p.Q, "B": p.B} }},
	{Name: "tm-cells", Top: "htm3_tm_cells_synth", What: "the column engine htm3_tm_cells with the TM's memories",
		params: func(p Params) map[string]int {
			return map[string]int{"C": p.C, "K": p.K, "S": p.S, "M": p.M, "G": p.G, "B": p.B}
		}},
	{Name: "dendrite", Top: "htm3_dendrite_synth", What: "the dendrite unit htm3_dendrite with its memories",
		params: func(p Params) map[string]int { return map[string]int{"C": p.C, "K": p.K, "S": p.S, "M": p.M, "B": p.B} }},
	{Name: "host", Top: "htm3_host_synth",
		What: "UART, UARTBone, htm3_host (with the CRC), htm3_seq, htm3_memmap and its memories; the engines a serial stub",
		params: func(p Params) map[string]int {
			return map[string]int{"N": p.N, "C": p.C, "Q": p.Q, "K": p.K, "S": p.S, "M": p.M, "B": p.B, "G": p.G,
				"CLK_HZ": BoardClockHz, "BAUD": DefaultBaud}
		}},
}

// ProxyOptions choose the units and nextpnr's settings of TimingProxy.
type ProxyOptions struct {
	Units   []string // names of ProxyUnits; none: all
	FreqMHz float64  // nextpnr's --freq (its timing-driven target); 0 is DefaultFreqMHz
	Seed    int      // nextpnr's --seed; 0 is DefaultProxySeed
	// Fill, if not 0, confines each unit's logic cells to a rectangle of
	// the part that they fill to about this fraction (at most 1), as in a
	// chip that is that full (a --pre-place script of nextpnr's): the
	// effect of density on the proxy.
	Fill     float64
	Progress io.Writer // if not nil, a line as each unit starts and ends
}

// CriticalPath is nextpnr's critical path of a clock after routing.
type CriticalPath struct {
	From, To           string   // the cells the path starts at (a flip-flop's or RAM's output) and ends at (a setup check)
	FromPin, ToPin     string   // their pins
	Nets               []string // the nets along the path, in order
	RTL                []string // the RTL lines along the path (file:line, hdl/rtl3's files only), in order, each once
	LogicNs, RoutingNs float64  // nextpnr's split of the path's delay
}

// UnitTiming is one unit placed and routed alone on the UP5K.
type UnitTiming struct {
	Unit, Top           string
	LC, EBR, SPRAM, DSP int     // the unit's use of the UP5K (nextpnr)
	FmaxMHz             float64 // nextpnr's fmax after routing
	Fill                float64 // with ProxyOptions.Fill: the fraction of the rectangle's logic cells the unit fills
	Seed                int     // nextpnr's --seed
	Path                CriticalPath
	SynthTime, PnRTime  time.Duration
	WorkDir             string // where the unit's files are: top.json (Yosys's netlist), nextpnr.log
}

// TimingProxy places and routes each unit of the accelerator alone on the
// iCE40 UP5K, for the model's dimensions: Yosys synth_ice40 -dsp of the
// unit's wrapper (ProxyUnits), then nextpnr-ice40 --up5k --package sg48
// with a fixed seed, as the board flow (Synth) does for the whole board
// top. Each unit's fmax and critical path is what that unit alone reaches:
// in the whole chip the same logic shares the part with the others and
// its nets are likely to route longer, so these are a proxy, likely above
// the whole chip's fmax, while the whole top does not fit (ProxyLabel). Each unit runs in workDir/<name>; the slowest take a
// minute or two.
func TimingProxy(ctx context.Context, p Params, workDir string, opt ProxyOptions) ([]UnitTiming, error) {
	if opt.FreqMHz == 0 {
		opt.FreqMHz = DefaultFreqMHz
	}
	if opt.FreqMHz < 0 {
		return nil, fmt.Errorf("hdl: timing proxy: clock target %g MHz", opt.FreqMHz)
	}
	if opt.Fill < 0 || opt.Fill > 1 {
		return nil, fmt.Errorf("hdl: timing proxy: fill %g: want a fraction in (0, 1]", opt.Fill)
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultProxySeed
	}
	units := ProxyUnits
	if len(opt.Units) > 0 {
		units = nil
		for _, name := range opt.Units {
			i := slices.IndexFunc(ProxyUnits, func(u ProxyUnit) bool { return u.Name == name })
			if i < 0 {
				return nil, fmt.Errorf("hdl: timing proxy: unknown unit %q (have %s)", name, strings.Join(ProxyUnitNames(), ", "))
			}
			units = append(units, ProxyUnits[i])
		}
	}
	for _, tool := range []string{"yosys", "nextpnr-ice40"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("hdl: timing proxy: %s not found on PATH (Debian: apt-get install yosys nextpnr-ice40)", tool)
		}
	}
	workDir, err := filepath.Abs(workDir)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	var out []UnitTiming
	for i, u := range units {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "proxy: [%d/%d] %s (%s): yosys and nextpnr-ice40 ...\n", i+1, len(units), u.Name, u.Top)
		}
		t, err := proxyUnit(ctx, u, p, filepath.Join(workDir, u.Name), opt)
		if err != nil {
			return out, err
		}
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "proxy: [%d/%d] %s: %d LC, fmax %.1f MHz (yosys %v, nextpnr %v)\n", i+1, len(units), u.Name,
				t.LC, t.FmaxMHz, t.SynthTime.Round(time.Second), t.PnRTime.Round(time.Second))
		}
		out = append(out, *t)
	}
	return out, nil
}

// ProxyUnitNames are the names of ProxyUnits.
func ProxyUnitNames() []string {
	var ns []string
	for _, u := range ProxyUnits {
		ns = append(ns, u.Name)
	}
	return ns
}

// proxyUnit synthesizes, places and routes one unit in dir.
func proxyUnit(ctx context.Context, u ProxyUnit, p Params, dir string, opt ProxyOptions) (*UnitTiming, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	vs, err := WriteSources(dir)
	if err != nil {
		return nil, err
	}
	for i, v := range vs { // relative: nextpnr's log names the RTL by these paths
		if r, err := filepath.Rel(dir, v); err == nil {
			vs[i] = r
		}
	}
	inc, _ := filepath.Rel(dir, IncludeDir(dir))
	var script strings.Builder
	// -defer: modules are elaborated once, with the wrapper's parameters.
	fmt.Fprintf(&script, "read_verilog -defer -sv -DICE40 -I%s %s\nhierarchy -top %s", inc, strings.Join(vs, " "), u.Top)
	ps := u.params(p)
	names := make([]string, 0, len(ps))
	for k := range ps {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&script, " -chparam %s %d", k, ps[k])
	}
	fmt.Fprintf(&script, "\nsynth_ice40 -dsp -top %s -json top.json\n", u.Top)
	if err := os.WriteFile(filepath.Join(dir, "proxy.ys"), []byte(script.String()), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	t := &UnitTiming{Unit: u.Name, Top: u.Top, WorkDir: dir, Seed: opt.Seed}
	t0 := time.Now()
	if out, err := runNice(ctx, dir, "yosys", "-q", "-l", "yosys.log", "proxy.ys"); err != nil {
		return nil, fmt.Errorf("hdl: timing proxy: %s: yosys: %w\n%s", u.Name, err, lastLines(out, 20))
	}
	t.SynthTime = time.Since(t0)
	args := []string{"--up5k", "--package", "sg48", "--json", "top.json",
		"--freq", strconv.FormatFloat(opt.FreqMHz, 'g', -1, 64), "--seed", strconv.Itoa(opt.Seed),
		"--timing-allow-fail", "--log", "nextpnr.log", "--quiet"}
	if opt.Fill > 0 {
		script := fmt.Sprintf(regionScript, opt.Fill)
		if err := os.WriteFile(filepath.Join(dir, "region.py"), []byte(script), 0o644); err != nil {
			return nil, fmt.Errorf("hdl: %w", err)
		}
		args = append(args, "--pre-place", "region.py")
	}
	t0 = time.Now()
	out, err := runNice(ctx, dir, "nextpnr-ice40", args...)
	t.PnRTime = time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("hdl: timing proxy: %s: nextpnr-ice40 (%s does not place and route alone on the UP5K): %w\n%s",
			u.Name, u.Top, err, lastLines(out, 20))
	}
	log, err := os.ReadFile(filepath.Join(dir, "nextpnr.log"))
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	if opt.Fill > 0 {
		b, err := os.ReadFile(filepath.Join(dir, "region.txt"))
		if err != nil {
			return nil, fmt.Errorf("hdl: timing proxy: %s: the --pre-place script's region: %w", u.Name, err)
		}
		var lc, sites int
		if _, err := fmt.Sscanf(string(b), "%d %d", &lc, &sites); err != nil || sites == 0 {
			return nil, fmt.Errorf("hdl: timing proxy: %s: region.txt %q: want logic cells and sites", u.Name, b)
		}
		t.Fill = float64(lc) / float64(sites)
	}
	var r SynthReport
	r.readNextpnr(string(log))
	t.LC, t.EBR, t.SPRAM, t.DSP, t.FmaxMHz = r.LC, r.BRAM, r.SPRAM, r.DSP, r.FmaxMHz
	if t.Path, err = ParseCriticalPath(string(log)); err != nil {
		return nil, fmt.Errorf("hdl: timing proxy: %s: %s: %w", u.Name, filepath.Join(dir, "nextpnr.log"), err)
	}
	if t.FmaxMHz <= 0 {
		return nil, fmt.Errorf("hdl: timing proxy: %s: no fmax in %s", u.Name, filepath.Join(dir, "nextpnr.log"))
	}
	return t, nil
}

// regionScript is nextpnr's --pre-place script of ProxyOptions.Fill (a
// format: its %g is the fill): it confines the logic cells (ICESTORM_LC) to the smallest
// band of columns around the middle of the part, cut to the fewest rows
// from the bottom, with at least cells/fill logic-cell sites, and writes
// the cells and the sites to region.txt.
const regionScript = `fill = %g
lcs = [n for n, c in ctx.cells if c.type == "ICESTORM_LC"]
bels = [ctx.getBelLocation(b) for b in ctx.getBels() if ctx.getBelType(b) == "ICESTORM_LC"]
need = len(lcs) / fill
cols = {}
for l in bels:
    cols[l.x] = cols.get(l.x, 0) + 1
xs = sorted(cols)
lo = hi = len(xs) // 2
tot = cols[xs[lo]]
while tot < need and (lo > 0 or hi < len(xs) - 1):
    if hi < len(xs) - 1:
        hi += 1
        tot += cols[xs[hi]]
    if tot < need and lo > 0:
        lo -= 1
        tot += cols[xs[lo]]
rows = {}
for l in bels:
    if xs[lo] <= l.x <= xs[hi]:
        rows[l.y] = rows.get(l.y, 0) + 1
ys = sorted(rows)
tot, y1 = 0, ys[0]
for y in ys:
    tot += rows[y]
    y1 = y
    if tot >= need:
        break
ctx.createRectangularRegion("proxy_fill", xs[lo], ys[0], xs[hi], y1)
for n in lcs:
    ctx.constrainCellToRegion(n, "proxy_fill")
open("region.txt", "w").write("%%d %%d x %%d..%%d y %%d..%%d\n" %% (len(lcs), tot, xs[lo], xs[hi], ys[0], y1))
`

// runNice runs a tool at a lower priority (nice), if nice is on PATH.
func runNice(ctx context.Context, dir, name string, args ...string) (string, error) {
	if _, err := exec.LookPath("nice"); err == nil {
		return runTool(ctx, dir, "nice", append([]string{name}, args...)...)
	}
	return runTool(ctx, dir, name, args...)
}

var (
	reCritHead = regexp.MustCompile(`(?m)^Info: Critical path report for clock '[^']*'`)
	reCritStep = regexp.MustCompile(`^Info:\s+[0-9.]+\s+[0-9.]+\s+(Source|Net|Setup)\s+(\S+)`)
	reCritLoc  = regexp.MustCompile(`^Info:\s+(\S+\.s?v):(\d+)\.\d+`)
	reCritEnd  = regexp.MustCompile(`^Info: ([0-9.]+) ns logic, ([0-9.]+) ns routing`)
)

// ParseCriticalPath reads the last critical path report of a clock (the
// one after routing) in nextpnr-ice40's log: where the path starts and
// ends, its nets, the RTL lines (of hdl/rtl3's files: not Yosys's
// technology-mapping files under its share/yosys) it passes, and its logic
// and routing delay.
func ParseCriticalPath(log string) (CriticalPath, error) {
	var cp CriticalPath
	heads := reCritHead.FindAllStringIndex(log, -1)
	if len(heads) == 0 {
		return cp, errors.New("no critical path report of a clock")
	}
	seen := map[string]bool{}
	lines := strings.Split(log[heads[len(heads)-1][1]:], "\n")
	for _, line := range lines[1:] {
		if strings.HasPrefix(line, "Info: Critical path report") {
			break // the next report: this one had no end
		}
		if m := reCritEnd.FindStringSubmatch(line); m != nil {
			cp.LogicNs, _ = strconv.ParseFloat(m[1], 64)
			cp.RoutingNs, _ = strconv.ParseFloat(m[2], 64)
			if cp.From == "" || cp.To == "" {
				return cp, errors.New("critical path report without a source or a setup check")
			}
			return cp, nil
		}
		if m := reCritStep.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "Source":
				if cp.From == "" {
					cp.From, cp.FromPin = splitPin(m[2])
				}
			case "Net":
				cp.Nets = append(cp.Nets, m[2])
			case "Setup":
				cp.To, cp.ToPin = splitPin(m[2])
			}
			continue
		}
		if m := reCritLoc.FindStringSubmatch(line); m != nil && !strings.Contains(filepath.ToSlash(m[1]), "share/yosys/") {
			loc := filepath.Base(m[1]) + ":" + m[2]
			if !seen[loc] {
				seen[loc] = true
				cp.RTL = append(cp.RTL, loc)
			}
		}
	}
	return cp, errors.New("critical path report without its logic and routing delay")
}

// splitPin splits nextpnr's cell.pin (cell names have dots, pins do not).
func splitPin(s string) (cell, pin string) {
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// reInstance matches hdl/rtl3's instance names (u, u_name, g_name).
var reInstance = regexp.MustCompile(`^(u|[ug]_\w+)$`)

// Instance is the instance path of a cell or net name of a flattened
// netlist (u_host.u_crc.hi_SB_LUT4_O → u_host.u_crc), "" at the top.
func Instance(name string) string {
	parts := strings.Split(name, ".")
	n := 0
	for n < len(parts)-1 && reInstance.MatchString(parts[n]) {
		n++
	}
	return strings.Join(parts[:n], ".")
}

// FormatTiming formats TimingProxy's result under ProxyLabel: per unit the
// logic cells, fmax, the critical path's delay split, where it starts and
// ends, and the RTL lines it passes.
func FormatTiming(ts []UnitTiming, freqMHz float64) string {
	if freqMHz == 0 {
		freqMHz = DefaultFreqMHz
	}
	var b strings.Builder
	seed := DefaultProxySeed
	if len(ts) > 0 {
		seed = ts[0].Seed
	}
	fmt.Fprintf(&b, "%s (nextpnr-ice40 --up5k --package sg48 --freq %g --seed %d):\n", ProxyLabel, freqMHz, seed)
	for _, t := range ts {
		if t.Fill > 0 {
			fmt.Fprintf(&b, "  (%s's logic cells confined to a rectangle they fill to %.1f %%)\n", t.Unit, 100*t.Fill)
		}
	}
	fmt.Fprintf(&b, "  %-9s %-20s %5s %4s %5s %3s %9s  %s\n", "unit", "top", "LC", "EBR", "SPRAM", "DSP", "fmax MHz",
		"critical path: logic + routing ns")
	for _, t := range ts {
		fmt.Fprintf(&b, "  %-9s %-20s %5d %4d %5d %3d %9.1f  %.1f + %.1f\n", t.Unit, t.Top, t.LC, t.EBR, t.SPRAM, t.DSP,
			t.FmaxMHz, t.Path.LogicNs, t.Path.RoutingNs)
	}
	for _, t := range ts {
		fmt.Fprintf(&b, "  %s: critical path %s\n", t.Unit, t.Path.Route())
	}
	return b.String()
}

// Route describes the path: where it starts (its first net, or its source
// cell) and ends, with their instances, its nets and its RTL lines.
func (cp CriticalPath) Route() string {
	from := cp.From
	if len(cp.Nets) > 0 {
		from = cp.Nets[0]
	}
	return fmt.Sprintf("from %s (%s) to %s.%s (%s), %d nets; RTL %s", from, instOrTop(from), cp.To, cp.ToPin,
		instOrTop(cp.To), len(cp.Nets), strings.Join(cp.RTL, " "))
}

func instOrTop(name string) string {
	if i := Instance(name); i != "" {
		return i
	}
	return "top"
}
