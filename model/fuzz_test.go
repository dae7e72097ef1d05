package model

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary model files to the parser: it must never panic,
// and a file it accepts must quantize and describe a region that can be
// built (with any data-derived resolution resolved) and stepped.
func FuzzParse(f *testing.F) {
	for _, name := range Presets() {
		data, _ := presetFiles.ReadFile("presets/" + name + ".yaml")
		f.Add(string(data))
	}
	f.Add("tm: {activationThreshold: 40, maxSynapsesPerSegment: 32}")
	f.Add(`{"encoder": {"rdse": {"size": 64, "activeBits": 3, "resolution": 1, "seed": 1}}, "sp": {"columnDimensions": [64]}}`)
	f.Add("sp: [1, 2\n")
	f.Add("permanenceBits: 16\nsmallSteps: zero\n")
	f.Add("encoder: {rdse: {size: 64, activeBits: 100000000, resolution: 1, seed: 1}}\nsp: {columnDimensions: [64]}\n")
	f.Add("tm: {cellsPerColumn: 4.99}\n")
	f.Add("encoder: {rdse: {kind: nupic, size: 64, activeBits: 3, resolutionBuckets: 13, rangePadding: 0.2, seed: 42}}\nsp: {columnDimensions: [64]}\n")
	f.Add("tm: {algorithm: backtracking, cellsPerColumn: 4, pamLength: 3, maxInfBacktrack: 2, maxSeqLength: 0}\nsp: {columnDimensions: [64]}\nencoder: {rdse: {size: 64, activeBits: 3, resolution: 1, seed: 1}}\n")
	f.Add("tm: {algorithm: backtrack}\n")
	f.Add("encoder: {rdse: {kind: nupic, size: 19, activeBits: 3, resolution: 0.01, seed: 1}}\nsp: {columnDimensions: [32]}\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse("fuzz.yaml", []byte(text))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if _, err := cfg.Quantize(); err != nil {
			t.Fatalf("accepted model does not quantize: %v", err)
		}
		// Building large accepted models is slow; the parser is what is
		// being fuzzed, so only small ones are stepped.
		q, _ := cfg.Quantize()
		// The bounds keep a region's memories and a step's work (SPEC 5.6)
		// to some 65536 words, so the fuzzer's rate does not stall on
		// models that are valid but large.
		if q.SP.NumColumns*q.SP.NumInputs > 1<<16 || q.SP.NumColumns*q.SP.Stride() > 1<<14 ||
			q.TM.SegmentCapacity*q.TM.MaxSynapsesPerSegment > 1<<16 || q.TM.NumCells() > 1<<14 {
			return
		}
		cfg.ResolveResolution(0, 100)
		r, err := NewRegion(cfg)
		if err != nil {
			t.Fatalf("accepted model does not build: %v", err)
		}
		for i := 0; i < 3; i++ {
			if _, err := r.Compute(Input{Value: float64(i)}, true); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
	})
}
