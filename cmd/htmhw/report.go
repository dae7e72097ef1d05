package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/htmhw/htmhw/nab"
	"github.com/htmhw/htmhw/nab/report"
)

// writeReport writes the HTML report of a nab run to --report, if given.
func (o *nabOptions) writeReport(w io.Writer, modelName string, c *nab.Corpus, res nab.Results, traces map[string]*nab.Trace, elapsed time.Duration) error {
	if o.report == "" {
		return nil
	}
	summary := fmt.Sprintf("Model %s, %s engine: %d files, %d rows in %.1f s. Detector %q (htmhw nab).",
		modelName, o.engine, len(c.Files), c.Rows(), elapsed.Seconds(), o.detector)
	_, err := report.Write(o.report, c, res, report.Options{
		Title:     fmt.Sprintf("NAB report: %s", modelName),
		Detector:  o.detector,
		Summary:   summary,
		Published: filepath.Join(o.nabDir, "final_results.json"),
		Jobs:      o.jobs,
		Traces:    traces,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nreport in %s\n", filepath.Join(o.report, "index.html"))
	return nil
}
