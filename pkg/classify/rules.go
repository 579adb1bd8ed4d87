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

// Options selects the rules of a Classifier. The zero value uses the
// embedded rules.toml (catalogue, code tables, conditional rules,
// capability facts) and the built-in success and pending codes.
type Options struct {
	// RulesFiles are user rules files, each a .toml rules file or a .csv
	// code table (header namespace,code,cause). A later file takes
	// precedence over an earlier one and every file over the embedded
	// rules; see the package documentation for the layering.
	RulesFiles []string
	// CapabilitiesFiles are .toml files of [[terminal]] tables: which
	// terminal models and firmware can scan QR codes, take contactless or
	// take Huabei. They take precedence over the rules files' and the
	// embedded [[terminal]] tables, a later file over an earlier one.
	CapabilitiesFiles []string
	// Acquirer selects an [[acquirer]] profile (embedded or from a rules
	// file): its code rows apply above the plain tables, and it may change
	// the namespace of two-character codes. "" for none.
	Acquirer string
	// NoDefaultRules drops the embedded code tables and rules. The
	// catalogue, the lists, the capability facts and the built-in success
	// and pending codes stay.
	NoDefaultRules bool
}

// Validate checks the options without reading any file.
func (o Options) Validate() error {
	for _, f := range o.RulesFiles {
		if strings.TrimSpace(f) == "" {
			return &record.Error{Kind: record.KindUsage, Err: errors.New("empty rules file name")}
		}
		switch strings.ToLower(filepath.Ext(f)) {
		case ".toml", ".csv":
		default:
			return &record.Error{Kind: record.KindUsage, File: f,
				Err: errors.New("unsupported rules file: expected .toml (rules language) or .csv (namespace,code,cause)")}
		}
	}
	for _, f := range o.CapabilitiesFiles {
		if strings.TrimSpace(f) == "" {
			return &record.Error{Kind: record.KindUsage, Err: errors.New("empty capabilities file name")}
		}
		if !strings.EqualFold(filepath.Ext(f), ".toml") {
			return &record.Error{Kind: record.KindUsage, File: f,
				Err: errors.New("unsupported capabilities file: expected a .toml file of [[terminal]] tables")}
		}
	}
	if o.Acquirer != "" && !validName(o.Acquirer) {
		return &record.Error{Kind: record.KindUsage,
			Err: fmt.Errorf("acquirer profile %q: expected lower-case letters, digits and _", o.Acquirer)}
	}
	return nil
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
func parseRules(file string, data []byte) ([]codeRow, error) {
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

	var rules []codeRow
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
		rules = append(rules, codeRow{ns: ns, code: code, out: out, line: line})
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
