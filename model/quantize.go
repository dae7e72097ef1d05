package model

import (
	"fmt"
	"math"

	"github.com/htmhw/htmhw/model/sp"
	"github.com/htmhw/htmhw/model/tm"
)

// Quantized is a configuration turned into integers: the parameters the
// golden model (and the hardware) run on, and what the rounding did.
type Quantized struct {
	SP       sp.Params
	TM       tm.Params
	Warnings []string // parameters that SmallSteps changed, one line each
}

// PermQuantize maps a permanence in htm.core's [0, 1] scale to bits-wide
// integers: ⌊x·(2^bits − 1) + 1/2⌋ in float64.
func PermQuantize(x float64, bits int) uint16 {
	pmax := float64(uint32(1)<<bits - 1)
	return uint16(math.Floor(min(max(x, 0), 1)*pmax + 0.5))
}

// Q16 maps a fraction in [0, 1] to 16 fraction bits: ⌊x·65536 + 1/2⌋.
func Q16(x float64) uint32 {
	return uint32(math.Floor(min(max(x, 0), 1)*65536 + 0.5))
}

// Quantize returns the integer parameters of the configuration. The
// encoder's size must be known: a resolution still to be derived from the
// data does not change the size, so Quantize works before
// ResolveResolution.
func (c *Config) Quantize() (*Quantized, error) {
	q := &Quantized{}
	bits := c.PermanenceBits
	pmax := uint16(1<<bits - 1)
	perm := func(path string, x float64, threshold bool) (uint16, error) {
		v := PermQuantize(x, bits)
		if v > 0 || x == 0 {
			return v, nil
		}
		lsb := 1 / float64(pmax)
		switch {
		case c.SmallSteps == "lsb" || threshold && c.SmallSteps == "zero":
			q.Warnings = append(q.Warnings, fmt.Sprintf("%s %g is %.3g LSB at %d bits: raised to 1 LSB (%.6g)", path, x, x/lsb, bits, lsb))
			return 1, nil
		case c.SmallSteps == "zero":
			q.Warnings = append(q.Warnings, fmt.Sprintf("%s %g is %.3g LSB at %d bits: rounds to 0, which disables it", path, x, x/lsb, bits))
			return 0, nil
		}
		need := bits
		for need < 16 && PermQuantize(x, need) == 0 {
			need++
		}
		return 0, invalid(path, "%g rounds to 0 at %d-bit permanences (1 LSB = %.6g): learning would silently stop; use permanenceBits ≥ %d, or smallSteps: lsb to raise it to 1 LSB", x, bits, lsb, need)
	}
	var err error
	get := func(path string, x float64, threshold bool) uint16 {
		if err != nil {
			return 0
		}
		var v uint16
		v, err = perm(path, x, threshold)
		return v
	}

	n, e := c.encoderSize()
	if e != nil {
		return nil, invalid("encoder", "%v", e)
	}
	s := &c.SP
	cols := s.ColumnDimensions[0]
	k := s.NumActiveColumnsPerInhArea
	density := float64(k) / float64(cols)
	if k == 0 {
		// As htm.core: density × columns + 0.5 truncated, density a float32.
		d32 := float32(s.LocalAreaDensity)
		k = int(float64(d32)*float64(cols) + 0.5)
		density = float64(d32)
	}
	if k < 1 {
		return nil, invalid("sp.localAreaDensity", "%g of %d columns selects no column", s.LocalAreaDensity, cols)
	}
	q.SP = sp.Params{
		NumInputs:               n,
		NumColumns:              cols,
		PotentialRadius:         s.PotentialRadius,
		PotentialPct:            Q16(s.PotentialPct),
		WrapAround:              s.WrapAround,
		NumActive:               k,
		StimulusThreshold:       s.StimulusThreshold,
		PermBits:                uint(bits),
		SynPermConnected:        get("sp.synPermConnected", s.SynPermConnected, true),
		SynPermActiveInc:        get("sp.synPermActiveInc", s.SynPermActiveInc, false),
		SynPermInactiveDec:      get("sp.synPermInactiveDec", s.SynPermInactiveDec, false),
		SynPermBelowStimulusInc: get("sp.synPermConnected/10 (synPermBelowStimulusInc)", s.SynPermConnected/10, false),
		SynPermTrimThreshold:    PermQuantize(s.SynPermActiveInc/2, bits),
		MinPctOverlapDutyCycles: Q16(s.MinPctOverlapDutyCycles),
		DutyCyclePeriod:         uint32(s.DutyCyclePeriod),
		UpdatePeriod:            uint32(s.UpdatePeriod),
		Seed:                    uint32(s.Seed),
	}
	if s.BoostStrength > 0 {
		q.SP.BoostTable = BoostTable(density, s.BoostStrength)
	}
	if trim := s.SynPermActiveInc / 2; trim > 0 && q.SP.SynPermTrimThreshold == 0 {
		q.Warnings = append(q.Warnings, fmt.Sprintf("sp.synPermActiveInc/2 (synPermTrimThreshold) %g is %.3g LSB at %d bits: rounds to 0, which disables trimming", trim, trim*float64(pmax), bits))
	}
	t := &c.TM
	q.TM = tm.Params{
		NumColumns:                cols,
		CellsPerColumn:            t.CellsPerColumn,
		ActivationThreshold:       t.ActivationThreshold,
		MinThreshold:              t.MinThreshold,
		MaxNewSynapseCount:        t.MaxNewSynapseCount,
		MaxSegmentsPerCell:        t.MaxSegmentsPerCell,
		MaxSynapsesPerSegment:     t.MaxSynapsesPerSegment,
		SegmentCapacity:           t.SegmentPoolCapacity,
		PermBits:                  uint(bits),
		InitialPermanence:         get("tm.initialPermanence", t.InitialPermanence, true),
		ConnectedPermanence:       get("tm.connectedPermanence", t.ConnectedPermanence, true),
		PermanenceIncrement:       get("tm.permanenceIncrement", t.PermanenceIncrement, false),
		PermanenceDecrement:       get("tm.permanenceDecrement", t.PermanenceDecrement, false),
		PredictedSegmentDecrement: get("tm.predictedSegmentDecrement", t.PredictedSegmentDecrement, false),
		Seed:                      uint32(t.Seed),
	}
	if err != nil {
		return nil, err
	}
	if e := q.SP.Validate(); e != nil {
		return nil, invalid("sp", "%v", e)
	}
	if e := q.TM.Validate(); e != nil {
		return nil, invalid("tm", "%v", e)
	}
	return q, nil
}

// BoostTable returns the Q4.12 boost factors for a target density and
// boostStrength: entry i is ⌊4096·exp((density − (i + 1/2)/1024)·strength)
// + 1/2⌋, clamped to [0, 65535], for the active duty cycles whose top ten
// bits are i.
func BoostTable(density, strength float64) []uint16 {
	t := make([]uint16, sp.BoostTableSize)
	for i := range t {
		d := (float64(i) + 0.5) / sp.BoostTableSize
		v := math.Floor(sp.BoostOne*math.Exp((density-d)*strength) + 0.5)
		t[i] = uint16(min(v, 65535))
	}
	return t
}
