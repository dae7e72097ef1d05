package model

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestPresetsParse(t *testing.T) {
	require.ElementsMatch(t, []string{"hello", "nab", "nab-numenta", "nab-unpadded", "small"}, Presets())
	for _, name := range Presets() {
		cfg, err := Preset(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, cfg.Name)
		q, err := cfg.Quantize()
		require.NoError(t, err, name)
		assert.Empty(t, q.Warnings, name)
	}
	_, err := Preset("nope")
	assert.ErrorContains(t, err, `no preset "nope" (have hello, nab, nab-numenta, nab-unpadded, small)`)
}

// The integers of the presets, worked by hand from docs/SPEC.md section 2.
func TestQuantizePresets(t *testing.T) {
	hello, err := Preset("hello")
	require.NoError(t, err)
	q, err := hello.Quantize()
	require.NoError(t, err)
	// 8 bits: P = 255.
	assert.Equal(t, uint16(26), q.SP.SynPermConnected)       // 0.1·255 = 25.5 → 26
	assert.Equal(t, uint16(13), q.SP.SynPermActiveInc)       // 0.05·255 = 12.75 → 13
	assert.Equal(t, uint16(2), q.SP.SynPermInactiveDec)      // 0.008·255 = 2.04 → 2
	assert.Equal(t, uint16(3), q.SP.SynPermBelowStimulusInc) // 0.01·255 = 2.55 → 3
	assert.Equal(t, uint16(6), q.SP.SynPermTrimThreshold)    // 0.025·255 = 6.375 → 6
	assert.Equal(t, uint32(32768), q.SP.PotentialPct)        // 0.5
	assert.Equal(t, 102, q.SP.NumActive)                     // float32(0.05)·2048 = 102.4 → 102
	assert.Equal(t, 1000, q.SP.NumInputs)
	assert.Equal(t, uint16(54), q.TM.InitialPermanence)    // 53.55 → 54
	assert.Equal(t, uint16(128), q.TM.ConnectedPermanence) // 127.5 → 128
	assert.Equal(t, uint16(26), q.TM.PermanenceIncrement)  // 25.5 → 26
	assert.Nil(t, q.SP.BoostTable)

	nab, err := Preset("nab")
	require.NoError(t, err)
	q, err = nab.Quantize()
	require.NoError(t, err)
	// 12 bits: P = 4095.
	assert.Equal(t, uint16(12), q.SP.SynPermActiveInc)  // 12.285 → 12
	assert.Equal(t, uint16(2), q.SP.SynPermInactiveDec) // 2.0475 → 2
	assert.Equal(t, uint16(819), q.SP.SynPermConnected) // 819
	assert.Equal(t, 40, q.SP.NumActive)
	assert.Equal(t, 400+54, q.SP.NumInputs) // RDSE + time of day (21 bits, radius 9.49)
	assert.Equal(t, uint16(860), q.TM.InitialPermanence)
}

func TestSmallSteps(t *testing.T) {
	base := func(policy string) *Config {
		cfg, err := Preset("nab")
		require.NoError(t, err)
		cfg.PermanenceBits = 8
		cfg.SmallSteps = policy
		return cfg
	}
	err := base("error").Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sp.synPermInactiveDec 0.0005 rounds to 0 at 8-bit permanences")
	assert.Contains(t, err.Error(), "permanenceBits ≥ 10") // 0.0005·1023 = 0.51 → 1

	q, err := base("lsb").Quantize()
	require.NoError(t, err)
	assert.Equal(t, uint16(1), q.SP.SynPermInactiveDec)
	require.Len(t, q.Warnings, 2)
	assert.Contains(t, q.Warnings[0], "sp.synPermInactiveDec 0.0005 is 0.128 LSB at 8 bits: raised to 1 LSB")
	// The trim threshold (synPermActiveInc/2 = 0.0015, 0.38 LSB) rounds to
	// 0, which turns trimming off: reported, never silent.
	assert.Contains(t, q.Warnings[1], "rounds to 0, which disables trimming")

	q, err = base("zero").Quantize()
	require.NoError(t, err)
	assert.Equal(t, uint16(0), q.SP.SynPermInactiveDec)
	require.Len(t, q.Warnings, 2)
	assert.Contains(t, q.Warnings[0], "disables it")
}

// withHello returns the hello preset with overlay's keys merged in.
func withHello(t *testing.T, overlay string) []byte {
	t.Helper()
	base, err := presetFiles.ReadFile("presets/hello.yaml")
	require.NoError(t, err)
	var doc, over map[string]any
	require.NoError(t, yaml.Unmarshal(base, &doc))
	require.NoError(t, yaml.Unmarshal([]byte(overlay), &over))
	merge(doc, over)
	out, err := yaml.Marshal(doc)
	require.NoError(t, err)
	return out
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if d, ok := dst[k].(map[string]any); ok {
				merge(d, sub)
				continue
			}
		}
		dst[k] = v
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name    string
		overlay string
		want    string
	}{
		{"activation above slots", "tm: {activationThreshold: 40, maxSynapsesPerSegment: 32}", "tm.activationThreshold 40 > maxSynapsesPerSegment 32"},
		{"bits", "permanenceBits: 3", "permanenceBits 3 must be 4 to 16"},
		{"policy", "smallSteps: maybe", `smallSteps "maybe" must be error, lsb or zero`},
		{"local inhibition", "sp: {globalInhibition: false}", "sp.globalInhibition false: local inhibition is not implemented"},
		{"density and count", "sp: {numActiveColumnsPerInhArea: 40}", "sp.localAreaDensity 0.05 and numActiveColumnsPerInhArea 40: give exactly one"},
		{"pct", "sp: {potentialPct: 1.5}", "sp.potentialPct 1.5 must be in (0, 1]"},
		{"perm range", "tm: {permanenceIncrement: -0.1}", "tm.permanenceIncrement -0.1 must be in [0, 1]"},
		{"columns", "sp: {columnDimensions: [32, 32]}", "sp.columnDimensions [32 32]: one dimension is supported"},
		{"tm columns", "tm: {columnDimensions: [1024]}", "tm.columnDimensions [1024] differs from sp.columnDimensions [2048]"},
		{"input dims", "sp: {inputDimensions: [10]}", "sp.inputDimensions [10] differs from the encoder's size 1000"},
		{"pool", "tm: {segmentPoolCapacity: 0}", "tm.segmentPoolCapacity 0 must be at least 1"},
		{"stimulus", "sp: {stimulusThreshold: 30}", "stimulusThreshold 30 exceeds the smallest potential pool (17 inputs)"},
		{"duty period", "sp: {dutyCyclePeriod: 70000}", "sp.dutyCyclePeriod 70000 must be 1 to 65535"},
		{"anomaly mode", "tm: {anomalyMode: likelihood}", `tm.anomalyMode "likelihood"`},
		{"unknown key", "tm: {activationTreshold: 12}", `unknown parameter "activationTreshold" in tm`},
		{"type", "tm: {cellsPerColumn: many}", "cannot unmarshal !!str `many` into int"},
		{"rdse both", "encoder: {rdse: {activeBits: 10}}", "encoder.rdse.activeBits 10 and sparsity 0.2: give exactly one"},
		{"rdse resolution", "encoder: {rdse: {radius: 3}}", "encoder.rdse.resolution give exactly one of radius, resolution, category and resolutionBuckets"},
		{"date", "encoder: {date: {custom_width: 3, custom_days: [funday]}}", `custom_days entry "funday" is not a day of the week`},
		{"seed", "tm: {seed: -1}", "tm.seed -1 must be 0 to 2^32-1"},
		// Sizes are bounded before anything of that size is made.
		{"active bits above size", "encoder: {rdse: {activeBits: 1001, sparsity: 0}}", "encoder.rdse.activeBits 1001 must be 1 to encoder.rdse.size 1000"},
		{"active bits bomb", "encoder: {rdse: {activeBits: 100000000, sparsity: 0}}", "encoder.rdse.activeBits 100000000 must be 1 to"},
		{"active bits 2^31-1", "encoder: {rdse: {activeBits: 2147483647, sparsity: 0}}", "encoder.rdse.activeBits 2147483647 must be 1 to"},
		{"sparsity", "encoder: {rdse: {sparsity: 2}}", "encoder.rdse.sparsity 2 must be in [0, 1]"},
		{"date width", "encoder: {date: {timeOfDay_width: 100000000, timeOfDay_radius: 1}}", "encoder.date.timeOfDay_width 100000000 must be 0 to 65535"},
		{"update period", "sp: {updatePeriod: 4294967297}", "sp.updatePeriod 4294967297 must be 1 to 2^32-1"},
		{"new synapses", "tm: {maxNewSynapseCount: 4294967297}", "tm.maxNewSynapseCount 4294967297 must be 1 to 65535"},
		{"likelihood window", "likelihood: {averagingWindow: 2000000000}", "likelihood.averagingWindow 2000000000 must be 0 (the default) to 1048576"},
		// Integers are integers: the decoder would truncate these.
		{"float cells", "tm: {cellsPerColumn: 4.99}", `tm.cellsPerColumn "4.99" is not an integer`},
		{"float in list", "sp: {columnDimensions: [2047.5]}", `sp.columnDimensions[0] "2047.5" is not an integer`},
		{"float seed", "encoder: {rdse: {seed: 1.5}}", `encoder.rdse.seed "1.5" is not an integer`},
		{"float holiday", "encoder: {date: {holiday_width: 2, holiday_dates: [[12, 25.5]]}}", `encoder.date.holiday_dates[0][1] "25.5" is not an integer`},
		// Names are text: no control characters, bounded.
		{"name escape", "name: \"a\\e[2Jb\"", `name "a\x1b[2Jb" must be at most 256 bytes`},
		{"name long", "name: " + strings.Repeat("n", 300), `name "nnnn`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", withHello(t, tc.overlay))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "x.yaml"), err.Error())
		})
	}
}

// Errors name the line of the offending key in the file as written.
func TestValidationErrorLines(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"tm:\n  activationThreshold: 40\n  maxSynapsesPerSegment: 32\nencoder: {rdse: {size: 100, activeBits: 5, resolution: 1, seed: 1}}\n", "m.yaml:2: tm.activationThreshold 40 > maxSynapsesPerSegment 32"},
		{"permanenceBits: 3\n", "m.yaml:1: permanenceBits 3 must be 4 to 16"},
		{"name: x\ntm:\n  activationTreshold: 12\n", `m.yaml:3: unknown parameter "activationTreshold" in tm`},
		{"sp: [1\n", "m.yaml:"},
		{"", "m.yaml: empty model file"},
		{"name: x\ntm:\n  cellsPerColumn: 4.0\n", `m.yaml:3: tm.cellsPerColumn "4.0" is not an integer`},
		{"name: x\ntm:\n  cellsPerColumn: 1e3\n", `m.yaml:3: tm.cellsPerColumn "1e3" is not an integer`},
		{"name: x\nsp: {potentialPct: &a 0.5}\ntm: {cellsPerColumn: *a}\n", `m.yaml:3: tm.cellsPerColumn "0.5" is not an integer`},
		{"name: x\ntm: {cellsPerColumn: \"\\e[2J`\"}\n", `m.yaml:2: cannot unmarshal !!str ` + "`\\x1b[2J`` into int"},
	}
	for _, tc := range tests {
		_, err := Parse("m.yaml", []byte(tc.yaml))
		require.Error(t, err, tc.yaml)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestParseJSON(t *testing.T) {
	cfg, err := Parse("m.json", []byte(`{"name": "j", "encoder": {"rdse": {"size": 100, "activeBits": 5, "resolution": 0.5, "seed": 3}},
		"sp": {"columnDimensions": [256], "localAreaDensity": 0.04}, "tm": {"cellsPerColumn": 4}}`))
	require.NoError(t, err)
	assert.Equal(t, "j", cfg.Name)
	assert.Equal(t, 4, cfg.TM.CellsPerColumn)
	q, err := cfg.Quantize()
	require.NoError(t, err)
	assert.Equal(t, 100, q.SP.NumInputs)
	assert.Equal(t, 10, q.SP.NumActive) // float32(0.04)·256 = 10.24 → 10
}

func TestLoad(t *testing.T) {
	cfg, err := Load("hello")
	require.NoError(t, err)
	assert.Equal(t, "hello", cfg.Name)
	dir := t.TempDir()
	path := dir + "/m.yaml"
	require.NoError(t, os.WriteFile(path, []byte("name: mine\nencoder:\n  rdse: {size: 64, activeBits: 4, resolution: 1, seed: 1}\nsp: {columnDimensions: [128], localAreaDensity: 0.05}\n"), 0o644))
	cfg, err = Load(path)
	require.NoError(t, err)
	assert.Equal(t, "mine", cfg.Name)
	_, err = Load(dir + "/missing.yaml")
	assert.ErrorContains(t, err, "missing.yaml")
}

func TestResolveResolution(t *testing.T) {
	cfg, err := Preset("nab")
	require.NoError(t, err)
	require.True(t, cfg.NeedsRange())
	_, err = NewRegion(cfg)
	require.ErrorIs(t, err, ErrNeedsRange)
	for _, tt := range []struct {
		preset string
		lo, hi float64
		want   float64
	}{
		{"nab-unpadded", 0, 13, 13.0 / 130},
		{"nab-unpadded", 5, 5, 0.001}, // flat series: the floor
		// NAB: 0 − 2.6 .. 13 + 2.6, 18.2/130 = 0.14.
		{"nab", 0, 13, (13 + 13*0.2 - (0 - 13*0.2)) / 130},
		// NuPIC: an empty padded range counts as 1.
		{"nab", 5, 5, 1.0 / 130},
		{"nab", -1e-3, 1e-3, 0.001},
	} {
		cfg, err := Preset(tt.preset)
		require.NoError(t, err)
		cfg.ResolveResolution(tt.lo, tt.hi)
		assert.False(t, cfg.NeedsRange())
		assert.Equal(t, float64(float32(tt.want)), cfg.Encoder.RDSE.Resolution, "%s [%g, %g]", tt.preset, tt.lo, tt.hi)
		assert.Zero(t, cfg.Encoder.RDSE.RangePadding)
		require.NoError(t, cfg.Validate())
	}
}

func TestRangePaddingValidation(t *testing.T) {
	for _, tt := range []struct {
		yaml, err string
	}{
		{"encoder: {rdse: {size: 64, activeBits: 4, resolution: 1, rangePadding: 0.2, seed: 1}}", "needs resolutionBuckets"},
		{"encoder: {rdse: {size: 64, activeBits: 4, resolutionBuckets: 10, rangePadding: -0.1, seed: 1}}", "must be 0 to 100"},
		{"encoder: {rdse: {size: 64, activeBits: 4, resolutionBuckets: 10, rangePadding: .nan, seed: 1}}", "must be 0 to 100"},
		{"encoder: {rdse: {size: 64, activeBits: 4, resolutionBuckets: 10, rangePadding: 0.2, seed: 1}}", ""},
	} {
		_, err := Parse("m.yaml", []byte(tt.yaml))
		if tt.err == "" {
			assert.NoError(t, err, tt.yaml)
		} else {
			assert.ErrorContains(t, err, "encoder.rdse.rangePadding", tt.yaml)
			assert.ErrorContains(t, err, tt.err, tt.yaml)
		}
	}
}

func TestBoostTable(t *testing.T) {
	tab := BoostTable(0.05, 2)
	require.Len(t, tab, 1024)
	// entry 0: 4096·exp((0.05 − 0.5/1024)·2) = 4096·exp(0.0990234375) = 4522.3… → 4522
	assert.Equal(t, uint16(4522), tab[0])
	// entry 1023: 4096·exp((0.05 − 1023.5/1024)·2) = 4096·exp(−1.8990234…) = 613.3… → 613
	assert.Equal(t, uint16(613), tab[1023])
	for i := 1; i < len(tab); i++ {
		assert.LessOrEqual(t, tab[i], tab[i-1], "entry %d", i)
	}
}
