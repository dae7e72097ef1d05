package explore

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
)

// DefaultGridYAML is the grid htmhw explore runs when given none
// (default.yaml, embedded).
//
//go:embed default.yaml
var DefaultGridYAML []byte

// A Grid is the set of model variants an exploration runs, declared before
// it runs: every variant is derived from a base preset (or model file) by
// changing the parameters that set the hardware's cost.
type Grid struct {
	Name string `yaml:"name"`
	// Series is the fixed series the simulator measures the cycles per step
	// on: a NAB file name relative to the corpus's data folder, or a path.
	Series string `yaml:"series"`
	// Steps bounds the rows of Series stepped (0: all of them).
	Steps int `yaml:"steps"`
	// Clocks are the clocks in MHz at which steps per second are reported,
	// by part name (image.PartByName), where one is known.
	Clocks map[string]float64 `yaml:"clocks"`
	// Split names the half of the corpus each file is in for the honest
	// evaluation: "alternate" (the files in name order, alternately in
	// half A and half B; see Split).
	Split string `yaml:"split"`
	// Blocks each expand into the cross product of their axes.
	Blocks []Block `yaml:"variants"`
}

// A Block is a base model and the values of each axis that change it;
// an axis left out keeps the base's value.
type Block struct {
	Base                  string `yaml:"base"`
	Columns               ints   `yaml:"columns"`
	CellsPerColumn        ints   `yaml:"cellsPerColumn"`
	SegmentPoolCapacity   ints   `yaml:"segmentPoolCapacity"`
	MaxSynapsesPerSegment ints   `yaml:"maxSynapsesPerSegment"`
	MaxSegmentsPerCell    ints   `yaml:"maxSegmentsPerCell"`
	PermanenceBits        ints   `yaml:"permanenceBits"`
}

// ints is a YAML list of integers, or one integer.
type ints []int

func (v *ints) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var x int
		if err := n.Decode(&x); err != nil {
			return err
		}
		*v = ints{x}
		return nil
	}
	var xs []int
	if err := n.Decode(&xs); err != nil {
		return err
	}
	*v = xs
	return nil
}

// A Variant is one model of the grid: its base and the values it changes
// (0: the base's).
type Variant struct {
	Name                  string `json:"name"`
	Base                  string `json:"base"`
	Columns               int    `json:"columns,omitempty"`
	CellsPerColumn        int    `json:"cellsPerColumn,omitempty"`
	SegmentPoolCapacity   int    `json:"segmentPoolCapacity,omitempty"`
	MaxSynapsesPerSegment int    `json:"maxSynapsesPerSegment,omitempty"`
	MaxSegmentsPerCell    int    `json:"maxSegmentsPerCell,omitempty"`
	PermanenceBits        int    `json:"permanenceBits,omitempty"`
}

// ParseGrid parses a grid file named file.
func ParseGrid(file string, data []byte) (*Grid, error) {
	g := &Grid{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(g); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if g.Split == "" {
		g.Split = "alternate"
	}
	if g.Split != "alternate" {
		return nil, fmt.Errorf("%s: split %q: want alternate", file, g.Split)
	}
	if g.Series == "" {
		return nil, fmt.Errorf("%s: no series for the cycle count", file)
	}
	if g.Steps < 0 {
		return nil, fmt.Errorf("%s: steps %d is negative", file, g.Steps)
	}
	for name, mhz := range g.Clocks {
		if _, err := image.PartByName(name); err != nil {
			return nil, fmt.Errorf("%s: clocks: %w", file, err)
		}
		if !(mhz > 0) || math.IsInf(mhz, 0) {
			return nil, fmt.Errorf("%s: clocks: %s: %g MHz is not a clock", file, name, mhz)
		}
	}
	if len(g.Blocks) == 0 {
		return nil, fmt.Errorf("%s: no variants", file)
	}
	vs, err := g.Variants()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v.Name] {
			return nil, fmt.Errorf("%s: variant %s is declared twice", file, v.Name)
		}
		seen[v.Name] = true
	}
	return g, nil
}

// LoadGrid reads a grid file, or the default grid when path is "".
func LoadGrid(path string) (*Grid, error) {
	if path == "" {
		return ParseGrid("default.yaml", DefaultGridYAML)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseGrid(path, data)
}

// MaxVariants bounds the variants of a grid.
const MaxVariants = 10000

// Variants expands the grid's blocks, in order, each block's axes varying
// fastest last.
func (g *Grid) Variants() ([]Variant, error) {
	var out []Variant
	for bi, b := range g.Blocks {
		if b.Base == "" {
			return nil, fmt.Errorf("variants[%d]: no base", bi)
		}
		axes := []ints{b.Columns, b.CellsPerColumn, b.SegmentPoolCapacity, b.MaxSynapsesPerSegment, b.MaxSegmentsPerCell, b.PermanenceBits}
		n := 1
		for _, ax := range axes {
			if n *= max(len(ax), 1); n+len(out) > MaxVariants {
				return nil, fmt.Errorf("variants[%d] (%s): more than %d variants in the grid", bi, b.Base, MaxVariants)
			}
		}
		idx := make([]int, len(axes))
		for {
			v := Variant{Base: b.Base}
			fields := []*int{&v.Columns, &v.CellsPerColumn, &v.SegmentPoolCapacity, &v.MaxSynapsesPerSegment, &v.MaxSegmentsPerCell, &v.PermanenceBits}
			for a, ax := range axes {
				if len(ax) > 0 {
					if ax[idx[a]] <= 0 {
						return nil, fmt.Errorf("variants[%d] (%s): %d is not a positive value", bi, b.Base, ax[idx[a]])
					}
					*fields[a] = ax[idx[a]]
				}
			}
			v.Name = v.name()
			out = append(out, v)
			a := len(axes) - 1
			for ; a >= 0; a-- {
				if idx[a]+1 < len(axes[a]) {
					idx[a]++
					break
				}
				idx[a] = 0
			}
			if a < 0 {
				break
			}
		}
	}
	return out, nil
}

// name is a variant's name: the base and what it changes.
func (v Variant) name() string {
	parts := []string{v.Base}
	for _, f := range []struct {
		key string
		v   int
	}{
		{"cols", v.Columns}, {"cells", v.CellsPerColumn}, {"pool", v.SegmentPoolCapacity},
		{"syn", v.MaxSynapsesPerSegment}, {"segs", v.MaxSegmentsPerCell}, {"bits", v.PermanenceBits},
	} {
		if f.v != 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", f.key, f.v))
		}
	}
	return strings.Join(parts, " ")
}

// Config returns the variant's model. Changing the columns keeps the
// base's fraction of active columns (numActiveColumnsPerInhArea scaled,
// at least 1); every other axis is set as given.
func (v Variant) Config() (*model.Config, error) {
	cfg, err := model.Load(v.Base)
	if err != nil {
		return nil, err
	}
	cfg.Name = v.Name
	if v.Columns != 0 {
		if len(cfg.SP.ColumnDimensions) != 1 {
			return nil, fmt.Errorf("explore: %s: columns changes a one-dimensional column space, the base has %v", v.Name, cfg.SP.ColumnDimensions)
		}
		old := cfg.SP.ColumnDimensions[0]
		cfg.SP.ColumnDimensions = []int{v.Columns}
		if len(cfg.TM.ColumnDimensions) > 0 {
			cfg.TM.ColumnDimensions = []int{v.Columns}
		}
		if k := cfg.SP.NumActiveColumnsPerInhArea; k > 0 {
			cfg.SP.NumActiveColumnsPerInhArea = max(1, int(math.Round(float64(k)*float64(v.Columns)/float64(old))))
		}
	}
	set := func(dst *int, x int) {
		if x != 0 {
			*dst = x
		}
	}
	set(&cfg.TM.CellsPerColumn, v.CellsPerColumn)
	set(&cfg.TM.SegmentPoolCapacity, v.SegmentPoolCapacity)
	set(&cfg.TM.MaxSynapsesPerSegment, v.MaxSynapsesPerSegment)
	set(&cfg.TM.MaxSegmentsPerCell, v.MaxSegmentsPerCell)
	set(&cfg.PermanenceBits, v.PermanenceBits)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("explore: %s: %w", v.Name, err)
	}
	return cfg, nil
}

// Arch returns the variant's architecture parameters: architecture 3 has
// one datapath (no lanes to vary), so every variant has the default.
func (v Variant) Arch() image.Arch { return image.DefaultArch() }

// cacheVersion changes when what a cached result means changes: the
// model's outputs, or sim's cycle formulas (cycles per step are cached).
const cacheVersion = "explore/3" // 2: architecture 3's cycles; 3: its column loop one column a cycle (2026-12-08)

// key returns a digest of what a result depends on.
func key(parts ...any) (string, error) {
	h := sha256.New()
	h.Write([]byte(cacheVersion))
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			return "", err
		}
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

var errNoClock = errors.New("no clock known")

// clockOf returns the clock of a part in Hz.
func (g *Grid) clockOf(p image.Part) (float64, error) {
	for name, mhz := range g.Clocks {
		q, err := image.PartByName(name)
		if err == nil && q.Name == p.Name {
			return mhz * 1e6, nil
		}
	}
	return 0, errNoClock
}
