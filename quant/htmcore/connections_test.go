package htmcore

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkConnections checks the invariants of c: segments and synapses
// consistent with their owners and the free lists, permanences in [0, 1],
// one synapse per presynaptic cell and segment, connected counts and
// presynaptic lists consistent, and the maxima (when positive) respected.
func checkConnections(t testing.TB, c *Connections, maxSegmentsPerCell, maxSynapsesPerSegment int) {
	t.Helper()
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Fatalf(format, args...)
		}
	}
	destroyedSeg := make(map[uint32]bool)
	for _, s := range c.destroyedSegments {
		check(!destroyedSeg[s], "segment %d freed twice", s)
		destroyedSeg[s] = true
	}
	destroyedSyn := make(map[uint32]bool)
	for _, s := range c.destroyedSynapses {
		check(!destroyedSyn[s], "synapse %d freed twice", s)
		destroyedSyn[s] = true
	}
	nSeg, nSyn := 0, 0
	pres := make(map[uint32]bool)
	for cell, segs := range c.cells {
		check(maxSegmentsPerCell <= 0 || len(segs) <= maxSegmentsPerCell, "cell %d: %d segments", cell, len(segs))
		for _, seg := range segs {
			nSeg++
			check(!destroyedSeg[seg], "live segment %d on the free list", seg)
			sd := c.segments[seg]
			check(sd.Cell == uint32(cell), "segment %d on cell %d says cell %d", seg, cell, sd.Cell)
			check(maxSynapsesPerSegment <= 0 || len(sd.Synapses) <= maxSynapsesPerSegment, "segment %d: %d synapses", seg, len(sd.Synapses))
			connected := 0
			clear(pres)
			for _, syn := range sd.Synapses {
				nSyn++
				check(!destroyedSyn[syn], "live synapse %d on the free list", syn)
				d := c.synapses[syn]
				check(d.Segment == seg, "synapse %d on segment %d says %d", syn, seg, d.Segment)
				check(!pres[d.PresynapticCell], "segment %d: two synapses from cell %d", seg, d.PresynapticCell)
				pres[d.PresynapticCell] = true
				check(d.Permanence >= MinPermanence && d.Permanence <= MaxPermanence, "synapse %d: permanence %v", syn, d.Permanence)
				list, segsList := c.potentialSynapses[d.PresynapticCell], c.potentialSegments[d.PresynapticCell]
				if d.Permanence >= c.connectedThreshold {
					connected++
					list, segsList = c.connectedSynapses[d.PresynapticCell], c.connectedSegments[d.PresynapticCell]
				}
				check(list[d.mapIndex] == syn && segsList[d.mapIndex] == seg, "synapse %d: presynaptic list entry", syn)
			}
			check(connected == int(sd.NumConnected), "segment %d: %d connected, counted %d", seg, connected, sd.NumConnected)
		}
	}
	check(c.NumSegments() == nSeg, "NumSegments %d, found %d", c.NumSegments(), nSeg)
	check(c.NumSynapses() == nSyn, "NumSynapses %d, found %d", c.NumSynapses(), nSyn)
	listed := 0
	for i := range c.potentialSynapses {
		listed += len(c.potentialSynapses[i]) + len(c.connectedSynapses[i])
	}
	check(listed == nSyn, "presynaptic lists hold %d synapses, segments %d", listed, nSyn)
}

func TestConnectionsFreeLists(t *testing.T) {
	c := NewConnections(4, 0.5)
	s0 := c.CreateSegment(0, 10)
	s1 := c.CreateSegment(0, 10)
	require.Equal(t, []uint32{0, 1}, []uint32{s0, s1})
	for i, p := range []float32{0.1, 0.6, 0.3} {
		c.CreateSynapse(s0, uint32(i+1), p)
	}
	require.Equal(t, uint16(1), c.DataForSegment(s0).NumConnected)
	// A duplicate presynaptic cell returns the existing synapse, raised.
	require.Equal(t, uint32(0), c.CreateSynapse(s0, 1, 0.7))
	require.Equal(t, float32(0.7), c.DataForSynapse(0).Permanence)
	require.Equal(t, uint32(0), c.CreateSynapse(s0, 1, 0.2))
	require.Equal(t, float32(0.7), c.DataForSynapse(0).Permanence, "never lowered")
	require.Equal(t, 3, c.NumSynapses())

	// Destroying a synapse moves the segment's last synapse into its slot.
	c.DestroySynapse(0)
	require.Equal(t, []uint32{2, 1}, c.SynapsesForSegment(s0))
	// Freed ids are reused last first.
	c.DestroySynapse(1)
	require.Equal(t, uint32(1), c.CreateSynapse(s1, 3, 0.5))
	require.Equal(t, uint32(0), c.CreateSynapse(s1, 2, 0.5))
	require.Equal(t, uint32(3), c.CreateSynapse(s1, 1, 0.5))
	checkConnections(t, c, 0, 0)

	// Destroying a segment frees its synapses from the last, then its id.
	c.DestroySegment(s1)
	require.Equal(t, []uint32{3, 0, 1}, c.destroyedSynapses)
	require.Equal(t, uint32(1), c.CreateSegment(2, 10))
	require.Equal(t, 2, c.NumSegments())
	checkConnections(t, c, 0, 0)
}

// CreateSegment evicts the segment with the smallest sum of squared
// permanences (htm.core v2.2.0's pruneSegment_, not the least recently
// used), the lowest id on a tie, and reuses its id.
func TestConnectionsEviction(t *testing.T) {
	c := NewConnections(2, 0.5)
	a := c.CreateSegment(0, 3)
	b := c.CreateSegment(0, 3)
	d := c.CreateSegment(0, 3)
	c.CreateSynapse(a, 1, 0.5) // 0.25
	c.CreateSynapse(b, 1, 0.3) // 0.09 + 0.09 = 0.18: least
	c.CreateSynapse(b, 2, 0.3)
	c.CreateSynapse(d, 1, 0.45) // 0.2025
	e := c.CreateSegment(0, 3)
	require.Equal(t, b, e)
	require.Equal(t, []uint32{a, d, e}, c.SegmentsForCell(0))
	require.Empty(t, c.SynapsesForSegment(e))
	require.Equal(t, 1, c.Stats().EvictedSegments)
	// d (id 2) and e (id 1) tie at 0.2025: the lower id, e, goes.
	c.CreateSynapse(e, 1, 0.45)
	f := c.CreateSegment(0, 3)
	require.Equal(t, e, f)
	require.Equal(t, []uint32{a, d, f}, c.SegmentsForCell(0))
	checkConnections(t, c, 3, 0)
}

func TestConnectionsTieEviction(t *testing.T) {
	c := NewConnections(1, 0.5)
	x := c.CreateSegment(0, 2)
	y := c.CreateSegment(0, 2)
	c.CreateSynapse(y, 5, 0.4)
	c.CreateSynapse(x, 6, 0.4)
	require.Equal(t, x, c.CreateSegment(0, 2), "equal sums: the lower id is evicted")
	require.Equal(t, []uint32{y, x}, c.SegmentsForCell(0))
}

func TestConnectionsAdaptAndPrune(t *testing.T) {
	c := NewConnections(4, 0.5)
	s := c.CreateSegment(0, 1)
	c.CreateSynapse(s, 1, 0.05)
	c.CreateSynapse(s, 2, 0.5)
	c.CreateSynapse(s, 3, 0.05)
	input := []bool{false, false, true, false}
	c.AdaptSegment(s, input, 0.1, 0.05, true, 0)
	// Synapses 0 and 2 reach 0 and are pruned, in synapse order.
	require.Equal(t, []uint32{1}, c.SynapsesForSegment(s))
	require.Equal(t, []uint32{0, 2}, c.destroyedSynapses)
	require.Equal(t, float32(0.5)+float32(0.1), c.DataForSynapse(1).Permanence)
	// Below segmentThreshold, the segment itself goes.
	c.AdaptSegment(s, input, 0.1, 0.05, true, 2)
	require.Equal(t, 0, c.NumSegments())
	require.Equal(t, Stats{PrunedSynapses: 2, PrunedSegments: 1}, c.Stats())
	checkConnections(t, c, 0, 0)
}

func TestConnectionsGrowSynapses(t *testing.T) {
	c := NewConnections(10, 0.5)
	s := c.CreateSegment(0, 1)
	c.CreateSynapse(s, 1, 0.3)
	c.CreateSynapse(s, 2, 0.1)
	c.CreateSynapse(s, 3, 0.2)
	c.CreateSynapse(s, 4, 0.1)
	// Room for 5: growing 3 from {5, 6, 7} destroys 2 weakest not among
	// the candidates: synapses 1 and 3 (0.1 each, lower id first).
	rng := NewRandom(1)
	c.GrowSynapses(s, []uint32{5, 6, 7}, 0.21, rng, 3, 5)
	require.Equal(t, uint64(0), rng.Steps(), "no shuffle when all candidates are taken")
	require.Equal(t, 2, c.Stats().EvictedSynapses)
	pres := presyns(c, s)
	require.Equal(t, []uint32{1, 3, 5, 6, 7}, pres)
	// More candidates than wanted: shuffled (n−1 draws), then the first
	// new ones taken; candidates already present count for nothing.
	rng, ref := NewRandom(3), NewRandom(3)
	cand := []uint32{1, 2, 8, 9}
	c.GrowSynapses(s, cand, 0.4, rng, 2, 0)
	shuffled := slices.Clone(cand)
	Shuffle(ref, shuffled)
	want := []uint32{1, 3, 5, 6, 7}
	grown := 0
	for _, x := range shuffled {
		if grown == 2 {
			break
		}
		if !slices.Contains(want, x) {
			want = append(want, x)
			grown++
		}
	}
	slices.Sort(want)
	require.Equal(t, want, presyns(c, s))
	checkConnections(t, c, 0, 0)
}

func presyns(c *Connections, s uint32) []uint32 {
	var p []uint32
	for _, syn := range c.SynapsesForSegment(s) {
		p = append(p, c.DataForSynapse(syn).PresynapticCell)
	}
	slices.Sort(p)
	return p
}

func TestRaisePermanencesToThreshold(t *testing.T) {
	c := NewConnections(1, 0.5)
	s := c.CreateSegment(0, 1)
	for i, p := range []float32{0.1, 0.4, 0.2, 0.3} {
		c.CreateSynapse(s, uint32(i), p)
	}
	c.RaisePermanencesToThreshold(s, 2)
	// The second greatest (0.3) is raised to connectedPermanence − Epsilon;
	// all by the same amount.
	inc := (float32(0.5) - Epsilon) - float32(0.3)
	for i, p := range []float32{0.1, 0.4, 0.2, 0.3} {
		require.Equal(t, p+inc, c.DataForSynapse(uint32(i)).Permanence)
	}
	require.Equal(t, uint16(2), c.DataForSegment(s).NumConnected)
	checkConnections(t, c, 0, 0)
}
