package sim

import (
	"fmt"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// Encoder is the host side of the accelerator: the model's encoder
// (model.Encoder), which the simulator's input comes from.
type Encoder = model.Encoder

// NewEncoder returns the encoder of a configuration whose RDSE resolution
// is resolved (an image's configuration always is).
func NewEncoder(cfg *model.Config) (*Encoder, error) { return model.NewEncoder(cfg) }

// Run loads an image (New), encodes every row with the image's encoder and
// steps the simulator through them, calling fn (if not nil) after each
// step with the step's index in rows and its result. It returns the
// simulator in its final state.
func Run(im *image.Image, rows []series.Row, learn bool, fn func(step int, r *Result)) (*Sim, error) {
	s, err := New(im)
	if err != nil {
		return nil, err
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	if enc.Size() != s.p.N {
		return nil, fmt.Errorf("sim: the encoder gives %d bits, the image has N = %d", enc.Size(), s.p.N)
	}
	for i, row := range rows {
		in, err := enc.Encode(row.Time, row.Value)
		if err != nil {
			return s, fmt.Errorf("sim: row %d (line %d): %w", i, row.Line, err)
		}
		r, err := s.Step(in, learn)
		if err != nil {
			return s, fmt.Errorf("sim: row %d (line %d): %w", i, row.Line, err)
		}
		if fn != nil {
			fn(i, r)
		}
	}
	return s, nil
}
