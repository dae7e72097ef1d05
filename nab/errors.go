package nab

import (
	"errors"
	"strconv"
)

// Kinds of error. Errors returned by this package wrap one of these (a
// *FileError names the file and line), so callers can test for them with
// errors.Is.
var (
	// ErrFormat means a CSV or JSON file is malformed: no header, no
	// timestamp or anomaly_score column, a bad timestamp, a ragged row.
	ErrFormat = errors.New("malformed file")
	// ErrWindow means a window of the windows file does not fit its data
	// file: an edge that is not one of the file's timestamps, an end before
	// its start, windows out of order or overlapping.
	ErrWindow = errors.New("invalid window")
	// ErrMissingFile means a results set lacks the results of a corpus file,
	// or the windows file lacks an entry for a data file.
	ErrMissingFile = errors.New("missing file")
	// ErrExtraFile means a results set or windows file names a file that is
	// not in the corpus.
	ErrExtraFile = errors.New("file not in corpus")
	// ErrRowCount means a results file has a different number of rows than
	// its data file.
	ErrRowCount = errors.New("wrong number of rows")
	// ErrScore means an anomaly score is not a number in [0, 1].
	ErrScore = errors.New("invalid anomaly score")
	// ErrThreshold means a threshold is NaN.
	ErrThreshold = errors.New("invalid threshold")
)

// A FileError reports a problem with one file of a corpus or results set.
// Its message reads like
//
//	realKnownCause/nyc_taxi.csv:17: invalid anomaly score: "abc" is not a number
//
// File is the data file's relative path for problems found by LoadCorpus,
// NewFile and Results.Check, the path of the file read for problems found
// by ReadResults and ReadResultsFile, and empty for ReadScores. Line is
// 1-based (the header is line 1) and 0 when the problem concerns the whole
// file. Err wraps one of the Err* kinds.
type FileError struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: problem", leaving out the line when it is 0
// and reading "line N: problem" when the file is unknown.
func (e *FileError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	case e.File != "":
		return e.File + ": " + e.Err.Error()
	case e.Line > 0:
		return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns e.Err.
func (e *FileError) Unwrap() error { return e.Err }

// kindError is an error with a specific message that still matches its kind
// under errors.Is.
type kindError struct {
	kind error
	msg  string
}

func (k *kindError) Error() string { return k.kind.Error() + ": " + k.msg }
func (k *kindError) Unwrap() error { return k.kind }

// fileErr returns a *FileError of the given kind with the message msg.
func fileErr(file string, line int, kind error, msg string) error {
	return &FileError{File: file, Line: line, Err: &kindError{kind: kind, msg: msg}}
}
