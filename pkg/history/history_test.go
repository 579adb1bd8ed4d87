package history

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// batch makes purchases at the given local times, all declined for
// network on huabei except every third, which is approved.
func batch(times ...string) *record.Batch {
	b := &record.Batch{Len: len(times)}
	for _, d := range Dims {
		b.Text[d] = make([]string, len(times))
	}
	for i, s := range times {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			panic(err)
		}
		b.Time = append(b.Time, t.Unix())
		b.Kind = append(b.Kind, record.Purchase)
		out := record.Network
		if i%3 == 2 {
			out = record.Approved
		}
		b.Outcome = append(b.Outcome, out)
		b.Text[record.MerchantID][i] = "M" + string(rune('1'+i%2))
		b.Text[record.PaymentMethod][i] = "huabei"
		b.Text[record.TerminalModel][i] = "Newland ME31"
	}
	return b
}

func cubeOf(times ...string) *report.Cube {
	c := report.NewCube(CubeOptions(0, shanghai))
	c.Add(batch(times...))
	return c
}

// attemptsIn reads the dates' buckets that keep selects and sums their attempts.
func attemptsIn(t *testing.T, dir string, dates []string, keep func(int64) bool) int64 {
	t.Helper()
	c := report.NewCube(CubeOptions(0, shanghai))
	if err := Read(context.Background(), dir, dates, keep, c); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, cell := range c.Cells() {
		n += cell.Attempts
	}
	return n
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := cubeOf("2026-11-20 23:10", "2026-11-21 00:05", "2026-11-21 14:00", "2026-11-21 14:59", "2026-11-21 15:00")
	dates, err := Write(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2026-11-20", "2026-11-21"}; !slices.Equal(dates, want) {
		t.Fatalf("dates written %v, want %v", dates, want)
	}
	if got, _ := Dates(dir); !slices.Equal(got, dates) {
		t.Fatalf("Dates: %v", got)
	}
	out := report.NewCube(CubeOptions(0, shanghai))
	if err := Read(context.Background(), dir, dates, nil, out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.Cells(), in.Cells()) {
		t.Errorf("read back differs:\n got %+v\nwant %+v", out.Cells(), in.Cells())
	}

	// keep selects buckets: only 14:00 of the 21st.
	two := time.Date(2026, 11, 21, 14, 0, 0, 0, shanghai).Unix()
	if n := attemptsIn(t, dir, dates, func(b int64) bool { return b == two }); n != 2 {
		t.Errorf("attempts in the 14:00 bucket: %d, want 2", n)
	}

	// A date the store does not have is an error naming it.
	sel := report.NewCube(CubeOptions(0, shanghai))
	if err := Read(context.Background(), dir, []string{"2026-11-19"}, nil, sel); err == nil || !strings.Contains(err.Error(), "2026-11-19") {
		t.Errorf("missing date: %v", err)
	}
}

// Re-running a day replaces its partition: the same input gives the same
// bytes, a different input replaces the old rows, other days stay, and no
// staging directory is left behind.
func TestRewriteIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, cubeOf("2026-11-21 10:00", "2026-11-20 10:00")); err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "date=2026-11-21", "part-00000.parquet")
	first, err := os.ReadFile(part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, cubeOf("2026-11-21 10:00")); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(part)
	if !slices.Equal(first, again) {
		t.Error("re-running the same day changed its partition")
	}
	if _, err := Write(dir, cubeOf("2026-11-21 11:00", "2026-11-21 12:00")); err != nil {
		t.Fatal(err)
	}
	if n := attemptsIn(t, dir, []string{"2026-11-21"}, nil); n != 2 {
		t.Errorf("after the re-run the day has %d attempts, want the new run's 2", n)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"date=2026-11-20", "date=2026-11-21"}; !slices.Equal(names, want) {
		t.Errorf("store holds %v, want %v", names, want)
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, cubeOf("2026-11-18 10:00", "2026-11-19 10:00", "2026-11-21 10:00")); err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(dir, "2026-11-19")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{"2026-11-18"}) {
		t.Errorf("removed %v", removed)
	}
	if got, _ := Dates(dir); !slices.Equal(got, []string{"2026-11-19", "2026-11-21"}) {
		t.Errorf("left %v", got)
	}
}

func TestSwapAside(t *testing.T) {
	dir := t.TempDir()
	stage, final := filepath.Join(dir, "stage"), filepath.Join(dir, "final")
	os.Mkdir(stage, 0o755)
	os.WriteFile(filepath.Join(stage, "new"), nil, 0o644)
	os.Mkdir(final, 0o755)
	os.WriteFile(filepath.Join(final, "old"), nil, 0o644)
	if err := swapAside(stage, final); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(final, "new")); err != nil {
		t.Error("new partition not in place")
	}
	if _, err := os.Stat(filepath.Join(stage, "old")); err != nil {
		t.Error("old partition not moved to the stage for removal")
	}
}
