package encoder

import (
	"encoding/binary"
	"math/bits"
)

// Murmur3_32 returns the 32-bit MurmurHash3 (MurmurHash3_x86_32, Austin
// Appleby's reference algorithm) of data with the given seed. Blocks are read
// little-endian, as on the x86 machines where the reference runs, so the
// result does not depend on the host's byte order.
func Murmur3_32(data []byte, seed uint32) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	h := seed
	n := len(data)
	body := n &^ 3
	for i := 0; i < body; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch n & 3 {
	case 3:
		k ^= uint32(data[body+2]) << 16
		fallthrough
	case 2:
		k ^= uint32(data[body+1]) << 8
		fallthrough
	case 1:
		k ^= uint32(data[body])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	return fmix32(h)
}

// murmur3Uint32 is Murmur3_32 of the 4 little-endian bytes of v, without the
// byte slice.
func murmur3Uint32(v, seed uint32) uint32 {
	k := v * 0xcc9e2d51
	k = bits.RotateLeft32(k, 15)
	k *= 0x1b873593
	h := seed ^ k
	h = bits.RotateLeft32(h, 13)
	h = h*5 + 0xe6546b64
	h ^= 4
	return fmix32(h)
}

// fmix32 is MurmurHash3's finalisation mix.
func fmix32(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}
