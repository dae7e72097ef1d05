package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/nab"
)

// runWidths runs htmhw nab once per --bits width. With several widths
// each run writes its results under its own detector name (the detector
// followed by the width, "htmhw12b") and the command ends with a table of
// the widths' profile scores, so that what each width costs shows side by
// side.
func (o *nabOptions) runWidths(cmd *cobra.Command) error {
	switch len(o.widths) {
	case 0:
		return o.run(cmd)
	case 1:
		o.bits = o.widths[0]
		return o.run(cmd)
	}
	if o.engine != string(nab.Int) {
		return fmt.Errorf("--bits %v: several widths need the int engine (the %s engine has no permanence width)", o.widths, o.engine)
	}
	if o.report != "" {
		return errors.New("--report takes one width")
	}
	for _, b := range o.widths {
		if b <= 0 {
			return fmt.Errorf("--bits %v: width %d must be positive", o.widths, b)
		}
	}
	w := cmd.OutOrStdout()
	det := o.detector
	scores := make([]map[string]float64, len(o.widths))
	for i, b := range o.widths {
		o.bits, o.detector = b, fmt.Sprintf("%s%db", det, b)
		fmt.Fprintf(w, "== %d-bit permanences\n", b)
		if err := o.run(cmd); err != nil {
			return fmt.Errorf("--bits %d: %w", b, err)
		}
		scores[i] = o.last
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%s, int engine, by permanence width:\n", o.model)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bits\tstandard\treward_low_FP_rate\treward_low_FN_rate\t")
	for i, b := range o.widths {
		s := scores[i]
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t\n", b, s[nab.Standard.Name], s[nab.RewardLowFP.Name], s[nab.RewardLowFN.Name])
	}
	return tw.Flush()
}
