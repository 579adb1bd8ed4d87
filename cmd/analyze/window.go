package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/ingest"
)

// parseFlagTime reads a time flag: RFC 3339, or a local date and time in loc.
func parseFlagTime(flag, s string, loc *time.Location) (time.Time, error) {
	if t, ok := ingest.ParseBound(s, loc); ok {
		return t, nil
	}
	return time.Time{}, usagef("%s %q: expected a time such as 2026-11-21T14:00 (in --tz) or RFC 3339", flag, s)
}

// parseWindow reads FROM..TO, a half-open window.
func parseWindow(flag, s string, loc *time.Location) (ingest.TimeRange, error) {
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		return ingest.TimeRange{}, usagef("%s %q: expected FROM..TO, e.g. 2026-11-21T14:00..2026-11-21T15:00", flag, s)
	}
	f, err := parseFlagTime(flag, from, loc)
	if err != nil {
		return ingest.TimeRange{}, err
	}
	t, err := parseFlagTime(flag, to, loc)
	if err != nil {
		return ingest.TimeRange{}, err
	}
	if !t.After(f) {
		return ingest.TimeRange{}, usagef("%s %q: the end must be after the start", flag, s)
	}
	return ingest.TimeRange{From: f.Unix(), To: t.Unix()}, nil
}

// buckets are the sizes --bucket accepts, in seconds.
var buckets = map[string]int64{"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}

func parseBucket(s string) (int64, error) {
	if b, ok := buckets[s]; ok {
		return b, nil
	}
	return 0, usagef("--bucket %q: expected 1m, 5m, 15m, 1h or 1d", s)
}

// formatRange prints a range in loc for messages and reports.
func formatRange(r ingest.TimeRange, loc *time.Location) string {
	return fmt.Sprintf("%s..%s", time.Unix(r.From, 0).In(loc).Format(time.RFC3339), time.Unix(r.To, 0).In(loc).Format(time.RFC3339))
}
