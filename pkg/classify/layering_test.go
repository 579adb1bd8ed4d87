package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// explainCase is a row and the rule (or code row) id and outcome it must
// get.
type explainCase struct {
	row  Row
	id   string
	want record.Outcome
}

func runExplain(t *testing.T, c *Classifier, cases []explainCase) {
	t.Helper()
	m := c.NewMatcher()
	for _, tc := range cases {
		e := c.Explain(tc.row)
		if e.Decision.ID != tc.id || e.Outcome != tc.want {
			t.Errorf("%+v: %s by %s, want %s by %s\n%s", tc.row, e.Outcome, e.Decision.ID, tc.want, tc.id, strings.Join(e.Lines(), "\n"))
		}
		if o, _ := classifyRow(m, tc.row); o != e.Outcome {
			t.Errorf("%+v: matcher says %s, explain %s", tc.row, o, e.Outcome)
		}
	}
}

var huabeiQR58 = Row{Code: "58", Channel: "qr_scan", PaymentMethod: "huabei", TerminalModel: "Newland ME31", TerminalFirmware: "2.3.1"}

func TestLayering(t *testing.T) {
	fleet := writeTOML(t, "[[terminal]]\nmodel = \"Newland ME31\"\nfirmware = \"< 2.4\"\nhuabei = false\n")
	for _, tc := range []struct {
		name  string
		opts  Options
		files []string
		cases []explainCase
	}{
		{"defaults", Options{}, nil, []explainCase{
			{huabeiQR58, "cup:58", record.TerminalIncompatible},
			{Row{Code: "58", Channel: "card_swipe", PaymentMethod: "debit_card"}, "cup58-card", record.MerchantNotEnabled},
		}},
		{"same id replaces the default in place", Options{}, []string{
			"[[rule]]\nid = \"cup58-card\"\ncause = \"terminal_incompatible\"\ncode = \"58\"\nchannel = \"card_swipe\"\n",
		}, []explainCase{
			{Row{Code: "58", Channel: "card_swipe", PaymentMethod: "debit_card"}, "cup58-card", record.TerminalIncompatible},
			{Row{Code: "58", Channel: "card_chip", PaymentMethod: "debit_card"}, "cup:58", record.TerminalIncompatible}, // the default's wider condition is gone
		}},
		{"in place: an earlier default still comes first", Options{CapabilitiesFiles: fleet}, []string{
			"[[rule]]\nid = \"cup58-card\"\ncause = \"network\"\ncode = \"58\"\n",
		}, []explainCase{
			{huabeiQR58, "capability-lacking-terminal-code", record.TerminalIncompatible},
			{Row{Code: "58", Channel: "card_swipe"}, "cup58-card", record.Network},
		}},
		{"new rules before all defaults", Options{CapabilitiesFiles: fleet}, []string{
			"[[rule]]\nid = \"mine\"\ncause = \"network\"\ncode = \"58\"\n",
		}, []explainCase{
			{huabeiQR58, "mine", record.Network},
			{Row{Code: "58", Channel: "card_swipe", PaymentMethod: "debit_card"}, "mine", record.Network},
		}},
		{"a later file before an earlier one", Options{}, []string{
			"[[rule]]\nid = \"first\"\ncause = \"network\"\ncode = \"58\"\n",
			"[[rule]]\nid = \"second\"\ncause = \"security\"\ncode = \"58\"\n",
		}, []explainCase{{huabeiQR58, "second", record.Security}}},
		{"a later file replaces an earlier file's rule in place", Options{}, []string{
			"[[rule]]\nid = \"first\"\ncause = \"network\"\ncode = \"58\"\n\n[[rule]]\nid = \"other\"\ncause = \"security\"\ncode = \"58\"\n",
			"[[rule]]\nid = \"first\"\ncause = \"risk_control\"\ncode = \"58\"\n",
		}, []explainCase{{huabeiQR58, "first", record.RiskControl}}},
		{"disabled removes a default rule", Options{}, []string{
			"[[rule]]\nid = \"cup58-card\"\ndisabled = true\n",
		}, []explainCase{{Row{Code: "58", Channel: "card_swipe", PaymentMethod: "debit_card"}, "cup:58", record.TerminalIncompatible}}},
		{"a list replaces the default list", Options{}, []string{
			"[lists]\nhuabei_restricted_mcc = [\"7995\", \"6010-6012\"]\n",
		}, []explainCase{
			{Row{Code: "40004", Subcode: "ACQ.ACCESS_FORBIDDEN", PaymentMethod: "huabei", MCC: "6011"}, "huabei-restricted-mcc", record.IndustryRegionRestriction},
			{Row{Code: "40004", Subcode: "ACQ.ACCESS_FORBIDDEN", PaymentMethod: "huabei", MCC: "5411"}, "alipay:ACQ.ACCESS_FORBIDDEN", record.MerchantNotEnabled},
			{Row{Code: "40004", Subcode: "ACQ.BUYER_BALANCE_NOT_ENOUGH", PaymentMethod: "huabei", MCC: "7995"}, "alipay:ACQ.BUYER_BALANCE_NOT_ENOUGH", record.ConsumerAccount},
		}},
		{"user code rows over the defaults", Options{}, []string{
			"[codes]\ncup = [{code = \"51\", cause = \"consumer_credit\"}]\n",
		}, []explainCase{
			{Row{Code: "51", PaymentMethod: "credit_card"}, "cup:51", record.ConsumerCredit},
			{Row{Code: "51", PaymentMethod: "unionpay_qr"}, "upi_qr:51", record.ConsumerAccount},
		}},
		{"no default rules keeps builtins and user rules", Options{NoDefaultRules: true}, []string{
			"[[rule]]\nid = \"mine\"\ncause = \"network\"\nmsg_any = \"超时\"\n",
		}, []explainCase{
			{Row{Code: "00"}, "builtin", record.Approved},
			{Row{Code: "58", Channel: "card_swipe", PaymentMethod: "debit_card"}, "none", record.Unknown},
			{Row{Msg: "交易超时"}, "mine", record.Network},
			{Row{Msg: "系统繁忙"}, "none", record.Unknown},
		}},
		{"acquirer profile codes", Options{Acquirer: "cn_app"}, nil, []explainCase{
			{Row{Code: "B1", PaymentMethod: "credit_card"}, "cn_app:cup:B1", record.TerminalIncompatible},
			{Row{Code: "A7", PaymentMethod: "credit_card"}, "cn_app:cup:A7", record.SystemMaintenance},
			{Row{Code: "51", PaymentMethod: "credit_card"}, "cup:51", record.ConsumerAccount},
		}},
		{"without the profile the letter codes are CUP's", Options{}, nil, []explainCase{
			{Row{Code: "B1", PaymentMethod: "credit_card"}, "cup:B1", record.Unknown},
			{Row{Code: "A7", PaymentMethod: "credit_card"}, "cup:A7", record.Security},
		}},
		{"a user profile may read two-character codes as ISO 8583", Options{Acquirer: "plain_iso"}, []string{
			"[[acquirer]]\nid = \"plain_iso\"\ntwo_char_namespace = \"iso8583\"\n",
		}, []explainCase{
			{Row{Code: "59", PaymentMethod: "credit_card"}, "iso8583:59", record.RiskControl},
			{Row{Code: "22", PaymentMethod: "credit_card"}, "iso8583:22", record.TerminalFault},
		}},
		{"capabilities files before rules files' terminals", Options{CapabilitiesFiles: writeTOML(t, "[[terminal]]\nmodel = \"Newland ME31\"\nhuabei = true\nqr_scan = true\n")}, []string{
			"[[terminal]]\nmodel = \"Newland ME31\"\nhuabei = false\n",
		}, []explainCase{{huabeiQR58, "cup58-capable-terminal", record.MerchantNotEnabled}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.RulesFiles = writeTOML(t, tc.files...)
			runExplain(t, mustNew(t, opts), tc.cases)
		})
	}
}

// TestCSVAndTOMLTogether: a legacy CSV code table keeps its precedence
// among TOML files.
func TestCSVAndTOMLTogether(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "codes.csv")
	os.WriteFile(csvPath, []byte(hdr+"cup,51,network\n,ZZ,security\n"), 0o644)
	tomlPath := writeTOML(t, "[codes]\ncup = [{code = \"51\", cause = \"risk_control\"}]\n")[0]
	c := mustNew(t, Options{RulesFiles: []string{tomlPath, csvPath}})
	runExplain(t, c, []explainCase{
		{Row{Code: "51", PaymentMethod: "credit_card"}, "cup:51", record.Network}, // the later CSV wins
		{Row{Code: "ZZ", PaymentMethod: "wechat"}, "any:ZZ", record.Security},
	})
	c = mustNew(t, Options{RulesFiles: []string{csvPath, tomlPath}})
	runExplain(t, c, []explainCase{{Row{Code: "51", PaymentMethod: "credit_card"}, "cup:51", record.RiskControl}})
}

func TestCatalogueOverride(t *testing.T) {
	c := mustNew(t, Options{NoDefaultRules: true, RulesFiles: writeTOML(t,
		"[[cause]]\nid = \"merchant_not_enabled\"\nremedy_zh = \"联系拉卡拉客服 95016 开通\"\n")})
	ci := c.Cause(record.MerchantNotEnabled)
	if ci.RemedyZH != "联系拉卡拉客服 95016 开通" || ci.RemedyEN == "" || ci.LabelZH != "商户未开通" {
		t.Errorf("override: %+v", ci)
	}
	if Catalogue()[5].RemedyZH == ci.RemedyZH {
		t.Error("the package catalogue changed")
	}
	if len(c.Catalogue()) != len(record.Causes()) {
		t.Error("catalogue lost with --no-default-rules")
	}
	_, err := New(Options{RulesFiles: writeTOML(t, "[[cause]]\nid = \"my_cause\"\nlabel_en = \"x\"\n")})
	if err == nil || !strings.Contains(err.Error(), "cause ids are an output contract") {
		t.Errorf("adding a cause: %v", err)
	}
}

func TestUnknownAcquirer(t *testing.T) {
	_, err := New(Options{Acquirer: "lakala"})
	if err == nil || record.KindOf(err) != record.KindUsage || !strings.Contains(err.Error(), "cn_app, cn_bank") {
		t.Errorf("unknown acquirer: %v", err)
	}
}

// TestFields: the fields a Classifier reads follow its rules.
func TestFields(t *testing.T) {
	all := mustNew(t, Options{}).Fields()
	for _, f := range []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel,
		record.TerminalModel, record.TerminalFirmware, record.RespMsg} {
		if !containsField(all, f) {
			t.Errorf("default rules: %s not in Fields()", f)
		}
	}
	// MCC and region rules refer to empty lists by default: never match,
	// so the fields are not needed.
	if containsField(all, record.MCC) || containsField(all, record.Region) {
		t.Errorf("default Fields() = %v: MCC/region rules are inactive", all)
	}
	codes := mustNew(t, Options{NoDefaultRules: true}).Fields()
	if len(codes) != 4 {
		t.Errorf("code tables only: Fields() = %v", codes)
	}
	withMCC := mustNew(t, Options{RulesFiles: writeTOML(t, "[lists]\nwallet_restricted_regions = [\"海南\"]\n")}).Fields()
	if !containsField(withMCC, record.Region) {
		t.Errorf("region list filled: Fields() = %v", withMCC)
	}
}

func containsField(fs []record.Field, f record.Field) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// TestExampleRules: the commented example file passes rules check and
// does what its comments say.
func TestExampleRules(t *testing.T) {
	const example = "testdata/example.toml"
	errs, c := CheckFile(example, Options{})
	for _, e := range errs {
		t.Error(e)
	}
	if c == nil {
		t.FailNow()
	}
	runExplain(t, c, []explainCase{
		{Row{Code: "40004", Subcode: "ACQ.INVALID_PARAMETER", PaymentMethod: "huabei", Channel: "qr_scan", TerminalModel: "Lakala LKL-P8", TerminalFirmware: "1.2.0"},
			"lkl-p8-installment-params", record.TerminalIncompatible},
		{Row{Code: "40004", Subcode: "ACQ.INVALID_PARAMETER", PaymentMethod: "huabei", Channel: "qr_scan", TerminalModel: "Lakala LKL-P8", TerminalFirmware: "1.3.1"},
			"alipay:ACQ.INVALID_PARAMETER", record.InterfaceIntegration},
		{Row{Msg: "商户已关闭扫码", PaymentMethod: "wechat", Channel: "qr_present"}, "switch-merchant-closed", record.MerchantNotEnabled},
		{Row{Code: "58", PaymentMethod: "debit_card", Channel: "card_swipe"}, "cup58-card", record.TerminalIncompatible},
		{Row{Code: "E001", PaymentMethod: "wechat"}, "any:E001", record.Network},
		{Row{Code: "40004", Subcode: "ACQ.ACCESS_FORBIDDEN", PaymentMethod: "huabei", MCC: "7995"}, "huabei-restricted-mcc", record.IndustryRegionRestriction},
		{Row{Code: "FAIL", Subcode: "TRADE_ERROR", PaymentMethod: "wechat", Channel: "qr_scan", TerminalModel: "Centerm C960", TerminalFirmware: "5.0.3"},
			"capability-lacking-generic-code", record.TerminalIncompatible},
	})
	if got := c.Cause(record.MerchantNotEnabled).RemedyZH; !strings.Contains(got, "联系收单客服") {
		t.Errorf("remedy_zh override: %q", got)
	}
}
