package htmcore

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpf(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name string
		x    float32
		want uint32 // glibc 2.36's expf(x), bits
	}{
		{"zero", 0, 0x3f800000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x3f800000},
		{"one", 1, 0x402df854},
		{"+Inf", inf, 0x7f800000},
		{"-Inf", -inf, 0},
		{"just below overflow", 0x1.62e42ep6, 0x7f7fff84},
		{"overflow", 0x1.62e430p6, 0x7f800000},
		{"smallest subnormal", -0x1.9fe368p6, 0x00000001},
		{"underflow", -0x1.9fe36ap6, 0},
		{"88", 88, 0x7ef882b7},
		{"-88", -88, 0x0041edc4},
		// Arguments where float32(math.Exp(float64(x))), the correctly
		// rounded e^x, is one unit below glibc's result.
		{"math.Exp 1", math.Float32frombits(0xbf163b64), 0x3f0e5b3d},
		{"math.Exp 2", math.Float32frombits(0x3feae773), 0x40c885a5},
		{"math.Exp 3", math.Float32frombits(0x3ed5a575), 0x3fc24812},
		{"math.Exp 4", math.Float32frombits(0xc004407c), 0x3e01acf5},
		// An argument where glibc's build without fused multiply-adds
		// gives another result than the FMA build matched here.
		{"FMA build", math.Float32frombits(0x4202b32f), 0x570d0c29},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := math.Float32bits(Expf(tc.x))
			require.Equalf(t, tc.want, got, "Expf(%v) = %#08x, want %#08x", tc.x, got, tc.want)
		})
	}
	require.True(t, math.IsNaN(float64(Expf(float32(math.NaN())))))
}

// expfBlockBits is the log2 of the arguments per line of
// testdata/expf/expf_fnv.txt.
const expfBlockBits = 22

// readExpfHashes reads testdata/expf/expf_fnv.txt: per block of 2^22
// consecutive argument bit patterns, the FNV-1a hash of glibc's results.
func readExpfHashes(t *testing.T) []uint64 {
	t.Helper()
	name := filepath.Join(testdata, "expf", "expf_fnv.txt")
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	var hashes []uint64
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := sc.Text()
		if strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		require.Lenf(t, fields, 3, "%s:%d: want block, first argument, hash", name, line)
		blk, err := strconv.ParseUint(fields[0], 10, 32)
		require.NoErrorf(t, err, "%s:%d", name, line)
		require.Equalf(t, uint64(len(hashes)), blk, "%s:%d: blocks out of order", name, line)
		first, err := strconv.ParseUint(fields[1], 16, 32)
		require.NoErrorf(t, err, "%s:%d", name, line)
		require.Equalf(t, blk<<expfBlockBits, first, "%s:%d: first argument", name, line)
		h, err := strconv.ParseUint(fields[2], 16, 64)
		require.NoErrorf(t, err, "%s:%d", name, line)
		hashes = append(hashes, h)
	}
	require.NoError(t, sc.Err())
	require.Lenf(t, hashes, 1<<(32-expfBlockBits), "%s: blocks", name)
	return hashes
}

// expfBlockHash is gen.c's hash of Expf over one block of arguments.
func expfBlockHash(blk uint32) uint64 {
	h := uint64(14695981039346656037)
	for i := range uint32(1 << expfBlockBits) {
		r := math.Float32bits(Expf(math.Float32frombits(blk<<expfBlockBits | i)))
		if r&0x7fffffff > 0x7f800000 {
			r = 0x7fc00000
		}
		for k := range 4 {
			h ^= uint64(r>>(8*k)) & 0xff
			h *= 1099511628211
		}
	}
	return h
}

// TestExpfGlibc compares Expf with glibc's expf over whole blocks of
// arguments: by default every 128th block of 2^22 (a 128th of all float32
// arguments), and with HTMHW_EXPF_ALL=1 every float32 argument.
func TestExpfGlibc(t *testing.T) {
	hashes := readExpfHashes(t)
	stride := 128
	if os.Getenv("HTMHW_EXPF_ALL") == "1" {
		stride = 1
	}
	var blocks []uint32
	for b := 0; b < len(hashes); b += stride {
		blocks = append(blocks, uint32(b))
	}
	// Two workers: a block takes tens of milliseconds.
	var (
		mu   sync.Mutex
		bad  []string
		wg   sync.WaitGroup
		next = make(chan uint32)
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				if got := expfBlockHash(b); got != hashes[b] {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("block %d (arguments %#08x..%#08x): hash %016x, glibc %016x",
						b, b<<expfBlockBits, (b+1)<<expfBlockBits-1, got, hashes[b]))
					mu.Unlock()
				}
			}
		}()
	}
	for _, b := range blocks {
		next <- b
	}
	close(next)
	wg.Wait()
	require.Emptyf(t, bad, "Expf differs from glibc's expf in %d of %d blocks", len(bad), len(blocks))
	t.Logf("%d blocks of %d arguments equal glibc's expf", len(blocks), 1<<expfBlockBits)
}

func BenchmarkExpf(b *testing.B) {
	b.Run("Expf", func(b *testing.B) {
		var s float32
		for i := range b.N {
			s += Expf(float32(i&1023) / 256)
		}
		_ = s
	})
	b.Run("math.Exp", func(b *testing.B) {
		var s float32
		for i := range b.N {
			s += float32(math.Exp(float64(float32(i&1023) / 256)))
		}
		_ = s
	})
}
