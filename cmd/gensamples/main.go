// Command gensamples writes synthetic payment exports with pkg/samplegen.
//
//	gensamples -rows 100000 -seed 7 -format csv.gz -o day.csv.gz
//	gensamples -samples samples     # regenerate the committed sample set
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/payops/analyze/pkg/samplegen"
)

// sample is one file of the committed set.
type sample struct {
	name string
	opts samplegen.Options
	what string
}

var sampleSet = []sample{
	{"canonical.csv", samplegen.Options{Rows: 2000, Seed: 1, Format: "csv", Header: "canonical"},
		"UTF-8, canonical header and English vocabulary ids (card_chip, huabei, purchase, CNY), LF line endings."},
	{"gbk_chinese.csv", samplegen.Options{Rows: 2000, Seed: 2, Format: "csv-gbk", Header: "chinese"},
		"GBK-encoded, Chinese header (交易时间, 商户号, 应答码 ...) and Chinese values (插卡, 花呗, 消费, currency 156), amounts of 1000 and more with thousands separators (\"1,234.00\"), CRLF line endings: what a Windows export from an acquirer's portal looks like."},
	{"export.csv.gz", samplegen.Options{Rows: 2000, Seed: 3, Format: "csv.gz", Header: "chinese"},
		"gzip-compressed CSV, UTF-8, Chinese header and values, CRLF line endings."},
	{"export.parquet", samplegen.Options{Rows: 2000, Seed: 4, Format: "parquet", Header: "canonical"},
		"Parquet, canonical column names; txn_time TIMESTAMP(MILLIS, adjusted to UTC), amount DECIMAL(18,2), other columns strings (null when empty); snappy, dictionary encoding."},
	{"malformed.csv", samplegen.Options{Rows: 200, Seed: 5, Format: "csv", Header: "canonical", Malformed: 6},
		"UTF-8, canonical header, with 6 bad rows among the 200: a ragged row, amount \"12.3.4\", an impossible time (25:61:00), an empty merchant_id, amount \"1.234\" (more decimals than CNY has) and a negative purchase amount."},
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gensamples:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gensamples", flag.ContinueOnError)
	var o samplegen.Options
	fs.IntVar(&o.Rows, "rows", 2000, "data rows to write")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed (same seed, same bytes)")
	fs.StringVar(&o.Format, "format", "csv", "csv, csv-gbk, csv.gz or parquet")
	fs.StringVar(&o.Header, "header", "canonical", "canonical or chinese")
	fs.IntVar(&o.Malformed, "malformed", 0, "bad rows to put in (CSV formats)")
	fs.IntVar(&o.Merchants, "merchants", samplegen.DefaultMerchants, "merchants in the universe")
	out := fs.String("o", "-", "output file (- for stdout)")
	samples := fs.String("samples", "", "regenerate the committed sample set into `DIR` (other flags ignored)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *samples != "" {
		return writeSamples(*samples, stdout)
	}
	if *out == "-" {
		w := bufio.NewWriterSize(stdout, 1<<20)
		if err := samplegen.Write(w, o); err != nil {
			return err
		}
		return w.Flush()
	}
	return writeFile(*out, o)
}

// writeFile writes through a temporary file, so a failed run leaves no
// half-written output under the final name.
func writeFile(path string, o samplegen.Options) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".gensamples-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = samplegen.Write(f, o); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func writeSamples(dir string, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var readme strings.Builder
	readme.WriteString(readmeHead)
	total, bad := 0, 0
	for _, s := range sampleSet {
		path := filepath.Join(dir, s.name)
		if err := writeFile(path, s.opts); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		total += s.opts.Rows
		bad += s.opts.Malformed
		fmt.Fprintf(stdout, "%-16s %6d rows %8d bytes\n", s.name, s.opts.Rows, st.Size())
		fmt.Fprintf(&readme, "## %s\n\n%d data rows, seed %d. %s\n\n    go run ./cmd/gensamples %s -o samples/%s\n\n",
			s.name, s.opts.Rows, s.opts.Seed, s.what, flagsOf(s.opts), s.name)
	}
	if bad*100 >= total {
		return errors.New("the sample set has 1% or more malformed rows; a demo over samples/ would exceed the default reject limit")
	}
	fmt.Fprintf(&readme, readmeTail, total, bad, float64(bad)*100/float64(total))
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme.String()), 0o644)
}

func flagsOf(o samplegen.Options) string {
	s := fmt.Sprintf("-rows %d -seed %d -format %s -header %s", o.Rows, o.Seed, o.Format, o.Header)
	if o.Malformed > 0 {
		s += fmt.Sprintf(" -malformed %d", o.Malformed)
	}
	return s
}

const readmeHead = `# Sample exports

Synthetic exports of card and QR payments as Chinese acquirers (Lakala,
Shengfutong, UnionPay Merchant Services) hand them to merchants, for the
README, the demo (` + "`make demo`" + `) and tests. Every value is made up:
merchant names, ids, terminals and card numbers. Card numbers are masked
(622202******1234) except a few rows that carry one of the obviously
synthetic, Luhn-valid test numbers of samplegen.TestPANs (622202000000000x
and the like), there so that the tool's masking is exercised.

All files are written by pkg/samplegen (see its package documentation for
the distributions) and are byte-for-byte reproducible. Regenerate the whole
set with

    make samples        # = go run ./cmd/gensamples -samples samples

Each file uses its own seed, hence its own merchant universe. They all cover
2026-11-21 00:00-24:00 Asia/Shanghai and share its story: about 85% of
purchases approved; declines with real codes for the payment method (CUP
field 39 for cards, Alipay 40004 + ACQ.* sub-codes, WeChat FAIL + err_code,
UnionPay QR codes) and their Chinese messages; a few message-only rows,
pending payments, voids/refunds/reversals (about 3%) and rows exported twice
(same txn_id). Planted: from 14:00 to 15:00 Huabei (花呗) payments on Newland
ME31 terminals with firmware below 2.4 in 广东 fail with code 58 (不允许终端进行的交易),
and about 30% of card payments fail with 96/90 in CUP's day-end window
23:00-23:20.
Merchant 2 of each universe has a quoted word in its name, and some names
hold a comma (RFC 4180 quoting).

`

const readmeTail = `## Totals

%d data rows, %d of them malformed (%.2f%%): a demo over samples/ stays under
the default --max-reject-rate of 1%%.
`
