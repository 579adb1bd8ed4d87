package report_test

import (
	"bytes"
	"testing"

	"github.com/payops/analyze/pkg/report"
)

// TestHTMLGolden renders the samples' report in both languages and
// compares it byte for byte with testdata/report.<lang>.golden.html; a
// second rendering must give the same bytes.
func TestHTMLGolden(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			d := sampleDoc(t, lang)
			var a, b bytes.Buffer
			if err := report.WriteHTML(&a, d); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteHTML(&b, d); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two renderings of the same document differ")
			}
			checkGolden(t, "report."+lang+".golden.html", a.Bytes())
		})
	}
}
