package htmcore

// Random is htm.core's htm::Random: a std::mt19937 seeded with the seed,
// with htm.core's own definitions of bounded integers, reals, shuffle and
// sample (src/htm/utils/Random.hpp), which do not use the C++ standard
// library's distributions.
type Random struct {
	mt    [mtN]uint32
	idx   int
	seed  uint32
	steps uint64
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
	// mtMax is std::mt19937::max().
	mtMax = 4294967295
)

// NewRandom returns a generator seeded as htm.core's Random(seed) is for a
// non-zero seed: std::mt19937::seed(uint32(seed)). (htm.core replaces seed 0
// with a random one; the constructors of this package reject it.)
func NewRandom(seed uint32) *Random {
	r := &Random{seed: seed}
	r.mt[0] = seed
	for i := 1; i < mtN; i++ {
		prev := r.mt[i-1]
		r.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	r.idx = mtN
	return r
}

// next returns the generator's next 32-bit output (std::mt19937::operator()).
func (r *Random) next() uint32 {
	if r.idx >= mtN {
		r.twist()
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (r *Random) twist() {
	for i := 0; i < mtN; i++ {
		y := (r.mt[i] & mtUpperMask) | (r.mt[(i+1)%mtN] & mtLowerMask)
		v := r.mt[(i+mtM)%mtN] ^ (y >> 1)
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		r.mt[i] = v
	}
	r.idx = 0
}

// Seed returns the seed.
func (r *Random) Seed() uint32 { return r.seed }

// Steps returns the number of draws made so far (htm.core's steps_).
func (r *Random) Steps() uint64 { return r.steps }

// GetUInt32 returns gen() % max, as htm.core's getUInt32 does (max > 0).
func (r *Random) GetUInt32(max uint32) uint32 {
	r.steps++
	return r.next() % max
}

// GetReal64 returns gen() / 4294967295.0, in [0, 1] (htm.core's
// getReal64: the division by gen.max() makes 1 reachable).
func (r *Random) GetReal64() float64 {
	r.steps++
	return float64(r.next()) / mtMax
}

// RealRange returns from + float32(float64(to-from) * GetReal64()), the
// arithmetic of htm.core's realRange: the span in float32, the product in
// double, rounded to float32, the sum in float32.
func (r *Random) RealRange(from, to float32) float32 {
	split := to - from
	return from + float32(float64(split)*r.GetReal64())
}

// Shuffle permutes s as htm.core's platform_independent_shuffle does:
// for i from len(s)-1 down to 1, swap s[i] with s[GetUInt32(i+1)]. It is
// not std::shuffle.
func Shuffle[T any](r *Random, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := r.GetUInt32(uint32(i + 1))
		s[i], s[j] = s[j], s[i]
	}
}

// Sample returns n elements of population chosen as htm.core's
// Random::sample does: a copy of population shuffled, cut to its first n.
// n == 0 draws nothing. It panics when n > len(population).
func Sample[T any](r *Random, population []T, n int) []T {
	if n == 0 {
		return []T{}
	}
	if n > len(population) {
		panic("htmcore: sample: population smaller than the number of choices")
	}
	pop := append([]T(nil), population...)
	Shuffle(r, pop)
	return pop[:n]
}
