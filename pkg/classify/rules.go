package classify

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Options selects the code tables of a Classifier. The zero value uses the
// embedded default table and the built-in success and pending codes.
type Options struct {
	// RulesFiles are user code tables (.csv, header namespace,code,cause),
	// a later file taking precedence over an earlier one and every file
	// over the embedded table.
	RulesFiles []string
	// NoDefaultRules drops the embedded code table. The catalogue and the
	// built-in success and pending codes stay.
	NoDefaultRules bool
}

// Validate checks the options without reading any file.
func (o Options) Validate() error {
	for _, f := range o.RulesFiles {
		if strings.TrimSpace(f) == "" {
			return &record.Error{Kind: record.KindUsage, Err: errors.New("empty rules file name")}
		}
		if !strings.EqualFold(filepath.Ext(f), ".csv") {
			return &record.Error{Kind: record.KindUsage, File: f,
				Err: errors.New("only .csv code tables (header namespace,code,cause) are supported in this version")}
		}
	}
	return nil
}

// rule is one row of a code table.
type rule struct {
	ns   record.Namespace // NSNone: any namespace
	code string
	out  record.Outcome
	line int64
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

const wantHeader = "namespace,code,cause"

// expectedOutcomes is the list an unknown cause error offers.
var expectedOutcomes = func() string {
	ids := make([]string, 0, record.NumOutcomes)
	for _, o := range record.Causes() {
		ids = append(ids, o.String())
	}
	return strings.Join(ids, ", ") + ", approved or pending"
}()

var expectedNamespaces = func() string {
	var ns []string
	for n := record.NSNone + 1; n < record.NumNamespaces; n++ {
		ns = append(ns, n.String())
	}
	return strings.Join(ns, ", ") + ", or empty for any namespace"
}()

// parseRules reads a code table: a header namespace,code,cause (more
// columns allowed and ignored), then one row per code. A UTF-8 BOM, blank
// lines, all-empty rows and lines starting with # are skipped. Codes are
// normalized as ingest normalizes resp_code. Every error is a KindUsage
// *record.Error with File and a 1-based Line.
func parseRules(file string, data []byte) ([]rule, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.ReuseRecord = true

	fail := func(line int64, column, format string, args ...any) error {
		if line < 1 {
			line = 1
		}
		return &record.Error{Kind: record.KindUsage, File: file, Line: line, Column: column, Err: fmt.Errorf(format, args...)}
	}
	read := func() ([]string, int64, error) {
		for {
			rec, err := r.Read()
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return nil, 0, fail(int64(pe.Line), "", "malformed csv at column %d: %v", pe.Column, pe.Err)
				}
				return nil, 0, err // io.EOF
			}
			line, _ := r.FieldPos(0)
			if blank(rec) || strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
				continue
			}
			return rec, int64(line), nil
		}
	}

	hdr, hline, err := read()
	if err == io.EOF {
		return nil, fail(1, "", "empty code table: expected a header %s", wantHeader)
	}
	if err != nil {
		return nil, err
	}
	if !headerOK(hdr) {
		return nil, fail(hline, "", "wrong header %q: expected %s (further columns allowed)", strings.Join(hdr, ","), wantHeader)
	}

	var rules []rule
	type nsCode struct {
		ns   record.Namespace
		code string
	}
	seen := make(map[nsCode]int) // index into rules
	for {
		rec, line, err := read()
		if err == io.EOF {
			return rules, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) < 3 {
			return nil, fail(line, "", "%d column(s): expected %s", len(rec), wantHeader)
		}
		nsName := strings.ToLower(strings.TrimSpace(rec[0]))
		ns, ok := record.NamespaceByName(nsName)
		if !ok {
			return nil, fail(line, "namespace", "unknown namespace %q: expected one of %s", rec[0], expectedNamespaces)
		}
		code := normCode(rec[1])
		if code == "" {
			return nil, fail(line, "code", "empty code: expected a response code such as 51 or ACQ.SYSTEM_ERROR")
		}
		id := strings.ToLower(strings.TrimSpace(rec[2]))
		out, ok := record.OutcomeByID(id)
		if !ok {
			return nil, fail(line, "cause", "unknown cause %q: expected one of %s", rec[2], expectedOutcomes)
		}
		k := nsCode{ns, code}
		if i, dup := seen[k]; dup {
			if rules[i].out != out {
				return nil, fail(line, "code", "%s,%s maps to %s here and to %s on line %d: expected one cause per namespace and code",
					ns, code, out, rules[i].out, rules[i].line)
			}
			continue
		}
		seen[k] = len(rules)
		rules = append(rules, rule{ns: ns, code: code, out: out, line: line})
	}
}

func headerOK(h []string) bool {
	want := [...]string{"namespace", "code", "cause"}
	if len(h) < len(want) {
		return false
	}
	for i, w := range want {
		if !strings.EqualFold(strings.TrimSpace(h[i]), w) {
			return false
		}
	}
	return true
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// normCode normalizes a code the way ingest normalizes resp_code: trimmed,
// upper-case, a lone digit zero-padded ("5" → "05", as spreadsheets drop
// the zero in rules files too).
func normCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return "0" + s
	}
	return s
}
