package hdl

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// critLog is the shape of nextpnr-ice40 0.4's timing report after routing
// (cut from a run of htm3_dendrite_synth, with the placement's earlier
// fmax line and a cross-domain report after it).
const critLog = `Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 48.30 MHz (PASS at 12.00 MHz)
Info: Routing complete.

Info: Critical path report for clock 'clk$SB_IO_IN_$glb_clk' (posedge -> posedge):
Info: curr total
Info:  1.2  1.2  Source u.u_act.mem.0.0_RAM.RDATA_5
Info:  3.5  4.7    Net u.act_rd[10] budget 15.234000 ns (19,11) -> (13,11)
Info:                Sink u.u_dend.hit_SB_LUT4_O_2_LC.I0
Info:                Defined in:
Info:                  rtl3/htm3_dendrite_synth.v:74.58-83.4
Info:                  rtl3/htm3_dendrite.v:61.30-61.36
Info:  1.3  6.0  Source u.u_dend.hit_SB_LUT4_O_2_LC.O
Info:  1.8  7.7    Net $nextpnr_ICESTORM_LC_6$I3 budget 15.234000 ns (13,11) -> (12,11)
Info:                Sink u.u_dend.hit_SB_LUT4_O_LC.I2
Info:                Defined in:
Info:                  /usr/bin/../share/yosys/ice40/cells_map.v:6.21-6.22
Info:                  rtl3/htm3_dendrite.v:61.30-61.36
Info:  1.2  8.9  Source u.u_dend.hit_SB_LUT4_O_LC.O
Info:  3.5 12.4    Net u.u_dend.hit budget 15.238000 ns (10,10) -> (4,8)
Info:                Sink u.u_dend.hit_SB_LUT4_I1_LC.I1
Info:                Defined in:
Info:                  rtl3/htm3_dendrite.v:157.8-157.11
Info:  0.8 13.2  Setup u.u_dend.hit_SB_LUT4_I1_LC.I1
Info: 4.5 ns logic, 8.7 ns routing

Info: Critical path report for cross-domain path '<async>' -> 'posedge clk$SB_IO_IN_$glb_clk':
Info: curr total
Info:  0.0  0.0  Source sen$sb_io.D_IN_0
Info:  4.1  4.1    Net sen$SB_IO_IN budget 82.864998 ns (0,5) -> (9,10)
Info:  0.1  4.2  Setup ri_SB_DFFE_Q_E_SB_LUT4_O_LC.I3
Info: 3.1 ns logic, 8.8 ns routing

Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 47.41 MHz (PASS at 12.00 MHz)
`

// TestParseCriticalPath reads the critical path of the clock after routing
// from nextpnr's log, and fails on a log without one.
func TestParseCriticalPath(t *testing.T) {
	want := CriticalPath{
		From: "u.u_act.mem.0.0_RAM", FromPin: "RDATA_5", To: "u.u_dend.hit_SB_LUT4_I1_LC", ToPin: "I1",
		Nets:    []string{"u.act_rd[10]", "$nextpnr_ICESTORM_LC_6$I3", "u.u_dend.hit"},
		RTL:     []string{"htm3_dendrite_synth.v:74", "htm3_dendrite.v:61", "htm3_dendrite.v:157"},
		LogicNs: 4.5, RoutingNs: 8.7,
	}
	for _, tc := range []struct {
		name, log string
		want      CriticalPath
		err       string
	}{
		{"after routing", critLog, want, ""},
		{"the last report of the clock", strings.Replace(critLog, "Info: Routing complete.",
			"Info: Critical path report for clock 'clk' (posedge -> posedge):\nInfo:  1.0  1.0  Source a.Q\n"+
				"Info:  1.0  2.0  Setup b.D\nInfo: 1.0 ns logic, 1.0 ns routing\n", 1), want, ""},
		{"the RTL by absolute paths (the board flow's)", strings.ReplaceAll(critLog, "  rtl3/", "  /tmp/htmhw-synth-1/rtl3/"),
			want, ""},
		{"no report", "Info: Program finished normally.\n", CriticalPath{}, "no critical path report of a clock"},
		{"cut short", critLog[:strings.Index(critLog, "Info: 4.5 ns logic")], CriticalPath{},
			"critical path report without its logic and routing delay"},
		{"no end before the next report", strings.Replace(critLog, "Info: 4.5 ns logic, 8.7 ns routing\n", "", 1), CriticalPath{},
			"critical path report without its logic and routing delay"},
		{"no setup", "Info: Critical path report for clock 'clk' (posedge -> posedge):\nInfo: curr total\n" +
			"Info:  1.0  1.0  Source a.Q\nInfo: 1.0 ns logic, 0.0 ns routing\n", CriticalPath{},
			"critical path report without a source or a setup check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCriticalPath(tc.log)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzParseCriticalPath: any log parses without panicking, and a path it
// accepts has both ends and no negative delay.
func FuzzParseCriticalPath(f *testing.F) {
	f.Add(critLog)
	f.Add("Info: Critical path report for clock 'c' (posedge -> posedge):\nInfo: 1 1 Setup .\nInfo: 1 ns logic, 2 ns routing\n")
	f.Fuzz(func(t *testing.T, log string) {
		cp, err := ParseCriticalPath(log)
		if err != nil {
			return
		}
		if cp.From == "" || cp.To == "" || cp.LogicNs < 0 || cp.RoutingNs < 0 {
			t.Fatalf("accepted %+v", cp)
		}
	})
}

// TestInstance names the instance of flattened cells and nets.
func TestInstance(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"u.u_act.mem.0.0_RAM", "u.u_act"},
		{"u.u_dend.hit_SB_LUT4_I1_LC", "u.u_dend"},
		{"u_host.u_crc.hi_SB_LUT4_I0_O", "u_host.u_crc"},
		{"u_syn.g_row[0].g_col[0].u_sp_RAM", "u_syn"},
		{"adr[12]", ""},
		{"$nextpnr_ICESTORM_LC_6$I3", ""},
		{"unused.x", ""},
	} {
		assert.Equal(t, tc.want, Instance(tc.name), tc.name)
	}
}

// TestTimingProxyOptions: unknown units and clock targets are errors that
// say what is wrong, before any tool runs.
func TestTimingProxyOptions(t *testing.T) {
	_, err := TimingProxy(context.Background(), Params{}, t.TempDir(), ProxyOptions{Units: []string{"sp", "gpu"}})
	require.EqualError(t, err, `hdl: timing proxy: unknown unit "gpu" (have sp, tm-cells, dendrite, host)`)
	_, err = TimingProxy(context.Background(), Params{}, t.TempDir(), ProxyOptions{FreqMHz: -1})
	require.EqualError(t, err, "hdl: timing proxy: clock target -1 MHz")
	_, err = TimingProxy(context.Background(), Params{}, t.TempDir(), ProxyOptions{Fill: 1.5})
	require.EqualError(t, err, "hdl: timing proxy: fill 1.5: want a fraction in (0, 1]")
	// every unit's wrapper is in hdl/rtl3, and hdl/rtl3 builds that
	// compile without the include path leave the host side's out
	for _, u := range ProxyUnits {
		_, err := sources3.ReadFile("rtl3/" + u.Top + ".v")
		require.NoError(t, err, u.Top)
	}
	require.Contains(t, accel3Only, "htm3_host_synth.v")
}

// TestHostSynthLint: verilator --lint-only -Wall of the host side's
// wrapper (htm3_host_synth) is clean.
func TestHostSynthLint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := WriteSources(dir)
	require.NoError(t, err)
	args := []string{"--lint-only", "-Wall", "-I" + IncludeDir(dir), "--top-module", "htm3_host_synth",
		filepath.Join(dir, "rtl3", "lint.vlt")}
	out, err := exec.Command("verilator", append(args, vs...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// TestTimingProxy places and routes every unit of the small preset alone
// on the UP5K with a fixed seed (about 2.5 minutes on a quiet 2-core
// machine): each routes, fits the part, has an fmax, which is the inverse
// of its critical path's delay, and a critical path whose nets are the
// netlist's and whose RTL lines are hdl/rtl3's; the formatted result says
// it is a proxy. No fmax is asserted: it is what this measures.
func TestTimingProxy(t *testing.T) {
	needTool(t, "yosys")
	needTool(t, "nextpnr-ice40")
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 0, nil)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	var prog strings.Builder
	t0 := time.Now()
	ts, err := TimingProxy(context.Background(), p, t.TempDir(), ProxyOptions{Progress: &prog})
	t.Logf("progress (%v):\n%s", time.Since(t0).Round(time.Second), prog.String())
	require.NoError(t, err)
	out := FormatTiming(ts, 0)
	t.Logf("\n%s", out)
	require.Len(t, ts, len(ProxyUnits))
	require.Contains(t, out, "timing proxy: each unit placed and routed alone on the UP5K, not the whole chip")
	for i, u := range ProxyUnits {
		tm := ts[i]
		require.Equal(t, u.Name, tm.Unit)
		require.Contains(t, prog.String(), "proxy: ["+strconv.Itoa(i+1)+"/4] "+u.Name+": ")
		require.Contains(t, out, "  "+u.Name+": critical path from ")
		require.Positive(t, tm.LC, u.Name)
		require.LessOrEqual(t, tm.LC, UP5K.LC, u.Name)
		require.LessOrEqual(t, tm.EBR, UP5K.EBR, u.Name)
		require.LessOrEqual(t, tm.SPRAM, UP5K.SPRAM, u.Name)
		require.LessOrEqual(t, tm.DSP, UP5K.DSP, u.Name)
		require.Positive(t, tm.FmaxMHz, u.Name)
		cp := tm.Path
		require.Positive(t, cp.LogicNs, u.Name)
		require.Positive(t, cp.RoutingNs, u.Name)
		// nextpnr's fmax is the inverse of the path's delay (each rounded to 0.1 ns)
		require.InEpsilon(t, tm.FmaxMHz, 1000/(cp.LogicNs+cp.RoutingNs), 0.02, "%s: fmax against %+v", u.Name, cp)
		require.NotEmpty(t, cp.From, u.Name)
		require.NotEmpty(t, cp.To, u.Name)
		require.NotEmpty(t, cp.Nets, u.Name)
		require.NotEmpty(t, cp.RTL, u.Name)

		// the nets are the netlist's (but those nextpnr made: carry chains' feed-ins)
		nets := netNames(t, filepath.Join(tm.WorkDir, "top.json"), u.Top)
		for _, n := range cp.Nets {
			if strings.HasPrefix(n, "$nextpnr") {
				continue
			}
			require.True(t, nets[n] || nets[reBitIndex.ReplaceAllString(n, "")], "%s: net %s not in the netlist", u.Name, n)
		}
		// the RTL lines are lines of hdl/rtl3's files
		for _, loc := range cp.RTL {
			file, line, ok := strings.Cut(loc, ":")
			require.True(t, ok, loc)
			n, err := strconv.Atoi(line)
			require.NoError(t, err, loc)
			require.LessOrEqual(t, n, countLines(t, filepath.Join(tm.WorkDir, "rtl3", file)), "%s: %s", u.Name, loc)
		}
		require.FileExists(t, filepath.Join(tm.WorkDir, "nextpnr.log"))
	}
}

var reBitIndex = regexp.MustCompile(`\[\d+\]$`)

// netNames reads the net names of a Yosys JSON netlist's module.
func netNames(t *testing.T, path, module string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var d struct {
		Modules map[string]struct {
			Netnames map[string]json.RawMessage `json:"netnames"`
		} `json:"modules"`
	}
	require.NoError(t, json.Unmarshal(b, &d))
	m, ok := d.Modules[module]
	require.True(t, ok, "%s: no module %s", path, module)
	names := map[string]bool{}
	for n := range m.Netnames {
		names[n] = true
	}
	return names
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

// TestTimingProxyFill: with a fill, the unit's logic cells are confined to
// a rectangle they fill to about that fraction (the dendrite unit, about
// 15 s), and the output says so.
func TestTimingProxyFill(t *testing.T) {
	needTool(t, "yosys")
	needTool(t, "nextpnr-ice40")
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 0, nil)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	ts, err := TimingProxy(context.Background(), p, t.TempDir(), ProxyOptions{Units: []string{"dendrite"}, Fill: 0.9, Seed: 2})
	require.NoError(t, err)
	require.Len(t, ts, 1)
	out := FormatTiming(ts, 0)
	t.Logf("\n%s", out)
	require.Equal(t, 2, ts[0].Seed)
	require.Greater(t, ts[0].Fill, 0.8, "the rectangle is at most one column and row larger than needed")
	require.LessOrEqual(t, ts[0].Fill, 0.9)
	require.Positive(t, ts[0].FmaxMHz)
	require.Contains(t, out, "--seed 2")
	require.Contains(t, out, "(dendrite's logic cells confined to a rectangle they fill to ")
	require.FileExists(t, filepath.Join(ts[0].WorkDir, "region.txt"), "nextpnr ran the --pre-place script")
}
