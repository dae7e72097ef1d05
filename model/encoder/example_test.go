package encoder_test

import (
	"fmt"
	"time"

	"github.com/htmhw/htmhw/model/encoder"
)

// An RDSE for a value and the NAB detector's time-of-day encoding,
// concatenated into one SDR.
func Example() {
	value, err := encoder.NewRDSE(encoder.RDSEParams{Size: 400, ActiveBits: 21, Resolution: 0.5, Seed: 7})
	if err != nil {
		panic(err)
	}
	date, err := encoder.NewDate(encoder.DateParams{TimeOfDayWidth: 21, TimeOfDayRadius: 9.49})
	if err != nil {
		panic(err)
	}
	var layout encoder.Multi
	if _, err := layout.Add("value", value.Size()); err != nil {
		panic(err)
	}
	if _, err := layout.Add("timeOfDay", date.Size()); err != nil {
		panic(err)
	}

	v, err := value.Encode(42.3, nil)
	if err != nil {
		panic(err)
	}
	d, err := date.Encode(time.Date(2014, 4, 1, 6, 0, 0, 0, time.UTC), nil)
	if err != nil {
		panic(err)
	}
	out, err := layout.Concat(nil, v, d)
	if err != nil {
		panic(err)
	}
	fmt.Println(layout.Fields())
	fmt.Println(len(v), "value bits,", len(d), "time bits, total", len(out), "of", layout.Size())
	fmt.Println("time bits:", out[len(out)-21:])
	// Output:
	// [{value 0 400} {timeOfDay 400 54}]
	// 21 value bits, 21 time bits, total 42 of 454
	// time bits: [413 414 415 416 417 418 419 420 421 422 423 424 425 426 427 428 429 430 431 432 433]
}

func ExampleScalar() {
	e, err := encoder.NewScalar(encoder.ScalarParams{Minimum: 0, Maximum: 24, Periodic: true, ActiveBits: 4, Radius: 4})
	if err != nil {
		panic(err)
	}
	for _, h := range []float64{0, 14.75, 22.9833} {
		bits, err := e.Encode(h, nil)
		if err != nil {
			panic(err)
		}
		fmt.Println(h, bits)
	}
	_, err = e.Encode(25, nil)
	fmt.Println(err)
	// Output:
	// 0 [0 1 2 3]
	// 14.75 [15 16 17 18]
	// 22.9833 [0 1 2 23]
	// encoder: scalar: input 25 outside range [0, 24]
}

func ExampleCategory() {
	c, err := encoder.NewCategory(3, 2)
	if err != nil {
		panic(err)
	}
	bits, _ := c.Encode(2, nil)
	fmt.Println(c.Size(), bits)
	// Output: 6 [4 5]
}
