package tm_test

import (
	"fmt"

	"github.com/htmhw/htmhw/model/tm"
)

// A temporal memory learning the sequence A B A B … (A = column 0, B =
// column 1). New synapses start connected (initialPermanence =
// connectedPermanence) and one connected active synapse makes a segment
// active, so the sequence is learnt after one presentation: steps 1–3
// burst (the first A has no predecessor; the first B grows a segment to
// A's winner; the second A grows one to B's winner, while B's segment
// becomes active), and from step 4 on every column is predicted.
func Example() {
	p := tm.Params{
		NumColumns: 4, CellsPerColumn: 2,
		ActivationThreshold: 1, MinThreshold: 1, MaxNewSynapseCount: 2,
		MaxSegmentsPerCell: 2, MaxSynapsesPerSegment: 4, SegmentCapacity: 8,
		PermBits: 4, InitialPermanence: 8, ConnectedPermanence: 8,
		PermanenceIncrement: 1, PermanenceDecrement: 1,
		Seed: 7,
	}
	mem, err := tm.New(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	seq := [][]uint32{{0}, {1}}
	for step := 1; step <= 6; step++ {
		cols := seq[(step-1)%2]
		if err := mem.Compute(cols, true); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("step %d: columns %v predicted %v, unpredicted %d/%d, segments %d\n",
			step, cols, mem.PredictedColumns(), mem.Unpredicted(), len(cols), mem.NumSegments())
	}
	// Output:
	// step 1: columns [0] predicted [], unpredicted 1/1, segments 0
	// step 2: columns [1] predicted [], unpredicted 1/1, segments 1
	// step 3: columns [0] predicted [], unpredicted 1/1, segments 2
	// step 4: columns [1] predicted [1], unpredicted 0/1, segments 2
	// step 5: columns [0] predicted [0], unpredicted 0/1, segments 2
	// step 6: columns [1] predicted [1], unpredicted 0/1, segments 2
}
