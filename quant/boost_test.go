package quant

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/sp"
)

// boostConfig is hello with boosting on.
func boostConfig(t *testing.T, strength float64) *model.Config {
	t.Helper()
	cfg, err := model.Preset("hello")
	require.NoError(t, err)
	cfg.SP.BoostStrength = strength
	cfg.SP.DutyCyclePeriod = 100
	return cfg
}

func TestNewBoostReport(t *testing.T) {
	for _, tc := range []struct {
		name             string
		strength         float64
		saturated, zero  int
		maxEntry, maxAny float64 // bounds of the relative errors
	}{
		// Factors from exp(−0.95·2) = 0.15 to exp(0.05·2) = 1.1: all
		// represented, within half an LSB of Q4.12 (1/8192 of 0.15 is
		// 0.08%) and the bucket's width (2/2048 ≈ 0.1%).
		{"strength 2", 2, 0, 0, 0.0009, 0.0009 + 0.001},
		// 4096·exp((d − m)·100) ≥ 65535.5 for a bucket middle m ≤ d −
		// ln(16.0)/100 = 0.02227, i ≤ 22: 23 entries saturate; it is
		// below 1/2 for m > d + ln(4096/0.5)/100 = 0.1401, i ≥ 143: 881
		// entries are 0.
		{"strength 100", 100, 23, 881, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoostReport(boostConfig(t, tc.strength))
			assert.Equal(t, tc.strength, b.Strength)
			assert.Equal(t, float64(float32(0.05)), b.Density)
			d := float64(float32(0.05))
			assert.Equal(t, math.Exp(d*tc.strength), b.FactorMax)
			assert.Equal(t, math.Exp((d-1)*tc.strength), b.FactorMin)
			assert.Equal(t, tc.saturated, b.Saturated)
			assert.Equal(t, tc.zero, b.Zero)
			assert.LessOrEqual(t, b.EntryRelError, tc.maxEntry)
			assert.LessOrEqual(t, b.BucketRelError, tc.maxAny)
			assert.GreaterOrEqual(t, b.BucketRelError, b.EntryRelError)
			assert.Equal(t, 16*2048, b.BoostBits)
			assert.Equal(t, 16*sp.BoostTableSize, b.TableBits)
		})
	}
}

// With boosting on, Compare runs both engines again with boosting off and
// reports both; without it there is no boosting section.
func TestCompareBoost(t *testing.T) {
	const n = 150
	rep, err := Compare(context.Background(), boostConfig(t, 2), speedRows(t, n), Options{Widths: []int{8, 16}, Jobs: 2})
	require.NoError(t, err)
	require.NotNil(t, rep.Boost)
	b := rep.Boost
	assert.Equal(t, n, b.FloatOff.Steps)
	assert.True(t, b.FloatOff.InputsIdentical)
	// Boosting changes the float reference's columns once the duty
	// cycles differ; the first step has none yet.
	assert.Less(t, b.FloatOff.ActiveJaccardMean, 1.0)
	require.Len(t, b.Off, len(rep.Runs))
	for i, off := range b.Off {
		assert.Equal(t, rep.Runs[i].Variant, off.Variant)
		assert.Equal(t, n, off.Steps)
		assert.True(t, off.InputsIdentical)
		// The first step: shared initial SP, no boosting yet in either.
		assert.Greater(t, off.ActiveJaccardMean, 0.0)
	}
	var buf bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&buf))
	md := buf.String()
	for _, s := range []string{
		"## Boosting", "boostStrength 2, target density 0.05",
		"| bits | smallSteps | active cols J mean, on / off |",
		"| 8 | error |", "| 16 | error |",
	} {
		assert.Contains(t, md, s)
	}

	// The JSON report carries it and reads back.
	buf.Reset()
	require.NoError(t, rep.WriteJSON(&buf))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, *rep, back)

	assert.Nil(t, helloReport(t).Boost)
	buf.Reset()
	require.NoError(t, helloReport(t).WriteMarkdown(&buf))
	assert.NotContains(t, buf.String(), "## Boosting")
}
