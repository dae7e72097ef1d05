package encoder

import (
	"fmt"
	"math"

	"github.com/htmhw/htmhw/model/sdr"
)

// Field is one part of a Multi: the bits [Offset, Offset+Size) of the
// concatenated SDR.
type Field struct {
	Name   string
	Offset int
	Size   int
}

// Multi is the layout of several encoder outputs concatenated into one SDR:
// the fields in the order they were added, each shifted by the sum of the
// sizes before it. Because every field's bits are ascending and lie below
// the next field's offset, the concatenation is ascending too.
//
// The zero value is an empty layout, ready for Add.
type Multi struct {
	fields []Field
	size   int
}

// Add appends a field of the given size and returns it with its offset. The
// name must be unique and non-empty, and the total size must stay within the
// uint32 range of SDR indices.
func (m *Multi) Add(name string, size int) (Field, error) {
	if name == "" {
		return Field{}, fmt.Errorf("encoder: multi: field %d has an empty name", len(m.fields))
	}
	if _, ok := m.Field(name); ok {
		return Field{}, fmt.Errorf("encoder: multi: field %q added twice", name)
	}
	if size < 1 || size > math.MaxUint32-m.size {
		return Field{}, fmt.Errorf("encoder: multi: field %q: size %d must be in [1, %d]", name, size, math.MaxUint32-m.size)
	}
	f := Field{Name: name, Offset: m.size, Size: size}
	m.fields = append(m.fields, f)
	m.size += size
	return f, nil
}

// Size returns the total size, the sum of the field sizes.
func (m *Multi) Size() int { return m.size }

// Fields returns a copy of the fields, in order.
func (m *Multi) Fields() []Field { return append([]Field(nil), m.fields...) }

// Field returns the field called name, and whether there is one.
func (m *Multi) Field(name string) (Field, bool) {
	for _, f := range m.fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Concat writes the concatenation of parts to dst[:0] and returns it,
// reusing dst's storage when it has the capacity. parts holds one sparse SDR
// per field, in field order; each must be valid for its field's size
// (ascending, each index below the size). dst must not share storage with
// any part.
func (m *Multi) Concat(dst []uint32, parts ...[]uint32) ([]uint32, error) {
	dst = dst[:0]
	if len(parts) != len(m.fields) {
		return dst, fmt.Errorf("encoder: multi: %d parts for %d fields", len(parts), len(m.fields))
	}
	for i, f := range m.fields {
		if err := sdr.Validate(parts[i], f.Size); err != nil {
			return dst[:0], fmt.Errorf("encoder: multi: field %q: %w", f.Name, err)
		}
		off := uint32(f.Offset)
		for _, b := range parts[i] {
			dst = append(dst, off+b)
		}
	}
	return dst, nil
}
