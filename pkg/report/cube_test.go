package report

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// cubeRow is one purchase for the cube tests.
type cubeRow struct {
	at   string // local time in the cube's zone, "2006-01-02 15:04"
	pm   string // payment_method
	tid  string
	code string
	out  record.Outcome
	kind record.TxnKind
	dup  bool
}

func cubeBatch(t *testing.T, loc *time.Location, rows []cubeRow) *record.Batch {
	t.Helper()
	b := &record.Batch{Len: len(rows)}
	b.Text[record.PaymentMethod] = make([]string, len(rows))
	b.Text[record.TerminalID] = make([]string, len(rows))
	b.Text[record.RespCode] = make([]string, len(rows))
	b.Dup = make([]bool, len(rows))
	for i, r := range rows {
		ts, err := time.ParseInLocation("2006-01-02 15:04", r.at, loc)
		if err != nil {
			t.Fatal(err)
		}
		b.Time = append(b.Time, ts.Unix())
		b.Kind = append(b.Kind, r.kind)
		b.Outcome = append(b.Outcome, r.out)
		b.Text[record.PaymentMethod][i] = r.pm
		b.Text[record.TerminalID][i] = r.tid
		b.Text[record.RespCode][i] = r.code
		b.Dup[i] = r.dup
	}
	return b
}

func TestCubeCounts(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	rows := []cubeRow{
		{at: "2026-11-21 13:59", pm: "huabei", tid: "T1", code: "00", out: record.Approved},
		{at: "2026-11-21 14:00", pm: "huabei", tid: "T1", code: "58", out: record.TerminalIncompatible},
		{at: "2026-11-21 14:30", pm: "huabei", tid: "T2", code: "58", out: record.TerminalIncompatible},
		{at: "2026-11-21 14:31", pm: "huabei", tid: "T2", code: "51", out: record.ConsumerAccount},
		{at: "2026-11-21 14:45", pm: "wechat", tid: "T3", code: "00", out: record.Approved},
		{at: "2026-11-21 14:50", pm: "huabei", tid: "T1", code: "58", out: record.TerminalIncompatible, dup: true},
		{at: "2026-11-21 14:55", pm: "huabei", tid: "T1", code: "00", out: record.Approved, kind: record.Refund},
		{at: "2026-11-21 16:10", pm: "wechat", tid: "T3", code: "96", out: record.Outcome(99)},
	}
	opts := CubeOptions{Dims: []record.Field{record.PaymentMethod}, Bucket: 3600, TZ: sh, Codes: true, Terminals: true}
	if err := opts.Validate(); err != nil {
		t.Fatal(err)
	}
	whole := NewCube(opts)
	whole.Add(cubeBatch(t, sh, rows))

	// The same rows spread over two cubes and merged give the same cells.
	a, b := NewCube(opts), NewCube(opts)
	a.Add(cubeBatch(t, sh, rows[:3]))
	b.Add(cubeBatch(t, sh, rows[3:]))
	a.Merge(b)
	if !reflect.DeepEqual(a.Cells(), whole.Cells()) {
		t.Errorf("merged cells differ from one cube's")
	}

	at := func(s string) int64 {
		ts, _ := time.ParseInLocation("2006-01-02 15:04", s, sh)
		return ts.Unix()
	}
	cells := whole.Cells()
	type got struct {
		bucket             int64
		pm                 string
		attempts, declines int64
	}
	var have []got
	for _, c := range cells {
		have = append(have, got{c.Bucket, c.Values[0], c.Attempts, c.Declines})
	}
	want := []got{
		{at("2026-11-21 13:00"), "huabei", 1, 0},
		{at("2026-11-21 14:00"), "huabei", 3, 3},
		{at("2026-11-21 14:00"), "wechat", 1, 0},
		{at("2026-11-21 16:00"), "wechat", 1, 1},
	}
	if !reflect.DeepEqual(have, want) {
		t.Fatalf("cells\n got %v\nwant %v", have, want)
	}
	h := cells[1]
	if h.Causes[record.TerminalIncompatible] != 2 || h.Causes[record.ConsumerAccount] != 1 {
		t.Errorf("causes of the 14:00 huabei cell: %v", h.Causes)
	}
	if !reflect.DeepEqual(h.Codes, map[string]int64{"58": 2, "51": 1}) {
		t.Errorf("codes: %v", h.Codes)
	}
	if len(h.Terminals) != 2 {
		t.Errorf("terminals: %v", h.Terminals)
	}
	if cells[3].Causes[record.Unknown] != 1 {
		t.Errorf("an outcome outside the catalogue must count as unknown: %v", cells[3].Causes)
	}
}

func TestCubeOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts CubeOptions
		bad  string
	}{
		{CubeOptions{Bucket: 300}, ""},
		{CubeOptions{Bucket: 86400, Dims: []record.Field{record.MerchantID, record.Region}}, ""},
		{CubeOptions{Bucket: 7 * 60}, "must divide a day"},
		{CubeOptions{Bucket: 2 * 86400}, "must divide a day"},
		{CubeOptions{Dims: []record.Field{record.Amount}}, "cannot be a dimension"},
		{CubeOptions{Dims: []record.Field{record.MCC, record.MCC}}, "twice"},
	} {
		err := tc.opts.Validate()
		if tc.bad == "" && err != nil || tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("%+v: got %v, want %q", tc.opts, err, tc.bad)
		}
	}
}

func TestTimeseriesTable(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	c := NewCube(CubeOptions{Bucket: 3600, TZ: sh})
	c.Add(cubeBatch(t, sh, []cubeRow{
		{at: "2026-11-21 13:10", out: record.Approved},
		{at: "2026-11-21 13:20", out: record.Network},
		{at: "2026-11-21 15:05", out: record.Network},
		{at: "2026-11-21 15:06", out: record.Security},
		{at: "2026-11-21 15:07", out: record.Approved},
		{at: "2026-11-21 15:08", out: record.Pending},
	}))
	tab := TimeseriesTable(c)
	pick := func(row []string, cols ...string) []string {
		var out []string
		for _, name := range cols {
			out = append(out, row[tab.Col(name)])
		}
		return out
	}
	cols := []string{"bucket_start", "attempts", "declines", "decline_rate", "declines_network", "share_network", "share_security"}
	want := [][]string{
		{"2026-11-21T13:00:00+08:00", "2", "1", "0.500000", "1", "0.500000", "0.000000"},
		{"2026-11-21T14:00:00+08:00", "0", "0", "", "0", "", ""}, // a gap stays visible
		{"2026-11-21T15:00:00+08:00", "4", "2", "0.500000", "1", "0.250000", "0.250000"},
	}
	if len(tab.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(tab.Rows), len(want), tab.Rows)
	}
	for i, w := range want {
		if got := pick(tab.Rows[i], cols...); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d: got %v, want %v", i, got, w)
		}
	}
	if len(tab.Columns) != len(tab.Kinds) || len(tab.Columns) != 4+2*len(record.Causes()) {
		t.Errorf("columns %d, kinds %d", len(tab.Columns), len(tab.Kinds))
	}
}

// Daily buckets follow local midnight across a daylight-saving change.
func TestCubeDailyBucketsAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	c := NewCube(CubeOptions{Bucket: 86400, TZ: ny})
	c.Add(cubeBatch(t, ny, []cubeRow{
		{at: "2026-11-01 00:30", out: record.Approved}, // the 25-hour day
		{at: "2026-11-01 23:30", out: record.Approved},
		{at: "2026-11-03 12:00", out: record.Approved},
	}))
	var starts []string
	for _, r := range TimeseriesTable(c).Rows {
		starts = append(starts, r[0]+"="+r[1])
	}
	want := []string{"2026-11-01T00:00:00-04:00=2", "2026-11-02T00:00:00-05:00=0", "2026-11-03T00:00:00-05:00=1"}
	if !reflect.DeepEqual(starts, want) {
		t.Errorf("got %v, want %v", starts, want)
	}
}
