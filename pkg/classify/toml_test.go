package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/payops/analyze/pkg/record"
)

// TestRulesFileErrors: every kind of bad rules file gets a usage error
// naming the line (and the key) of the problem.
func TestRulesFileErrors(t *testing.T) {
	const ok = "[[rule]]\nid = \"r\"\ncause = \"network\"\n"
	for _, tc := range []struct {
		name, content string
		line          int64
		column, msg   string
	}{
		{"syntax", "[[rule]\nid = \"x\"\n", 1, "", "toml:"},
		{"syntax later", ok + "code = [\"58\"\n", 4, "", "toml:"},
		{"unterminated string", ok + "note = \"abc\n", 4, "", "toml:"},
		{"duplicate key", ok + "cause = \"security\"\n", 4, "", `key "cause" is set twice (first on line 3)`},
		{"table defined twice", "[lists]\na = []\n[lists]\nb = []\n", 3, "", "[lists] is defined twice"},
		{"invalid utf-8", ok + "note = \"\xff\"\n", 4, "", "not valid UTF-8"},
		{"unknown top key", ok + "\n[rulez]\nx = 1\n", 5, "rulez", `unknown key "rulez"`},
		{"rule without id", "[[rule]]\ncause = \"network\"\n", 1, "id", "[[rule]] without an id"},
		{"bad rule id", "[[rule]]\nid = \"a b\"\ncause = \"network\"\n", 2, "id", `rule id "a b"`},
		{"duplicate rule id", ok + "\n" + ok, 6, "id", `duplicate rule id "r" (first on line 1)`},
		{"unknown cause", "[[rule]]\nid = \"r\"\ncause = \"declined\"\n", 3, "cause", `rule r: unknown cause "declined"`},
		{"no cause", "[[rule]]\nid = \"r\"\ncode = \"58\"\n", 1, "cause", "rule r has no cause"},
		{"unknown condition", ok + "terminal = \"PAX\"\n", 4, "terminal", `rule r: unknown key "terminal"`},
		{"condition of the wrong type", ok + "code = 58\n", 4, "code", "code is a integer: expected a string or an array of strings"},
		{"array element of the wrong type", ok + "code = [\"58\", 59]\n", 4, "code", "an element is a integer"},
		{"empty condition", ok + "code = []\n", 4, "code", "code is empty"},
		{"bad firmware", ok + "terminal_firmware = \"<< 3.2\"\n", 4, "terminal_firmware", `terminal_firmware "<< 3.2": bad comparison`},
		{"empty firmware range", ok + "terminal_firmware = \">= 3, < 2\"\n", 4, "terminal_firmware", "the range is empty"},
		{"two firmware ranges", ok + "terminal_firmware = [\"< 3\", \"> 1\"]\n", 4, "terminal_firmware", "expected one range"},
		{"bad mcc", ok + "mcc = [\"5411\", \"59x9\"]\n", 4, "mcc", `mcc "59x9"`},
		{"reversed mcc range", ok + "mcc = \"5999-5000\"\n", 4, "mcc", `mcc "5999-5000"`},
		{"unknown list", ok + "mcc = \"@nope\"\n", 4, "mcc", `unknown list "@nope"`},
		{"unknown namespace value", ok + "namespace = \"visa\"\n", 4, "namespace", `namespace "visa": expected one of`},
		{"mistyped channel", ok + "channel = \"qrscan\"\n", 4, "channel", `channel "qrscan": expected one of card_swipe`},
		{"mistyped payment method", ok + "payment_method = \"alipay\"\n", 4, "payment_method", `payment_method "alipay"`},
		{"bad code class", ok + "code_class = \"vague\"\n", 4, "code_class", `code_class "vague"`},
		{"bad code cause", ok + "code_cause = \"declined\"\n", 4, "code_cause", `code_cause "declined"`},
		{"bad capability", ok + "capability = \"no\"\n", 4, "capability", `capability "no"`},
		{"empty keyword", ok + "msg_any = [\" \"]\n", 4, "msg_any", "empty keyword"},
		{"code row unknown cause", "[codes]\ncup = [\n  {code = \"51\", cause = \"consumer_account\"},\n  {code = \"52\", cause = \"broke\"},\n]\n", 4, "cause", `unknown cause "broke"`},
		{"code row twice", "[codes]\ncup = [\n  {code = \"51\", cause = \"network\"},\n  {code = \"51\", cause = \"network\"},\n]\n", 4, "code", "cup 51 is already mapped on line 3"},
		{"code row unknown namespace", "[codes]\nvisa = [{code = \"05\", cause = \"network\"}]\n", 2, "namespace", `unknown namespace "visa"`},
		{"code row without code", "[codes]\ncup = [{cause = \"network\"}]\n", 2, "code", "code row without a code"},
		{"code row bad visa", "[codes]\niso8583 = [{code = \"05\", cause = \"network\", visa = 7}]\n", 2, "visa", "visa 7"},
		{"code row unknown key", "[codes]\ncup = [{code = \"05\", cause = \"network\", meaning = \"x\"}]\n", 2, "meaning", `unknown key "meaning" in a code row`},
		{"new cause id", "[[cause]]\nid = \"vague\"\n", 2, "id", `unknown cause "vague"`},
		{"bad who acts", "[[cause]]\nid = \"network\"\nwho_acts = [\"isp\"]\n", 3, "who_acts", `who_acts "isp"`},
		{"bad retry", "[[cause]]\nid = \"network\"\nretry = \"maybe\"\n", 3, "retry", `retry "maybe"`},
		{"terminal without model", "[[terminal]]\nhuabei = false\n", 1, "model", "without model"},
		{"terminal without capability", "[[terminal]]\nmodel = \"X\"\n", 1, "", "states no capability"},
		{"terminal bad firmware", "[[terminal]]\nmodel = \"X\"\nfirmware = \"soon\"\nhuabei = true\n", 3, "firmware", `firmware "soon"`},
		{"acquirer bad namespace", "[[acquirer]]\nid = \"x\"\ntwo_char_namespace = \"alipay\"\n", 3, "two_char_namespace", "expected cup, iso8583 or upi_qr"},
		{"schema", "schema = 2\n", 1, "schema", "this version reads schema 1"},
		{"date value", ok + "note = 2026-11-21\n", 4, "note", "note is a date/time: expected a string"},
		{"CSV content in a .toml file", "# my table\nnamespace,code,cause\ncup,05,network\n", 1, "", "looks like a CSV code table"},
		{"list refers to a list", "[lists]\na = [\"@b\"]\n", 2, "a", "lists cannot refer to lists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTOML(t, tc.content)[0]
			_, err := New(Options{RulesFiles: []string{path}})
			checkUsageErr(t, err, path, tc.line, tc.column, tc.msg)
			// rules check finds the same problem.
			errs, _ := CheckFile(path, Options{})
			found := false
			for _, e := range errs {
				if e.Line == tc.line && strings.Contains(e.Err.Error(), tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("CheckFile did not report it: %v", errs)
			}
		})
	}
}

func TestCheckReportsEveryProblem(t *testing.T) {
	path := writeTOML(t, "[[rule]]\nid = \"a\"\ncause = \"nope\"\n\n[[rule]]\nid = \"b\"\ncause = \"network\"\nmcc = \"x\"\n\n"+
		"[[rule]]\nid = \"c\"\ncause = \"network\"\ncode = \"68\"\n\n[[rule]]\nid = \"d\"\ncause = \"security\"\ncode = \"68\"\nchannel = \"card_chip\"\n")[0]
	errs, c := CheckFile(path, Options{})
	if c != nil {
		t.Error("a Classifier from a bad file")
	}
	var lines []int64
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if len(errs) != 3 || lines[0] != 3 || lines[1] != 8 || lines[2] != 15 {
		t.Errorf("errors at lines %v: %v", lines, errs)
	}
	if !strings.Contains(errs[2].Error(), "rule d can never match: rule c") {
		t.Errorf("shadowing: %v", errs[2])
	}
}

// TestCSVInTOMLAndBack: the format follows the extension and the content
// must agree.
func TestFormatByExtension(t *testing.T) {
	dir := t.TempDir()
	tomlAsCSV := filepath.Join(dir, "rules.csv")
	os.WriteFile(tomlAsCSV, []byte("# mine\n[[rule]]\nid = \"x\"\ncause = \"network\"\n"), 0o644)
	_, err := New(Options{RulesFiles: []string{tomlAsCSV}})
	checkUsageErr(t, err, tomlAsCSV, 1, "", "looks like a TOML rules file")

	caps := filepath.Join(dir, "fleet.toml")
	os.WriteFile(caps, []byte("[[rule]]\nid = \"x\"\ncause = \"network\"\n"), 0o644)
	_, err = New(Options{CapabilitiesFiles: []string{caps}})
	checkUsageErr(t, err, caps, 1, "rule", "a capabilities file holds only [[terminal]] tables")

	for _, name := range []string{"fleet.csv", "fleet.yaml"} {
		err := Options{CapabilitiesFiles: []string{name}}.Validate()
		checkUsageErr(t, err, name, 0, "", "expected a .toml file of [[terminal]] tables")
	}
	checkUsageErr(t, Options{Acquirer: "Lakala!"}.Validate(), "", 0, "", "acquirer profile")
}

// fuzzSeeds cuts the embedded rules.toml into pieces that parse on their
// own (the whole file is a slow seed to mutate and minimize).
func fuzzSeeds() []string {
	s := string(defaultRulesTOML)
	cut := func(from, to string) string {
		i := strings.Index(s, from)
		j := strings.Index(s[i+len(from):], to)
		if i < 0 || j < 0 {
			return ""
		}
		return s[i : i+len(from)+j]
	}
	return []string{
		cut("[[cause]]\nid = \"system_maintenance\"", "[[cause]]\nid = \"terminal_fault\""),
		cut("[lists]", "# ----"),
		cut("[[rule]]\nid = \"kw-day-end\"", "[[rule]]\nid = \"kw-seller-frozen\""),
		cut("[[rule]]\nid = \"capability-lacking-terminal-code\"", "# -- Industry"),
		cut("[[terminal]]", "# ----"),
		cut("[[acquirer]]\nid = \"cn_app\"", "[[acquirer]]\nid = \"cn_bank\""),
		cut("[codes]\n", "  {code = \"06\""),
		"[[rule]]\nid = \"r\"\ncause = \"network\"\nterminal_firmware = \">= 2.4, < 2.5\"\nmcc = [\"5411\", \"7990-7999\"]\nmsg_any = [\"超时\"]\n",
		"[codes]\nany = [{code = \"000000\", cause = \"approved\"}]\n",
		"a.b.c = 1\n[a]\n",
		"x = [{a = 1}, {b = [1, [2, {c = 3}]]}]\n",
	}
}

func FuzzParseRulesTOML(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	def, err := embeddedFile()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, errs := readRulesFile("f.toml", data, false)
		if file != nil && len(errs) == 0 {
			_, errs = build(def, []*ruleFile{file}, nil, Options{})
		}
		for _, e := range errs {
			if e.Kind != record.KindUsage || e.File != "f.toml" || e.Line < 1 || e.Err == nil {
				t.Fatalf("error without a position: %#v (%v)", e, e)
			}
		}
	})
}

// TestPosMatchesShape: treeBuilder.pos, which finds line starts once, puts
// every node where the parser's Shape does, for the embedded rules and
// for text with CR LF, multi-line strings and Chinese.
func TestPosMatchesShape(t *testing.T) {
	for _, data := range [][]byte{
		defaultRulesTOML,
		[]byte("a = 1\r\n[t]\r\nb = \"\"\"x\ny\"\"\"\nc = [\n 1,\n 2]\n# 注释\n\"名\" = '值'\n[[r]]\nid = \"x\"\n"),
	} {
		var p unstable.Parser
		p.Reset(data)
		b := &treeBuilder{p: &p, data: data}
		var walk func(n *unstable.Node)
		n := 0
		walk = func(node *unstable.Node) {
			if node == nil {
				return
			}
			if node.Raw.Length > 0 || node.Raw.Offset > 0 {
				sh := p.Shape(node.Raw)
				if got, want := b.pos(node), (pos{sh.Start.Line, sh.Start.Column}); got != want {
					t.Fatalf("node %q at offset %d: pos %v, Shape says %v", node.Data, node.Raw.Offset, got, want)
				}
				n++
			}
			for it := node.Children(); it.Next(); {
				walk(it.Node())
			}
			walk(node.Value())
		}
		for p.NextExpression() {
			e := p.Expression()
			walk(e)
			for it := e.Key(); it.Next(); {
				walk(it.Node())
			}
		}
		if p.Error() != nil || n < 5 {
			t.Fatalf("parse: %v, %d nodes compared", p.Error(), n)
		}
	}
}
