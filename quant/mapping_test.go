package quant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
)

func preset(t *testing.T, name string) *model.Config {
	t.Helper()
	cfg, err := model.Preset(name)
	require.NoError(t, err)
	return cfg
}

func param(t *testing.T, wm WidthMap, name string) Mapping {
	t.Helper()
	for _, m := range wm.Params {
		if m.Param == name {
			return m
		}
	}
	t.Fatalf("no parameter %s", name)
	return Mapping{}
}

// The nab preset's parameters, checked by hand with q(x) = ⌊x·P + ½⌋.
func TestMapWidthNAB(t *testing.T) {
	cfg := preset(t, "nab")

	// 4 bits, P = 15.
	wm := MapWidth(cfg, 4, "error")
	assert.Equal(t, 15, wm.PMax)
	assert.Contains(t, wm.Refused, "sp.synPermActiveInc 0.003 rounds to 0")
	m := param(t, wm, "sp.synPermConnected") // 0.2·15 = 3
	assert.Equal(t, uint16(3), m.Int)
	assert.InDelta(t, 0.2, m.Represents, 1e-15)
	assert.InDelta(t, 0, m.RelError, 1e-12)
	m = param(t, wm, "sp.synPermActiveInc") // 0.045 LSB
	assert.Equal(t, uint16(0), m.Int)
	assert.InDelta(t, 0.045, m.LSB, 1e-12)
	assert.Equal(t, -1.0, m.RelError)
	require.Len(t, m.Warnings, 1)
	assert.Contains(t, m.Warnings[0], "rounds to 0 (0.045 LSB): refused under smallSteps: error (needs 8 bits)")
	m = param(t, wm, "tm.permanenceIncrement") // 1.5 → 2
	assert.Equal(t, uint16(2), m.Int)
	assert.InDelta(t, 2.0/15, m.Represents, 1e-15)
	assert.InDelta(t, 1.0/3, m.RelError, 1e-12)
	// initialPermanence 0.21·15 = 3.15 → 3, the same integer as
	// connectedPermanence 0.2: new synapses start exactly connected.
	m = param(t, wm, "tm.initialPermanence")
	assert.Equal(t, uint16(3), m.Int)
	assert.Equal(t, []string{"collides with tm.connectedPermanence (0.2): both 3"}, m.Warnings)
	assert.Equal(t, []string{"collides with tm.initialPermanence (0.21): both 3"}, param(t, wm, "tm.connectedPermanence").Warnings)

	// 8 bits, P = 255: synPermActiveInc 0.003 is 0.765 LSB, which rounds
	// to 1 (it does not vanish); synPermInactiveDec 0.0005 is 0.1275 LSB,
	// which does, and the model refuses the width.
	wm = MapWidth(cfg, 8, "error")
	m = param(t, wm, "sp.synPermActiveInc")
	assert.Equal(t, uint16(1), m.Int)
	assert.InDelta(t, 0.765, m.LSB, 1e-12)
	assert.InDelta(t, 1.0/255, m.Represents, 1e-15)
	assert.InDelta(t, (1.0/255-0.003)/0.003, m.RelError, 1e-12) // +30.7%
	assert.Empty(t, m.Warnings)
	m = param(t, wm, "sp.synPermInactiveDec")
	assert.Equal(t, uint16(0), m.Int)
	assert.Contains(t, m.Warnings[0], "rounds to 0 (0.128 LSB): refused under smallSteps: error (needs 10 bits)")
	assert.Contains(t, wm.Refused, "sp.synPermInactiveDec 0.0005 rounds to 0 at 8-bit permanences")
	m = param(t, wm, "sp.synPermTrimThreshold") // 0.0015·255 = 0.38
	assert.Equal(t, []string{"rounds to 0 (0.383 LSB): trimming is disabled"}, m.Warnings)
	require.Len(t, wm.Ratios, 2)
	assert.Equal(t, "sp.synPermActiveInc:sp.synPermInactiveDec", wm.Ratios[0].Name)
	assert.InDelta(t, 6, wm.Ratios[0].Float, 1e-12)
	assert.Nil(t, wm.Ratios[0].Int)

	// The remedies at 8 bits.
	lsb := MapWidth(cfg, 8, "lsb")
	assert.Empty(t, lsb.Refused)
	require.Len(t, lsb.ModelWarnings, 2) // the step raised, and trimming disabled
	m = param(t, lsb, "sp.synPermInactiveDec")
	assert.Equal(t, uint16(1), m.Int)
	assert.Equal(t, "rounds to 0 (0.128 LSB): raised to 1 LSB", m.Warnings[0])
	// ... which makes the 6:1 ratio 1:1.
	assert.Contains(t, m.Warnings, "collides with sp.synPermActiveInc (0.003): both 1")
	assert.Equal(t, 1.0, *lsb.Ratios[0].Int)
	zero := MapWidth(cfg, 8, "zero")
	m = param(t, zero, "sp.synPermInactiveDec")
	assert.Equal(t, uint16(0), m.Int)
	assert.Equal(t, []string{"rounds to 0 (0.128 LSB): kept at 0: the rule is disabled"}, m.Warnings)

	// 12 bits, P = 4095: the preset's own width keeps the ratio at 6:1.
	wm = MapWidth(cfg, 12, "error")
	assert.Empty(t, wm.Refused)
	assert.Equal(t, uint16(12), param(t, wm, "sp.synPermActiveInc").Int)   // 12.285
	assert.Equal(t, uint16(2), param(t, wm, "sp.synPermInactiveDec").Int)  // 2.0475
	assert.Equal(t, uint16(819), param(t, wm, "sp.synPermConnected").Int)  // 819
	assert.Equal(t, uint16(860), param(t, wm, "tm.initialPermanence").Int) // 859.95
	assert.Equal(t, uint16(410), param(t, wm, "tm.permanenceIncrement").Int)
	assert.Equal(t, 6.0, *wm.Ratios[0].Int)
	for _, m := range wm.Params {
		assert.Empty(t, m.Warnings, m.Param)
	}
}

func TestParamsMinBits(t *testing.T) {
	got := map[string]int{}
	for _, p := range Params(preset(t, "nab")) {
		got[p.Name] = p.MinBits
	}
	// 0.0005·511 = 0.26 rounds to 0, 0.0005·1023 = 0.51 to 1: 10 bits.
	assert.Equal(t, 10, got["sp.synPermInactiveDec"])
	assert.Equal(t, 8, got["sp.synPermActiveInc"])
	assert.Equal(t, 9, got["sp.synPermTrimThreshold"]) // 0.0015·511 = 0.77
	assert.Equal(t, 0, got["tm.predictedSegmentDecrement"])
	got = map[string]int{}
	for _, p := range Params(preset(t, "hello")) {
		got[p.Name] = p.MinBits
	}
	assert.Equal(t, 6, got["sp.synPermInactiveDec"]) // 0.008·63 = 0.504
}

func TestPlan(t *testing.T) {
	assert.Equal(t, []Variant{{4, "lsb"}, {4, "zero"}, {6, "lsb"}, {6, "zero"}, {8, "lsb"}, {8, "zero"},
		{10, "error"}, {12, "error"}, {16, "error"}}, Plan(preset(t, "nab"), DefaultWidths))
	cfg := preset(t, "hello")
	assert.Equal(t, []Variant{{4, "lsb"}, {4, "zero"}, {8, "error"}}, Plan(cfg, []int{4, 8}))
	cfg.SmallSteps = "zero"
	assert.Equal(t, []Variant{{4, "zero"}, {4, "lsb"}, {8, "zero"}}, Plan(cfg, []int{4, 8}))
}

func TestFixedParams(t *testing.T) {
	f := FixedParams(preset(t, "hello"))
	require.Len(t, f, 3)
	assert.Equal(t, Fixed{Param: "sp.potentialPct", Value: 0.5, Int: 32768, Represents: 0.5, Rule: "Q0.16: ⌊x·65536 + 1/2⌋"}, f[0])
	assert.Equal(t, uint32(66), f[1].Int) // 0.001·65536 = 65.5 → 66
	assert.Equal(t, uint32(102), f[2].Int)
	f = FixedParams(preset(t, "nab"))
	assert.Equal(t, "sp.numActiveColumnsPerInhArea", f[2].Param)
	assert.Equal(t, uint32(40), f[2].Int)
}
