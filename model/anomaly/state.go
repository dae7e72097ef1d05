package anomaly

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// The saved form of a Likelihood, all integers and float64 bit patterns
// little-endian:
//
//	magic   [8]byte "HTMANLK\x00"
//	version uint32 (likelihoodVersion)
//	params  5 × int64: LearningPeriod, EstimationSamples,
//	        HistoricWindowSize, ReestimationPeriod, AveragingWindow
//	iteration int64
//	history   uint64 count, then count × {raw uint64, value uint64,
//	          hasValue uint8}, oldest first
//	haveDist  uint8; mean, variance, stdev, prevTail 4 × uint64
//	average   uint64 count, count × uint64 (oldest first), total uint64
const likelihoodVersion = 1

var likelihoodMagic = [8]byte{'H', 'T', 'M', 'A', 'N', 'L', 'K', 0}

// Save writes the complete state of l to w, so that [Likelihood.Load] can
// resume it with bit-identical results.
func (l *Likelihood) Save(w io.Writer) error {
	b := make([]byte, 0, 128+17*len(l.history))
	b = append(b, likelihoodMagic[:]...)
	b = binary.LittleEndian.AppendUint32(b, likelihoodVersion)
	for _, v := range []int{l.p.LearningPeriod, l.p.EstimationSamples, l.p.HistoricWindowSize,
		l.p.ReestimationPeriod, l.p.AveragingWindow, l.iteration} {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(v)))
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(l.history)))
	for i := range l.history {
		r := l.at(i)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.raw))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.value))
		b = append(b, boolByte(r.hasValue))
	}
	b = append(b, boolByte(l.haveDist))
	for _, f := range []float64{l.dist.mean, l.dist.variance, l.dist.stdev, l.prevTail} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(l.avg.window)))
	for _, f := range l.avg.window {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(l.avg.total))
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("anomaly: save likelihood: %w", err)
	}
	return nil
}

// Load replaces the state of l, parameters included, with one written by
// [Likelihood.Save]. It reads exactly what Save wrote. On error l is left
// unchanged.
func (l *Likelihood) Load(r io.Reader) error {
	d := decoder{r: r}
	var magic [8]byte
	d.read(magic[:])
	if d.err == nil && magic != likelihoodMagic {
		return errors.New("anomaly: load likelihood: not a saved Likelihood (bad magic)")
	}
	if v := d.uint32(); d.err == nil && v != likelihoodVersion {
		return fmt.Errorf("anomaly: load likelihood: unsupported version %d (want %d)", v, likelihoodVersion)
	}
	var n Likelihood
	n.p = LikelihoodParams{
		LearningPeriod:     d.int(),
		EstimationSamples:  d.int(),
		HistoricWindowSize: d.int(),
		ReestimationPeriod: d.int(),
		AveragingWindow:    d.int(),
	}
	n.iteration = d.int()
	if d.err != nil {
		return d.fail("header")
	}
	if err := n.p.Validate(); err != nil {
		return fmt.Errorf("anomaly: load likelihood: saved params: %w", err)
	}
	if n.iteration < 0 {
		return fmt.Errorf("anomaly: load likelihood: negative iteration %d", n.iteration)
	}

	count := d.uint64()
	if want := uint64(min(n.iteration, n.p.HistoricWindowSize)); d.err == nil && count != want {
		return fmt.Errorf("anomaly: load likelihood: history holds %d records, want %d for iteration %d",
			count, want, n.iteration)
	}
	for i := uint64(0); i < count && d.err == nil; i++ {
		rec := record{raw: d.float64(), value: d.float64()}
		rec.hasValue = d.bool()
		n.history = append(n.history, rec)
	}
	if d.err != nil {
		return d.fail("history")
	}

	n.haveDist = d.bool()
	n.dist = normal{mean: d.float64(), variance: d.float64(), stdev: d.float64()}
	n.prevTail = d.float64()
	count = d.uint64()
	if d.err == nil && count > uint64(n.p.AveragingWindow) {
		return fmt.Errorf("anomaly: load likelihood: moving average holds %d values, more than its window %d",
			count, n.p.AveragingWindow)
	}
	for i := uint64(0); i < count && d.err == nil; i++ {
		n.avg.window = append(n.avg.window, d.float64())
	}
	n.avg.total = d.float64()
	if d.err != nil {
		return d.fail("distribution")
	}
	if n.haveDist != (n.iteration > n.p.LearningPeriod+n.p.EstimationSamples) {
		return fmt.Errorf("anomaly: load likelihood: distribution present is %t at iteration %d with probationary period %d",
			n.haveDist, n.iteration, n.p.LearningPeriod+n.p.EstimationSamples)
	}
	*l = n
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decoder reads little-endian fields, remembering the first error.
type decoder struct {
	r   io.Reader
	err error
	buf [8]byte
}

func (d *decoder) read(p []byte) {
	if d.err == nil {
		_, d.err = io.ReadFull(d.r, p)
	}
}

func (d *decoder) uint32() uint32 {
	d.read(d.buf[:4])
	return binary.LittleEndian.Uint32(d.buf[:4])
}

func (d *decoder) uint64() uint64 {
	d.read(d.buf[:8])
	return binary.LittleEndian.Uint64(d.buf[:8])
}

func (d *decoder) int() int { return int(int64(d.uint64())) }

func (d *decoder) float64() float64 { return math.Float64frombits(d.uint64()) }

func (d *decoder) bool() bool {
	d.read(d.buf[:1])
	if d.err == nil && d.buf[0] > 1 {
		d.err = fmt.Errorf("invalid boolean byte %#x", d.buf[0])
	}
	return d.buf[0] == 1
}

// fail wraps the decoder's error with the part being read; a stream that
// ends early is reported as truncated.
func (d *decoder) fail(part string) error {
	if errors.Is(d.err, io.EOF) || errors.Is(d.err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("anomaly: load likelihood: %s: truncated: %w", part, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("anomaly: load likelihood: %s: %w", part, d.err)
}
