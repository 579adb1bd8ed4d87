package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesList(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"rules", "list"}, []string{"merchant_not_enabled", "merchant not enabled", "enable the product in the wallet's merchant platform",
			"consumer_account", "1,2,3", "codes: iso8583 ", "rules: ", "terminal facts: 1", "rules version: "}},
		{[]string{"rules", "list", "--lang", "zh"}, []string{"原因", "商户未开通", "在钱包商户平台开通该产品", "未知原因"}},
		{[]string{"rules", "list", "--no-default-rules"}, []string{"codes: iso8583 8, cup 11, upi_qr 3, alipay 3, wechat 3, any 1", "rules: 0 ", "unknown cause"}},
		{[]string{"rules", "list", "--acquirer", "cn_app"}, []string{"acquirer profile: cn_app"}},
	} {
		code, out, stderr := runCLI(t, context.Background(), tc.args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestRulesCheck(t *testing.T) {
	good := writeTemp(t, "good.toml", "[[rule]]\nid = \"mine\"\ncause = \"network\"\nmsg_any = \"超时\"\ncode_class = \"missing\"\n")
	bad := writeTemp(t, "bad.toml", "[[rule]]\nid = \"a\"\ncause = \"network\"\ncode = [\"68\", \"98\"]\n\n"+
		"[[rule]]\nid = \"b\"\ncause = \"nope\"\ncode = \"68\"\n\n"+
		"[[rule]]\nid = \"c\"\ncause = \"security\"\ncode = \"98\"\nchannel = \"card_chip\"\n\n"+
		"[[rule]]\nid = \"a\"\ncause = \"network\"\n")
	syntax := writeTemp(t, "syntax.toml", "[[rule]\n")
	csvGood := writeTemp(t, "codes.csv", "namespace,code,cause\ncup,05,risk_control\n")
	csvBad := writeTemp(t, "codes2.csv", "namespace,code,cause\ncup,05,risky\n")
	// A file that replaces a default rule in place behind an earlier
	// default that matches everything it would.
	shadowedByDefault := writeTemp(t, "late.toml", "[[rule]]\nid = \"kw-system\"\ncause = \"system_maintenance\"\ncode_class = \"missing\"\nmsg_any = \"余额不足\"\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"good", []string{"rules", "check", good}, exitOK, []string{good + ": ok"}, ""},
		{"csv code table", []string{"rules", "check", csvGood}, exitOK, []string{csvGood + ": ok"}, ""},
		{"every problem with its line", []string{"rules", "check", bad}, exitError, []string{
			bad + ":8: column \"cause\": rule b: unknown cause \"nope\"",
			bad + ":11: column \"id\": rule c can never match: rule a (" + bad + ":1)",
			bad + ":18: column \"id\": duplicate rule id \"a\" (first on line 1)",
		}, "rules check: 1 of 1 files have problems"},
		{"syntax", []string{"rules", "check", syntax}, exitError, []string{syntax + ":1: column 7: toml: expected ']]'"}, ""},
		{"csv problem", []string{"rules", "check", csvBad}, exitError, []string{csvBad + ":2: column \"cause\": unknown cause \"risky\""}, ""},
		{"shadowed by a default", []string{"rules", "check", shadowedByDefault}, exitError, []string{"rule kw-system can never match: rule kw-balance"}, ""},
		{"several files", []string{"rules", "check", good, bad}, exitError, []string{good + ": ok", bad + ":8:"}, "1 of 2 files"},
		{"missing file", []string{"rules", "check", filepath.Join(t.TempDir(), "none.toml")}, exitError, []string{"cannot read rules file"}, ""},
		{"no file", []string{"rules", "check"}, exitUsage, nil, "no FILE given"},
		{"bad active rules", []string{"rules", "check", "--rules", bad, good}, exitUsage, nil, "unknown cause"},
		{"unknown subcommand", []string{"rules", "lint"}, exitUsage, nil, `unknown subcommand "lint"`},
		{"no subcommand", []string{"rules"}, exitUsage, nil, "expected list, check or explain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
		})
	}
}

func TestRulesExplain(t *testing.T) {
	fleet := writeTemp(t, "fleet.toml", "[[terminal]]\nmodel = \"Newland ME31\"\nfirmware = \"< 2.4\"\nhuabei = false\nsource = \"fleet survey\"\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"capability", []string{"rules", "explain", "--code", "58", "--channel", "qr_scan", "--payment-method", "huabei",
			"--model", "Newland ME31", "--firmware", "2.3.1", "--capabilities", fleet}, exitOK, []string{
			"terminal_incompatible by rule capability-lacking-terminal-code (rules.toml (embedded):",
			`because capability is "lacking": Newland ME31 firmware 2.3.1 cannot take huabei (` + fleet + ":1; fleet survey)",
			"the code alone: terminal_incompatible (specific, cup:58 at rules.toml (embedded):",
			"who acts merchant, acquirer, retry hard",
		}, ""},
		{"the same row without the fleet table", []string{"rules", "explain", "--code", "58", "--channel", "qr_scan", "--payment-method", "huabei",
			"--model", "Newland ME31", "--firmware", "2.3.1"}, exitOK, []string{
			"terminal_incompatible by code row cup:58", "terminal capability: unknown",
		}, ""},
		{"card swipe", []string{"rules", "explain", "--code", "58", "--channel", "card_swipe", "--payment-method", "debit_card"}, exitOK,
			[]string{"merchant_not_enabled by rule cup58-card", `because payment_method is "debit_card"`}, ""},
		{"message", []string{"rules", "explain", "--code", "40004", "--subcode", "acq.payment_fail", "--payment-method", "huabei",
			"--msg", "支付失败，花呗额度不足(订单2026112100012)"}, exitOK, []string{"consumer_credit by rule kw-buyer-huabei", `contains "额度" and "花呗"`}, ""},
		{"nothing matched", []string{"rules", "explain", "--code", "ZZ"}, exitOK, []string{"unknown: nothing matched", `"ZZ" is in no code table of namespace cup`}, ""},
		{"visa category", []string{"rules", "explain", "--code", "51", "--payment-method", "credit_card", "--acquirer", "plain", "--rules",
			writeTemp(t, "plain.toml", "[[acquirer]]\nid = \"plain\"\ntwo_char_namespace = \"iso8583\"\n")}, exitOK,
			[]string{"consumer_account by code row iso8583:51", "Visa decline category 2"}, ""},
		{"no row", []string{"rules", "explain"}, exitUsage, nil, "give at least --code"},
		{"bad channel", []string{"rules", "explain", "--code", "58", "--channel", "刷卡"}, exitUsage, nil, "--channel \"刷卡\": expected one of card_swipe"},
		{"unknown acquirer", []string{"rules", "explain", "--code", "58", "--acquirer", "nobody"}, exitUsage, nil, `unknown acquirer profile "nobody"`},
		{"help", []string{"help", "rules"}, exitOK, []string{"analyze rules explain [flags] --code X", "EXIT STATUS"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, context.Background(), tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
		})
	}
}
