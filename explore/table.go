package explore

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/htmhw/htmhw/image"
)

// clockParts returns the parts of the table with a steps-per-second
// figure, in the order of image.Parts.
func clockParts(rs []Result) []string {
	var names []string
	for _, p := range image.Parts {
		for _, r := range rs {
			if _, ok := r.StepsPerSecond[p.Name]; ok {
				names = append(names, p.Name)
				break
			}
		}
	}
	return names
}

// WriteCSV writes the table as CSV, one row per variant.
func WriteCSV(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	parts := clockParts(rs)
	head := []string{"variant", "base", "columns", "cellsPerColumn", "segmentPoolCapacity", "maxSynapsesPerSegment",
		"maxSegmentsPerCell", "permanenceBits", "standard", "reward_low_FP_rate", "reward_low_FN_rate", "threshold",
		"splitA", "splitB", "splitThreshold", "imageBits", "smallestPart", "onChip", "cyclesPerStep"}
	for _, p := range parts {
		head = append(head, "stepsPerSecond "+p)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	i := func(x int) string {
		if x == 0 {
			return ""
		}
		return strconv.Itoa(x)
	}
	for _, r := range rs {
		row := []string{r.Name, r.Base, i(r.Columns), i(r.CellsPerColumn), i(r.SegmentPoolCapacity), i(r.MaxSynapsesPerSegment),
			i(r.MaxSegmentsPerCell), i(r.PermanenceBits), f(r.Standard), f(r.LowFP), f(r.LowFN), f(r.Threshold),
			f(r.SplitA), f(r.SplitB), f(r.SplitThreshold), strconv.Itoa(r.ImageBits), r.Smallest(), strings.Join(r.OnChip, ";"),
			f(r.CyclesPerStep)}
		for _, p := range parts {
			s := ""
			if v, ok := r.StepsPerSecond[p]; ok {
				s = f(v)
			}
			row = append(row, s)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the table as a JSON array.
func WriteJSON(w io.Writer, rs []Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// Pareto returns the indices of the variants on the Pareto front of NAB
// standard score against image bits: those that no other variant beats
// with as few bits or fewer, in ascending bits.
func Pareto(rs []Result) []int {
	idx := make([]int, len(rs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if rs[a].ImageBits != rs[b].ImageBits {
			return rs[a].ImageBits - rs[b].ImageBits
		}
		switch {
		case rs[a].Standard > rs[b].Standard:
			return -1
		case rs[a].Standard < rs[b].Standard:
			return 1
		}
		return 0
	})
	var front []int
	for _, i := range idx {
		if len(front) == 0 || rs[i].Standard > rs[front[len(front)-1]].Standard {
			front = append(front, i)
		}
	}
	return front
}

// Best is the best variant a part holds on chip.
type Best struct {
	Part string
	// ByCorpus is the variant with the best standard score on the whole
	// corpus; BySplit the one with the best score on half A, whose score on
	// half B is the honest estimate.
	ByCorpus, BySplit int
}

// BestPerPart returns, for every part that holds at least one variant on
// chip, its best variants.
func BestPerPart(rs []Result) []Best {
	var out []Best
	for _, p := range image.Parts {
		b := Best{Part: p.Name, ByCorpus: -1, BySplit: -1}
		for i, r := range rs {
			if !slices.Contains(r.OnChip, p.Name) {
				continue
			}
			if b.ByCorpus < 0 || r.Standard > rs[b.ByCorpus].Standard {
				b.ByCorpus = i
			}
			if b.BySplit < 0 || r.SplitA > rs[b.BySplit].SplitA {
				b.BySplit = i
			}
		}
		if b.ByCorpus >= 0 {
			out = append(out, b)
		}
	}
	return out
}

// WriteSummary writes the table as text: each variant's scores and cost,
// then the best variant per part.
func WriteSummary(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	parts := clockParts(rs)
	head := "variant\tstandard\tlow FP\tlow FN\tsplit A\tsplit B\timage Mbit\tsmallest part\tcycles/step\t"
	for _, p := range parts {
		head += "steps/s " + p + "\t"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rs {
		smallest := r.Smallest()
		if smallest == "" {
			smallest = "none"
		}
		line := fmt.Sprintf("%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.3f\t%s\t%.0f\t", r.Name, r.Standard, r.LowFP, r.LowFN,
			r.SplitA, r.SplitB, float64(r.ImageBits)/1e6, smallest, r.CyclesPerStep)
		for _, p := range parts {
			if v, ok := r.StepsPerSecond[p]; ok {
				line += fmt.Sprintf("%.0f\t", v)
			} else {
				line += "\t"
			}
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nBest variant each part holds on chip (standard profile; split: chosen on half A, scored on half B):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "part\tbest on the corpus\tstandard\tchosen on A\tscore on B\t")
	for _, b := range BestPerPart(rs) {
		c, s := rs[b.ByCorpus], rs[b.BySplit]
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%.2f\t\n", b.Part, c.Name, c.Standard, s.Name, s.SplitB)
	}
	return tw.Flush()
}
