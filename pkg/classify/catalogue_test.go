package classify

import (
	"os"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

const causesPath = "../../../shared/design/causes.md"

// TestCatalogueMatchesCauses parses the table of causes.md and checks that
// the catalogue has the same ids, in the same order, with the same text.
func TestCatalogueMatchesCauses(t *testing.T) {
	data, err := os.ReadFile(causesPath)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", causesPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 7 {
			t.Fatalf("causes.md row with %d cells: %q", len(cells), line)
		}
		cells[0] = strings.Trim(cells[0], "`")
		want = append(want, cells)
	}
	got := Catalogue()
	if len(want) != len(got) {
		t.Fatalf("causes.md has %d causes, catalogue %d", len(want), len(got))
	}
	for i, w := range want {
		c := got[i]
		if c.ID.String() != w[0] {
			t.Errorf("cause %d: id %s, causes.md %s", i, c.ID, w[0])
			continue
		}
		for _, f := range []struct{ name, got, want string }{
			{"中文", c.LabelZH, w[1]},
			{"what it means", c.Description, w[2]},
			{"who acts", c.WhoActsText(), w[3]},
			{"retry", c.RetryText(), w[4]},
			{"what to do", c.RemedyEN, w[5]},
		} {
			if f.got != f.want {
				t.Errorf("%s: %s = %q, causes.md %q", w[0], f.name, f.got, f.want)
			}
		}
		if c.LabelEN == "" || c.RemedyZH == "" {
			t.Errorf("%s: empty LabelEN or RemedyZH", w[0])
		}
	}
}

func TestCatalogueCoversOutcomes(t *testing.T) {
	got := Catalogue()
	causes := record.Causes()
	if len(got) != len(causes) {
		t.Fatalf("catalogue has %d causes, record %d", len(got), len(causes))
	}
	for i, o := range causes {
		if got[i].ID != o {
			t.Errorf("catalogue[%d] = %s, want %s", i, got[i].ID, o)
		}
	}
	if got[len(got)-1].ID != record.Unknown {
		t.Error("unknown is not last")
	}
	got[0].LabelEN = "changed"
	if Catalogue()[0].LabelEN == "changed" {
		t.Error("Catalogue returns shared storage")
	}
}

func TestLabel(t *testing.T) {
	for _, c := range []struct {
		o          record.Outcome
		lang, want string
	}{
		{record.Approved, "en", "approved"},
		{record.Approved, "zh", "成功"},
		{record.Pending, "en", "pending"},
		{record.Pending, "zh", "待定"},
		{record.RiskControl, "zh", "风控限制"},
		{record.RiskControl, "en", "risk control"},
		{record.RiskControl, "", "risk control"},
		{record.ConsumerCredit, "zh-CN", "消费者信用/花呗额度"},
		{record.Unknown, "en", "unknown cause"},
		{record.Unknown, "ZH", "未知原因"},
		{record.Unknown, "zh", "未知原因"},
		{record.Outcome(200), "en", "unknown cause"},
	} {
		if got := Label(c.o, c.lang); got != c.want {
			t.Errorf("Label(%s, %q) = %q, want %q", c.o, c.lang, got, c.want)
		}
	}
}
