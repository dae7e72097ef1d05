package explore

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/nab"
)

func TestParseGrid(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		variants   []string // names, when it parses
		err        string
	}{
		{"cross product", "series: s.csv\nvariants:\n  - base: small\n    columns: [128, 256]\n    cellsPerColumn: [4, 8]\n",
			[]string{"small cols=128 cells=4", "small cols=128 cells=8", "small cols=256 cells=4", "small cols=256 cells=8"}, ""},
		{"scalar axis and plain base", "series: s.csv\nvariants:\n  - base: nab\n  - base: nab\n    permanenceBits: 10\n",
			[]string{"nab", "nab bits=10"}, ""},
		{"clock", "series: s.csv\nclocks: {up5k: 24}\nvariants: [{base: small}]\n", []string{"small"}, ""},
		{"unknown key", "series: s.csv\nvariants:\n  - base: small\n    colums: [1]\n", nil, "colums"},
		{"no series", "variants: [{base: small}]\n", nil, "no series"},
		{"no variants", "series: s.csv\n", nil, "no variants"},
		{"no base", "series: s.csv\nvariants: [{columns: 4}]\n", nil, "no base"},
		{"zero value", "series: s.csv\nvariants: [{base: small, columns: [0]}]\n", nil, "not a positive value"},
		{"twice", "series: s.csv\nvariants: [{base: small}, {base: small}]\n", nil, "declared twice"},
		{"unknown part", "series: s.csv\nclocks: {z80: 4}\nvariants: [{base: small}]\n", nil, "no part"},
		{"bad clock", "series: s.csv\nclocks: {up5k: -1}\nvariants: [{base: small}]\n", nil, "not a clock"},
		{"bad split", "series: s.csv\nsplit: random\nvariants: [{base: small}]\n", nil, "split"},
		{"too many", "series: s.csv\nvariants: [{base: small, columns: [1,2,3,4,5,6,7,8,9,10], cellsPerColumn: [1,2,3,4,5,6,7,8,9,10], segmentPoolCapacity: [1,2,3,4,5,6,7,8,9,10], permanenceBits: [4,5,6,7,8,9,10,11,12,13,14]}]\n", nil, "more than 10000 variants"},
		{"negative steps", "series: s.csv\nsteps: -1\nvariants: [{base: small}]\n", nil, "negative"},
		{"lanes", "series: s.csv\nvariants: [{base: small, lanes: 1}]\n", nil, "lanes"}, // architecture 3 has none
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseGrid("g.yaml", []byte(tc.yaml))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Contains(t, err.Error(), "g.yaml", "the error names the file")
				return
			}
			require.NoError(t, err)
			vs, err := g.Variants()
			require.NoError(t, err)
			var names []string
			for _, v := range vs {
				names = append(names, v.Name)
			}
			assert.Equal(t, tc.variants, names)
		})
	}
}

func TestDefaultGrid(t *testing.T) {
	g, err := LoadGrid("")
	require.NoError(t, err)
	vs, err := g.Variants()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(vs), 12, "issue 16: at least 12 variants")
	bases := map[string]bool{}
	for _, v := range vs {
		bases[v.Base] = true
		_, err := v.Config()
		require.NoError(t, err, v.Name)
	}
	assert.Equal(t, map[string]bool{"small": true, "hello": true, "nab": true}, bases)
}

func TestVariantConfig(t *testing.T) {
	cfg, err := Variant{Name: "x", Base: "small", Columns: 512, CellsPerColumn: 8, SegmentPoolCapacity: 2048, MaxSynapsesPerSegment: 32, PermanenceBits: 10}.Config()
	require.NoError(t, err)
	assert.Equal(t, []int{512}, cfg.SP.ColumnDimensions)
	assert.Equal(t, 20, cfg.SP.NumActiveColumnsPerInhArea, "the base's 10 of 256 active columns, scaled")
	assert.Equal(t, 8, cfg.TM.CellsPerColumn)
	assert.Equal(t, 2048, cfg.TM.SegmentPoolCapacity)
	assert.Equal(t, 32, cfg.TM.MaxSynapsesPerSegment)
	assert.Equal(t, 10, cfg.PermanenceBits)
	assert.Equal(t, "x", cfg.Name)

	_, err = Variant{Name: "y", Base: "nab", PermanenceBits: 8}.Config()
	require.Error(t, err, "the nab preset's rates round to zero at 8 bits")
	assert.Contains(t, err.Error(), "y")

	assert.Equal(t, image.DefaultArch(), Variant{Base: "small", Columns: 128}.Arch())
}

func TestPareto(t *testing.T) {
	rs := []Result{
		{Variant: Variant{Name: "a"}, Scores: Scores{Standard: 60}, Cost: Cost{ImageBits: 100}},
		{Variant: Variant{Name: "b"}, Scores: Scores{Standard: 55}, Cost: Cost{ImageBits: 200}}, // dominated by a
		{Variant: Variant{Name: "c"}, Scores: Scores{Standard: 65}, Cost: Cost{ImageBits: 300}},
		{Variant: Variant{Name: "d"}, Scores: Scores{Standard: 50}, Cost: Cost{ImageBits: 50}},
		{Variant: Variant{Name: "e"}, Scores: Scores{Standard: 65}, Cost: Cost{ImageBits: 400}}, // ties c with more bits
	}
	assert.Equal(t, []int{3, 0, 2}, Pareto(rs))
}

func TestBestPerPart(t *testing.T) {
	rs := []Result{
		{Variant: Variant{Name: "a"}, Scores: Scores{Standard: 60, SplitA: 70}, Cost: Cost{OnChip: []string{"iCE40 UP5K", "ECP5-85"}}},
		{Variant: Variant{Name: "b"}, Scores: Scores{Standard: 65, SplitA: 60}, Cost: Cost{OnChip: []string{"ECP5-85"}}},
		{Variant: Variant{Name: "c"}, Scores: Scores{Standard: 70, SplitA: 75}},
	}
	assert.Equal(t, []Best{
		{Part: "iCE40 UP5K", ByCorpus: 0, BySplit: 0},
		{Part: "ECP5-85", ByCorpus: 1, BySplit: 0},
	}, BestPerPart(rs))
}

// slice is the three-file NAB slice of testdata/nabscore.
var slice = filepath.Join("..", "testdata", "nabscore", "real")

func loadSlice(t *testing.T) *nab.Corpus {
	t.Helper()
	c, err := nab.LoadCorpus(filepath.Join(slice, "data"), filepath.Join(slice, "windows.json"))
	require.NoError(t, err)
	return c
}

func TestSplit(t *testing.T) {
	a, b, err := Split(loadSlice(t))
	require.NoError(t, err)
	names := func(c *nab.Corpus) (out []string) {
		for _, f := range c.Files {
			out = append(out, f.Name)
		}
		return out
	}
	assert.Equal(t, []string{"realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv", "realTraffic/speed_7578.csv"}, names(a))
	assert.Equal(t, []string{"realAdExchange/exchange-2_cpc_results.csv"}, names(b))

	one, err := nab.NewCorpus(a.Files[0])
	require.NoError(t, err)
	_, _, err = Split(one)
	assert.Error(t, err, "one file has no two halves")
}

// A tiny grid on the three-file slice: the table, its cache, its outputs.
func TestExplore(t *testing.T) {
	g, err := ParseGrid("tiny.yaml", []byte(`
name: tiny
series: realTraffic/speed_7578.csv
steps: 200
clocks: {up5k: 24}
variants:
  - base: small
    columns: [128, 256]
  - base: small
`))
	require.NoError(t, err)
	cache := t.TempDir()
	var calls, last, total int
	e := &Explorer{Grid: g, Corpus: loadSlice(t), CacheDir: cache, Jobs: 2,
		Progress: func(done, tot int) { calls++; last, total = done, tot }}
	require.NoError(t, e.LoadSeries(filepath.Join(slice, "data")))
	require.Len(t, e.Series, 200)
	rs, err := e.Run(context.Background())
	require.NoError(t, err)
	require.Len(t, rs, 3)
	assert.Positive(t, calls)
	assert.Equal(t, total, last, "the progress ends at its total")
	assert.Equal(t, 2*e.Corpus.Rows()+2*200, total, "small shares the NAB and cycle runs of small cols=256")

	for _, r := range rs {
		assert.False(t, r.Cached, r.Name)
		for _, s := range []float64{r.Standard, r.LowFP, r.LowFN, r.SplitA, r.SplitB} {
			assert.True(t, s > -200 && s <= 100, "%s: score %v", r.Name, s)
		}
		assert.Positive(t, r.ImageBits, r.Name)
		assert.Equal(t, 200, r.Steps, r.Name)
		assert.Positive(t, r.CyclesPerStep, r.Name)
		require.NotEmpty(t, r.OnChip, r.Name)
		assert.Equal(t, "iCE40 UP5K", r.Smallest(), "%s: the small preset fits the UP5K", r.Name)
		assert.InDelta(t, 24e6/r.CyclesPerStep, r.StepsPerSecond["iCE40 UP5K"], 1e-6, r.Name)
	}
	assert.Less(t, rs[0].ImageBits, rs[1].ImageBits, "128 columns take fewer bits than 256")
	assert.Equal(t, rs[1].Scores, rs[2].Scores, "the same model")
	assert.Equal(t, rs[1].ImageBits, rs[2].ImageBits)
	assert.Equal(t, rs[1].CyclesPerStep, rs[2].CyclesPerStep, "the same model and architecture")

	// A rerun takes everything from the cache and gives the same table.
	calls = 0
	again, err := e.Run(context.Background())
	require.NoError(t, err)
	for i := range again {
		assert.True(t, again[i].Cached, again[i].Name)
		again[i].Cached = false
	}
	assert.Equal(t, rs, again)
	assert.Zero(t, calls, "nothing to do")

	// The outputs.
	var b bytes.Buffer
	require.NoError(t, WriteCSV(&b, rs))
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4)
	assert.Equal(t, "stepsPerSecond iCE40 UP5K", recs[0][len(recs[0])-1])
	assert.Equal(t, "small cols=128", recs[1][0])

	b.Reset()
	require.NoError(t, WriteJSON(&b, rs))
	var back []Result
	require.NoError(t, json.Unmarshal(b.Bytes(), &back))
	assert.Equal(t, rs, back)

	b.Reset()
	require.NoError(t, WriteSummary(&b, rs))
	assert.Contains(t, b.String(), "small cols=128")
	assert.Contains(t, b.String(), "Best variant each part holds on chip")

	refs, err := Published(filepath.Join("..", "testdata", "nabscore", "reference", "final_results.json"))
	require.NoError(t, err)
	require.NotEmpty(t, refs)
	assert.Equal(t, "numenta", refs[1].Name)
	assert.InDelta(t, 70.1, refs[1].Standard, 0.01)
	for _, format := range []string{"svg", "png"} {
		b.Reset()
		require.NoError(t, WritePlot(&b, format, "tiny", rs, refs))
		if format == "png" {
			cfg, err := png.DecodeConfig(&b)
			require.NoError(t, err)
			assert.Equal(t, 9*96, cfg.Width)
			continue
		}
		assert.NoError(t, xml.Unmarshal(b.Bytes(), new(struct{ XMLName xml.Name })), "well-formed SVG")
		assert.Contains(t, b.String(), "numenta 70.1")
		assert.Contains(t, b.String(), "fits iCE40 UP5K")
	}
	entries, err := os.ReadDir(filepath.Join(cache, "nab"))
	require.NoError(t, err)
	assert.Len(t, entries, 2, "one NAB entry per model")
	for _, e := range entries {
		assert.False(t, strings.Contains(e.Name(), ".tmp"), e.Name())
	}
}

func FuzzParseGrid(f *testing.F) {
	f.Add(DefaultGridYAML)
	f.Add([]byte("series: s.csv\nvariants: [{base: small, columns: [1, 2, 3]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGrid("fuzz.yaml", data)
		if err != nil {
			return
		}
		vs, err := g.Variants()
		if err != nil {
			t.Fatalf("a parsed grid does not expand: %v", err)
		}
		if len(vs) == 0 {
			t.Fatal("a parsed grid has no variants")
		}
	})
}
