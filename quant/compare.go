package quant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/quant/htmcore"
	"github.com/htmhw/htmhw/series"
)

// DefaultWidths are the permanence widths compared by default.
var DefaultWidths = []int{4, 6, 8, 10, 12, 16}

// Options control Compare.
type Options struct {
	// Widths are the permanence widths to compare, 4 to 16 (default
	// DefaultWidths).
	Widths []int
	// Jobs is the number of streams run at once (default GOMAXPROCS).
	Jobs int
	// Init is "shared" (the default): every integer model starts from the
	// float reference's initial SP pools and permanences, each permanence
	// mapped by q(x), so that their columns correspond; or "own": each
	// integer model draws its own (docs/SPEC.md section 5.2), as htmhw does
	// when it runs the model.
	Init string
	// Progress, when set, is called now and then with the steps done and
	// the steps to do over all streams. It is called from several
	// goroutines and must be safe for that.
	Progress func(done, total int)
}

// Variant is one integer model to run: a width and a smallSteps policy.
type Variant struct {
	Bits   int    `json:"bits"`
	Policy string `json:"smallSteps"`
}

// Plan returns the integer models Compare runs for cfg: at each width, the
// model's own smallSteps policy; where that refuses the width, lsb and
// zero side by side instead; and where the policy (lsb or zero) changes a
// step that rounds to 0, the other of the two as well.
func Plan(cfg *model.Config, widths []int) []Variant {
	var vs []Variant
	for _, b := range widths {
		wm := MapWidth(cfg, b, cfg.SmallSteps)
		switch {
		case wm.Refused != "":
			vs = append(vs, Variant{b, "lsb"}, Variant{b, "zero"})
		case len(wm.ModelWarnings) > 0 && cfg.SmallSteps == "lsb":
			vs = append(vs, Variant{b, "lsb"}, Variant{b, "zero"})
		case len(wm.ModelWarnings) > 0 && cfg.SmallSteps == "zero":
			vs = append(vs, Variant{b, "zero"}, Variant{b, "lsb"})
		default:
			vs = append(vs, Variant{b, cfg.SmallSteps})
		}
	}
	return vs
}

// record is what one engine computed at every step.
type record struct {
	cols, pred     flat      // active columns; columns predicted for the next step
	anomaly        []float64 // raw anomaly
	inputs         []uint64  // FNV-1a of each step's input SDR
	segs, syns     int       // at the end
	spBits, tmBits int       // memory image, integer models only
	totalBits      int
	warnings       []string
	err            error
}

// flat is a list of sorted index lists, stored end to end.
type flat struct {
	idx []uint32
	end []int
}

func (f *flat) add(s []uint32) {
	f.idx = append(f.idx, s...)
	f.end = append(f.end, len(f.idx))
}

func (f *flat) at(i int) []uint32 {
	start := 0
	if i > 0 {
		start = f.end[i-1]
	}
	return f.idx[start:f.end[i]]
}

func (r *record) init(n int) {
	r.cols.end = make([]int, 0, n)
	r.pred.end = make([]int, 0, n)
	r.anomaly = make([]float64, 0, n)
	r.inputs = make([]uint64, 0, n)
}

func hashSDR(s []uint32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, v := range s {
		b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		h.Write(b[:])
	}
	return h.Sum64()
}

// columnsOf appends to dst the columns of ascending cells, once each.
func columnsOf(dst, cells []uint32, perColumn uint32) []uint32 {
	dst = dst[:0]
	for _, c := range cells {
		col := c / perColumn
		if n := len(dst); n == 0 || dst[n-1] != col {
			dst = append(dst, col)
		}
	}
	return dst
}

// progressEvery is how many steps a stream runs between progress reports
// and cancellation checks.
const progressEvery = 64

// Compare runs the float reference (package htmcore) and the integer model
// at every variant of Plan on the rows, learning, and reports how far they
// agree. cfg is not changed; a resolution derived from the data is derived
// from the rows' range.
func Compare(ctx context.Context, cfg *model.Config, rows []series.Row, opt Options) (*Report, error) {
	if len(rows) == 0 {
		return nil, errors.New("quant: no rows")
	}
	widths, err := checkOptions(&opt)
	if err != nil {
		return nil, err
	}
	cp, err := newComparison(cfg, rows, widths, opt.Init)
	if err != nil {
		return nil, err
	}
	if err := cp.run(ctx, opt.Jobs, opt.Progress); err != nil {
		return nil, err
	}
	return cp.report(cfg, opt.Init, widths), nil
}

// checkOptions checks the widths and the initialisation policy, fills in
// the defaults of opt and returns the widths sorted without repeats.
func checkOptions(opt *Options) ([]int, error) {
	widths := opt.Widths
	if len(widths) == 0 {
		widths = DefaultWidths
	}
	for _, b := range widths {
		if b < 4 || b > 16 {
			return nil, fmt.Errorf("quant: width %d must be 4 to 16", b)
		}
	}
	widths = slices.Clone(widths)
	slices.Sort(widths)
	widths = slices.Compact(widths)
	switch opt.Init {
	case "":
		opt.Init = "shared"
	case "shared", "own":
	default:
		return nil, fmt.Errorf("quant: init %q must be shared or own", opt.Init)
	}
	if opt.Jobs < 1 {
		opt.Jobs = runtime.GOMAXPROCS(0)
	}
	return widths, nil
}

// recInts is the number of float records before the variants: recs[0] is
// the float reference, recs[1] the baseline.
const recInts = 2

// comparison is the streams Compare runs and their records.
type comparison struct {
	rows     []series.Row
	c, bc    model.Config // the configuration (resolution resolved), the baseline's
	oc       model.Config // without boosting (if oeng != nil)
	eng      *htmcore.Engine
	beng     *htmcore.Engine
	oeng     *htmcore.Engine // nil: boosting is off anyway
	init     *floatInit      // nil: every variant draws its own SP
	variants []Variant
	off      int // the first record without boosting
	recs     []record
}

// newComparison makes the float engines and plans the variants.
func newComparison(cfg *model.Config, rows []series.Row, widths []int, init string) (*comparison, error) {
	cp := &comparison{rows: rows, c: *cfg}
	c := &cp.c
	c.Encoder.Date = cloneDate(cfg.Encoder.Date)
	if c.NeedsRange() {
		c.ResolveResolution(series.Range(rows))
	}

	// The float reference, and its initial SP state for shared init.
	var err error
	if cp.eng, err = htmcore.NewEngineWithDate(c); err != nil {
		return nil, fmt.Errorf("quant: float reference: %w", err)
	}
	if init == "shared" {
		cp.init = newFloatInit(cp.eng.SpatialPooler())
	}

	// The baseline: the float reference with another TM seed. Its SP is
	// the same; its TM breaks ties with other draws.
	cp.bc = *c
	cp.bc.TM.Seed = baselineSeed(c.TM.Seed)
	if cp.beng, err = htmcore.NewEngineWithDate(&cp.bc); err != nil {
		return nil, fmt.Errorf("quant: float reference: %w", err)
	}

	cp.variants = Plan(c, widths)
	nrec := len(cp.variants) + recInts
	// With boosting on, both engines run again with boosting off, in the
	// records from off on (recs[off] the float reference, then the
	// variants), so that the report can tell what boosting's integer form
	// costs.
	if c.SP.BoostStrength > 0 {
		cp.oc = *c
		cp.oc.SP.BoostStrength = 0
		if cp.oeng, err = htmcore.NewEngineWithDate(&cp.oc); err != nil {
			return nil, fmt.Errorf("quant: float reference without boosting: %w", err)
		}
		nrec += 1 + len(cp.variants)
	}
	cp.off = len(cp.variants) + recInts
	cp.recs = make([]record, nrec)
	return cp, nil
}

// runRecord runs the stream of record i.
func (cp *comparison) runRecord(ctx context.Context, i int, tick func(int)) error {
	recs, off := cp.recs, cp.off
	switch {
	case i == 0:
		return runFloat(ctx, cp.eng, cp.rows, &recs[0], tick)
	case i == 1:
		return runFloat(ctx, cp.beng, cp.rows, &recs[1], tick)
	case i < off:
		return runInt(ctx, &cp.c, cp.variants[i-recInts], cp.init, cp.rows, &recs[i], tick)
	case i == off:
		return runFloat(ctx, cp.oeng, cp.rows, &recs[i], tick)
	}
	return runInt(ctx, &cp.oc, cp.variants[i-off-1], cp.init, cp.rows, &recs[i], tick)
}

// run runs every stream, jobs at a time, the float streams (the slowest)
// first. One failed stream fails the comparison.
func (cp *comparison) run(parent context.Context, jobs int, progress func(done, total int)) error {
	recs := cp.recs
	total := len(cp.rows) * len(recs)
	var done atomic.Int64
	tick := func(n int) {
		d := done.Add(int64(n))
		if progress != nil {
			progress(int(d), total)
		}
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(recs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := cp.runRecord(ctx, i, tick); err != nil {
					recs[i].err = err
					cancel() // one failed stream fails the comparison
				}
			}
		}()
	}
	order := []int{0, 1}
	if cp.oeng != nil {
		order = append(order, cp.off)
	}
	for i := range recs {
		if i > 1 && i != cp.off {
			order = append(order, i)
		}
	}
	for _, i := range order {
		select {
		case work <- i:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err
	}
	return cp.err()
}

// err returns the error of the first stream that failed, naming it.
func (cp *comparison) err() error {
	off := cp.off
	for i, r := range cp.recs {
		if r.err == nil || errors.Is(r.err, context.Canceled) {
			continue
		}
		switch {
		case i < recInts:
			return fmt.Errorf("quant: float reference: %w", r.err)
		case i < off:
			v := cp.variants[i-recInts]
			return fmt.Errorf("quant: %d bits, smallSteps %s: %w", v.Bits, v.Policy, r.err)
		case i == off:
			return fmt.Errorf("quant: float reference without boosting: %w", r.err)
		}
		v := cp.variants[i-off-1]
		return fmt.Errorf("quant: %d bits, smallSteps %s, without boosting: %w", v.Bits, v.Policy, r.err)
	}
	return nil
}

// report compares the records. cfg is the configuration Compare was
// given.
func (cp *comparison) report(cfg *model.Config, init string, widths []int) *Report {
	c, recs, off := &cp.c, cp.recs, cp.off
	rep := &Report{
		Schema:     Schema,
		Model:      c.Name,
		SmallSteps: c.SmallSteps,
		ModelBits:  cfg.PermanenceBits,
		Rows:       len(cp.rows),
		Init:       init,
		Widths:     widths,
		Resolution: c.Encoder.RDSE.Resolution,
		Params:     Params(c),
		Fixed:      FixedParams(c),
		Float: FloatSummary{Segments: recs[0].segs, Synapses: recs[0].syns,
			MeanAnomaly: mean(recs[0].anomaly)},
	}
	for _, b := range widths {
		rep.Mappings = append(rep.Mappings, MapWidth(c, b, c.SmallSteps))
		for _, v := range cp.variants {
			if v.Bits == b && v.Policy != c.SmallSteps {
				rep.Mappings = append(rep.Mappings, MapWidth(c, b, v.Policy))
			}
		}
	}
	rep.Baseline = Baseline{TMSeed: cp.bc.TM.Seed, Run: compareRecords(&recs[0], &recs[1])}
	for i, v := range cp.variants {
		r := &recs[i+recInts]
		run := compareRecords(&recs[0], r)
		run.Variant = v
		run.Warnings = r.warnings
		rep.Runs = append(rep.Runs, run)
	}
	if cp.oeng != nil {
		rep.Boost = newBoostReport(c)
		rep.Boost.FloatOff = compareRecords(&recs[0], &recs[off])
		for i, v := range cp.variants {
			run := compareRecords(&recs[off], &recs[off+1+i])
			run.Variant = v
			run.Warnings = recs[off+1+i].warnings
			rep.Boost.Off = append(rep.Boost.Off, run)
		}
	}
	rep.MinBits = 0
	for b := 4; b <= 16; b++ {
		if MapWidth(c, b, c.SmallSteps).Refused == "" {
			rep.MinBits = b
			break
		}
	}
	return rep
}

// baselineSeed returns the TM seed of the baseline: the next one.
func baselineSeed(seed int64) int64 {
	if seed >= math.MaxUint32 {
		return seed - 1
	}
	return seed + 1
}

func cloneDate(d *model.DateConfig) *model.DateConfig {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// checkpoint checks for cancellation and reports progress every
// progressEvery rows: it returns ctx's error, and ticks the rows done
// since the last checkpoint.
func checkpoint(ctx context.Context, i int, tick func(int)) error {
	if i%progressEvery != 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if i > 0 {
		tick(progressEvery)
	}
	return nil
}

// runFloat runs the float reference over the rows.
func runFloat(ctx context.Context, eng *htmcore.Engine, rows []series.Row, rec *record, tick func(int)) error {
	rec.init(len(rows))
	tm := eng.TemporalMemory()
	per := uint32(tm.Params().CellsPerColumn)
	var pred []uint32
	for i, row := range rows {
		if err := checkpoint(ctx, i, tick); err != nil {
			return err
		}
		tr, err := eng.StepAt(row.Time, row.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", row.Line, err)
		}
		rec.inputs = append(rec.inputs, hashSDR(tr.Enc))
		cols := slices.Clone(tr.Cols)
		slices.Sort(cols)
		rec.cols.add(cols)
		pred = columnsOf(pred, tm.PredictiveCells(), per)
		rec.pred.add(pred)
		rec.anomaly = append(rec.anomaly, float64(tr.Anomaly))
	}
	tick(len(rows) - (len(rows)-1)/progressEvery*progressEvery)
	rec.segs, rec.syns = tm.NumSegments(), tm.NumSynapses()
	return nil
}

// runInt runs the integer model at one variant over the rows.
func runInt(ctx context.Context, cfg *model.Config, v Variant, init *floatInit, rows []series.Row, rec *record, tick func(int)) error {
	rec.init(len(rows))
	c := *cfg
	c.PermanenceBits = v.Bits
	c.SmallSteps = v.Policy
	r, err := model.NewRegion(&c)
	if err != nil {
		return err
	}
	rec.warnings = r.Quantized().Warnings
	if init != nil {
		// htm.core's Connections count a synapse connected from
		// synPermConnected − Epsilon.
		if err := init.apply(r, float32(cfg.SP.SynPermConnected)-htmcore.Epsilon); err != nil {
			return err
		}
	}
	tm := r.TM()
	per := uint32(tm.Params().CellsPerColumn)
	var cells, pred []uint32
	for i, row := range rows {
		if err := checkpoint(ctx, i, tick); err != nil {
			return err
		}
		o, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		if err != nil {
			return fmt.Errorf("line %d: %w", row.Line, err)
		}
		rec.inputs = append(rec.inputs, hashSDR(o.Encoding))
		rec.cols.add(o.ActiveColumns)
		cells = tm.PredictiveCells(cells)
		pred = columnsOf(pred, cells, per)
		rec.pred.add(pred)
		rec.anomaly = append(rec.anomaly, o.Anomaly.Float64())
	}
	tick(len(rows) - (len(rows)-1)/progressEvery*progressEvery)
	rec.segs, rec.syns = tm.NumSegments(), tm.NumSynapses()
	im, err := image.Compile(r, image.DefaultArch())
	if err != nil {
		return err
	}
	for _, s := range im.Sections {
		switch {
		case strings.HasPrefix(s.Name, "sp."):
			rec.spBits += s.Bits()
		case strings.HasPrefix(s.Name, "tm."):
			rec.tmBits += s.Bits()
		}
	}
	rec.totalBits = im.Bits()
	return nil
}

// floatInit is the float reference's initial SP: each column's pool,
// ascending, and its permanences.
type floatInit struct {
	pool [][]uint32
	perm [][]float32
}

func newFloatInit(sp *htmcore.SpatialPooler) *floatInit {
	fi := &floatInit{}
	for c := 0; c < sp.NumColumns(); c++ {
		pool := sp.Potential(uint32(c))
		dense := sp.Permanences(uint32(c))
		perm := make([]float32, len(pool))
		for j, in := range pool {
			perm[j] = dense[in]
		}
		fi.pool = append(fi.pool, pool)
		fi.perm = append(fi.perm, perm)
	}
	return fi
}

// apply replaces the region's SP pools and permanences with the float
// reference's. Each permanence x becomes q(x) = ⌊x·P + 1/2⌋, kept on its
// side of the connection threshold as docs/SPEC.md 5.2 draws them
// (connected in [conn, P], not connected in [0, conn − 1], conn =
// q(synPermConnected)): otherwise a float just below synPermConnected could
// round up to conn, or one just above down below it, whenever
// synPermConnected·P is not an odd multiple of 1/2, and the two engines
// would start from different connected synapses. connected is the float
// threshold.
func (fi *floatInit) apply(r *model.Region, connected float32) error {
	sp := r.SP()
	st := sp.State()
	if len(fi.pool) != len(st.PoolLen) {
		return fmt.Errorf("quant: the float reference has %d columns, the integer model %d", len(fi.pool), len(st.PoolLen))
	}
	bits := int(r.Quantized().SP.PermBits)
	conn := r.Quantized().SP.SynPermConnected
	clear(st.PoolInput)
	clear(st.Perm)
	for c, pool := range fi.pool {
		if len(pool) > st.Stride {
			return fmt.Errorf("quant: column %d's float pool has %d inputs, more than the integer model's %d slots; use init own", c, len(pool), st.Stride)
		}
		st.PoolLen[c] = uint16(len(pool))
		for j, in := range pool {
			x := fi.perm[c][j]
			v := model.PermQuantize(float64(x), bits)
			if x >= connected {
				v = max(v, conn)
			} else if v >= conn {
				v = conn - 1
			}
			st.PoolInput[c*st.Stride+j] = in
			st.Perm[c*st.Stride+j] = v
		}
	}
	return sp.SetState(st)
}

// Jaccard returns |a ∩ b| / |a ∪ b| of two ascending index lists; two
// empty lists are alike (1).
func Jaccard(a, b []uint32) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	both, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			both++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// Pearson returns the correlation coefficient of two equally long series,
// or NaN when either is constant.
func Pearson(x, y []float64) float64 {
	mx, my := mean(x), mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// compareRecords measures how far an integer model's record agrees with
// the float reference's.
func compareRecords(ref, r *record) Run {
	n := len(ref.anomaly)
	run := Run{Steps: n, ActiveJaccardMin: 1, InputsIdentical: slices.Equal(ref.inputs, r.inputs)}
	var sumA, sumP, sumD float64
	for i := 0; i < n; i++ {
		ja := Jaccard(ref.cols.at(i), r.cols.at(i))
		sumA += ja
		if ja < run.ActiveJaccardMin {
			run.ActiveJaccardMin, run.ActiveJaccardMinStep = ja, i
		}
		if ja == 1 {
			run.ActiveIdenticalSteps++
		}
		sumP += Jaccard(ref.pred.at(i), r.pred.at(i))
		sumD += math.Abs(ref.anomaly[i] - r.anomaly[i])
	}
	run.ActiveJaccardMean = sumA / float64(n)
	run.PredictedJaccardMean = sumP / float64(n)
	run.AnomalyMAE = sumD / float64(n)
	if p := Pearson(ref.anomaly, r.anomaly); !math.IsNaN(p) {
		run.AnomalyPearson = &p
	}
	run.MeanAnomaly = mean(r.anomaly)
	run.Segments, run.Synapses = r.segs, r.syns
	run.SPBits, run.TMBits, run.TotalBits = r.spBits, r.tmBits, r.totalBits
	return run
}
