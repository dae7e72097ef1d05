package image

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// trained returns a region of the preset after `steps` rows of a testdata
// series, and the rows.
func trained(t testing.TB, preset, file string, steps int) (*model.Region, []series.Row) {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	for _, row := range rows[:steps] {
		_, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	return r, rows
}

func encode(t testing.TB, im *Image) []byte {
	var b bytes.Buffer
	_, err := im.WriteTo(&b)
	require.NoError(t, err)
	return b.Bytes()
}

// compile → write → read → decompile → continue equals the golden model
// never stopping, and the decompiled region compiles to the same bytes.
func TestRoundTrip(t *testing.T) {
	for _, p := range []struct {
		preset, file string
		steps        int
	}{{"small", "art_daily_jumpsup.csv", 0}, {"small", "art_daily_jumpsup.csv", 1500}, {"hello", "speed_7578.csv", 600}, {"nab", "art_daily_jumpsup.csv", 800}} {
		t.Run(fmt.Sprintf("%s/%d", p.preset, p.steps), func(t *testing.T) {
			r, rows := trained(t, p.preset, p.file, p.steps)
			im, err := Compile(r, DefaultArch())
			require.NoError(t, err)
			require.Len(t, im.Sections, len(Memories))
			for i, s := range im.Sections {
				assert.Equal(t, Memories[i], s.Name)
			}
			data := encode(t, im)
			back, err := Parse(data)
			require.NoError(t, err)
			assert.Equal(t, data, encode(t, back))
			r2, err := back.Region()
			require.NoError(t, err)
			im2, err := Compile(r2, DefaultArch())
			require.NoError(t, err)
			assert.Equal(t, data, encode(t, im2), "decompile → compile changes the image")
			for i, row := range rows[p.steps : p.steps+200] {
				in := model.Input{Time: row.Time, Value: row.Value}
				a, err := r.Compute(in, true)
				require.NoError(t, err)
				ac, an := append([]uint32(nil), a.ActiveColumns...), a.Anomaly
				b, err := r2.Compute(in, true)
				require.NoError(t, err)
				require.Equal(t, ac, b.ActiveColumns, "step %d", p.steps+i)
				require.Equal(t, an, b.Anomaly, "step %d", p.steps+i)
			}
		})
	}
}

func TestLayoutFields(t *testing.T) {
	r, _ := trained(t, "small", "art_daily_jumpsup.csv", 300)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	l := NewLayout(r.Quantized(), r.SP().State().Stride)
	// small: 120 inputs, 256 columns × 4 cells, 1024 segments × 16 slots, 8 bits.
	assert.Equal(t, Layout{N: 120, C: 256, Q: 60, K: 4, NC: 1024, S: 1024, M: 16, B: 8, G: 8,
		WN: 7, WQ: 6, WCell: 10, WS: 10, WM: 5, WG: 4, W: 4, WC: 32}, l)
	assert.Equal(t, 8+7, im.Section("sp.pool").Width)
	assert.Equal(t, 10+1+5, im.Section("tm.seg").Width)
	assert.Equal(t, 8+10+1, im.Section("tm.syn").Width)
	// A used synapse word decodes to the TM's state.
	ts := r.TM().State()
	for j, c := range ts.SynCell {
		if c == 0xFFFFFFFF {
			continue
		}
		w := im.Section("tm.syn").Words[j]
		assert.Equal(t, uint64(ts.SynPerm[j]), w&0xFF)
		assert.Equal(t, uint64(c), w>>8&0x3FF)
		assert.Equal(t, uint64(1), w>>18)
		break
	}
	cfg := im.Section("cfg").Words
	assert.Equal(t, []uint64{120, 256, 60, 10}, cfg[:4])
	assert.Equal(t, uint64(ArchVersion), cfg[31])
	assert.Equal(t, uint64(300), im.Section("regs").Words[0])
}

func TestReadErrors(t *testing.T) {
	r, _ := trained(t, "small", "speed_7578.csv", 100)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	good := encode(t, im)
	le := binary.LittleEndian
	cfgLen := int(le.Uint32(good[28:]))
	entry := func(i int) []byte { return good[headerSize+cfgLen+i*entrySize:] }

	// One corruption per section: flip a bit of its data.
	for i, name := range Memories {
		off := int(le.Uint64(entry(i)[40:]))
		n := int(le.Uint64(entry(i)[48:]))
		bad := bytes.Clone(good)
		bad[off+n/2] ^= 0x01
		_, err := Parse(bad)
		require.Error(t, err, name)
		assert.Equal(t, fmt.Sprintf("image: section %q: crc mismatch", name), err.Error())
	}
	resum := func(b []byte) []byte {
		le.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		return b
	}
	version := bytes.Clone(good)
	le.PutUint32(version[8:], 7)
	arch := bytes.Clone(good)
	le.PutUint32(arch[12:], ArchVersion+1)
	old := bytes.Clone(good)
	le.PutUint32(old[12:], 3) // architecture 3's images: the memories are the same, RESTORE's contract (the used list) not
	header := bytes.Clone(good)
	header[20] ^= 1 // LANES_SYN: only the file CRC covers it
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an htmhw image"},
		{"magic", append([]byte("HTMHWSNP"), good[8:]...), "not an htmhw image"},
		{"format version", version, "format version 7, this build reads version 1"},
		{"arch version", arch, fmt.Sprintf("architecture version %d, this build implements version %d", ArchVersion+1, ArchVersion)},
		{"arch version 3", old, "architecture version 3, this build implements version 4 (docs/ARCHITECTURE.md): recompile the image with htmhw compile"},
		{"truncated", good[:len(good)/2], "lie outside the file's data"},
		{"header only", good[:headerSize+4], "truncated"},
		{"header bit", header, "file crc mismatch"},
		{"width", resum(func() []byte { b := bytes.Clone(good); le.PutUint32(b[headerSize+cfgLen+32:], 65); return b }()), `section "cfg": word width 65 out of range`},
		{"name with escapes", resum(func() []byte { b := bytes.Clone(good); copy(b[headerSize+cfgLen:], "\x1b[2J"); return b }()), `section name "\x1b[2J"`},
		{"name with a path", resum(func() []byte { b := bytes.Clone(good); copy(b[headerSize+cfgLen:], "../../x\x00"); return b }()), `section name "../../x"`},
	}
	for _, tc := range tests {
		_, err := Parse(tc.data)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
}

// A well-formed image whose memories contradict each other is refused by
// Region, naming the memory.
func TestRegionRejectsInconsistentImages(t *testing.T) {
	r, _ := trained(t, "small", "speed_7578.csv", 400)
	tests := []struct {
		name   string
		break_ func(im *Image)
		want   string
	}{
		{"conn", func(im *Image) { im.Section("sp.conn").Words[3] ^= 1 }, `section "sp.conn": word 3`},
		{"cfg", func(im *Image) { im.Section("cfg").Words[7]++ }, `section "cfg": word 7`},
		{"cellsegs", func(im *Image) { im.Section("tm.cellsegs").Words[5]++ }, `section "tm.cellsegs": word 5`},
		{"poollen", func(im *Image) { im.Section("sp.poollen").Words[0] = 61 }, `column 0 has 61 synapses`},
		{"pool input order", func(im *Image) {
			w := im.Section("sp.pool").Words
			w[0], w[1] = w[1], w[0]
		}, "not ascending"},
		{"seg count", func(im *Image) {
			for s, w := range im.Section("tm.seg").Words {
				if w != 0 {
					im.Section("tm.seg").Words[s] = w + 1<<11
					return
				}
			}
		}, `section "tm.seg"`},
		{"free", func(im *Image) { im.Section("regs").Words[6]++ }, "free list"},
		{"boost table", func(im *Image) { im.Section("sp.boosttable").Words[9]++ }, `section "sp.boosttable": word 9`},
		{"free stack beyond its count", func(im *Image) {
			n := im.Section("regs").Words[6]
			im.Section("tm.free").Words[n] = 1 // the words above the top are 0
		}, `section "tm.free"`},
		{"generator 0", func(im *Image) { im.Section("regs").Words[5] = 0 }, "generator"},
		{"boost without boosting", func(im *Image) { im.Section("sp.boost").Words[2] = 1 }, "boost"},
		{"missing section", func(im *Image) { im.Sections = im.Sections[:5] }, "5 sections"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := Compile(r, DefaultArch())
			require.NoError(t, err)
			tc.break_(im)
			_, err = im.Region()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Counters at the ends of their ranges load, and the region steps: the SP
// iteration about to wrap (2^64 − 1), the TM iteration too (2^32 − 1).
func TestRegionCountersAtTheirLimits(t *testing.T) {
	r, rows := trained(t, "small", "speed_7578.csv", 100)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	regs := im.Section("regs").Words
	regs[1] = 1<<64 - 1
	back, err := Parse(encode(t, im))
	require.NoError(t, err)
	got, err := back.Region()
	require.NoError(t, err)
	for _, row := range rows[100:110] {
		_, err := got.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	require.EqualValues(t, 9, got.SP().State().Iteration)
}

// An image whose configuration claims a region far larger than its
// sections is refused before anything of the region's size is allocated.
func TestRegionChecksShapesBeforeAllocating(t *testing.T) {
	r, _ := trained(t, "small", "speed_7578.csv", 5)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	cfg := r.Config()
	cfg.TM.SegmentPoolCapacity, cfg.TM.MaxSynapsesPerSegment = 1<<20, 255 // 2^28 synapse slots
	cfg.SP.ColumnDimensions = []int{65535}
	im.Config, err = json.Marshal(cfg)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = im.Region()
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the configuration gives")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated before refusing")
}

func TestMemFiles(t *testing.T) {
	r, _ := trained(t, "small", "speed_7578.csv", 200)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	dir := t.TempDir()
	paths, err := im.WriteMemFiles(dir, Formats)
	require.NoError(t, err)
	assert.Len(t, paths, 3*len(Memories))
	_, err = im.WriteMemFiles(dir, []string{"mif"})
	assert.ErrorContains(t, err, `unknown memory file format "mif"`)

	syn := im.Section("tm.syn")
	// $readmemh: read back every word.
	f, err := os.Open(filepath.Join(dir, "tm.syn.hex"))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var words []uint64
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "//") {
			continue
		}
		assert.Len(t, line, 5, "19-bit words take 5 hex digits")
		v, err := strconv.ParseUint(line, 16, 64)
		require.NoError(t, err)
		words = append(words, v)
	}
	assert.Equal(t, syn.Words, words)

	// Intel HEX: every record's checksum, addresses, and the data.
	data, err := os.ReadFile(filepath.Join(dir, "tm.syn.ihex"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Equal(t, ":00000001FF", lines[len(lines)-1])
	var got []uint64
	for _, l := range lines[:len(lines)-1] {
		raw := make([]byte, (len(l)-1)/2)
		for i := range raw {
			v, err := strconv.ParseUint(l[1+2*i:3+2*i], 16, 8)
			require.NoError(t, err)
			raw[i] = byte(v)
		}
		var sum byte
		for _, b := range raw {
			sum += b
		}
		require.Zero(t, sum, "checksum of %s", l)
		if raw[3] != 0 {
			continue
		}
		addr := int(raw[1])<<8 | int(raw[2])
		require.Equal(t, len(got)%0x10000, addr)
		var v uint64
		for _, b := range raw[4 : 4+int(raw[0])] {
			v = v<<8 | uint64(b)
		}
		got = append(got, v)
	}
	assert.Equal(t, syn.Words, got)

	coe, err := os.ReadFile(filepath.Join(dir, "cfg.coe"))
	require.NoError(t, err)
	assert.Contains(t, string(coe), "memory_initialization_radix=16;")
	assert.True(t, strings.HasSuffix(strings.TrimSpace(string(coe)), fmt.Sprintf("%08x;", ArchVersion)), "last cfg word is ARCH_VERSION")
}

func TestWriteFileKeepsOldOnError(t *testing.T) {
	r, _ := trained(t, "small", "speed_7578.csv", 10)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "r.img")
	require.NoError(t, im.WriteFile(path))
	back, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, encode(t, im), encode(t, back))
	_, err = ReadFile(filepath.Join(dir, "none.img"))
	assert.Error(t, err)
	assert.Error(t, im.WriteFile(filepath.Join(dir, "no", "such", "dir", "r.img")))
}

func TestArchValidate(t *testing.T) {
	assert.NoError(t, DefaultArch().Validate())
	assert.ErrorContains(t, Arch{LanesOV: 0, LanesSyn: 4, DivLat: 1}.Validate(), "LANES_OV 0")
	assert.ErrorContains(t, Arch{LanesOV: 1, LanesSyn: 256, DivLat: 1}.Validate(), "LANES_SYN 256")
}

// FuzzParse: arbitrary bytes never panic the reader, and an image it
// accepts writes back to the same bytes.
func FuzzParse(f *testing.F) {
	r, _ := trained(f, "small", "speed_7578.csv", 5)
	im, _ := Compile(r, DefaultArch())
	var b bytes.Buffer
	_, _ = im.WriteTo(&b)
	f.Add(b.Bytes())
	f.Add([]byte("HTMHWIMG"))
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "image: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if _, err := im.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("accepted image does not write back to the same bytes")
		}
		_, _ = im.Region() // must not panic
	})
}

func TestMap(t *testing.T) {
	for _, p := range []struct {
		preset string
		up5k   bool // every memory on a UP5K's chip
	}{{"small", true}, {"hello", false}, {"nab", false}} {
		im := compilePreset(t, p.preset, nil)
		if p.preset == "small" {
			// docs/ARCHITECTURE.md section 2.3's table; Yosys infers
			// the same 29 EBR from hdl/rtl3 (hdl's TestICE40Board).
			mm, err := im.Map(Parts[0])
			require.NoError(t, err)
			assert.Equal(t, 4, mm.SPRAMs)
			assert.Equal(t, 29, mm.BlockRAMs)
			assert.Equal(t, [4]int{16384, 16384, 15360, 14592}, mm.SPRAMWords)
		}
		for _, part := range Parts {
			mm, err := im.Map(part)
			require.NoError(t, err)
			assert.Equal(t, mm.Fits(), mm.BlockRAMs <= part.BlockRAMs, "%s on %s", p.preset, part.Name)
			if len(mm.External) > 0 {
				assert.True(t, mm.Fits() || mm.BlockRAMs > part.BlockRAMs)
			}
			assert.LessOrEqual(t, mm.SPRAMs, part.SPRAMs, "%s on %s", p.preset, part.Name)
			if part.Name == "iCE40 UP5K" {
				assert.Equal(t, p.up5k, mm.OnChip(), "%s: %s", p.preset, mm.Summary())
			}
			for _, pl := range mm.Placed {
				if pl.Working {
					assert.NotEqual(t, "external", pl.Prim, "%s on %s: working memory %s", p.preset, part.Name, pl.Name)
				}
			}
		}
		var b strings.Builder
		require.NoError(t, im.WriteSizing(&b))
		assert.Contains(t, b.String(), "tm.syn")
		assert.Contains(t, b.String(), "iCE40 UP5K")
		t.Logf("%s:\n%s", p.preset, b.String())
	}
}

func TestMapShapes(t *testing.T) {
	for _, c := range []struct {
		family       string
		depth, width int
		want         int
	}{
		{"ice40", 256, 16, 1}, {"ice40", 257, 16, 2}, {"ice40", 1024, 4, 1}, {"ice40", 1024, 11, 3},
		{"ice40", 2048, 1, 1}, {"ice40", 4096, 1, 2}, {"ice40", 15360, 15, 60},
		{"ecp5", 1024, 18, 1}, {"ecp5", 512, 36, 1}, {"ecp5", 16384, 19, 19}, {"xilinx7", 2048, 9, 1},
	} {
		assert.Equal(t, c.want, blocksFor(c.family, c.depth, c.width), "%s %dx%d", c.family, c.depth, c.width)
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{{"up5k", true}, {"UP5K", true}, {"ecp5-85", true}, {"artix-7 100t", true}, {"Artix-7 35T", true}, {"ecp5", false}, {"", false}, {"virtex", false}} {
		_, err := PartByName(c.name)
		assert.Equal(t, c.ok, err == nil, "%q: %v", c.name, err)
	}
}

func TestDiff(t *testing.T) {
	mk := func(words ...uint64) *Image {
		return &Image{Sections: []*Section{{Name: "a", Width: 8, Words: []uint64{1, 2}}, {Name: "b", Width: 16, Words: words}}}
	}
	for _, c := range []struct {
		name string
		a, b *Image
		want *Difference
	}{
		{"same", mk(3, 4, 5), mk(3, 4, 5), nil},
		{"a word", mk(3, 4, 5), mk(3, 9, 5), &Difference{Section: "b", Word: 1, A: 4, B: 9}},
		{"the first of two", mk(3, 4, 5), mk(7, 9, 5), &Difference{Section: "b", Word: 0, A: 3, B: 7}},
		{"depth", mk(3, 4, 5), mk(3, 4), &Difference{Section: "b", Word: -1}},
		{"a section more", &Image{Sections: mk().Sections[:1]}, mk(), &Difference{Section: "b", Word: -1}},
		{"a section less", mk(), &Image{Sections: mk().Sections[:1]}, &Difference{Section: "b", Word: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, Diff(c.a, c.b))
		})
	}
	require.Equal(t, `section "b" word 1: 0x4 and 0x9`, Diff(mk(3, 4, 5), mk(3, 9, 5)).String())
}

// compilePreset compiles a fresh region of a preset, its RDSE resolution
// from the range [0, 100], after edit (if not nil) changes its model.
func compilePreset(t *testing.T, preset string, edit func(*model.Config)) *Image {
	t.Helper()
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	cfg.ResolveResolution(0, 100)
	if edit != nil {
		edit(cfg)
	}
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	return im
}

// TestMapAgainstYosys checks the memory map and the logic estimate on a
// UP5K against what Yosys 0.23 and nextpnr-ice40 0.4 gave for the
// iCEBreaker board top at five dimension sets (hdl's TestLogicFit builds
// them, 2026-12-08, after the seventh area round): block RAM exactly,
// logic within 2 %.
func TestMapAgainstYosys(t *testing.T) {
	// what Yosys and nextpnr gave for each of LogicFitCases, in order
	packed := []struct{ ebr, spram, cells int }{
		{29, 4, 5061}, {24, 4, 4952}, {31, 6, 5175}, {24, 4, 4881}, {19, 4, 4679},
	}
	require.Len(t, packed, len(LogicFitCases))
	for i, lc := range LogicFitCases {
		c := packed[i]
		t.Run(lc.Name, func(t *testing.T) {
			mm, err := compilePreset(t, "small", lc.Edit).Map(Parts[0])
			require.NoError(t, err)
			if c.spram <= Parts[0].SPRAMs {
				assert.Equal(t, c.ebr, mm.BlockRAMs, "EBR")
				assert.Equal(t, c.spram, mm.SPRAMs, "SPRAM")
			} else {
				// Yosys gives sp.pool a fifth tile, which the part
				// lacks; the map leaves it out of SPRAM instead.
				assert.False(t, mm.OnChip(), mm.Summary())
			}
			assert.InDelta(t, c.cells, mm.Logic, 0.02*float64(c.cells), "logic cells")
		})
	}
}

func TestLogicEstimate(t *testing.T) {
	im := compilePreset(t, "small", nil)
	est := func(name string) int {
		p, err := PartByName(name)
		require.NoError(t, err)
		n, err := im.LogicEstimate(p)
		require.NoError(t, err)
		return n
	}
	up5k := est("up5k")
	assert.Equal(t, up5k+logicNoDSPCost, est("hx8k"), "no DSP on a HX8K: the multipliers in logic")
	assert.InDelta(t, 5448, est("ecp5-85"), 0.02*5448, "ECP5 LUT4s, Yosys on small")
	assert.InDelta(t, 3554, est("artix-7 100t"), 0.02*3554, "Xilinx LUTs, Yosys on small")
	_, err := im.LogicEstimate(Part{Name: "x", Family: "gowin"})
	assert.ErrorContains(t, err, `no logic estimate for family "gowin"`)

	// Dimensions no part holds are refused before anything is sized.
	bad := *im
	bad.Sections = slices.Clone(im.Sections)
	for i, s := range bad.Sections {
		if s.Name == "cfg" {
			c := *s
			c.Words = slices.Clone(s.Words)
			c.Words[arch.CfgC] = 1 << 31
			bad.Sections[i] = &c
		}
	}
	_, err = bad.LogicEstimate(Parts[0])
	assert.ErrorContains(t, err, "beyond any part")
	_, err = bad.Map(Parts[0])
	assert.ErrorContains(t, err, "beyond any part")
}
