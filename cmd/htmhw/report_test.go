package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkScript, added before </body> of a copy of the report, writes what
// the browser loaded into the page: the images, those that did not load,
// and the rows of the file table.
const checkScript = `<script>
window.addEventListener("load", function () {
  var imgs = document.images, bad = [];
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].getAttribute("src"));
  }
  var out = document.createElement("pre");
  out.id = "htmhw-check";
  out.textContent = "images " + imgs.length + " broken " + bad.length + " rows " +
    document.querySelectorAll("#files tbody tr").length + " scores " + document.querySelectorAll("#scores tbody tr").length;
  document.body.appendChild(out);
});
</script>`

var checkLine = regexp.MustCompile(`<pre id="htmhw-check">images (\d+) broken (\d+) rows (\d+) scores (\d+)</pre>`)

// browserCheck loads the report in dir in headless chromium and returns
// the images on the page, those that did not load and the rows of the
// file and score tables. The report itself has no script: the check runs
// on a copy with checkScript added, beside it so that its links resolve.
func browserCheck(t *testing.T, dir string) (images, broken, rows, scores int) {
	t.Helper()
	needTool(t, "chromium")
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	require.Equal(t, 1, bytes.Count(page, []byte("</body>")))
	check := filepath.Join(dir, "check.html")
	require.NoError(t, os.WriteFile(check, bytes.Replace(page, []byte("</body>"), []byte(checkScript+"</body>"), 1), 0o644))
	defer os.Remove(check)
	abs, err := filepath.Abs(check)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a hang, not a slow machine
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=30000", "--dump-dom", "file://"+filepath.ToSlash(abs))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	m := checkLine.FindSubmatch(out)
	require.NotNil(t, m, "the page ran its check: %s", out)
	n := func(b []byte) int {
		v, err := strconv.Atoi(string(b))
		require.NoError(t, err)
		return v
	}
	return n(m[1]), n(m[2]), n(m[3]), n(m[4])
}

// htmhw nab --report on the three-file slice: the page, its plots, and
// (with chromium) the page in a browser, a missing plot noticed.
func TestNABReport(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	dir := t.TempDir()
	rep := filepath.Join(dir, "report")
	stdout, _, err := execute(t, "nab", "--model", "small", "--nab", real, "--windows", filepath.Join(real, "windows.json"),
		"--out", filepath.Join(dir, "results"), "--report", rep, "-j", "2")
	require.NoError(t, err)
	assert.Contains(t, stdout, "report in "+filepath.Join(rep, "index.html"))
	page, err := os.ReadFile(filepath.Join(rep, "index.html"))
	require.NoError(t, err)
	html := string(page)
	assert.NotContains(t, html, "<script", "no script")
	assert.NotContains(t, html, "http://", "nothing from the network")
	assert.NotContains(t, html, "https://", "nothing from the network")
	assert.Contains(t, html, "htmhw (this run)")
	imgs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(html, -1)
	require.Len(t, imgs, 3)
	for _, m := range imgs {
		data, err := os.ReadFile(filepath.Join(rep, filepath.FromSlash(m[1])))
		require.NoError(t, err)
		_, err = png.DecodeConfig(bytes.NewReader(data))
		assert.NoError(t, err, m[1])
	}
	files := html[strings.Index(html, `<table id="files">`):]
	files = files[:strings.Index(files, "</table>")]
	assert.Equal(t, 3, strings.Count(files, "<tr><td"), "a row per file")

	images, broken, rows, scores := browserCheck(t, rep)
	assert.Equal(t, 3, images)
	assert.Zero(t, broken)
	assert.Equal(t, 3, rows)
	assert.Equal(t, 1, scores, "no published table in the slice: this run only")

	require.NoError(t, os.Remove(filepath.Join(rep, filepath.FromSlash(imgs[0][1]))))
	_, broken, _, _ = browserCheck(t, rep)
	assert.Equal(t, 1, broken, "the check sees a missing plot")
}

// The report of the whole corpus, in a browser: every plot loads and the
// file table holds the 58 files (issue 16). Needs the NAB corpus (NAB_DATA
// or ../shared/data/nab) and chromium; under CI both.
func TestNABReportFullCorpus(t *testing.T) {
	dir := os.Getenv("NAB_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "nab")
	}
	if _, err := os.Stat(filepath.Join(dir, "combined_windows.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the NAB corpus is required under CI but is not at %s: %v", dir, err)
		}
		t.Skipf("the NAB corpus is not at %s (set NAB_DATA to its directory); skipping", dir)
	}
	needTool(t, "chromium")
	out := t.TempDir()
	rep := filepath.Join(out, "report")
	_, _, err := execute(t, "nab", "--model", "small", "--nab", dir, "--out", filepath.Join(out, "results"), "--report", rep)
	require.NoError(t, err)
	images, broken, rows, scores := browserCheck(t, rep)
	assert.Equal(t, 58, images)
	assert.Zero(t, broken)
	assert.Equal(t, 58, rows)
	assert.Equal(t, 16, scores, "this run and NAB's 15 published detectors")
}
