package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/payops/analyze/pkg/pipeline"
)

// progress draws a bar on stderr while a run reads its inputs: bytes
// read against the inputs' total size (a spinner for stdin), rows done,
// rate and time left. Only for a person at a terminal: it stays silent
// when stderr is not a terminal (cron, pipes, tests) or with --quiet.
type progress struct {
	bytes, rows atomic.Int64
	stop, done  chan struct{}
}

// startProgress wires a progress display into popts, or returns nil.
func startProgress(stderr io.Writer, quiet bool, popts *pipeline.Options) *progress {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	total := int64(0)
	for _, in := range popts.Inputs {
		st, err := os.Stat(in.Path)
		if in.Path == "-" || err != nil {
			total = -1 // unknown: a spinner
			break
		}
		total += st.Size()
	}
	p := &progress{stop: make(chan struct{}), done: make(chan struct{})}
	popts.Ingest.ReadBytes = &p.bytes
	popts.RowsDone = &p.rows
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription("reading"))
	go func() {
		defer close(p.done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				bar.Clear()
				return
			case <-tick.C:
				bar.Describe(fmt.Sprintf("%d rows", p.rows.Load()))
				bar.Set64(p.bytes.Load())
			}
		}
	}()
	return p
}

// end removes the bar; a nil progress is a no-op.
func (p *progress) end() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}
