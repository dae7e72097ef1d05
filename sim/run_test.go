package sim

import (
	"fmt"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// runRows loads an image (New), encodes every row with the image's encoder
// and steps the simulator through them. It returns the simulator in its
// final state. (runner.Sim is this for programs; runner imports sim.)
func runRows(im *image.Image, rows []series.Row, learn bool) (*Sim, error) {
	s, err := New(im)
	if err != nil {
		return nil, err
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	enc, err := model.NewEncoder(cfg)
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
		if _, err := s.Step(in, learn); err != nil {
			return s, fmt.Errorf("sim: row %d (line %d): %w", i, row.Line, err)
		}
	}
	return s, nil
}
