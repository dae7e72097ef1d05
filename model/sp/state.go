package sp

import (
	"fmt"
	"slices"
)

// State is the whole mutable state of a spatial pooler: what a snapshot
// saves and a memory image holds. Pools are stored column by column in
// slots of Stride entries; slots at or beyond PoolLen[c] are zero.
type State struct {
	Iteration   uint64   // steps computed
	Stride      int      // pool slots per column
	PoolLen     []uint16 // potential synapses per column
	PoolInput   []uint32 // [c*Stride+j]: input index of synapse j of column c
	Perm        []uint16 // [c*Stride+j]: its permanence
	OverlapDuty []uint16 // overlap duty cycle per column, fraction of DutyOne
	ActiveDuty  []uint16 // active duty cycle per column, fraction of DutyOne
	Boost       []uint16 // boost factor per column, Q4.12
	MinOverlap  uint16   // minimum overlap duty cycle
}

// State returns a copy of the pooler's state.
func (s *SpatialPooler) State() State {
	s.syncPerm()
	return State{
		Iteration:   s.iteration,
		Stride:      s.stride,
		PoolLen:     slices.Clone(s.poolLen),
		PoolInput:   slices.Clone(s.poolInput),
		Perm:        slices.Clone(s.perm),
		OverlapDuty: slices.Clone(s.overlapDuty),
		ActiveDuty:  slices.Clone(s.activeDuty),
		Boost:       slices.Clone(s.boost),
		MinOverlap:  s.minOverlap,
	}
}

// SetState replaces the pooler's state with a copy of st, after checking
// that it fits the pooler's parameters.
func (s *SpatialPooler) SetState(st State) error {
	C := s.p.NumColumns
	if st.Stride != s.stride {
		return fmt.Errorf("sp: state has %d pool slots per column, parameters give %d", st.Stride, s.stride)
	}
	for name, n := range map[string]int{"poolLen": len(st.PoolLen), "overlapDuty": len(st.OverlapDuty),
		"activeDuty": len(st.ActiveDuty), "boost": len(st.Boost)} {
		if n != C {
			return fmt.Errorf("sp: state %s has %d entries, want %d", name, n, C)
		}
	}
	if len(st.PoolInput) != C*s.stride || len(st.Perm) != C*s.stride {
		return fmt.Errorf("sp: state pools have %d/%d entries, want %d", len(st.PoolInput), len(st.Perm), C*s.stride)
	}
	pmax := s.p.PermMax()
	for c := 0; c < C; c++ {
		n := int(st.PoolLen[c])
		if n > s.stride {
			return fmt.Errorf("sp: state column %d has %d potential synapses, more than %d slots", c, n, s.stride)
		}
		if n < s.p.StimulusThreshold {
			return fmt.Errorf("sp: state column %d has %d potential synapses, fewer than stimulusThreshold %d", c, n, s.p.StimulusThreshold)
		}
		for j := n; j < s.stride; j++ {
			if i := c*s.stride + j; st.PoolInput[i] != 0 || st.Perm[i] != 0 {
				return fmt.Errorf("sp: state column %d slot %d beyond the pool is not zero", c, j)
			}
		}
		if s.p.BoostTable == nil && st.Boost[c] != BoostOne {
			return fmt.Errorf("sp: state column %d: boost %d without boosting, want %d", c, st.Boost[c], BoostOne)
		}
		for j := 0; j < n; j++ {
			i := c*s.stride + j
			if int(st.PoolInput[i]) >= s.p.NumInputs {
				return fmt.Errorf("sp: state column %d synapse %d: input %d out of range", c, j, st.PoolInput[i])
			}
			if j > 0 && st.PoolInput[i] <= st.PoolInput[i-1] {
				return fmt.Errorf("sp: state column %d: pool inputs not ascending at synapse %d", c, j)
			}
			if st.Perm[i] > pmax {
				return fmt.Errorf("sp: state column %d synapse %d: permanence %d exceeds %d", c, j, st.Perm[i], pmax)
			}
		}
	}
	s.iteration = st.Iteration
	copy(s.poolLen, st.PoolLen)
	copy(s.poolInput, st.PoolInput)
	copy(s.perm, st.Perm)
	copy(s.overlapDuty, st.OverlapDuty)
	copy(s.activeDuty, st.ActiveDuty)
	copy(s.boost, st.Boost)
	s.minOverlap = st.MinOverlap
	s.layout()
	return nil
}
