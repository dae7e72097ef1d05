package series_test

import (
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/htmhw/htmhw/series"
)

func ExampleRead() {
	const data = "timestamp,value\n" +
		"2015-09-08 11:39:00,73\n" +
		"2015-09-08 11:44:00,nan\n" +
		"2015-09-08 11:59:00,66\n"

	rows, err := series.Read(strings.NewReader(data), series.Options{Missing: series.Hold})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Println(r.Line, r.Time.Format("15:04"), r.Value, r.Missing)
	}
	lo, hi := series.Range(rows)
	fmt.Println("range", lo, hi)
	// Output:
	// 2 11:39 73 false
	// 3 11:44 73 true
	// 4 11:59 66 false
	// range 66 73
}

func ExampleReadFile() {
	rows, err := series.ReadFile("../testdata/nab/speed_7578.csv", series.Options{Min: new(0.0)})
	if err != nil {
		log.Fatal(err)
	}
	lo, hi := series.Range(rows)
	fmt.Printf("%d rows from %v to %v, values %g to %g\n",
		len(rows), rows[0].Time, rows[len(rows)-1].Time, lo, hi)
	// Output:
	// 1127 rows from 2015-09-08 11:39:00 +0000 UTC to 2015-09-17 14:05:00 +0000 UTC, values 1 to 90
}

func ExampleParseError() {
	const data = "timestamp,value\n2015-09-08 11:39:00,73\n2015-09-08 11:44:00,abc\n"

	_, err := series.Read(strings.NewReader(data), series.Options{File: "speed.csv"})
	fmt.Println(err)
	// Output:
	// speed.csv:3: column 2 "value": "abc" is not a number
}

func ExampleReader() {
	const data = "timestamp,value\n2015-09-08 11:39:00,73\n2015-09-08 11:44:00,62\n"

	r, err := series.NewReader(strings.NewReader(data), series.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row.Time.Format(time.DateTime), row.Value)
	}
	// Output:
	// 2015-09-08 11:39:00 73
	// 2015-09-08 11:44:00 62
}
