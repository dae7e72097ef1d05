package anomaly_test

import (
	"fmt"

	"github.com/htmhw/htmhw/model/anomaly"
)

func Example() {
	// Raw anomaly of one step: 4 active columns, 3 of them predicted.
	s := anomaly.Raw([]uint32{3, 17, 40, 99}, []uint32{3, 17, 41, 99})
	fmt.Printf("raw %d/%d = %.2f\n", s.Num, s.Den, s.Float64())

	// Anomaly likelihood with NAB's settings for a file of 1000 records.
	p := anomaly.NABLikelihoodParams(anomaly.NABProbationaryPeriod(1000))
	l, err := anomaly.NewLikelihood(p)
	if err != nil {
		panic(err)
	}
	for range 150 { // the probationary period
		l.Update(0.05)
	}
	for range 50 { // more of the same
		l.Update(0.05)
	}
	quiet := l.Update(0.05)
	spike := l.Update(1) // a burst of unpredicted columns
	again := l.Update(1) // still red: clipped to the yellow zone
	for _, x := range []float64{quiet, spike, again} {
		fmt.Printf("likelihood %.8f log %.3f\n", x, anomaly.LogLikelihood(x))
	}
	// Output:
	// raw 1/4 = 0.25
	// likelihood 0.50000000 log 0.030
	// likelihood 0.99999998 log 0.768
	// likelihood 0.99900000 log 0.300
}
