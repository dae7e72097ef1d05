package nupic

// Uint64n is Random::getUInt64(max): two raw draws (the first the low
// word) by rejection of the samples above MAX64 − (MAX64 mod max), then
// the remainder. max must be positive.
func (r *Random) Uint64n(max uint64) uint64 {
	if max == 0 {
		panic("nupic: Uint64n(0)")
	}
	const max64 = ^uint64(0)
	smax := max64 - max64%max
	for {
		lo := uint64(r.next())
		hi := uint64(r.next())
		if s := lo | hi<<32; s <= smax {
			return s % max
		}
	}
}

// Float64 is Random::getReal64: a draw of Uint64n(2^48) scaled by 2^−48,
// in [0, 1). Two raw draws.
func (r *Random) Float64() float64 {
	const mantissaBits = 48
	return float64(r.Uint64n(1<<mantissaBits)) / (1 << mantissaBits)
}

// Sample is Random::sample: it fills choices with len(choices) elements of
// population, in population order, taking element i when
// Uint32(len(population) − i) is below the number still needed. It draws
// until the last choice is taken. It panics if there are more choices
// than elements, as nupic.core throws.
func Sample[T any](r *Random, population, choices []T) {
	n, k := len(population), len(choices)
	if k > n {
		panic("nupic: Sample: more choices than elements")
	}
	next := 0
	for i := 0; i < n && next < k; i++ {
		if int(r.Uint32(uint32(n-i))) < k-next {
			choices[next] = population[i]
			next++
		}
	}
}
