package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/samplegen"
)

// The sample set regenerates byte for byte, and each file equals what the
// command the README names for it writes.
func TestSamples(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run([]string{"-samples", dir}, &out); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sampleSet {
		got, err := os.ReadFile(filepath.Join(dir, s.name))
		if err != nil {
			t.Fatal(err)
		}
		cmd := "go run ./cmd/gensamples " + flagsOf(s.opts) + " -o samples/" + s.name
		if !strings.Contains(string(readme), cmd) {
			t.Errorf("README does not name the command for %s: %s", s.name, cmd)
		}
		args := append(strings.Fields(flagsOf(s.opts)), "-o", filepath.Join(dir, "again-"+s.name))
		if err := run(args, &out); err != nil {
			t.Fatal(err)
		}
		again, _ := os.ReadFile(filepath.Join(dir, "again-"+s.name))
		if !bytes.Equal(got, again) {
			t.Errorf("%s: the README command writes different bytes", s.name)
		}
		// The committed copy, when present, is current.
		if committed, err := os.ReadFile(filepath.Join("..", "..", "samples", s.name)); err == nil && !bytes.Equal(committed, got) {
			t.Errorf("samples/%s is stale: run make samples", s.name)
		}
	}
}

func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-rows", "3", "-format", "xlsx"}, &out); err == nil {
		t.Error("bad format accepted")
	}
	if err := run([]string{"extra"}, &out); err == nil {
		t.Error("stray argument accepted")
	}
	out.Reset()
	if err := run([]string{"-rows", "3", "-seed", "9"}, &out); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	samplegen.Write(&want, samplegen.Options{Rows: 3, Seed: 9, Merchants: samplegen.DefaultMerchants})
	if !bytes.Equal(out.Bytes(), want.Bytes()) {
		t.Error("stdout output differs from samplegen.Write")
	}
}
