package encoder

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Published MurmurHash3_x86_32 vectors (SMHasher's reference implementation;
// each was also checked against htm.core's external/common/murmurhash3).
func TestMurmur3_32(t *testing.T) {
	const fox = "The quick brown fox jumps over the lazy dog"
	tests := []struct {
		data string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514E28B7},
		{"", 0xffffffff, 0x81F16F39},
		{"\x00", 0, 0x514E28B7},
		{"\x00\x00", 0, 0x30F4C306},
		{"\x00\x00\x00", 0, 0x85F0B427},
		{"\x00\x00\x00\x00", 0, 0x2362F9DE},
		{"\xff\xff\xff\xff", 0, 0x76293B50},
		{"\x21", 0, 0x72661CF4},
		{"\x21\x43", 0, 0xA0F7B07A},
		{"\x21\x43\x65", 0, 0x7E4A8634},
		{"\x21\x43\x65\x87", 0, 0xF55B516B},
		{"\x21\x43\x65\x87", 0x5082EDEE, 0x2362F9DE},
		{"a", 0x9747b28c, 0x7FA09EA6},
		{"aa", 0x9747b28c, 0x5D211726},
		{"aaa", 0x9747b28c, 0x283E0130},
		{"aaaa", 0x9747b28c, 0x5A97808A},
		{"abcd", 0x9747b28c, 0xF0478627},
		{"hello", 0, 0x248BFA47},
		{"hello", 1, 0xBB4ABCAD},
		{"Hello, world!", 0x9747b28c, 0x24884CBA},
		{fox, 0, 0x2E4FF723},
		{fox, 0x9747b28c, 0x2FA826CD},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q/%#x", tt.data, tt.seed), func(t *testing.T) {
			assert.Equal(t, tt.want, Murmur3_32([]byte(tt.data), tt.seed))
		})
	}
}

// TestMurmur3Uint32 checks the 4-byte fast path against the general hash.
func TestMurmur3Uint32(t *testing.T) {
	var b [4]byte
	for _, v := range []uint32{0, 1, 7, 0x87654321, 0xffffffff, 123456789} {
		for _, seed := range []uint32{0, 1, 7, 0x9747b28c} {
			binary.LittleEndian.PutUint32(b[:], v)
			assert.Equal(t, Murmur3_32(b[:], seed), murmur3Uint32(v, seed), "v=%#x seed=%#x", v, seed)
		}
	}
}
