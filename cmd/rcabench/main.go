// Command rcabench runs the root-cause localizer (pkg/localize) over the
// RS benchmark (135 labelled cases of a ratio KPI, see
// ../shared/benchmarks/rca/README.md) and prints riskloc's micro-averaged
// TP, FP, FN, precision, recall and F1, with the time per case.
//
// Usage:
//
//	go run ./cmd/rcabench [-data DIR] [-v] [localizer options]
//
// -v adds one line per case: its scores, labels and predicted root causes.
// The localizer options default to the package defaults; they exist to
// measure sensitivity, not to be tuned per case.
//
// Exit status: 0 when the run completed (or -h), 1 on bad data or a
// scoring inconsistency, 2 on bad flags or options.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/payops/analyze/pkg/localize"
	"github.com/payops/analyze/pkg/localize/rsbench"
)

// usageError marks a bad command line (exit status 2).
type usageError struct{ error }

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &ue):
		os.Exit(2) // the flag package has printed the problem and the usage
	default:
		fmt.Fprintln(os.Stderr, "rcabench:", err)
		os.Exit(1)
	}
}

func run(args []string, w, errw io.Writer) error {
	fs := flag.NewFlagSet("rcabench", flag.ContinueOnError)
	fs.SetOutput(errw)
	data := fs.String("data", "../shared/benchmarks/rca/RS", "the RS folder (CSV files and anomaly.yaml)")
	verbose := fs.Bool("v", false, "print one line per case")
	var opts localize.Options
	fs.IntVar(&opts.MaxDims, "max-dims", 0, "Options.MaxDims (0: package default)")
	fs.Float64Var(&opts.Overdispersion, "overdispersion", 0, "Options.Overdispersion (0: package default)")
	fs.Float64Var(&opts.Alpha, "alpha", 0, "Options.Alpha (0: package default)")
	fs.Float64Var(&opts.MinShare, "min-share", 0, "Options.MinShare (0: package default)")
	fs.IntVar(&opts.MaxCauses, "max-causes", 0, "Options.MaxCauses (0: package default)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if err := opts.Validate(); err != nil {
		fmt.Fprintln(fs.Output(), err)
		return usageError{err}
	}
	cases, err := rsbench.Load(*data)
	if err != nil {
		return err
	}
	results, err := rsbench.Run(cases, opts)
	if err != nil {
		return err
	}
	sum, err := rsbench.Summarize(results)
	if err != nil {
		return err
	}
	if *verbose {
		for _, r := range results {
			fmt.Fprintf(w, "%-34s tp=%d fp=%d fn=%d %8.2fms label=%s predicted=%s\n",
				r.Case.Name, r.Score.TP, r.Score.FP, r.Score.FN, float64(r.Elapsed.Microseconds())/1000,
				strings.Join(r.Case.Labels, ";"), strings.Join(r.Predicted, ";"))
		}
	}
	fmt.Fprintf(w, "cases %d, label elements %d\n", sum.Cases, sum.LabelElements)
	fmt.Fprintf(w, "TP %d  FP %d  FN %d  precision %.3f  recall %.3f  F1 %.3f\n",
		sum.TP, sum.FP, sum.FN, sum.Precision(), sum.Recall(), sum.F1())
	fmt.Fprintf(w, "time per case: median %.2f ms, max %.2f ms\n",
		float64(sum.MedianTime.Microseconds())/1000, float64(sum.MaxTime.Microseconds())/1000)
	return nil
}
