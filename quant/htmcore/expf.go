package htmcore

import (
	"math"
	"math/big"
)

// Expf is glibc's expf (the float overload of exp that htm.core's boosting
// calls: exp of a float in C++ is std::exp(float), glibc's expf), bit for
// bit: for every float32 x it returns what expf(x) returns with glibc 2.36
// on x86-64 (Debian 12's libm; glibc has had this algorithm since 2.27).
// It is not the correctly rounded e^x: of the float32 arguments in
// [−103.9, 88.7], 170,645 give a result one unit in the last place away
// from float32(math.Exp(float64(x))), and a boost factor one unit off can
// reorder two boosted overlaps, so that the inhibition picks other columns.
//
// The algorithm is that of glibc's sysdeps/ieee754/flt-32/e_expf.c
// (Szabolcs Nagy's, from Arm's optimized-routines), written here from its
// description: evaluated in float64, with x·32/ln2 = k + r, k the nearest
// integer (found by adding and subtracting 1.5·2^52), r in [−1/2, 1/2],
// e^x = 2^(k/32) · 2^(r/32), 2^(k/32) from a 32-entry table of 2^(i/32)
// with k/32's integer part added to the exponent, and 2^(r/32) from a
// cubic, rounded once to float32 at the end. On x86-64 glibc selects at
// run time a build of the same source with fused multiply-adds when the
// processor has FMA and AVX2, as every x86-64 processor since 2013 does;
// these are the results matched: both the reduction (x·32/ln2 + shift, and
// x·32/ln2 − kd) and the polynomial's two multiply-adds are fused.
// Evaluated without fused operations (as glibc's build for processors
// without FMA is; that build was not run here) the algorithm gives another
// last bit on 2 arguments of [−103.9, 88.7], 0x4202b32f being one.
//
// Arguments with |x| ≥ 88 take glibc's special cases: NaN and +Inf return
// themselves, −Inf gives 0, above ln(2^128) the result overflows to +Inf,
// below ln(2^−150) it underflows to 0, and between them the general path
// gives the subnormals.
func Expf(x float32) float32 {
	const (
		overflow  = 0x1.62e42ep6  // above it, e^x rounds to +Inf
		underflow = -0x1.9fe368p6 // below it, e^x rounds to 0
		bigArg    = 88.0          // |x| from which the limits are checked
		invLn2N   = 0x1.71547652b82fep+0 * expfN
		shift     = 0x1.8p+52 // adding it rounds to an integer
		c0        = 0x1.c6af84b912394p-5 / expfN / expfN / expfN
		c1        = 0x1.ebfce50fac4f3p-3 / expfN / expfN
		c2        = 0x1.62e42ff0c52d6p-1 / expfN
	)
	if math.Abs(float64(x)) >= bigArg || x != x {
		switch {
		case x != x || math.IsInf(float64(x), 1):
			return x + x
		case math.IsInf(float64(x), -1):
			return 0
		case x > overflow:
			return float32(math.Inf(1))
		case x < underflow:
			return 0
		}
	}
	xd := float64(x)
	// k = round(x·N/ln2), by the shift; r = x·N/ln2 − k.
	kd := math.FMA(invLn2N, xd, shift)
	ki := math.Float64bits(kd)
	kd -= shift
	r := math.FMA(invLn2N, xd, -kd)
	// s = 2^(k/N): the table's 2^((k mod N)/N) with k/N added to its
	// exponent (the table entries have (i << 52)/N subtracted for that).
	s := math.Float64frombits(expfTab[ki%expfN] + ki<<(52-expfBits))
	// 2^(r/N) ≈ 1 + c2·r + c1·r² + c0·r³, as (c0·r + c1)·r² + (c2·r + 1).
	z := math.FMA(c0, r, c1)
	r2 := float64(r * r)
	y := math.FMA(c2, r, 1)
	y = math.FMA(z, r2, y)
	return float32(float64(y * s))
}

const (
	expfBits = 5
	expfN    = 1 << expfBits
)

// expfTab[i] is the bits of 2^(i/N), rounded to nearest float64, less
// i << (52 − expfBits), so that adding k << (52 − expfBits) for any k ≡ i
// (mod N) gives the bits of 2^(k/N).
var expfTab = func() (tab [expfN]uint64) {
	const prec = 256
	root := new(big.Float).SetPrec(prec).SetInt64(2) // 2^(1/N)
	for range expfBits {
		root.Sqrt(root)
	}
	p := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := range tab {
		f, _ := p.Float64()
		tab[i] = math.Float64bits(f) - uint64(i)<<(52-expfBits)
		p.Mul(p, root)
	}
	return tab
}()
