package sp_test

import (
	"fmt"

	"github.com/htmhw/htmhw/model/sp"
)

// A spatial pooler over 8 inputs with 4 columns, 2 of them active per step.
// Seeded with 42, column c's pool and 4-bit permanences are (docs/SPEC.md
// 5.2): c0 {2:8, 3:14}, c1 {1:12, 3:10, 4:7}, c2 {3:5, 4:10, 7:6},
// c3 {5:3, 6:12}; connected at 8. Input {2, 3, 4} overlaps the columns by
// 2, 1, 1, 0: column 0 wins, and of the tie at 1 the higher index, 2.
func Example() {
	p := sp.Params{
		NumInputs: 8, NumColumns: 4,
		PotentialRadius: 2, PotentialPct: 32768, // 0.5 in Q0.16
		NumActive: 2, StimulusThreshold: 0,
		PermBits: 4, SynPermConnected: 8, SynPermActiveInc: 1, SynPermInactiveDec: 1,
		DutyCyclePeriod: 1000, UpdatePeriod: 50,
		Seed: 42,
	}
	pooler, err := sp.New(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	active, err := pooler.Compute([]uint32{2, 3, 4}, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("overlaps:", pooler.Overlaps())
	fmt.Println("active columns:", active)
	// Output:
	// overlaps: [2 1 1 0]
	// active columns: [0 2]
}
