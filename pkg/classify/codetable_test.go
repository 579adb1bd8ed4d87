package classify

import (
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// Every exported row gives the same outcome through Lookup, and the table
// holds the codes the matcher decides by code alone.
func TestCodeTable(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows := c.CodeTable()
	if len(rows) < 300 {
		t.Fatalf("only %d rows", len(rows))
	}
	seen := map[[2]string]bool{}
	for _, r := range rows {
		k := [2]string{r.Namespace.String(), r.Code}
		if seen[k] {
			t.Errorf("row %v twice", k)
		}
		seen[k] = true
		if got, ok := c.Lookup(r.Namespace, r.Code); !ok || got != r.Outcome {
			t.Errorf("%v: Lookup says %v %v, table %v", k, got, ok, r.Outcome)
		}
	}
	for _, want := range []struct {
		ns   record.Namespace
		code string
		out  record.Outcome
	}{
		{record.NSCUP, "58", record.TerminalIncompatible},
		{record.NSAlipay, "ACQ.BUYER_BALANCE_NOT_ENOUGH", record.ConsumerAccount},
	} {
		if got, ok := c.Lookup(want.ns, want.code); !ok || got != want.out || !seen[[2]string{want.ns.String(), want.code}] {
			t.Errorf("%s %s: %v %v", want.ns, want.code, got, ok)
		}
	}
}
