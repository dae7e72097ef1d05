package image

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Formats are the per-memory file formats WriteMemFiles writes.
var Formats = []string{"readmemh", "coe", "ihex"}

// WriteMemFiles writes one file per memory and format into dir:
// "<memory>.hex" for Verilog's $readmemh (one word per line, hexadecimal,
// ⌈width/4⌉ digits), "<memory>.coe" for Xilinx block memory generators
// (radix 16), "<memory>.ihex" as Intel HEX with word addressing (one word
// per data record, its address the word index). It returns the paths
// written.
func (im *Image) WriteMemFiles(dir string, formats []string) ([]string, error) {
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("image: unknown memory file format %q (have %s)", f, strings.Join(Formats, ", "))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	var paths []string
	for _, s := range im.Sections {
		for _, f := range formats {
			ext := map[string]string{"readmemh": ".hex", "coe": ".coe", "ihex": ".ihex"}[f]
			path := filepath.Join(dir, s.Name+ext)
			if err := writeFile(path, func(w io.Writer) error {
				switch f {
				case "readmemh":
					return s.WriteReadmemh(w)
				case "coe":
					return s.WriteCOE(w)
				}
				return s.WriteIntelHex(w)
			}); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	bw := bufio.NewWriter(f)
	if err := fill(bw); err != nil {
		f.Close()
		return fmt.Errorf("image: %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("image: %s: %w", path, err)
	}
	return f.Close()
}

func (s *Section) hexDigits() int { return (s.Width + 3) / 4 }

// WriteReadmemh writes the memory for Verilog's $readmemh: a comment line,
// then one hexadecimal word per line from address 0.
func (s *Section) WriteReadmemh(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "// %s: %d words of %d bits\n", s.Name, s.Depth(), s.Width); err != nil {
		return err
	}
	d := s.hexDigits()
	for _, v := range s.Words {
		if _, err := fmt.Fprintf(w, "%0*x\n", d, v); err != nil {
			return err
		}
	}
	return nil
}

// WriteCOE writes the memory as a Xilinx coefficient file, radix 16.
func (s *Section) WriteCOE(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "; %s: %d words of %d bits\nmemory_initialization_radix=16;\nmemory_initialization_vector=\n", s.Name, s.Depth(), s.Width); err != nil {
		return err
	}
	d := s.hexDigits()
	for i, v := range s.Words {
		sep := ","
		if i == len(s.Words)-1 {
			sep = ";"
		}
		if _, err := fmt.Fprintf(w, "%0*x%s\n", d, v, sep); err != nil {
			return err
		}
	}
	if len(s.Words) == 0 {
		_, err := io.WriteString(w, ";\n")
		return err
	}
	return nil
}

// WriteIntelHex writes the memory as Intel HEX with word addressing: one
// data record per word, holding its WordBytes bytes most significant first
// (as Intel's memory initialisation files do), at the word's index; an
// extended linear address record precedes each 64 Ki words.
func (s *Section) WriteIntelHex(w io.Writer) error {
	n := s.WordBytes()
	for i, v := range s.Words {
		if i%0x10000 == 0 && i > 0 {
			hi := i >> 16
			if err := ihexRecord(w, 0, 4, []byte{byte(hi >> 8), byte(hi)}); err != nil {
				return err
			}
		}
		data := make([]byte, n)
		for k := 0; k < n; k++ {
			data[n-1-k] = byte(v >> (8 * k))
		}
		if err := ihexRecord(w, uint16(i), 0, data); err != nil {
			return err
		}
	}
	return ihexRecord(w, 0, 1, nil)
}

func ihexRecord(w io.Writer, addr uint16, typ byte, data []byte) error {
	sum := byte(len(data)) + byte(addr>>8) + byte(addr) + typ
	var b strings.Builder
	fmt.Fprintf(&b, ":%02X%04X%02X", len(data), addr, typ)
	for _, x := range data {
		fmt.Fprintf(&b, "%02X", x)
		sum += x
	}
	fmt.Fprintf(&b, "%02X\n", byte(-sum))
	_, err := io.WriteString(w, b.String())
	return err
}
