package classify

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// writeRules writes each content to its own .csv file in a temp dir and
// returns the paths in order.
func writeRules(t *testing.T, contents ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i, c := range contents {
		p := filepath.Join(dir, "rules"+string(rune('a'+i))+".csv")
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func mustNew(t *testing.T, opts Options) *Classifier {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const hdr = "namespace,code,cause\n"

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		cases []classifyCase
	}{
		{"user file before embedded table",
			[]string{hdr + "cup,05,risk_control\n"},
			[]classifyCase{
				{"05", "", "credit_card", "", record.RiskControl, nsCUP},
				{"05", "", "unionpay_qr", "", record.ConsumerAccount, nsUPI}, // other namespaces keep the embedded row
				{"51", "", "credit_card", "", record.ConsumerAccount, nsCUP},
			}},
		{"user row without namespace before embedded namespaced row",
			[]string{hdr + ",05,security\n"},
			[]classifyCase{
				{"05", "", "credit_card", "", record.Security, nsCUP},
				{"05", "", "unionpay_qr", "", record.Security, nsUPI},
			}},
		{"later file wins",
			[]string{hdr + "cup,51,network\n", hdr + "cup,51,security\n"},
			[]classifyCase{{"51", "", "", "", record.Security, nsCUP}}},
		{"later file wins, reversed",
			[]string{hdr + "cup,51,security\n", hdr + "cup,51,network\n"},
			[]classifyCase{{"51", "", "", "", record.Network, nsCUP}}},
		{"later file's row without namespace beats earlier namespaced row",
			[]string{hdr + "cup,51,network\n", hdr + ",51,security\n"},
			[]classifyCase{{"51", "", "", "", record.Security, nsCUP}}},
		{"earlier file's row still applies where the later has none",
			[]string{hdr + "cup,51,network\nwechat,FAIL,risk_control\n", hdr + "cup,51,security\n"},
			[]classifyCase{
				{"51", "", "", "", record.Security, nsCUP},
				{"FAIL", "", "wechat", "", record.RiskControl, nsWechat},
			}},
		{"namespaced row wins within a file",
			[]string{hdr + ",51,risk_control\ncup,51,network\n"},
			[]classifyCase{
				{"51", "", "credit_card", "", record.Network, nsCUP},
				{"51", "", "unionpay_qr", "", record.RiskControl, nsUPI},
			}},
		{"namespaced row wins within a file, whatever the row order",
			[]string{hdr + "cup,51,network\n,51,risk_control\n"},
			[]classifyCase{
				{"51", "", "credit_card", "", record.Network, nsCUP},
				{"51", "", "unionpay_qr", "", record.RiskControl, nsUPI},
			}},
		{"user rows may map to approved and pending",
			[]string{hdr + "cup,A2,approved\nwechat,FAIL,pending\n,000000,pending\n"},
			[]classifyCase{
				{"A2", "", "credit_card", "", record.Approved, nsCUP},
				{"FAIL", "", "wechat", "", record.Pending, nsWechat},
				{"000000", "", "", "", record.Pending, nsNone},
			}},
		{"user sub-code rows",
			[]string{hdr + "alipay,ACQ.MY_HUABEI_CODE,consumer_credit\n"},
			[]classifyCase{{"40004", "ACQ.MY_HUABEI_CODE", "huabei", "", record.ConsumerCredit, nsAlipay}}},
		{"normalized like ingest: BOM, CRLF, case, spaces, lost zero, extra columns, comments",
			[]string{"\ufeff# my table\r\nNamespace , Code,Cause,comment\r\n# a comment\r\n CUP , 5 , Risk_Control ,why\r\n\r\n,,\r\nalipay,acq.my_code,network\r\n"},
			[]classifyCase{
				{"05", "", "", "", record.RiskControl, nsCUP},
				{"ACQ.MY_CODE", "", "", "", record.Network, nsAlipay},
			}},
		{"iso8583 row reached through the cup fallback",
			[]string{hdr + "iso8583,17,network\n"},
			[]classifyCase{{"17", "", "credit_card", "", record.Network, nsISO}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runCases(t, mustNew(t, Options{RulesFiles: writeRules(t, tc.files...)}), tc.cases)
		})
	}
}

func TestNoDefaultRules(t *testing.T) {
	c := mustNew(t, Options{NoDefaultRules: true})
	runCases(t, c, []classifyCase{
		// built-in success and pending codes stay
		{"00", "", "credit_card", "", record.Approved, nsCUP},
		{"Y1", "", "credit_card", "", record.Approved, nsCUP},
		{"00", "", "unionpay_qr", "", record.Approved, nsUPI},
		{"08", "", "credit_card", "", record.Approved, nsISO},
		{"000", "", "", "", record.Approved, nsISO},
		{"SUCCESS", "", "wechat", "", record.Approved, nsWechat},
		{"10000", "", "huabei", "", record.Approved, nsAlipay},
		{"000000", "", "", "", record.Approved, nsNone},
		{"A2", "", "", "", record.Pending, nsCUP},
		{"A6", "", "", "", record.Pending, nsCUP},
		{"04", "", "unionpay_qr", "", record.Pending, nsUPI},
		{"09", "", "credit_card", "", record.Pending, nsISO},
		{"USERPAYING", "", "wechat", "", record.Pending, nsWechat},
		{"10003", "", "", "", record.Pending, nsAlipay},
		// the embedded table is gone
		{"51", "", "credit_card", "", record.Unknown, nsCUP},
		{"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "huabei", "", record.Unknown, nsAlipay},
		{"FAIL", "NOTENOUGH", "wechat", "", record.Unknown, nsWechat},
	})
	if Label(record.RiskControl, "zh") != "风控限制" || len(Catalogue()) != len(record.Causes()) {
		t.Error("catalogue lost")
	}

	c = mustNew(t, Options{NoDefaultRules: true, RulesFiles: writeRules(t, hdr+"cup,51,consumer_credit\n")})
	runCases(t, c, []classifyCase{
		{"51", "", "credit_card", "", record.ConsumerCredit, nsCUP},
		{"05", "", "credit_card", "", record.Unknown, nsCUP},
		{"00", "", "credit_card", "", record.Approved, nsCUP},
	})
}

func TestRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		line          int64
		column, msg   string
	}{
		{"empty file", "", 1, "", "empty code table: expected a header namespace,code,cause"},
		{"only comments", "# nothing\n", 1, "", "empty code table"},
		{"wrong header", "ns,code,cause\ncup,05,network\n", 1, "", `wrong header "ns,code,cause": expected namespace,code,cause`},
		{"header too short", "namespace,code\n", 1, "", "wrong header"},
		{"wrong header after comments", "# one\n# two\n\nnamespace,cause,code\n", 4, "", "wrong header"},
		{"unknown cause", hdr + "cup,05,network\ncup,06,foo\n", 3, "cause",
			`unknown cause "foo": expected one of system_maintenance, terminal_incompatible,`},
		{"unknown cause lists all", hdr + "cup,05,declined\n", 2, "cause", "security, unknown, approved or pending"},
		{"unknown namespace", hdr + "visa,05,network\n", 2, "namespace",
			`unknown namespace "visa": expected one of iso8583, cup, upi_qr, alipay, wechat, or empty for any namespace`},
		{"too few columns", hdr + "cup,05,network\ncup,06\n", 3, "", "2 column(s): expected namespace,code,cause"},
		{"empty code", hdr + "cup, ,network\n", 2, "code", "empty code"},
		{"conflicting duplicate", hdr + "cup,05,network\ncup,5,security\n", 3, "code",
			"cup,05 maps to security here and to network on line 2"},
		{"bare quote", hdr + "cup,05,network\ncup,0\"6,network\n", 3, "", "malformed csv at column"},
		{"unterminated quote", hdr + "cup,05,network\ncup,\"06,network\n", 3, "", "malformed csv"},
		{"line count after a quoted multi-line field", hdr + "cup,05,\"network\"\ncup,\"0\n6\",network\ncup,07,nope\n", 5, "cause", "unknown cause"},
		{"line count with BOM and CRLF", "\ufeff" + "namespace,code,cause\r\ncup,05,network\r\ncup,06,nope\r\n", 3, "cause", "unknown cause"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := writeRules(t, tc.content)
			_, err := New(Options{RulesFiles: paths})
			checkUsageErr(t, err, paths[0], tc.line, tc.column, tc.msg)
		})
	}
}

func checkUsageErr(t *testing.T, err error, file string, line int64, column, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var e *record.Error
	if !errors.As(err, &e) {
		t.Fatalf("%T is not *record.Error: %v", err, err)
	}
	if record.KindOf(err) != record.KindUsage {
		t.Errorf("kind %s, want usage", record.KindOf(err))
	}
	if e.File != file || e.Line != line || e.Column != column {
		t.Errorf("file %q line %d column %q, want %q %d %q", e.File, e.Line, e.Column, file, line, column)
	}
	if !strings.Contains(e.Err.Error(), msg) {
		t.Errorf("message %q does not contain %q", e.Err, msg)
	}
	if e.Err.Error() != strings.ToLower(e.Err.Error()[:1])+e.Err.Error()[1:] {
		t.Errorf("message %q does not start lower-case", e.Err)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.csv")
	_, err := New(Options{RulesFiles: []string{missing}})
	checkUsageErr(t, err, missing, 0, "", "cannot read rules file: no such file or directory")

	good := writeRules(t, hdr+"cup,05,network\n")[0]
	_, err = New(Options{RulesFiles: []string{good, missing}})
	checkUsageErr(t, err, missing, 0, "", "cannot read rules file")

	for _, name := range []string{"rules.yaml", "rules.txt", "rules"} {
		opts := Options{RulesFiles: []string{good, name}}
		checkUsageErr(t, opts.Validate(), name, 0, "", "unsupported rules file: expected .toml (rules language) or .csv")
		_, err := New(opts)
		checkUsageErr(t, err, name, 0, "", "unsupported rules file")
	}
	checkUsageErr(t, Options{RulesFiles: []string{" "}}.Validate(), "", 0, "", "empty rules file name")

	for _, o := range []Options{{}, {NoDefaultRules: true}, {RulesFiles: []string{"a.csv", "B.CSV", "c.toml"}}, {CapabilitiesFiles: []string{"f.TOML"}}, {Acquirer: "cn_app"}} {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
	}
}

func TestIdenticalDuplicateAllowed(t *testing.T) {
	c := mustNew(t, Options{RulesFiles: writeRules(t, hdr+"cup,05,network\ncup,5,Network\n")})
	runCases(t, c, []classifyCase{{"05", "", "", "", record.Network, nsCUP}})
}

func TestVersion(t *testing.T) {
	a, b := hdr+"cup,05,network\n", hdr+"cup,05,security\n"
	paths := writeRules(t, a, b)
	capsFile := filepath.Join(t.TempDir(), "fleet.toml")
	if err := os.WriteFile(capsFile, []byte("[[terminal]]\nmodel = \"X\"\nhuabei = false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"no default", Options{NoDefaultRules: true}},
		{"a b", Options{RulesFiles: paths}},
		{"b a", Options{RulesFiles: []string{paths[1], paths[0]}}},
		{"no default a", Options{NoDefaultRules: true, RulesFiles: paths[:1]}},
		{"acquirer", Options{Acquirer: "cn_app"}},
		{"capabilities", Options{CapabilitiesFiles: []string{capsFile}}},
	} {
		got := mustNew(t, tc.opts).Version()
		if len(got) != 12 {
			t.Errorf("Version(%s) = %q: want 12 hex digits", tc.name, got)
		}
		if again := mustNew(t, tc.opts).Version(); again != got {
			t.Errorf("Version(%s) not stable: %q then %q", tc.name, got, again)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("Version(%s) = Version(%s) = %q", tc.name, prev, got)
		}
		seen[got] = tc.name
	}
}

func FuzzParseRules(f *testing.F) {
	for _, s := range []string{
		hdr + "cup,05,network\n,51,consumer_account\nalipay,ACQ.X,approved\n",
		"\ufeffnamespace,code,cause,note\r\n# c\r\nwechat,FAIL,pending,x\r\n",
		hdr + "cup,\"0\n5\",network\n",
		hdr + "visa,05,network\n",
		hdr + "cup,05,foo\n",
		hdr + "cup,0\"5,network\n",
		hdr + "cup,05\n",
		"ns,code,cause\n",
		"",
		hdr + "cup,05,network\ncup,5,security\n",
		hdr + "iso8583,00,approved\ncup,A2,pending\nalipay,ACQ.SYSTEM_ERROR,system_maintenance\nwechat,NOTENOUGH,consumer_account\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := parseRules("f.csv", data)
		if err != nil {
			var e *record.Error
			if !errors.As(err, &e) {
				t.Fatalf("%T is not *record.Error: %v", err, err)
			}
			if e.Kind != record.KindUsage || e.File != "f.csv" {
				t.Fatalf("kind %s file %q: %v", e.Kind, e.File, err)
			}
			if e.Line <= 0 && !strings.Contains(err.Error(), "header") {
				t.Fatalf("no line: %v", err)
			}
			return
		}
		for _, r := range rules {
			if r.code == "" || r.line <= 0 || r.ns >= record.NumNamespaces || r.out >= record.NumOutcomes {
				t.Fatalf("bad rule %+v", r)
			}
			if r.code != normCode(r.code) {
				t.Fatalf("code %q not normalized", r.code)
			}
		}
	})
}
