package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// compileOptions are the flags of compile.
type compileOptions struct {
	model, data, rng, state string
	out, memDir, formats    string
	arch                    image.Arch
}

// newCompileCmd returns the compile command.
func newCompileCmd() *cobra.Command {
	o := &compileOptions{arch: image.DefaultArch()}
	cmd := &cobra.Command{
		Use:   "compile",
		Short: "Compile a region into a memory image for the accelerator",
		Long: `Compile turns a region into the accelerator's memory image
(docs/IMAGE.md): a fresh region of a model (pools and permanences drawn by the
generator, no segments), or the trained region of a snapshot (--state, as
written by run --save-state). With --mem-dir it also writes one file per
memory for RTL and FPGA tools: $readmemh (.hex), Xilinx .coe, Intel HEX.

A model whose RDSE resolution comes from the data's range needs the data
(--data) or the range (--range lo,hi).`,
		Example: `  htmhw compile --model small --data testdata/nab/art_daily_jumpsup.csv -o region.img --mem-dir mem
  htmhw compile --state trained.snap -o trained.img`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "", "model file or preset name")
	f.StringVarP(&o.data, "data", "d", "", "CSV whose value range sets a data-derived RDSE resolution")
	f.StringVar(&o.rng, "range", "", "value range lo,hi for a data-derived RDSE resolution")
	f.StringVar(&o.state, "state", "", "snapshot of a trained region (from run --save-state)")
	f.StringVarP(&o.out, "out", "o", "", "image file to write")
	f.StringVar(&o.memDir, "mem-dir", "", "directory for per-memory files")
	f.StringVar(&o.formats, "format", "readmemh", "per-memory file formats: readmemh, coe, ihex (comma separated)")
	_ = cmd.MarkFlagRequired("out")
	cmd.MarkFlagsMutuallyExclusive("state", "model")
	cmd.MarkFlagsMutuallyExclusive("data", "range")
	return cmd
}

func (o *compileOptions) region() (*model.Region, error) {
	if o.state != "" {
		return loadSnapshot(o.state)
	}
	if o.model == "" {
		return nil, errors.New("give --model or --state")
	}
	cfg, err := model.Load(o.model)
	if err != nil {
		return nil, err
	}
	if cfg.NeedsRange() {
		switch {
		case o.data != "":
			rows, err := series.ReadFile(o.data, series.Options{Missing: series.Skip})
			if err != nil {
				return nil, err
			}
			cfg.ResolveResolution(series.Range(rows))
		case o.rng != "":
			lo, hi, err := parseRange(o.rng)
			if err != nil {
				return nil, err
			}
			cfg.ResolveResolution(lo, hi)
		default:
			return nil, fmt.Errorf("model %s derives its RDSE resolution from the data: give --data or --range", o.model)
		}
	}
	return model.NewRegion(cfg)
}

func parseRange(s string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if ok {
		lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || !(lo <= hi) {
		return 0, 0, fmt.Errorf("--range %q: want lo,hi with lo ≤ hi", s)
	}
	return lo, hi, nil
}

func (o *compileOptions) run(cmd *cobra.Command) error {
	if err := checkNotInput("out", o.out, (&outputs{}).reads("data", o.data, "model", modelFile(o.model), "state", o.state).inputs); err != nil {
		return err
	}
	r, err := o.region()
	if err != nil {
		return err
	}
	im, err := image.Compile(r, o.arch)
	if err != nil {
		return err
	}
	if err := im.WriteFile(o.out); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "%s: %d memories, %d bits, after %d steps\n", o.out, len(im.Sections), im.Bits(), r.Steps())
	if o.memDir != "" {
		paths, err := im.WriteMemFiles(o.memDir, strings.Split(o.formats, ","))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %d memory files\n", o.memDir, len(paths))
	}
	for _, p := range image.Parts {
		mm, err := im.Map(p)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, mm.Summary())
	}
	return nil
}

// newImageCmd returns the image command group.
func newImageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Inspect memory images"}
	var part string
	inspect := &cobra.Command{
		Use:   "inspect IMAGE",
		Short: "Check an image and print its memories and how it fits FPGA parts",
		Long: `Inspect reads an image, checks every checksum and the consistency of its
memories with its model, and prints the header, the memories (width, depth,
bits, CRC-32 as the hardware's CRC register reports it) and, for each known
part, the SPRAM and block RAM its memory map takes, with architecture 3's
working memories (docs/ARCHITECTURE.md 2.3). --part prints one part's map:
each memory, its primitive and how many.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p image.Part
			if part != "" {
				var err error
				if p, err = image.PartByName(part); err != nil {
					return err
				}
			}
			im, err := image.ReadFile(args[0])
			if err != nil {
				return err
			}
			r, err := im.Region()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			cfg := r.Config()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "%s: htmhw image format %d, architecture %d\n", args[0], image.FormatVersion, arch.Version)
			fmt.Fprintf(w, "model %q, %d-bit permanences, after %d steps, %d segments, %d synapses\n\n",
				cfg.Name, cfg.PermanenceBits, r.Steps(), r.NumSegments(), r.NumSynapses())
			if err := im.WriteSizing(w); err != nil {
				return err
			}
			if part == "" {
				return nil
			}
			mm, err := im.Map(p)
			if err != nil {
				return err
			}
			fmt.Fprintln(w)
			_, err = mm.WriteTo(w)
			return err
		},
	}
	var names []string
	for _, p := range image.Parts {
		names = append(names, p.Name)
	}
	inspect.Flags().StringVar(&part, "part", "", "print the memory map on this part ("+strings.Join(names, ", ")+"; a suffix such as up5k will do)")
	cmd.AddCommand(inspect)
	return cmd
}
