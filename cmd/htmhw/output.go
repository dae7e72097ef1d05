package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// output is a file that is written under a temporary name in its
// directory and renamed into place by commit, so that a run that fails
// leaves whatever was at the path before untouched. The path "-" is the
// command's standard output, which is written as the run goes.
type output struct {
	*bufio.Writer
	path string
	f    *os.File // the temporary file; nil for standard output
}

// createOutput starts the output at path, or on stdout for "-".
func createOutput(path string, stdout io.Writer) (*output, error) {
	if path == "-" {
		return &output{Writer: bufio.NewWriter(stdout), path: path}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return &output{Writer: bufio.NewWriterSize(f, 64<<10), path: path, f: f}, nil
}

// commit flushes the output and moves it to its path. The file keeps the
// permissions of the file it replaces, or gets 0644.
func (o *output) commit() error {
	if err := o.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	if o.f == nil {
		return nil
	}
	f := o.f
	o.f = nil
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(o.path); err == nil {
		mode = fi.Mode().Perm()
	}
	err := f.Chmod(mode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), o.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}

// abort removes the temporary file of an output that was not committed.
func (o *output) abort() {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		o.f = nil
	}
}

// outputs is the set of files a command writes, committed together at
// the end of a successful run.
type outputs struct {
	stdout io.Writer
	list   []*output
	inputs []flagPath // files the command reads, which no output may replace
}

// flagPath is a file named by a flag.
type flagPath struct{ flag, path string }

// reads names the files the command reads, by flag and path (pairs; an
// empty path is skipped): create refuses to write any of them.
func (s *outputs) reads(flagsAndPaths ...string) *outputs {
	for i := 0; i+1 < len(flagsAndPaths); i += 2 {
		if p := flagsAndPaths[i+1]; p != "" && p != "-" {
			s.inputs = append(s.inputs, flagPath{flagsAndPaths[i], p})
		}
	}
	return s
}

// create starts the output at path (see createOutput), refusing a path
// that another output of the command already writes to, or that the
// command reads.
func (s *outputs) create(flag, path string) (*output, error) {
	for _, o := range s.list {
		if o.path == path || o.path != "-" && path != "-" && sameFile(o.path, path) {
			return nil, fmt.Errorf("--%s %s: another output of this run is written there", flag, path)
		}
	}
	if err := checkNotInput(flag, path, s.inputs); err != nil {
		return nil, err
	}
	o, err := createOutput(path, s.stdout)
	if err != nil {
		return nil, err
	}
	s.list = append(s.list, o)
	return o, nil
}

// createIf is create for an optional output: no output (nil) when path is
// empty, the flag's "not given".
func (s *outputs) createIf(flag, path string) (*output, error) {
	if path == "" {
		return nil, nil
	}
	return s.create(flag, path)
}

// commit commits every output, in the order they were created.
func (s *outputs) commit() error {
	var errs []error
	for _, o := range s.list {
		if err := o.commit(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// abort removes the temporary files of every output not committed.
func (s *outputs) abort() {
	for _, o := range s.list {
		o.abort()
	}
}

// checkNotInput returns an error if the output path of flag names one of
// the inputs: writing it would replace the data the run reads.
func checkNotInput(flag, path string, inputs []flagPath) error {
	if path == "-" {
		return nil
	}
	for _, in := range inputs {
		if sameFile(in.path, path) {
			return fmt.Errorf("--%s %s: that is the input --%s; write the output elsewhere", flag, path, in.flag)
		}
	}
	return nil
}

// sameFile reports whether two paths name the same file: by their
// absolute, cleaned names, or, when both exist, by identity (links).
func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
