package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/model"
)

// presetText returns the YAML of a preset as model show prints it.
func presetText(t *testing.T, name string) string {
	t.Helper()
	out, _, err := execute(t, "model", "show", name)
	require.NoError(t, err)
	return out
}

func TestModelCheckPresets(t *testing.T) {
	for _, name := range model.Presets() {
		t.Run(name, func(t *testing.T) {
			out, _, err := execute(t, "model", "check", name)
			require.NoError(t, err)
			cfg, err := model.Preset(name)
			require.NoError(t, err)
			assert.Contains(t, out, "model "+name+"\n")
			assert.Contains(t, out, fmt.Sprintf("%d bits", cfg.PermanenceBits))
			assert.Regexp(t, fmt.Sprintf(`columns +%d, k = \d+ active`, cfg.SP.ColumnDimensions[0]), out)
			assert.Regexp(t, fmt.Sprintf(`tm segments +capacity %d,`, cfg.TM.SegmentPoolCapacity), out)
			pmax := 1<<cfg.PermanenceBits - 1
			want := fmt.Sprintf(`tm\.permanenceIncrement +%g +-> %d/%d`, cfg.TM.PermanenceIncrement,
				model.PermQuantize(cfg.TM.PermanenceIncrement, cfg.PermanenceBits), pmax)
			assert.Regexp(t, want, out)
			assert.NotContains(t, out, "warning:", "the presets refuse small steps, so they have no warnings")
			assert.Contains(t, out, "ok: "+name+" is valid")
		})
	}
}

func TestModelCheckHelloIntegers(t *testing.T) {
	out, _, err := execute(t, "model", "check", "hello")
	require.NoError(t, err)
	assert.Regexp(t, `tm\.permanenceIncrement +0\.1 +-> 26/255\n`, out)
	assert.Regexp(t, `tm\.connectedPermanence +0\.5 +-> 128/255\n`, out)
	assert.Regexp(t, `sp\.synPermInactiveDec +0\.008 +-> 2/255\n`, out)
	assert.Regexp(t, `encoder +1000 bits`, out)
	assert.Regexp(t, `cells +16384 \(8 per column\)`, out)
	assert.Regexp(t, `likelihood +none`, out)
}

func TestModelCheckWarnings(t *testing.T) {
	// nab at 8 bits: synPermInactiveDec 0.0005 is 0.13 LSB, which
	// smallSteps lsb raises to 1 LSB with a warning.
	text, err := os.ReadFile("../../model/presets/nab.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(text), "permanenceBits: 12", "permanenceBits: 8", 1)
	s = strings.Replace(s, "smallSteps: error", "smallSteps: lsb", 1)
	path := writeFile(t, t.TempDir(), "nab8.yaml", s)

	out, _, err := execute(t, "model", "check", path)
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^warning: sp\.synPermInactiveDec 0\.0005 is .* raised to 1 LSB`, out)
	assert.Regexp(t, `sp\.synPermInactiveDec +0\.0005 +-> 1/255\n`, out)
	assert.Contains(t, out, "ok: "+path+" is valid")

	// At error, the same file is refused, naming the parameter.
	s = strings.Replace(s, "smallSteps: lsb", "smallSteps: error", 1)
	path = writeFile(t, t.TempDir(), "nab8err.yaml", s)
	_, _, err = execute(t, "model", "check", path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sp.synPermInactiveDec 0.0005 rounds to 0 at 8-bit permanences")
}

func TestModelCheckInvalid(t *testing.T) {
	text, err := os.ReadFile("../../model/presets/nab.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(text), "activationThreshold: 13", "activationThreshold: 40", 1)
	require.NotEqual(t, string(text), s)
	line := 1 + strings.Count(s[:strings.Index(s, "activationThreshold: 40")], "\n")
	path := writeFile(t, t.TempDir(), "bad.yaml", s)

	out, _, err := execute(t, "model", "check", path)
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("%s:%d: tm.activationThreshold 40 > maxSynapsesPerSegment 32", path, line), err.Error())
	assert.Empty(t, out)
}

func TestModelCheckUnknown(t *testing.T) {
	_, _, err := execute(t, "model", "check", "nosuch")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no preset "nosuch" (have hello, nab, nab-numenta, nab-unpadded, small)`)
}

func TestModelList(t *testing.T) {
	out, _, err := execute(t, "model", "list")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(model.Presets()))
	for i, name := range model.Presets() {
		assert.True(t, strings.HasPrefix(lines[i], name+" "), "line %q", lines[i])
	}
	assert.Regexp(t, `(?m)^nab +2048 columns × 32 cells, 12-bit permanences, RDSE 400 bits \+ date, likelihood$`, out)
}

func TestModelShowRoundTrips(t *testing.T) {
	for _, name := range model.Presets() {
		t.Run(name, func(t *testing.T) {
			text := presetText(t, name)
			assert.True(t, strings.HasPrefix(text, "# "+name+","), "no header comment: %q", text[:40])
			got, err := model.Parse("show.yaml", []byte(text))
			require.NoError(t, err, "model show's output is not a valid model")
			want, err := model.Preset(name)
			require.NoError(t, err)
			// nil and empty lists both print as [], so compare the YAML.
			a, err := yaml.Marshal(want)
			require.NoError(t, err)
			b, err := yaml.Marshal(got)
			require.NoError(t, err)
			assert.Equal(t, string(a), string(b))
			assert.Equal(t, want.Encoder.RDSE, got.Encoder.RDSE)
			assert.Equal(t, want.SP, got.SP)
			assert.Equal(t, want.TM, got.TM)
			assert.Equal(t, want.Likelihood, got.Likelihood)
		})
	}
}
