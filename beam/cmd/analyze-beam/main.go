// Command analyze-beam runs analyze's classification and aggregation as an
// Apache Beam pipeline and writes one partial output per input file, which
// `analyze merge` turns into the reports of one `analyze run`.
//
//	analyze-beam --input 'gs://exports/2026-11-21/*.csv.gz' --partial_out gs://work/parts/2026-11-21 \
//	    --by region,payment_method --bucket 1h                      # Prism, locally
//	analyze-beam ... --runner flink --endpoint localhost:8099 --environment_type LOOPBACK
//
// Beam's own flags (--runner, --endpoint, --environment_type,
// --worker_binary, ...) are in the same flag set; see README.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/payops/analyze/beam/analyzebeam"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type list []string

func (l *list) String() string     { return strings.Join(*l, " ") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

var (
	inputs, by, rules, capabilities list
	partialOut                      = flag.String("partial_out", "", "root of the partial outputs, one directory per input file (local, gs://, s3://)")
	bucket                          = flag.String("bucket", "", "1m, 5m, 15m, 1h or 1d: count the time series (as analyze run --bucket)")
	tz                              = flag.String("tz", "Asia/Shanghai", "time zone of local timestamps and buckets")
	delimiter                       = flag.String("delimiter", ",", "field delimiter: , tab | ;")
	encoding                        = flag.String("encoding", "auto", "auto, utf-8, gb18030 or gbk")
	lenientQuotes                   = flag.Bool("lenient_quotes", false, "keep a bare \" in a field literally")
	columns                         = flag.String("columns", "", "header overrides, canonical=Header,...")
	amountUnit                      = flag.String("amount_unit", "yuan", "yuan or fen")
	noDedup                         = flag.Bool("no_dedup", false, "count repeated txn_ids every time")
	skipBadFiles                    = flag.Bool("skip_bad_files", false, "record an unreadable file in its partial output instead of failing the job")
	acquirer                        = flag.String("acquirer", "", "an acquirer profile of the rules")
	noDefaultRules                  = flag.Bool("no_default_rules", false, "drop the embedded codes and rules")
	from                            = flag.String("from", "", "count only rows at or after this time (2026-11-21T14:00 in --tz, or RFC 3339)")
	to                              = flag.String("to", "", "count only rows before this time")
	terminals                       = flag.String("terminals", "", "terminal master: terminal_id → terminal_model, terminal_firmware")
	merchants                       = flag.String("merchants", "", "merchant master: merchant_id → merchant_name, mcc, region")
	workersPerFile                  = flag.Int("workers_per_file", 1, "pkg/pipeline workers per file (runners run one bundle per core already)")
)

func init() {
	flag.Var(&inputs, "input", "input files: a path or glob (local, gs://, s3://); repeatable")
	flag.Var(&by, "by", "an extra breakdown, e.g. region,payment_method; repeatable")
	flag.Var(&rules, "rules", "a rules file (.toml) or code table (.csv); repeatable, later wins")
	flag.Var(&capabilities, "capabilities", "a terminal capability table (.toml); repeatable")
}

func main() {
	// Beam's flags are in the standard set: Init must follow Parse, and in
	// a worker process Init runs the worker and never returns.
	flag.Parse()
	beam.Init()
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "analyze-beam: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg := analyzebeam.Config{By: by, TZ: *tz, Delimiter: *delimiter, Encoding: *encoding, LenientQuotes: *lenientQuotes,
		Columns: *columns, AmountUnit: *amountUnit, NoDedup: *noDedup, SkipBadFiles: *skipBadFiles, Acquirer: *acquirer,
		NoDefaultRules: *noDefaultRules, From: *from, To: *to, Workers: *workersPerFile, Version: version}
	if *bucket != "" {
		b, ok := analyzebeam.Buckets[*bucket]
		if !ok {
			return fmt.Errorf("--bucket %q: expected 1m, 5m, 15m, 1h or 1d", *bucket)
		}
		cfg.BucketSeconds = b
	}
	var err error
	if cfg.Rules, err = readAll(rules); err != nil {
		return err
	}
	if cfg.Capabilities, err = readAll(capabilities); err != nil {
		return err
	}
	for _, m := range []struct {
		path string
		dst  **analyzebeam.NamedFile
	}{{*terminals, &cfg.Terminals}, {*merchants, &cfg.Merchants}} {
		if m.path != "" {
			f, err := readAll([]string{m.path})
			if err != nil {
				return err
			}
			*m.dst = &f[0]
		}
	}
	p, s := beam.NewPipelineWithRoot()
	if _, err := analyzebeam.Build(s, inputs, *partialOut, cfg); err != nil {
		return err
	}
	if err := beamx.Run(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "analyze-beam: partial outputs written under %s; merge them with\n  analyze merge -o REPORTDIR %s\n",
		*partialOut, filepath.Join(*partialOut, "*"))
	return nil
}

// readAll reads the rules files at submission: workers get their bytes.
func readAll(paths []string) ([]analyzebeam.NamedFile, error) {
	var out []analyzebeam.NamedFile
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, analyzebeam.NamedFile{Name: filepath.Base(p), Data: data})
	}
	return out, nil
}
