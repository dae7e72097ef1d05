package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result is the timing of a case's steps.
type Result struct {
	Steps    int           // steps timed
	Wall     time.Duration // wall time of the timed steps
	CPU      time.Duration // process CPU time of the timed steps (0 where not measured)
	Allocs   uint64        // heap allocations during the timed steps
	Segments int           // segments in use after the timed steps
}

// PerStep returns the wall and CPU time per step in milliseconds.
func (r Result) PerStep() (wall, cpu float64) {
	n := float64(r.Steps)
	return r.Wall.Seconds() * 1e3 / n, r.CPU.Seconds() * 1e3 / n
}

// Measure trains the case's engine on its first Train rows (not timed)
// and times the next steps rows, learning. The rows must hold them.
func (c *Case) Measure(steps int) (Result, error) {
	if steps < 1 || c.Train+steps > len(c.Rows) {
		return Result{}, fmt.Errorf("bench: %d trained + %d timed rows, the series has %d", c.Train, steps, len(c.Rows))
	}
	if c.Train < 1 {
		return Result{}, errors.New("bench: Measure needs at least one trained row")
	}
	e, next, err := c.Prepare()
	if err != nil {
		return Result{}, err
	}
	rows := c.Rows[next : next+steps]
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0, t0 := cpuTime(), time.Now()
	for i, row := range rows {
		if err := e.Step(row); err != nil {
			return Result{}, fmt.Errorf("bench: %s: row %d (line %d): %w", c.Engine, next+i, row.Line, err)
		}
	}
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	runtime.ReadMemStats(&ms1)
	return Result{Steps: steps, Wall: wall, CPU: cpu, Allocs: ms1.Mallocs - ms0.Mallocs, Segments: e.Segments()}, nil
}

// DriverArgs returns the key=value arguments of an htm.core trace driver
// (docs/BENCHMARKS.md) for the preset with columns columns (the preset's
// when 0): the RDSE, SpatialPooler and TemporalMemory constructor
// arguments, in the driver's key names; the driver derives the RDSE
// resolution from the series as ResolveResolution does. A preset the
// driver cannot run (a date encoder, more than one column dimension, a
// fixed resolution) is an error.
func DriverArgs(preset string, columns int) ([]string, error) {
	cfg, err := baseConfig(preset, columns)
	if err != nil {
		return nil, err
	}
	if cfg.Encoder.Date != nil {
		return nil, fmt.Errorf("bench: %s has a date encoder, which the htm.core driver does not run", cfg.Name)
	}
	if len(cfg.SP.ColumnDimensions) != 1 {
		return nil, fmt.Errorf("bench: %s: the htm.core driver runs one column dimension", cfg.Name)
	}
	if !cfg.NeedsRange() {
		return nil, fmt.Errorf("bench: %s: the htm.core driver derives the resolution from resolutionBuckets, which the preset does not set", cfg.Name)
	}
	r, s, t := cfg.Encoder.RDSE, cfg.SP, cfg.TM
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	i := func(v int) string { return strconv.Itoa(v) }
	kv := [][2]string{
		{"rdse.size", i(r.Size)}, {"rdse.activeBits", i(r.ActiveBits)}, {"rdse.sparsity", f(r.Sparsity)},
		{"rdse.buckets", f(float64(r.ResolutionBuckets))}, {"rdse.minResolution", f(r.MinResolution)}, {"rdse.seed", i(int(r.Seed))},
		{"sp.columns", i(s.ColumnDimensions[0])}, {"sp.potentialRadius", i(s.PotentialRadius)}, {"sp.potentialPct", f(s.PotentialPct)},
		{"sp.globalInhibition", b(s.GlobalInhibition)}, {"sp.localAreaDensity", f(s.LocalAreaDensity)},
		{"sp.numActiveColumnsPerInhArea", i(s.NumActiveColumnsPerInhArea)}, {"sp.stimulusThreshold", i(s.StimulusThreshold)},
		{"sp.synPermInactiveDec", f(s.SynPermInactiveDec)}, {"sp.synPermActiveInc", f(s.SynPermActiveInc)},
		{"sp.synPermConnected", f(s.SynPermConnected)}, {"sp.minPctOverlapDutyCycles", f(s.MinPctOverlapDutyCycles)},
		{"sp.dutyCyclePeriod", i(s.DutyCyclePeriod)}, {"sp.boostStrength", f(s.BoostStrength)}, {"sp.seed", i(int(s.Seed))},
		{"sp.wrapAround", b(s.WrapAround)},
		{"tm.cellsPerColumn", i(t.CellsPerColumn)}, {"tm.activationThreshold", i(t.ActivationThreshold)},
		{"tm.initialPermanence", f(t.InitialPermanence)}, {"tm.connectedPermanence", f(t.ConnectedPermanence)},
		{"tm.minThreshold", i(t.MinThreshold)}, {"tm.maxNewSynapseCount", i(t.MaxNewSynapseCount)},
		{"tm.permanenceIncrement", f(t.PermanenceIncrement)}, {"tm.permanenceDecrement", f(t.PermanenceDecrement)},
		{"tm.predictedSegmentDecrement", f(t.PredictedSegmentDecrement)}, {"tm.seed", i(int(t.Seed))},
		{"tm.maxSegmentsPerCell", i(t.MaxSegmentsPerCell)}, {"tm.maxSynapsesPerSegment", i(t.MaxSynapsesPerSegment)},
	}
	args := make([]string, len(kv))
	for k, p := range kv {
		args[k] = p[0] + "=" + p[1]
	}
	return args, nil
}

// DriverResult is the timing of an htm.core driver on a case's steps.
type DriverResult struct {
	Steps    int
	Wall     time.Duration // median over the runs of T(train+steps rows) - T(train rows)
	CPU      time.Duration // the same for the processes' user and system time
	Segments int           // segments after train+steps rows (the trace's last row)
}

// PerStep returns the wall and CPU time per step in milliseconds.
func (r DriverResult) PerStep() (wall, cpu float64) {
	n := float64(r.Steps)
	return r.Wall.Seconds() * 1e3 / n, r.CPU.Seconds() * 1e3 / n
}

// MeasureDriver times an htm.core trace driver (a program run as
// "driver series.csv key=value... rows=N" that writes one trace row per
// step, docs/BENCHMARKS.md) on the case's steps: the cost of rows
// Train..Train+steps is the difference of whole processes that run
// Train+steps and Train rows, alternated runs times; the medians are
// returned. data is the series file the case's rows came from, args the
// driver's parameters (DriverArgs).
func (c *Case) MeasureDriver(driver, data string, args []string, steps, runs int) (DriverResult, error) {
	if c.Train < 1 || c.Train+steps > len(c.Rows) {
		return DriverResult{}, fmt.Errorf("bench: %d trained + %d timed rows, the series has %d", c.Train, steps, len(c.Rows))
	}
	run := func(rows int) (wall, cpu time.Duration, segs int, err error) {
		var out bytes.Buffer
		cmd := exec.Command(driver, append([]string{data, "rows=" + strconv.Itoa(rows)}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			return 0, 0, 0, fmt.Errorf("bench: %s: %w", driver, err)
		}
		wall = time.Since(t0)
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != rows+1 {
			return 0, 0, 0, fmt.Errorf("bench: %s wrote %d trace rows for %d", driver, len(lines)-1, rows)
		}
		f := strings.Split(lines[len(lines)-1], ",")
		segs, err = strconv.Atoi(f[len(f)-2])
		if err != nil {
			return 0, 0, 0, fmt.Errorf("bench: %s: last row's segments: %w", driver, err)
		}
		return wall, cpu, segs, nil
	}
	var walls, cpus []time.Duration
	segs := 0
	for range max(runs, 1) {
		wl, cl, s, err := run(c.Train + steps)
		if err != nil {
			return DriverResult{}, err
		}
		ws, cs, _, err := run(c.Train)
		if err != nil {
			return DriverResult{}, err
		}
		walls, cpus, segs = append(walls, wl-ws), append(cpus, cl-cs), s
	}
	return DriverResult{Steps: steps, Wall: median(walls), CPU: median(cpus), Segments: segs}, nil
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
