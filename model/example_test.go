package model_test

import (
	"fmt"
	"log"
	"time"

	"github.com/htmhw/htmhw/model"
)

// A region learns a repeating pattern on line: after a few periods, the
// raw anomaly of the pattern falls to zero.
func ExampleRegion_Compute() {
	cfg, err := model.Preset("hello")
	if err != nil {
		log.Fatal(err)
	}
	cfg.ResolveResolution(0, 10) // the range of the data to come
	r, err := model.NewRegion(cfg)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		in := model.Input{Time: start.Add(time.Duration(i) * time.Minute), Value: float64(i % 10)}
		out, err := r.Compute(in, true)
		if err != nil {
			log.Fatal(err)
		}
		if i == 0 || i == 199 {
			fmt.Printf("step %d: %d active columns, anomaly %d/%d\n", i, len(out.ActiveColumns), out.Anomaly.Num, out.Anomaly.Den)
		}
	}
	// Output:
	// step 0: 102 active columns, anomaly 102/102
	// step 199: 102 active columns, anomaly 0/102
}
