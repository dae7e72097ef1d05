package nab_test

import (
	"fmt"
	"log"

	"github.com/htmhw/htmhw/nab"
)

// Scoring a detector: the toy case of NAB's SCORING.md (one file of 100
// rows, one window on rows 40–49, detections at rows 45, 47 and 60).
func Example() {
	dir := "../testdata/nabscore/toy"
	c, err := nab.LoadCorpus(dir+"/data", dir+"/windows.json")
	if err != nil {
		log.Fatal(err)
	}
	r, err := nab.ReadResults(dir+"/results", "hand")
	if err != nil {
		log.Fatal(err)
	}
	p := nab.Standard

	res, err := nab.Score(c, r, p, 0.8)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("at θ=0.8: raw %.4f, TP %d FP %d FN %d TN %d\n", res.Raw, res.TP, res.FP, res.FN, res.TN)

	θ, raw, err := nab.Optimize(c, r, p)
	if err != nil {
		log.Fatal(err)
	}
	null, perfect := nab.NullScore(c, p), nab.PerfectScore(c, p)
	fmt.Printf("best θ=%v: raw %.4f, NAB score %.2f (null %v, perfect %v)\n",
		θ, raw, nab.Normalize(raw, null, perfect), null, perfect)
	// Output:
	// at θ=0.8: raw 0.7503, TP 2 FP 1 FN 8 TN 74
	// best θ=0.9: raw 0.8598, NAB score 92.99 (null -1, perfect 1)
}

// The weight of a detection at each row: the first row of the window is
// worth tpWeight, later rows less; a detection before the first window
// costs fpWeight, one just after the window a little less.
func ExampleFile_SweepScores() {
	c, err := nab.LoadCorpus("../testdata/nabscore/toy/data", "../testdata/nabscore/toy/windows.json")
	if err != nil {
		log.Fatal(err)
	}
	s := c.File("toy/toy.csv").SweepScores(nab.Standard)
	for _, i := range []int{39, 40, 45, 49, 50, 60, 80} {
		fmt.Printf("row %d: %+.4f\n", i, s[i])
	}
	// Output:
	// row 39: -0.1100
	// row 40: +1.0000
	// row 45: +0.8598
	// row 49: +0.2482
	// row 50: -0.0298
	// row 60: -0.1095
	// row 80: -0.1100
}
