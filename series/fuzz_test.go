package series_test

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/htmhw/htmhw/series"
)

// FuzzRead checks that Read never panics and that what it returns is sane:
// values are finite (or Missing, under Hold only), lines strictly increase,
// and writing the rows back out and reading them again gives the same series.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"art_daily_jumpsup.csv", "speed_7578.csv"} {
		file, err := os.Open(filepath.Join(nabDir, name))
		if err != nil {
			f.Fatal(err)
		}
		var head strings.Builder
		sc := bufio.NewScanner(file)
		for i := 0; i < 6 && sc.Scan(); i++ {
			head.WriteString(sc.Text() + "\n")
		}
		file.Close()
		for p := range 3 {
			f.Add(head.String(), uint8(p), false)
			f.Add(head.String(), uint8(p), true)
		}
	}
	for _, s := range []string{
		"",
		"\uFEFF",
		"\uFEFFtimestamp,value\r\n2015-09-08 11:39:00,73\r\n",
		"timestamp,value\n",
		"timestamp,value\n\n\n",
		"timestamp,value\n2015-09-08 11:39:00,\n2015-09-08 11:44:00,nan\n2015-09-08 11:49:00,1\n",
		"timestamp,value\n2015-09-08 11:39:00,-inf\n2015-09-08 11:44:00,NULL\n",
		"timestamp,value\n2015-09-08 11:39:00,1e400\n",
		"timestamp,value\n2015-09-08 11:39:00,0x1p4\n",
		"timestamp,value\n2015-09-08 11:39:00.123456,1\n2015-09-08T11:39:00Z,2\n2015-09-08T11:39:00+14:00,3\n",
		"timestamp,value\n0000-01-01T00:00:00+01:00,1\n9999-12-31T23:59:59-01:00,2\n",
		"timestamp,value\n2015-09-08 11:44:00,1\n2015-09-08 11:39:00,2\n",
		"timestamp,value\n2015-02-30 11:39:00,1\n",
		"timestamp,value\n\"2015-09-08\n11:39:00\",1\n",
		"timestamp,value\n2015-09-08 11:39:00,1\"\n",
		"timestamp,value,value\n",
		"value,timestamp,x\n1,2015-09-08 11:39:00\n",
		"timestamp\n2015-09-08 11:39:00\n",
	} {
		for p := range 3 {
			f.Add(s, uint8(p), p == 1)
		}
	}

	f.Fuzz(func(t *testing.T, data string, policy uint8, monotonic bool) {
		opt := series.Options{Missing: series.Policy(policy % 3), Monotonic: monotonic}
		rows, err := series.Read(strings.NewReader(data), opt)
		if err != nil {
			if rows != nil {
				t.Fatalf("rows returned with error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		prev := 0
		for i, r := range rows {
			if r.Line <= prev {
				t.Fatalf("row %d: line %d after line %d", i, r.Line, prev)
			}
			prev = r.Line
			if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
				t.Fatalf("line %d: value %v", r.Line, r.Value)
			}
			if r.Missing && opt.Missing != series.Hold {
				t.Fatalf("line %d: Missing under policy %v", r.Line, opt.Missing)
			}
			if r.Missing && (i == 0 || r.Value != rows[i-1].Value) {
				t.Fatalf("line %d: held value %v does not repeat the row before", r.Line, r.Value)
			}
			if r.Time.Location() != time.UTC {
				t.Fatalf("line %d: time %v not in UTC", r.Line, r.Time)
			}
			if monotonic && i > 0 && r.Time.Before(rows[i-1].Time) {
				t.Fatalf("line %d: time %v before %v", r.Line, r.Time, rows[i-1].Time)
			}
		}

		// Round trip: write the rows in canonical form and read them again.
		var b strings.Builder
		b.WriteString("timestamp,value\n")
		for _, r := range rows {
			if y := r.Time.Year(); y < 0 || y > 9999 {
				return // cannot be written with a four-digit year
			}
			b.WriteString(r.Time.Format(time.RFC3339Nano) + "," + strconv.FormatFloat(r.Value, 'g', -1, 64) + "\n")
		}
		again, err := series.Read(strings.NewReader(b.String()), series.Options{})
		if err != nil {
			t.Fatalf("reading back %q: %v", b.String(), err)
		}
		if len(again) != len(rows) {
			t.Fatalf("read back %d rows, want %d", len(again), len(rows))
		}
		for i := range rows {
			if !again[i].Time.Equal(rows[i].Time) || again[i].Value != rows[i].Value {
				t.Fatalf("row %d: read back %v %v, want %v %v", i, again[i].Time, again[i].Value, rows[i].Time, rows[i].Value)
			}
		}
	})
}
