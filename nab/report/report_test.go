package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// The report of NAB's own numenta results on the three-file slice.
func TestWrite(t *testing.T) {
	td := filepath.Join("..", "..", "testdata", "nabscore")
	real := filepath.Join(td, "real")
	c, err := nab.LoadCorpus(filepath.Join(real, "data"), filepath.Join(real, "windows.json"))
	require.NoError(t, err)
	res, err := nab.ReadResults(filepath.Join(real, "results"), "numenta")
	require.NoError(t, err)
	dir := t.TempDir()
	r, err := Write(dir, c, res, Options{Title: "t <&>", Detector: "numenta-again", Summary: "s",
		Published: filepath.Join(td, "reference", "final_results.json"), Jobs: 2})
	require.NoError(t, err)

	require.Len(t, r.Scores, 16, "this run and NAB's 15 published detectors")
	for i := 1; i < len(r.Scores); i++ {
		assert.GreaterOrEqual(t, r.Scores[i-1].Standard, r.Scores[i].Standard, "best first")
	}
	require.Len(t, r.Files, 3)
	for i, f := range r.Files {
		if i > 0 {
			assert.GreaterOrEqual(t, r.Files[i-1].Cost, f.Cost, "the costliest file first")
		}
		assert.InDelta(t, float64(f.Windows)-f.Raw, f.Cost, 1e-12, f.Name)
		assert.LessOrEqual(t, f.Missed, f.Windows, f.Name)
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.PNG)))
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err, f.PNG)
		assert.Equal(t, [2]int{864, 480}, [2]int{cfg.Width, cfg.Height}, f.PNG)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	html := string(page)
	assert.Contains(t, html, "<title>t &lt;&amp;&gt;</title>", "text is escaped")
	assert.Contains(t, html, `<tr class="ours"><td>numenta-again (this run)</td>`)
	assert.NotContains(t, html, "<script")
	for _, f := range r.Files {
		assert.Contains(t, html, `<img src="`+f.PNG+`"`)
		assert.Contains(t, html, `<section id="`+f.Anchor+`">`)
	}
	assert.Less(t, strings.Index(html, r.Files[0].Name), strings.Index(html, r.Files[2].Name), "the table in cost order")

	// Without the published table, this run only.
	r, err = Write(t.TempDir(), c, res, Options{Detector: "x", Published: filepath.Join(dir, "none.json")})
	require.NoError(t, err)
	assert.Len(t, r.Scores, 1)
	// A results set that does not match the corpus.
	delete(res, c.Files[0].Name)
	_, err = Write(t.TempDir(), c, res, Options{})
	assert.Error(t, err)
}
