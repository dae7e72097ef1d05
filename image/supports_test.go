package image

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
)

// A model the accelerator does not implement is refused with the reason,
// never compiled into an image that would compute something else.
func TestCompileRefusesUnsupported(t *testing.T) {
	for _, tt := range []struct {
		name string
		mut  func(*model.Config)
		want string
	}{
		{"nupic rdse", func(c *model.Config) { c.Encoder.RDSE.Kind, c.Encoder.RDSE.Seed = model.RDSENuPIC, 42 }, "encoder.rdse.kind nupic"},
		{"backtracking tm", func(c *model.Config) { c.TM.Algorithm = model.TMBacktracking }, "tm.algorithm backtracking"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := model.Preset("small")
			require.NoError(t, err)
			tt.mut(cfg)
			require.NoError(t, cfg.Validate())
			cfg.ResolveResolution(0, 10)
			r, err := model.NewRegion(cfg)
			require.NoError(t, err)
			_, err = Compile(r, DefaultArch())
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
