package model

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/internal/quote"
	"github.com/htmhw/htmhw/model/anomaly"
	"github.com/htmhw/htmhw/model/encoder"
	"github.com/htmhw/htmhw/model/sp"
)

// Config is a model file: an HTM region described with htm.core's
// parameter names (the SpatialPooler, TemporalMemory, RDSE and
// DateEncoder constructor arguments), plus the hardware parameters htm.core
// does not have (permanence width, segment pool capacity). A Config holds
// floats as a person writes them; Quantize turns it into the integers the
// golden model runs on (docs/SPEC.md, "From parameters to integers").
type Config struct {
	Name string `yaml:"name" json:"name"`

	// PermanenceBits is the width of every permanence, 4 to 16 (default 8).
	PermanenceBits int `yaml:"permanenceBits" json:"permanenceBits"`
	// SmallSteps says what to do with a non-zero permanence step or
	// threshold that rounds to zero at PermanenceBits: "error" (the
	// default: the model is refused), "lsb" (raise it to one least
	// significant bit, with a warning) or "zero" (keep zero, which disables
	// that rule, with a warning).
	SmallSteps string `yaml:"smallSteps" json:"smallSteps"`

	Encoder    EncoderConfig     `yaml:"encoder" json:"encoder"`
	SP         SPConfig          `yaml:"sp" json:"sp"`
	TM         TMConfig          `yaml:"tm" json:"tm"`
	Likelihood *LikelihoodConfig `yaml:"likelihood,omitempty" json:"likelihood,omitempty"`
}

// EncoderConfig is the region's encoder: an RDSE for the value,
// concatenated (RDSE first) with an optional date encoder for the
// timestamp.
type EncoderConfig struct {
	RDSE RDSEConfig  `yaml:"rdse" json:"rdse"`
	Date *DateConfig `yaml:"date,omitempty" json:"date,omitempty"`
}

// RDSE kinds (encoder.rdse.kind).
const (
	RDSEHTMCore = "htmcore" // htm.core's RDSE: hashed buckets, stateless (the default)
	RDSENuPIC   = "nupic"   // NuPIC's RDSE: a bucket map grown from the first value
)

// RDSEConfig holds htm.core's RDSE parameters, plus ResolutionBuckets.
// With Kind "nupic" it describes NuPIC's RandomDistributedScalarEncoder
// instead: Size is NuPIC's n, ActiveBits its w, Seed the seed of its
// nupic::Random, and the resolution is a float64 (docs/SPEC.md, 4.1).
type RDSEConfig struct {
	// Kind is "htmcore" (or empty) or "nupic".
	Kind       string  `yaml:"kind,omitempty" json:"kind,omitempty"`
	Size       int     `yaml:"size" json:"size"`
	ActiveBits int     `yaml:"activeBits" json:"activeBits"`
	Sparsity   float64 `yaml:"sparsity" json:"sparsity"`
	Radius     float64 `yaml:"radius" json:"radius"`
	Resolution float64 `yaml:"resolution" json:"resolution"`
	Category   bool    `yaml:"category" json:"category"`
	Seed       uint32  `yaml:"seed" json:"seed"`
	// ResolutionBuckets, when positive, derives the resolution from the
	// data: max(MinResolution, (max − min) / ResolutionBuckets), rounded to
	// float32, as NAB's detectors do. It needs the data's range
	// (Config.ResolveResolution) before the region is made.
	ResolutionBuckets float64 `yaml:"resolutionBuckets" json:"resolutionBuckets"`
	// MinResolution is the floor of a derived resolution (default 0.001).
	MinResolution float64 `yaml:"minResolution" json:"minResolution"`
	// RangePadding, with ResolutionBuckets, widens the data's range by this
	// fraction of it below the minimum and above the maximum before the
	// resolution is derived, as NAB's numenta detector does (0.2); with it
	// the resolution follows NuPIC's rule, an empty padded range counting
	// as 1 (docs/SPEC.md, section 4). 0 (the default) pads nothing.
	RangePadding float64 `yaml:"rangePadding" json:"rangePadding"`
}

// DateConfig holds htm.core's DateEncoder parameters. A width of 0
// disables its field.
type DateConfig struct {
	SeasonWidth     int      `yaml:"season_width" json:"season_width"`
	SeasonRadius    float64  `yaml:"season_radius" json:"season_radius"`
	DayOfWeekWidth  int      `yaml:"dayOfWeek_width" json:"dayOfWeek_width"`
	DayOfWeekRadius float64  `yaml:"dayOfWeek_radius" json:"dayOfWeek_radius"`
	WeekendWidth    int      `yaml:"weekend_width" json:"weekend_width"`
	HolidayWidth    int      `yaml:"holiday_width" json:"holiday_width"`
	HolidayDates    [][]int  `yaml:"holiday_dates" json:"holiday_dates"` // [month, day] or [year, month, day]
	TimeOfDayWidth  int      `yaml:"timeOfDay_width" json:"timeOfDay_width"`
	TimeOfDayRadius float64  `yaml:"timeOfDay_radius" json:"timeOfDay_radius"`
	CustomWidth     int      `yaml:"custom_width" json:"custom_width"`
	CustomDays      []string `yaml:"custom_days" json:"custom_days"` // "mon", "tue", ...
}

// SPConfig holds htm.core's SpatialPooler constructor arguments.
// inputDimensions is the encoder's size and may be left out.
type SPConfig struct {
	InputDimensions            []int   `yaml:"inputDimensions,omitempty" json:"inputDimensions,omitempty"`
	ColumnDimensions           []int   `yaml:"columnDimensions" json:"columnDimensions"`
	PotentialRadius            int     `yaml:"potentialRadius" json:"potentialRadius"`
	PotentialPct               float64 `yaml:"potentialPct" json:"potentialPct"`
	GlobalInhibition           bool    `yaml:"globalInhibition" json:"globalInhibition"`
	LocalAreaDensity           float64 `yaml:"localAreaDensity" json:"localAreaDensity"`
	NumActiveColumnsPerInhArea int     `yaml:"numActiveColumnsPerInhArea" json:"numActiveColumnsPerInhArea"`
	StimulusThreshold          int     `yaml:"stimulusThreshold" json:"stimulusThreshold"`
	SynPermInactiveDec         float64 `yaml:"synPermInactiveDec" json:"synPermInactiveDec"`
	SynPermActiveInc           float64 `yaml:"synPermActiveInc" json:"synPermActiveInc"`
	SynPermConnected           float64 `yaml:"synPermConnected" json:"synPermConnected"`
	MinPctOverlapDutyCycles    float64 `yaml:"minPctOverlapDutyCycles" json:"minPctOverlapDutyCycles"`
	DutyCyclePeriod            int     `yaml:"dutyCyclePeriod" json:"dutyCyclePeriod"`
	BoostStrength              float64 `yaml:"boostStrength" json:"boostStrength"`
	Seed                       int64   `yaml:"seed" json:"seed"`
	SpVerbosity                int     `yaml:"spVerbosity" json:"spVerbosity"`
	WrapAround                 bool    `yaml:"wrapAround" json:"wrapAround"`
	// UpdatePeriod is htm.core's fixed update period of the minimum duty
	// cycles (50), which its constructor does not take.
	UpdatePeriod int `yaml:"updatePeriod" json:"updatePeriod"`
}

// TMConfig holds htm.core's TemporalMemory constructor arguments plus the
// segment pool capacity. columnDimensions is the SP's and may be left out.
type TMConfig struct {
	ColumnDimensions          []int   `yaml:"columnDimensions,omitempty" json:"columnDimensions,omitempty"`
	CellsPerColumn            int     `yaml:"cellsPerColumn" json:"cellsPerColumn"`
	ActivationThreshold       int     `yaml:"activationThreshold" json:"activationThreshold"`
	InitialPermanence         float64 `yaml:"initialPermanence" json:"initialPermanence"`
	ConnectedPermanence       float64 `yaml:"connectedPermanence" json:"connectedPermanence"`
	MinThreshold              int     `yaml:"minThreshold" json:"minThreshold"`
	MaxNewSynapseCount        int     `yaml:"maxNewSynapseCount" json:"maxNewSynapseCount"`
	PermanenceIncrement       float64 `yaml:"permanenceIncrement" json:"permanenceIncrement"`
	PermanenceDecrement       float64 `yaml:"permanenceDecrement" json:"permanenceDecrement"`
	PredictedSegmentDecrement float64 `yaml:"predictedSegmentDecrement" json:"predictedSegmentDecrement"`
	Seed                      int64   `yaml:"seed" json:"seed"`
	MaxSegmentsPerCell        int     `yaml:"maxSegmentsPerCell" json:"maxSegmentsPerCell"`
	MaxSynapsesPerSegment     int     `yaml:"maxSynapsesPerSegment" json:"maxSynapsesPerSegment"`
	CheckInputs               bool    `yaml:"checkInputs" json:"checkInputs"`
	ExternalPredictiveInputs  int     `yaml:"externalPredictiveInputs" json:"externalPredictiveInputs"`
	AnomalyMode               string  `yaml:"anomalyMode" json:"anomalyMode"`
	// SegmentPoolCapacity is the number of segments the region holds in
	// all (htmhw; htm.core grows without bound).
	SegmentPoolCapacity int `yaml:"segmentPoolCapacity" json:"segmentPoolCapacity"`

	// Algorithm is "plain" (or empty: htm.core's TemporalMemory, section 6
	// of docs/SPEC.md) or "backtracking" (NuPIC's BacktrackingTMCPP,
	// section 12), which the following NuPIC parameters configure; the
	// plain TM ignores them.
	Algorithm              string `yaml:"algorithm,omitempty" json:"algorithm,omitempty"`
	PamLength              int    `yaml:"pamLength" json:"pamLength"`
	MaxInfBacktrack        int    `yaml:"maxInfBacktrack" json:"maxInfBacktrack"`
	MaxLrnBacktrack        int    `yaml:"maxLrnBacktrack" json:"maxLrnBacktrack"`
	MaxSeqLength           int    `yaml:"maxSeqLength" json:"maxSeqLength"`
	SegUpdateValidDuration int    `yaml:"segUpdateValidDuration" json:"segUpdateValidDuration"`
}

// TM algorithms (tm.algorithm).
const (
	TMPlain        = "plain"
	TMBacktracking = "backtracking"
)

// Backtracking reports whether the configuration's TM is the backtracking
// one.
func (c *Config) Backtracking() bool { return c.TM.Algorithm == TMBacktracking }

// LikelihoodConfig holds NuPIC's AnomalyLikelihood parameters. Zero fields
// take NuPIC's defaults.
type LikelihoodConfig struct {
	LearningPeriod     int `yaml:"learningPeriod" json:"learningPeriod"`
	EstimationSamples  int `yaml:"estimationSamples" json:"estimationSamples"`
	HistoricWindowSize int `yaml:"historicWindowSize" json:"historicWindowSize"`
	ReestimationPeriod int `yaml:"reestimationPeriod" json:"reestimationPeriod"`
	AveragingWindow    int `yaml:"averagingWindow" json:"averagingWindow"`
}

// Params returns the likelihood parameters: the configured ones, NuPIC's
// defaults where a field is 0.
func (lc *LikelihoodConfig) Params() anomaly.LikelihoodParams {
	p := anomaly.DefaultLikelihoodParams()
	for _, f := range []struct {
		dst *int
		v   int
	}{{&p.LearningPeriod, lc.LearningPeriod}, {&p.EstimationSamples, lc.EstimationSamples},
		{&p.HistoricWindowSize, lc.HistoricWindowSize}, {&p.ReestimationPeriod, lc.ReestimationPeriod},
		{&p.AveragingWindow, lc.AveragingWindow}} {
		if f.v != 0 {
			*f.dst = f.v
		}
	}
	return p
}

// New returns the host-side anomaly likelihood the configuration describes,
// or nil (and no error) for a nil configuration: a model without a
// likelihood section.
func (lc *LikelihoodConfig) New() (*anomaly.Likelihood, error) {
	if lc == nil {
		return nil, nil
	}
	return anomaly.NewLikelihood(lc.Params())
}

// Default returns a configuration holding htm.core's constructor defaults
// (and htmhw's: 8-bit permanences, a pool of 4096 segments), to which a
// model file's values are applied.
func Default() Config {
	return Config{
		PermanenceBits: 8,
		SmallSteps:     "error",
		Encoder: EncoderConfig{RDSE: RDSEConfig{
			MinResolution: 0.001,
		}},
		SP: SPConfig{
			ColumnDimensions:        []int{2048},
			PotentialRadius:         16,
			PotentialPct:            0.5,
			GlobalInhibition:        true,
			LocalAreaDensity:        0.05,
			StimulusThreshold:       0,
			SynPermInactiveDec:      0.008,
			SynPermActiveInc:        0.05,
			SynPermConnected:        0.1,
			MinPctOverlapDutyCycles: 0.001,
			DutyCyclePeriod:         1000,
			BoostStrength:           0,
			Seed:                    1,
			WrapAround:              true,
			UpdatePeriod:            50,
		},
		TM: TMConfig{
			CellsPerColumn:        32,
			ActivationThreshold:   13,
			InitialPermanence:     0.21,
			ConnectedPermanence:   0.5,
			MinThreshold:          10,
			MaxNewSynapseCount:    20,
			PermanenceIncrement:   0.1,
			PermanenceDecrement:   0.1,
			Seed:                  42,
			MaxSegmentsPerCell:    255,
			MaxSynapsesPerSegment: 255,
			CheckInputs:           true,
			AnomalyMode:           "raw",
			SegmentPoolCapacity:   4096,
			// BacktrackingTMCPP's defaults.
			PamLength:              1,
			MaxInfBacktrack:        10,
			MaxLrnBacktrack:        5,
			MaxSeqLength:           32,
			SegUpdateValidDuration: 5,
		},
	}
}

//go:embed presets/*.yaml
var presetFiles embed.FS

// Presets returns the names of the shipped presets.
func Presets() []string {
	entries, _ := presetFiles.ReadDir("presets")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names) // "nab" before "nab-unpadded"
	return names
}

// Preset returns a shipped preset by name ("nab", "hello", ...).
func Preset(name string) (*Config, error) {
	data, err := PresetYAML(name)
	if err != nil {
		return nil, err
	}
	return Parse(name+".yaml", data)
}

// PresetYAML returns the model file of a shipped preset, comments included.
func PresetYAML(name string) ([]byte, error) {
	data, err := presetFiles.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("model: no preset %q (have %s)", name, strings.Join(Presets(), ", "))
	}
	return data, nil
}

// Load reads a model file, or returns the preset of that name when no such
// file exists and the name has no extension or path separator.
func Load(nameOrPath string) (*Config, error) {
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		if fi, err := os.Stat(nameOrPath); err != nil || fi.IsDir() {
			return Preset(nameOrPath)
		}
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return Parse(nameOrPath, data)
}

// Parse parses a model file (YAML, or JSON, which is YAML too) named file,
// applies its values to Default, and validates the result. Unknown keys are
// errors, so a misspelt parameter is not silently left at its default.
func Parse(file string, data []byte) (*Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, errEOF(err)) {
			return nil, fmt.Errorf("%s: empty model file", file)
		}
		return nil, decodeError(file, err)
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	if err := checkIntegers(&root, reflect.TypeOf(cfg), ""); err != nil {
		err.File = file
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			ve.File = file
			ve.Line = lineOf(&root, ve.Path)
		}
		return nil, err
	}
	return &cfg, nil
}

// sections names the model file section of each configuration type, for
// errors about unknown keys.
var sections = map[string]string{
	"model.Config": "the top level", "model.EncoderConfig": "encoder",
	"model.RDSEConfig": "encoder.rdse", "model.DateConfig": "encoder.date",
	"model.SPConfig": "sp", "model.TMConfig": "tm", "model.LikelihoodConfig": "likelihood",
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// decodeError rewrites the YAML decoder's errors as "file:line: message",
// one per problem, naming the section of an unknown key.
func decodeError(file string, err error) error {
	err = decodeMessages(file, err)
	// The decoder's messages quote a prefix of the input: escape its
	// control bytes, and bound the whole.
	return errors.New(quote.Clean(err.Error(), 4096))
}

func decodeMessages(file string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return fmt.Errorf("%s:%s: %s", file, m[1], m[2])
		}
		return fmt.Errorf("%s: %s", file, msg)
	}
	var msgs []string
	for _, e := range te.Errors {
		m := yamlLine.FindStringSubmatch(e)
		if m == nil {
			msgs = append(msgs, file+": "+e)
			continue
		}
		msg := m[2]
		if f, typ, ok := strings.Cut(strings.TrimPrefix(msg, "field "), " not found in type "); ok && strings.HasPrefix(msg, "field ") {
			sec := sections[typ]
			if sec == "" {
				sec = typ
			}
			msg = fmt.Sprintf("unknown parameter %q in %s", f, sec)
		}
		msgs = append(msgs, fmt.Sprintf("%s:%s: %s", file, m[1], msg))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// errEOF returns err itself when it is io.EOF as the YAML decoder gives it
// for an empty document.
func errEOF(err error) error {
	if err != nil && err.Error() == "EOF" {
		return err
	}
	return errors.New("not EOF")
}

// lineOf returns the line of the key at a dotted path ("tm.minThreshold")
// in a YAML document, or 0.
func lineOf(n *yaml.Node, path string) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, key := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

// checkIntegers returns an error for the first integer parameter that the
// document gives as anything but an integer literal: the YAML decoder
// truncates 4.99 to 4 when it fills an int, which would silently change the
// model.
func checkIntegers(n *yaml.Node, t reflect.Type, path string) *ValidationError {
	line := n.Line // an alias's, not its anchor's
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return checkIntegers(n.Content[0], t, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			for j := 0; j < t.NumField(); j++ {
				f := t.Field(j)
				if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key {
					if err := checkIntegers(n.Content[i+1], f.Type, strings.TrimPrefix(path+"."+key, ".")); err != nil {
						return err
					}
				}
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, e := range n.Content {
			if err := checkIntegers(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!int" {
			return &ValidationError{Line: line, Path: path, Msg: quote.Short(n.Value) + " is not an integer"}
		}
	}
	return nil
}

// MaxNameBytes is the longest model name.
const MaxNameBytes = 256

// ValidationError is a model file value that is out of range or
// inconsistent with another.
type ValidationError struct {
	File string // model file name, when known
	Line int    // line of the offending key, when known
	Path string // dotted parameter path, e.g. "tm.activationThreshold"
	Msg  string // what is wrong
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Path)
	b.WriteByte(' ')
	b.WriteString(e.Msg)
	return b.String()
}

func invalid(path, format string, args ...any) error {
	return &ValidationError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks every value of the configuration, including the
// consistency of the SP and TM with the hardware capacities, and that the
// integers Quantize makes from it are usable.
func (c *Config) Validate() error {
	for _, check := range []func() error{c.validateHeader, c.validateEncoder, c.validateSP, c.validateTM, c.validateLikelihood, c.validateAlgorithm} {
		if err := check(); err != nil {
			return err
		}
	}
	if _, err := c.Quantize(); err != nil {
		return err
	}
	return nil
}

// validateHeader checks the name, the permanence width and smallSteps.
func (c *Config) validateHeader() error {
	if len(c.Name) > MaxNameBytes || !utf8.ValidString(c.Name) || strings.IndexFunc(c.Name, unicode.IsControl) >= 0 {
		return invalid("name", "%s must be at most %d bytes of UTF-8 text without control characters", quote.Short(c.Name), MaxNameBytes)
	}
	if c.PermanenceBits < 4 || c.PermanenceBits > 16 {
		return invalid("permanenceBits", "%d must be 4 to 16", c.PermanenceBits)
	}
	if !slices.Contains([]string{"error", "lsb", "zero"}, c.SmallSteps) {
		return invalid("smallSteps", "%q must be error, lsb or zero", c.SmallSteps)
	}
	return nil
}

// validateEncoder checks the RDSE and the date encoder, and that their size is computable.
func (c *Config) validateEncoder() error {
	r := &c.Encoder.RDSE
	if r.Size < 1 || r.Size > sp.MaxInputs {
		return invalid("encoder.rdse.size", "%d must be 1 to %d", r.Size, sp.MaxInputs)
	}
	if (r.ActiveBits > 0) == (r.Sparsity > 0) {
		return invalid("encoder.rdse.activeBits", "%d and sparsity %g: give exactly one", r.ActiveBits, r.Sparsity)
	}
	if r.ActiveBits < 0 || r.ActiveBits > r.Size {
		return invalid("encoder.rdse.activeBits", "%d must be 1 to encoder.rdse.size %d", r.ActiveBits, r.Size)
	}
	if !(r.Sparsity >= 0 && r.Sparsity <= 1) {
		return invalid("encoder.rdse.sparsity", "%g must be in [0, 1]", r.Sparsity)
	}
	ways := 0
	for _, set := range []bool{r.Radius > 0, r.Resolution > 0, r.Category, r.ResolutionBuckets > 0} {
		if set {
			ways++
		}
	}
	if ways != 1 {
		return invalid("encoder.rdse.resolution", "give exactly one of radius, resolution, category and resolutionBuckets")
	}
	if !(r.RangePadding >= 0 && r.RangePadding <= MaxRangePadding) {
		return invalid("encoder.rdse.rangePadding", "%g must be 0 to %g", r.RangePadding, float64(MaxRangePadding))
	}
	switch r.Kind {
	case "", RDSEHTMCore:
	case RDSENuPIC:
		if r.Sparsity > 0 || r.Radius > 0 || r.Category {
			return invalid("encoder.rdse.kind", "nupic takes activeBits and resolution or resolutionBuckets, not sparsity, radius or category")
		}
		if r.ActiveBits%2 == 0 {
			return invalid("encoder.rdse.activeBits", "%d must be odd for kind nupic (NuPIC's w)", r.ActiveBits)
		}
		if r.Size <= 6*r.ActiveBits {
			return invalid("encoder.rdse.size", "%d must be more than 6 × activeBits = %d for kind nupic (NuPIC's n > 6w)", r.Size, 6*r.ActiveBits)
		}
		if r.Seed == 0 {
			return invalid("encoder.rdse.seed", "0 must be nonzero (NuPIC would seed from the clock)")
		}
	default:
		return invalid("encoder.rdse.kind", "%q must be htmcore or nupic", r.Kind)
	}
	if r.RangePadding > 0 && r.ResolutionBuckets == 0 {
		return invalid("encoder.rdse.rangePadding", "%g needs resolutionBuckets: it pads the range a resolution is derived from", r.RangePadding)
	}
	if d := c.Encoder.Date; d != nil {
		// Bounded before any encoder is made: an encoder's size grows with
		// its width.
		for _, f := range []struct {
			name string
			v    int
		}{{"season_width", d.SeasonWidth}, {"dayOfWeek_width", d.DayOfWeekWidth}, {"weekend_width", d.WeekendWidth},
			{"holiday_width", d.HolidayWidth}, {"timeOfDay_width", d.TimeOfDayWidth}, {"custom_width", d.CustomWidth}} {
			if f.v < 0 || f.v > sp.MaxInputs {
				return invalid("encoder.date."+f.name, "%d must be 0 to %d", f.v, sp.MaxInputs)
			}
		}
		if _, err := c.Encoder.Date.Params(); err != nil {
			return invalid("encoder.date", "%v", err)
		}
	}
	if _, err := c.encoderSize(); err != nil {
		return invalid("encoder", "%v", err)
	}
	return nil
}

// validateSP checks the SP, the encoder's size against it and every permanence parameter (the TM's too).
func (c *Config) validateSP() error {
	s := &c.SP
	if len(s.ColumnDimensions) != 1 {
		return invalid("sp.columnDimensions", "%v: one dimension is supported", s.ColumnDimensions)
	}
	if s.ColumnDimensions[0] < 1 || s.ColumnDimensions[0] > sp.MaxColumns {
		return invalid("sp.columnDimensions", "%v must be 1 to %d", s.ColumnDimensions, sp.MaxColumns)
	}
	if n, _ := c.encoderSize(); n > sp.MaxInputs {
		return invalid("encoder", "output of %d bits exceeds %d", n, sp.MaxInputs)
	}
	if s.PotentialRadius < 0 || s.PotentialRadius > sp.MaxInputs {
		return invalid("sp.potentialRadius", "%d must be 0 to %d", s.PotentialRadius, sp.MaxInputs)
	}
	if n, _ := c.encoderSize(); len(s.InputDimensions) > 0 && (len(s.InputDimensions) != 1 || s.InputDimensions[0] != n) {
		return invalid("sp.inputDimensions", "%v differs from the encoder's size %d", s.InputDimensions, n)
	}
	if !s.GlobalInhibition {
		return invalid("sp.globalInhibition", "false: local inhibition is not implemented (docs/SPEC.md)")
	}
	if s.PotentialPct <= 0 || s.PotentialPct > 1 {
		return invalid("sp.potentialPct", "%g must be in (0, 1]", s.PotentialPct)
	}
	if (s.LocalAreaDensity > 0) == (s.NumActiveColumnsPerInhArea > 0) {
		return invalid("sp.localAreaDensity", "%g and numActiveColumnsPerInhArea %d: give exactly one", s.LocalAreaDensity, s.NumActiveColumnsPerInhArea)
	}
	if s.LocalAreaDensity > 0.5 {
		return invalid("sp.localAreaDensity", "%g must be at most 0.5", s.LocalAreaDensity)
	}
	for _, f := range []struct {
		path string
		v    float64
	}{
		{"sp.synPermInactiveDec", s.SynPermInactiveDec}, {"sp.synPermActiveInc", s.SynPermActiveInc},
		{"sp.synPermConnected", s.SynPermConnected}, {"sp.minPctOverlapDutyCycles", s.MinPctOverlapDutyCycles},
		{"tm.initialPermanence", c.TM.InitialPermanence}, {"tm.connectedPermanence", c.TM.ConnectedPermanence},
		{"tm.permanenceIncrement", c.TM.PermanenceIncrement}, {"tm.permanenceDecrement", c.TM.PermanenceDecrement},
		{"tm.predictedSegmentDecrement", c.TM.PredictedSegmentDecrement},
	} {
		if !(f.v >= 0 && f.v <= 1) {
			return invalid(f.path, "%g must be in [0, 1]", f.v)
		}
	}
	if s.BoostStrength < 0 || math.IsNaN(s.BoostStrength) || s.BoostStrength > 100 {
		return invalid("sp.boostStrength", "%g must be in [0, 100]", s.BoostStrength)
	}
	if s.DutyCyclePeriod < 1 || s.DutyCyclePeriod > 65535 {
		return invalid("sp.dutyCyclePeriod", "%d must be 1 to 65535", s.DutyCyclePeriod)
	}
	if s.UpdatePeriod < 1 || s.UpdatePeriod > math.MaxUint32 {
		return invalid("sp.updatePeriod", "%d must be 1 to 2^32-1", s.UpdatePeriod)
	}
	if s.Seed < 0 || s.Seed > math.MaxUint32 {
		return invalid("sp.seed", "%d must be 0 to 2^32-1", s.Seed)
	}
	return nil
}

// validateTM checks the TM's dimensions, thresholds and capacities.
func (c *Config) validateTM() error {
	s := &c.SP
	t := &c.TM
	if len(t.ColumnDimensions) > 0 && !slices.Equal(t.ColumnDimensions, s.ColumnDimensions) {
		return invalid("tm.columnDimensions", "%v differs from sp.columnDimensions %v", t.ColumnDimensions, s.ColumnDimensions)
	}
	if t.CellsPerColumn < 1 || t.CellsPerColumn > 1024 {
		return invalid("tm.cellsPerColumn", "%d must be 1 to 1024", t.CellsPerColumn)
	}
	if t.MaxSynapsesPerSegment < 1 || t.MaxSynapsesPerSegment > 65535 {
		return invalid("tm.maxSynapsesPerSegment", "%d must be 1 to 65535", t.MaxSynapsesPerSegment)
	}
	if t.ActivationThreshold < 1 || t.ActivationThreshold > t.MaxSynapsesPerSegment {
		return invalid("tm.activationThreshold", "%d > maxSynapsesPerSegment %d", t.ActivationThreshold, t.MaxSynapsesPerSegment)
	}
	if t.MinThreshold < 1 || t.MinThreshold > t.MaxSynapsesPerSegment {
		return invalid("tm.minThreshold", "%d must be 1 to maxSynapsesPerSegment %d", t.MinThreshold, t.MaxSynapsesPerSegment)
	}
	if t.MaxNewSynapseCount < 1 || t.MaxNewSynapseCount > 65535 {
		return invalid("tm.maxNewSynapseCount", "%d must be 1 to 65535", t.MaxNewSynapseCount)
	}
	if t.MaxSegmentsPerCell < 1 || t.MaxSegmentsPerCell > 65535 {
		return invalid("tm.maxSegmentsPerCell", "%d must be 1 to 65535", t.MaxSegmentsPerCell)
	}
	if t.SegmentPoolCapacity < 1 {
		return invalid("tm.segmentPoolCapacity", "%d must be at least 1", t.SegmentPoolCapacity)
	}
	if slots := int64(t.SegmentPoolCapacity) * int64(t.MaxSynapsesPerSegment); slots > 1<<28 {
		return invalid("tm.segmentPoolCapacity", "%d × maxSynapsesPerSegment %d = %d synapse slots, more than 2^28", t.SegmentPoolCapacity, t.MaxSynapsesPerSegment, slots)
	}
	if t.Seed < 0 || t.Seed > math.MaxUint32 {
		return invalid("tm.seed", "%d must be 0 to 2^32-1", t.Seed)
	}
	if t.ExternalPredictiveInputs != 0 {
		return invalid("tm.externalPredictiveInputs", "%d: external predictive inputs are not supported", t.ExternalPredictiveInputs)
	}
	return nil
}

// validateLikelihood checks the anomaly likelihood's windows and periods.
func (c *Config) validateLikelihood() error {
	if l := c.Likelihood; l != nil {
		for _, f := range []struct {
			name string
			v    int
		}{{"learningPeriod", l.LearningPeriod}, {"estimationSamples", l.EstimationSamples},
			{"historicWindowSize", l.HistoricWindowSize}, {"averagingWindow", l.AveragingWindow}} {
			if f.v < 0 || f.v > anomaly.MaxLikelihoodWindow {
				return invalid("likelihood."+f.name, "%d must be 0 (the default) to %d", f.v, anomaly.MaxLikelihoodWindow)
			}
		}
		if l.ReestimationPeriod < 0 || l.ReestimationPeriod > math.MaxInt32 {
			return invalid("likelihood.reestimationPeriod", "%d must be 0 (the default) to 2^31-1", l.ReestimationPeriod)
		}
		if err := l.Params().Validate(); err != nil {
			return invalid("likelihood", "%v", err)
		}
	}
	return nil
}

// validateAlgorithm checks the TM algorithm's own parameters and the anomaly mode.
func (c *Config) validateAlgorithm() error {
	t := &c.TM
	switch t.Algorithm {
	case "", TMPlain:
	case TMBacktracking:
		if t.CellsPerColumn < 2 {
			return invalid("tm.cellsPerColumn", "%d must be at least 2 for the backtracking TM (cell 0 is a column's start cell)", t.CellsPerColumn)
		}
		if t.MaxNewSynapseCount > t.MaxSynapsesPerSegment {
			return invalid("tm.maxNewSynapseCount", "%d exceeds maxSynapsesPerSegment %d", t.MaxNewSynapseCount, t.MaxSynapsesPerSegment)
		}
		for _, f := range []struct {
			name      string
			v, lo, hi int
		}{{"pamLength", t.PamLength, 1, 1 << 20}, {"maxInfBacktrack", t.MaxInfBacktrack, 0, 1024},
			{"maxLrnBacktrack", t.MaxLrnBacktrack, 0, 1024}, {"maxSeqLength", t.MaxSeqLength, 0, 1 << 30},
			{"segUpdateValidDuration", t.SegUpdateValidDuration, 0, 1 << 30}} {
			if f.v < f.lo || f.v > f.hi {
				return invalid("tm."+f.name, "%d must be %d to %d", f.v, f.lo, f.hi)
			}
		}
		if t.Seed == 0 {
			return invalid("tm.seed", "0 must be nonzero for the backtracking TM (NuPIC would seed from the clock)")
		}
	default:
		return invalid("tm.algorithm", "%q must be plain or backtracking", t.Algorithm)
	}
	if t.AnomalyMode != "raw" {
		return invalid("tm.anomalyMode", "%q: the TM computes the raw anomaly; the likelihood is the region's (likelihood:)", t.AnomalyMode)
	}
	return nil
}

// Params returns the date encoder's parameters: holiday_dates entries are
// [month, day] or [year, month, day], custom_days entries are day names of
// which the first three letters count.
func (d *DateConfig) Params() (encoder.DateParams, error) {
	p := encoder.DateParams{
		SeasonWidth: d.SeasonWidth, SeasonRadius: d.SeasonRadius,
		DayOfWeekWidth: d.DayOfWeekWidth, DayOfWeekRadius: d.DayOfWeekRadius,
		WeekendWidth: d.WeekendWidth, HolidayWidth: d.HolidayWidth,
		TimeOfDayWidth: d.TimeOfDayWidth, TimeOfDayRadius: d.TimeOfDayRadius,
		CustomWidth: d.CustomWidth,
	}
	for _, hd := range d.HolidayDates {
		switch len(hd) {
		case 2:
			p.Holidays = append(p.Holidays, encoder.Holiday{Month: time.Month(hd[0]), Day: hd[1]})
		case 3:
			p.Holidays = append(p.Holidays, encoder.Holiday{Year: hd[0], Month: time.Month(hd[1]), Day: hd[2]})
		default:
			return p, fmt.Errorf("holiday_dates entry %v: want [month, day] or [year, month, day]", hd)
		}
	}
	days := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
		"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
	for _, s := range d.CustomDays {
		wd, ok := days[strings.ToLower(s)[:min(3, len(s))]]
		if !ok {
			return p, fmt.Errorf("custom_days entry %q is not a day of the week", s)
		}
		p.CustomDays = append(p.CustomDays, wd)
	}
	if _, err := encoder.NewDate(p); err != nil {
		return p, err
	}
	return p, nil
}

// Params returns the RDSE's parameters; a resolution still to be derived
// from the data (NeedsRange) is given as 1, so that the size is known.
func (r *RDSEConfig) Params() encoder.RDSEParams {
	p := encoder.RDSEParams{Size: r.Size, ActiveBits: r.ActiveBits, Sparsity: r.Sparsity,
		Radius: r.Radius, Resolution: r.Resolution, Category: r.Category, Seed: r.Seed}
	if r.ResolutionBuckets > 0 && r.Resolution == 0 {
		p.Resolution = 1
	}
	return p
}

// NuPICParams returns the parameters of a kind nupic RDSE; a resolution
// still to be derived from the data is given as 1.
func (r *RDSEConfig) NuPICParams() encoder.NuPICRDSEParams {
	p := encoder.NuPICRDSEParams{N: r.Size, W: r.ActiveBits, Resolution: r.Resolution, Seed: uint64(r.Seed)}
	if r.ResolutionBuckets > 0 && r.Resolution == 0 {
		p.Resolution = 1
	}
	return p
}

// encoderSize returns the width of the concatenated encoder output.
func (c *Config) encoderSize() (int, error) {
	var n int
	if c.Encoder.RDSE.Kind == RDSENuPIC {
		e, err := encoder.NewNuPICRDSE(c.Encoder.RDSE.NuPICParams())
		if err != nil {
			return 0, err
		}
		n = e.Size()
	} else {
		e, err := encoder.NewRDSE(c.Encoder.RDSE.Params())
		if err != nil {
			return 0, err
		}
		n = e.Size()
	}
	if c.Encoder.Date != nil {
		p, err := c.Encoder.Date.Params()
		if err != nil {
			return 0, err
		}
		d, err := encoder.NewDate(p)
		if err != nil {
			return 0, err
		}
		n += d.Size()
	}
	return n, nil
}

// NeedsRange reports whether the RDSE resolution is still to be derived
// from the data's range by ResolveResolution.
func (c *Config) NeedsRange() bool {
	return c.Encoder.RDSE.ResolutionBuckets > 0 && c.Encoder.RDSE.Resolution == 0
}

// MaxRangePadding bounds encoder.rdse.rangePadding.
const MaxRangePadding = 100

// ResolveResolution fixes the RDSE resolution from the data's range when
// ResolutionBuckets asks for it: float32(max(MinResolution, (hi − lo) /
// ResolutionBuckets)). With RangePadding p, NuPIC's rule as NAB's numenta
// detector applies it: pad = |hi − lo|·p, lo' = lo − pad, hi' = hi + pad,
// hi' = lo' + 1 when they are equal, and float32(max(MinResolution, (hi' −
// lo') / ResolutionBuckets)). It does nothing otherwise. The padding and
// the resolution are cleared, so that a resolved configuration describes
// itself.
func (c *Config) ResolveResolution(lo, hi float64) {
	r := &c.Encoder.RDSE
	if !c.NeedsRange() {
		return
	}
	if r.RangePadding > 0 {
		pad := math.Abs(hi-lo) * r.RangePadding
		lo, hi = lo-pad, hi+pad
		if lo == hi {
			hi = lo + 1
		}
	}
	res := max(r.MinResolution, (hi-lo)/r.ResolutionBuckets)
	r.Resolution = float64(float32(res))
	if r.Kind == RDSENuPIC {
		r.Resolution = res // a Python float
	}
	r.ResolutionBuckets = 0
	r.RangePadding = 0
}
