// Package bench times the engines of htmhw (the integer golden model, the
// float reference with htm.core semantics and the cycle-level simulator)
// per step on a region that has already learned a real series, the state
// whose cost matters: the temporal memory's per-step work grows with its
// learned segments (about 10,500 for the nab trace preset after
// nyc_taxi.csv), so a young region understates it several times.
//
// A Case is one engine on one preset and series. Prepare trains the
// engine on the whole series once (not timed); Step then continues on the
// series again, row after row, learning, as a deployed region would. The
// simulator starts from the trained golden model's state (its memory
// image), since it computes the same bits.
//
// It is used by htmhw bench and by this package's go test benchmarks.
package bench

import (
	"fmt"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/quant/htmcore"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// Engines are the engines a Case can time.
var Engines = []string{"int", "float", "sim"}

// Presets are the presets a Case can use: the shipped presets, and
// "nab-trace", the nab preset of the htm.core reference traces
// (testdata/htmcore/README.md: no date encoder, potentialRadius 400,
// localAreaDensity float32(40/2048) instead of 40 active columns, and no
// anomaly likelihood), the preset htm.core v2.2.0 is timed with.
func Presets() []string { return append(model.Presets(), "nab-trace") }

// Config returns the preset's configuration with the RDSE resolution
// derived from the rows' range, and columns columns when columns > 0.
func Config(preset string, rows []series.Row, columns int) (*model.Config, error) {
	cfg, err := baseConfig(preset, columns)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("bench: preset %s: no rows", preset)
	}
	cfg.ResolveResolution(series.Range(rows))
	return cfg, nil
}

// baseConfig returns the preset's configuration with columns columns when
// columns > 0, its resolution still to be derived from the data.
func baseConfig(preset string, columns int) (*model.Config, error) {
	base := preset
	if preset == "nab-trace" {
		// nab-unpadded, not nab: since nab took NAB's range padding, only
		// nab-unpadded derives the resolution as the driver does
		// ((max - min) / resolutionBuckets); on nab's padded resolution
		// the golden model learned ~6,950 segments on nyc_taxi.csv where
		// htm.core learns ~10,500.
		base = "nab-unpadded"
	}
	cfg, err := model.Preset(base)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if preset == "nab-trace" {
		cfg.Name = preset
		cfg.Encoder.Date = nil
		cfg.Likelihood = nil // htm.core's driver computes none
		cfg.SP.PotentialRadius = 400
		cfg.SP.NumActiveColumnsPerInhArea = 0
		cfg.SP.LocalAreaDensity = float64(float32(40.0 / 2048))
	}
	if columns > 0 {
		cfg.SP.ColumnDimensions = []int{columns}
	}
	return cfg, nil
}

// An Engine computes one step, learning.
type Engine interface {
	Step(row series.Row) error
	// Segments returns the temporal memory's segments in use.
	Segments() int
}

// Case is one engine on one configuration and series.
type Case struct {
	Engine string // int, float or sim
	Config *model.Config
	Rows   []series.Row
	// Train is how many rows are learned before timing (the whole series
	// when 0 or more than the series). The golden model learns them for
	// sim too.
	Train int
}

// Prepare returns the case's engine after it has learned the first Train
// rows, and the row index to continue from.
func (c *Case) Prepare() (Engine, int, error) {
	n := c.Train
	if n <= 0 || n > len(c.Rows) {
		n = len(c.Rows)
	}
	switch c.Engine {
	case "int", "sim":
		r, err := model.NewRegion(c.Config)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: %w", err)
		}
		e := &intEngine{r: r}
		for i, row := range c.Rows[:n] {
			if err := e.Step(row); err != nil {
				return nil, 0, fmt.Errorf("bench: int: row %d (line %d): %w", i, row.Line, err)
			}
		}
		if c.Engine == "int" {
			return e, n, nil
		}
		im, err := image.Compile(r, image.DefaultArch())
		if err != nil {
			return nil, 0, fmt.Errorf("bench: sim: %w", err)
		}
		s, err := sim.New(im)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: %w", err)
		}
		enc, err := model.NewEncoder(c.Config)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: %w", err)
		}
		return &simEngine{s: s, enc: enc}, n, nil
	case "float":
		eng, err := htmcore.NewEngineWithDate(c.Config)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: float: %w", err)
		}
		e := &floatEngine{e: eng}
		for i, row := range c.Rows[:n] {
			if err := e.Step(row); err != nil {
				return nil, 0, fmt.Errorf("bench: float: row %d (line %d): %w", i, row.Line, err)
			}
		}
		return e, n, nil
	}
	return nil, 0, fmt.Errorf("bench: engine %q: unknown (want one of %v)", c.Engine, Engines)
}

type intEngine struct{ r *model.Region }

func (e *intEngine) Step(row series.Row) error {
	_, err := e.r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
	return err
}

func (e *intEngine) Segments() int { return e.r.NumSegments() }

type floatEngine struct{ e *htmcore.Engine }

func (e *floatEngine) Step(row series.Row) error {
	_, err := e.e.StepAt(row.Time, row.Value)
	return err
}

func (e *floatEngine) Segments() int { return e.e.TemporalMemory().Connections().NumSegments() }

type simEngine struct {
	s   *sim.Sim
	enc *model.Encoder
}

func (e *simEngine) Step(row series.Row) error {
	in, err := e.enc.Encode(row.Time, row.Value)
	if err != nil {
		return err
	}
	_, err = e.s.Step(in, true)
	return err
}

func (e *simEngine) Segments() int { return e.s.NumSegments() }

// TrainForSegments returns how many rows of rows the golden model of cfg
// learns before it holds at least want segments, or an error if the whole
// series does not get it there.
func TrainForSegments(cfg *model.Config, rows []series.Row, want int) (int, error) {
	r, err := model.NewRegion(cfg)
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	for i, row := range rows {
		if _, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true); err != nil {
			return 0, fmt.Errorf("bench: row %d (line %d): %w", i, row.Line, err)
		}
		if r.NumSegments() >= want {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("bench: %s reaches %d segments after %d rows, not %d", cfg.Name, r.NumSegments(), len(rows), want)
}
