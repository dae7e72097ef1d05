package model

import "github.com/htmhw/htmhw/model/btm"

// BacktrackingParams returns the integer parameters of the backtracking TM
// a configuration describes (docs/SPEC.md, section 12): the TM section's
// quantized permanences, permanenceMax = 1.0 = 2^B − 1, maxNewSynapseCount
// as NuPIC's newSynapseCount, and the seed of the TM's nupic::Random.
func BacktrackingParams(cfg *Config, q *Quantized) btm.Params {
	t := &q.TM
	return btm.Params{
		NumColumns: t.NumColumns, CellsPerColumn: t.CellsPerColumn,
		ActivationThreshold: t.ActivationThreshold, MinThreshold: t.MinThreshold,
		NewSynapseCount: t.MaxNewSynapseCount, MaxSegmentsPerCell: t.MaxSegmentsPerCell,
		MaxSynapsesPerSeg: t.MaxSynapsesPerSegment,
		InitialPermanence: t.InitialPermanence, ConnectedPermanence: t.ConnectedPermanence,
		PermanenceIncrement: t.PermanenceIncrement, PermanenceDecrement: t.PermanenceDecrement,
		PermanenceMax: t.PermMax(),
		PamLength:     cfg.TM.PamLength, MaxInfBacktrack: cfg.TM.MaxInfBacktrack, MaxLrnBacktrack: cfg.TM.MaxLrnBacktrack,
		MaxSeqLength: cfg.TM.MaxSeqLength, SegUpdateValidDuration: cfg.TM.SegUpdateValidDuration,
		Seed: uint64(cfg.TM.Seed),
	}
}
