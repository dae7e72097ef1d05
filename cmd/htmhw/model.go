package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/model"
)

// newModelCmd returns the model command and its subcommands.
func newModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Check, list and show model files",
		Long: `A model is a YAML file in htm.core's parameter names plus the hardware ones,
or the name of one of the presets built into htmhw.`,
	}
	cmd.AddCommand(newModelCheckCmd(), newModelListCmd(), newModelShowCmd())
	return cmd
}

// newModelCheckCmd returns the model check command.
func newModelCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check MODEL",
		Short: "Validate a model and show the integers it runs on",
		Long: `Check validates a model file (or preset), and prints a summary of the region
it describes, the integer value of every permanence parameter at the model's
permanence width, and a line starting "warning:" for every parameter that
smallSteps changed. It fails with the first invalid parameter.`,
		Example: "  htmhw model check nab\n  htmhw model check my-model.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := model.Load(args[0])
			if err != nil {
				return err
			}
			return checkModel(cmd.OutOrStdout(), args[0], cfg)
		},
	}
}

// checkModel writes the summary of a valid configuration.
func checkModel(w io.Writer, arg string, cfg *model.Config) error {
	q, err := cfg.Quantize()
	if err != nil {
		return err
	}
	// A region shows the potential pools; its resolution does not change
	// any size.
	sized := *cfg
	if sized.NeedsRange() {
		sized.ResolveResolution(0, 1)
	}
	region, err := model.NewRegion(&sized)
	if err != nil {
		return fmt.Errorf("%s: %w", arg, err)
	}
	pools := region.SP().State().PoolLen
	lo, hi := pools[0], pools[0]
	for _, n := range pools {
		lo, hi = min(lo, n), max(hi, n)
	}

	sp, tm := &q.SP, &q.TM
	pmax := sp.PermMax()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	if arg == cfg.Name {
		p("model %s", cfg.Name)
	} else {
		p("model %s (%s)", cfg.Name, arg)
	}
	p("  permanences\t%d bits, 1 LSB = %.6g, smallSteps %s", cfg.PermanenceBits, 1/float64(pmax), cfg.SmallSteps)
	rdse := cfg.Encoder.RDSE
	enc := fmt.Sprintf("%d bits: RDSE %d (%s, %s)", sp.NumInputs, rdse.Size, rdseActive(rdse), rdseScale(rdse))
	if cfg.Encoder.Date != nil {
		enc += fmt.Sprintf(" + date %d", sp.NumInputs-rdse.Size)
	}
	p("  encoder\t%s", enc)
	p("  columns\t%d, k = %d active", sp.NumColumns, sp.NumActive)
	p("  cells\t%d (%d per column)", tm.NumCells(), tm.CellsPerColumn)
	if lo == hi {
		p("  sp pools\t%d potential synapses per column", lo)
	} else {
		p("  sp pools\t%d to %d potential synapses per column", lo, hi)
	}
	p("  tm segments\tcapacity %d, at most %d per cell, %d synapses each (%d synapse slots)",
		tm.SegmentCapacity, tm.MaxSegmentsPerCell, tm.MaxSynapsesPerSegment, tm.SegmentCapacity*tm.MaxSynapsesPerSegment)
	p("  tm thresholds\tactivation %d, min %d, %d new synapses per step", tm.ActivationThreshold, tm.MinThreshold, tm.MaxNewSynapseCount)
	if l := cfg.Likelihood; l != nil {
		p("  likelihood\tlearningPeriod %d, estimationSamples %d, historicWindowSize %d, reestimationPeriod %d, averagingWindow %d (0: NuPIC's default)",
			l.LearningPeriod, l.EstimationSamples, l.HistoricWindowSize, l.ReestimationPeriod, l.AveragingWindow)
	} else {
		p("  likelihood\tnone (reported as 0.5)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "permanences at %d bits:\n", cfg.PermanenceBits)
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	s, t := &cfg.SP, &cfg.TM
	for _, f := range []struct {
		name string
		x    float64
		v    uint16
	}{
		{"sp.synPermConnected", s.SynPermConnected, sp.SynPermConnected},
		{"sp.synPermActiveInc", s.SynPermActiveInc, sp.SynPermActiveInc},
		{"sp.synPermInactiveDec", s.SynPermInactiveDec, sp.SynPermInactiveDec},
		{"sp.synPermBelowStimulusInc (synPermConnected/10)", s.SynPermConnected / 10, sp.SynPermBelowStimulusInc},
		{"sp.synPermTrimThreshold (synPermActiveInc/2)", s.SynPermActiveInc / 2, sp.SynPermTrimThreshold},
		{"tm.initialPermanence", t.InitialPermanence, tm.InitialPermanence},
		{"tm.connectedPermanence", t.ConnectedPermanence, tm.ConnectedPermanence},
		{"tm.permanenceIncrement", t.PermanenceIncrement, tm.PermanenceIncrement},
		{"tm.permanenceDecrement", t.PermanenceDecrement, tm.PermanenceDecrement},
		{"tm.predictedSegmentDecrement", t.PredictedSegmentDecrement, tm.PredictedSegmentDecrement},
	} {
		fmt.Fprintf(tw, "  %s\t%g\t-> %d/%d\n", f.name, f.x, f.v, pmax)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, warn := range q.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	_, err = fmt.Fprintf(w, "ok: %s is valid\n", arg)
	return err
}

// rdseActive describes the active bits of an RDSE.
func rdseActive(r model.RDSEConfig) string {
	if r.ActiveBits > 0 {
		return fmt.Sprintf("%d active", r.ActiveBits)
	}
	return fmt.Sprintf("sparsity %g", r.Sparsity)
}

// rdseScale describes how an RDSE maps values to buckets.
func rdseScale(r model.RDSEConfig) string {
	switch {
	case r.ResolutionBuckets > 0 && r.RangePadding > 0:
		return fmt.Sprintf("resolution max(%g, range of the data padded by %g of it on each side / %g)", r.MinResolution, r.RangePadding, r.ResolutionBuckets)
	case r.ResolutionBuckets > 0:
		return fmt.Sprintf("resolution max(%g, range of the data / %g)", r.MinResolution, r.ResolutionBuckets)
	case r.Resolution > 0:
		return fmt.Sprintf("resolution %g", r.Resolution)
	case r.Radius > 0:
		return fmt.Sprintf("radius %g", r.Radius)
	default:
		return "category"
	}
}

// newModelListCmd returns the model list command.
func newModelListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the presets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, name := range model.Presets() {
				cfg, err := model.Preset(name)
				if err != nil {
					fmt.Fprintf(tw, "%s\tinvalid: %v\n", name, err)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\n", name, describeModel(cfg))
			}
			return tw.Flush()
		},
	}
}

// describeModel returns a one-line description of a configuration.
func describeModel(cfg *model.Config) string {
	parts := []string{
		fmt.Sprintf("%d columns × %d cells", cfg.SP.ColumnDimensions[0], cfg.TM.CellsPerColumn),
		fmt.Sprintf("%d-bit permanences", cfg.PermanenceBits),
	}
	enc := fmt.Sprintf("RDSE %d bits", cfg.Encoder.RDSE.Size)
	if cfg.Encoder.Date != nil {
		enc += " + date"
	}
	parts = append(parts, enc)
	if cfg.Likelihood != nil {
		parts = append(parts, "likelihood")
	}
	return strings.Join(parts, ", ")
}

// newModelShowCmd returns the model show command.
func newModelShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show MODEL",
		Short: "Print a preset (or model file) as YAML, every default filled in",
		Long: `Show prints the configuration of a preset or model file as YAML, with every
parameter the file leaves out at its default. The output is itself a valid
model file.`,
		Example: "  htmhw model show nab > my-model.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := model.Load(args[0])
			if err != nil {
				return err
			}
			data, err := yaml.Marshal(cfg)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "# %s, as htmhw reads it: every default filled in\n", args[0])
			_, err = w.Write(data)
			return err
		},
	}
}
