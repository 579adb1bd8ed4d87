package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Real-looking, Luhn-valid card numbers of several schemes planted in
// every free-text column, in a reject and in the pan column never leave
// the process unmasked, and the summary counts the ones outside pan.
func TestPANsNeverLeak(t *testing.T) {
	pans := []string{"6212345678901232", "4111111111111111", "5555555555554444", "378282246310005", "3530111333300000", "2223003122003222"}
	header := "txn_time,txn_id,merchant_id,merchant_name,mcc,region,terminal_id,terminal_model,terminal_firmware,channel,payment_method,txn_type,amount,currency,resp_code,resp_msg,network,pan\n"
	var b strings.Builder
	b.WriteString(header)
	planted := 0
	for i := 0; i < 24; i++ {
		p := pans[i%len(pans)]
		grouped := p[:4] + " " + p[4:8] + " " + p[8:12] + " " + p[12:]
		col := i % 6 // which free-text column carries the number
		vals := []string{"好又多超市", "5411", "广东", "PAX A920", "2.3.1", "余额不足", "4G"}
		switch col {
		case 0:
			vals[0] = "店 " + p
		case 1:
			vals[3] = "A920-" + grouped
		case 2:
			vals[4] = p
		case 3:
			vals[5] = "卡号" + p + "余额不足"
		case 4:
			vals[2] = "广东 " + strings.ReplaceAll(grouped, " ", "-")
		case 5:
			vals[6] = p
		}
		planted++
		fmt.Fprintf(&b, "2026-11-21 14:%02d:00,TX%d,M%d,%s,%s,%s,T%d,%s,%s,被扫,花呗,消费,12.00,CNY,51,%s,%s,%s\n",
			i, i, i%3, vals[0], vals[1], vals[2], i%4, vals[3], vals[4], vals[5], vals[6], p)
	}
	// a rejected row carries one in its raw text
	fmt.Fprintf(&b, "2026-11-21 15:00:00,TXbad,M1,店,5411,广东,T1,PAX A920,2.3.1,被扫,花呗,消费,oops %s,CNY,51,x,4G,%s\n", pans[0], pans[1])

	in := writeTemp(t, "leaky.csv", b.String())
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, context.Background(), "run", "--log-format", "json", "--max-reject-rate", "0.5",
		"-o", out, "-f", "csv,json", "--by", "region,mcc", "--by", "network", "--by", "resp_msg", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// the text report too
	_, text, _ := runCLI(t, context.Background(), "run", "--max-reject-rate", "0.5", "--top", "50", in)
	all := snapshot(t, out) + stdout + stderr + text
	for _, p := range pans {
		for _, form := range []string{p, p[:4] + " " + p[4:8] + " " + p[8:12] + " " + p[12:], p[:4] + "-" + p[4:8] + "-" + p[8:12] + "-" + p[12:]} {
			if strings.Contains(all, form) {
				t.Errorf("card number %s leaked", form)
			}
		}
	}
	var sum struct {
		PANsFound    int64 `json:"pans_found"`
		RowsRejected int64 `json:"rows_rejected"`
	}
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.PANsFound != int64(planted) || sum.RowsRejected != 1 {
		t.Errorf("pans_found %d (want %d), rows_rejected %d", sum.PANsFound, planted, sum.RowsRejected)
	}
	if !strings.Contains(stderr, "card numbers found outside the pan column") {
		t.Errorf("no warning about leaked card numbers in the log:\n%s", stderr)
	}
}
