// Package image is the memory image of the htmhw accelerator: the contents
// of every memory of docs/ARCHITECTURE.md section 2 for one region, in a
// checksummed binary file (docs/IMAGE.md), plus per-memory files for RTL
// and FPGA tools ($readmemh, Xilinx .coe, Intel HEX).
//
// Compile turns a golden-model region (fresh or trained) into an image;
// Image.Region turns an image back into a region, so an image read back
// from a board can be compared with, and continued by, the golden model.
package image

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/internal/quote"
)

// Versions this package writes and reads.
const (
	FormatVersion = 1            // the file layout of docs/IMAGE.md
	ArchVersion   = arch.Version // the accelerator architecture of docs/ARCHITECTURE.md
)

const (
	magic      = "HTMHWIMG"
	headerSize = 40
	entrySize  = 64
	nameSize   = 32
)

// Arch holds the architecture parameters of docs/ARCHITECTURE.md section 1
// (package arch's contract).
type Arch = arch.Params

// DefaultArch returns the default architecture parameters.
func DefaultArch() Arch { return arch.DefaultParams() }

// Section is one memory: Depth words of Width bits.
type Section struct {
	Name  string
	Width int // bits per word, 1 to 64
	Words []uint64
}

// Depth returns the number of words.
func (s *Section) Depth() int { return len(s.Words) }

// WordBytes returns the bytes a word takes in a file: ⌈Width/8⌉ rounded up
// to 1, 2, 4 or 8.
func (s *Section) WordBytes() int { return arch.WordBytes(s.Width) }

// Bits returns the memory's size in bits, Depth × Width.
func (s *Section) Bits() int { return s.Depth() * s.Width }

// Bytes returns the words as the file stores them: WordBytes each,
// little-endian.
func (s *Section) Bytes() []byte {
	n := s.WordBytes()
	b := make([]byte, n*len(s.Words))
	for i, w := range s.Words {
		for k := 0; k < n; k++ {
			b[i*n+k] = byte(w >> (8 * k))
		}
	}
	return b
}

// CRC returns the CRC-32 (IEEE) of Bytes: what the hardware's CRC_VALUE
// register reports for this memory.
func (s *Section) CRC() uint32 { return UpdateCRC(0, s.Width, s.Words) }

// UpdateCRC returns the CRC-32 (IEEE) crc continued with words of width
// bits as a file stores them (Section.Bytes), as crc32.Update continues
// with bytes; UpdateCRC(0, s.Width, s.Words) is s.CRC(). It streams: the
// words are never copied out whole.
func UpdateCRC(crc uint32, width int, words []uint64) uint32 {
	n := arch.WordBytes(width)
	var buf [4096]byte
	for len(words) > 0 {
		k := min(len(words), len(buf)/n)
		for i, w := range words[:k] {
			for j := range n {
				buf[i*n+j] = byte(w >> (8 * j))
			}
		}
		crc = crc32.Update(crc, crc32.IEEETable, buf[:k*n])
		words = words[k:]
	}
	return crc
}

// Image is a compiled region: the model configuration it came from (JSON,
// as model.Config marshals it), the architecture parameters, and every
// memory.
type Image struct {
	Arch     Arch
	Config   []byte
	Sections []*Section
}

// Section returns the section of that name, or nil.
func (im *Image) Section(name string) *Section {
	for _, s := range im.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Difference is where two images' memories first differ.
type Difference struct {
	Section string // the section's name (the first image's)
	Word    int    // the word's index; -1 if the sections' names, widths or depths differ
	A, B    uint64 // the word in the first and the second image
}

func (d *Difference) String() string {
	if d.Word < 0 {
		return fmt.Sprintf("section %q: the layouts differ", d.Section)
	}
	return fmt.Sprintf("section %q word %d: %#x and %#x", d.Section, d.Word, d.A, d.B)
}

// Diff returns the first word, in section then word order, where the
// memories of a and b differ, or nil if they hold the same words (the
// architecture and configuration are not compared).
func Diff(a, b *Image) *Difference {
	for i, s := range a.Sections {
		if i >= len(b.Sections) {
			return &Difference{Section: s.Name, Word: -1}
		}
		t := b.Sections[i]
		if s.Name != t.Name || s.Width != t.Width || len(s.Words) != len(t.Words) {
			return &Difference{Section: s.Name, Word: -1}
		}
		for j, w := range s.Words {
			if w != t.Words[j] {
				return &Difference{Section: s.Name, Word: j, A: w, B: t.Words[j]}
			}
		}
	}
	if len(b.Sections) > len(a.Sections) {
		return &Difference{Section: b.Sections[len(a.Sections)].Name, Word: -1}
	}
	return nil
}

// Bits returns the total size of the memories in bits.
func (im *Image) Bits() int {
	n := 0
	for _, s := range im.Sections {
		n += s.Bits()
	}
	return n
}

// WriteTo writes the image in the format of docs/IMAGE.md.
func (im *Image) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, headerSize)
	copy(hdr, magic)
	le.PutUint32(hdr[8:], FormatVersion)
	le.PutUint32(hdr[12:], ArchVersion)
	le.PutUint32(hdr[16:], uint32(im.Arch.LanesOV))
	le.PutUint32(hdr[20:], uint32(im.Arch.LanesSyn))
	le.PutUint32(hdr[24:], uint32(im.Arch.DivLat))
	le.PutUint32(hdr[28:], uint32(len(im.Config)))
	le.PutUint32(hdr[32:], uint32(len(im.Sections)))
	b.Write(hdr)
	b.Write(im.Config)
	off := uint64(headerSize + len(im.Config) + entrySize*len(im.Sections))
	for _, s := range im.Sections {
		e := make([]byte, entrySize)
		copy(e, s.Name)
		le.PutUint32(e[32:], uint32(s.Width))
		le.PutUint32(e[36:], uint32(s.Depth()))
		n := uint64(s.WordBytes() * s.Depth())
		le.PutUint64(e[40:], off)
		le.PutUint64(e[48:], n)
		le.PutUint32(e[56:], s.CRC())
		b.Write(e)
		off += n
	}
	for _, s := range im.Sections {
		b.Write(s.Bytes())
	}
	var sum [4]byte
	le.PutUint32(sum[:], crc32.ChecksumIEEE(b.Bytes()))
	b.Write(sum[:])
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// WriteFile writes the image to path, through a temporary file renamed at
// the end so that a failure leaves any existing file as it was.
func (im *Image) WriteFile(path string) error {
	tmp, err := os.CreateTemp(dirOf(path), ".htmhw-img-*")
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := im.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("image: %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("image: %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	return nil
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// Read reads an image, checking everything the format allows to check:
// magic, versions, the section table's bounds, each section's CRC and the
// file's CRC. Errors name the section and the check that failed.
func Read(r io.Reader) (*Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return Parse(data)
}

// ReadFile reads an image file.
func ReadFile(path string) (*Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	im, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return im, nil
}

// Parse decodes an image held in memory; see Read.
func Parse(data []byte) (*Image, error) {
	le := binary.LittleEndian
	if len(data) < headerSize+4 || string(data[:8]) != magic {
		return nil, errors.New("image: not an htmhw image (bad magic)")
	}
	if v := le.Uint32(data[8:]); v != FormatVersion {
		return nil, fmt.Errorf("image: format version %d, this build reads version %d", v, FormatVersion)
	}
	if v := le.Uint32(data[12:]); v != ArchVersion {
		if v < ArchVersion {
			return nil, fmt.Errorf("image: architecture version %d, this build implements version %d (docs/ARCHITECTURE.md): "+
				"recompile the image with htmhw compile (from the model, or its trained state with --state)", v, ArchVersion)
		}
		return nil, fmt.Errorf("image: architecture version %d, this build implements version %d", v, ArchVersion)
	}
	body := data[:len(data)-4]
	fileCRC := le.Uint32(data[len(data)-4:])
	im := &Image{Arch: Arch{
		LanesOV:  int(le.Uint32(data[16:])),
		LanesSyn: int(le.Uint32(data[20:])),
		DivLat:   int(le.Uint32(data[24:])),
	}}
	cfgLen, count := uint64(le.Uint32(data[28:])), uint64(le.Uint32(data[32:]))
	tableEnd := headerSize + cfgLen + count*entrySize
	if count > 64 || tableEnd > uint64(len(body)) {
		return nil, fmt.Errorf("image: truncated: header names %d sections and %d config bytes, the file has %d bytes", count, cfgLen, len(data))
	}
	im.Config = bytes.Clone(body[headerSize : headerSize+cfgLen])
	for i := uint64(0); i < count; i++ {
		e := body[headerSize+cfgLen+i*entrySize:]
		name := string(bytes.TrimRight(e[:nameSize], "\x00"))
		if err := checkName(name); err != nil {
			return nil, err
		}
		width, depth := int(le.Uint32(e[32:])), uint64(le.Uint32(e[36:]))
		off, n, crc := le.Uint64(e[40:]), le.Uint64(e[48:]), le.Uint32(e[56:])
		if width < 1 || width > 64 {
			return nil, fmt.Errorf("image: section %q: word width %d out of range 1 to 64", name, width)
		}
		if n != depth*uint64(arch.WordBytes(width)) {
			return nil, fmt.Errorf("image: section %q: %d bytes for %d words of %d bits", name, n, depth, width)
		}
		if off < tableEnd || off > uint64(len(body)) || n > uint64(len(body))-off {
			return nil, fmt.Errorf("image: section %q: bytes %d to %d lie outside the file's data (truncated?)", name, off, off+n)
		}
		raw := body[off : off+n]
		if crc32.ChecksumIEEE(raw) != crc {
			return nil, fmt.Errorf("image: section %q: crc mismatch", name)
		}
		s := &Section{Name: name, Width: width, Words: make([]uint64, depth)}
		wb := arch.WordBytes(width)
		for j := range s.Words {
			var w uint64
			for k := 0; k < wb; k++ {
				w |= uint64(raw[j*wb+k]) << (8 * k)
			}
			if width < 64 && w>>width != 0 {
				return nil, fmt.Errorf("image: section %q: word %d (%#x) does not fit %d bits", name, j, w, width)
			}
			s.Words[j] = w
		}
		if im.Section(name) != nil {
			return nil, fmt.Errorf("image: section %q appears twice", name)
		}
		im.Sections = append(im.Sections, s)
	}
	if crc32.ChecksumIEEE(body) != fileCRC {
		return nil, errors.New("image: file crc mismatch (corrupt header or section table)")
	}
	return im, nil
}

// checkName refuses a section name that is not a memory name: names are
// printed, and become file names (WriteMemFiles).
func checkName(name string) error {
	ok := name != "" && name[0] != '.'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("image: section name %s: want letters, digits, '.', '_' and '-', not starting with '.'", quote.Short(name))
	}
	return nil
}
