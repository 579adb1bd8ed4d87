package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// comparison says how far the two tools' decline counts agree for one
// table, keyed by its key columns and cause.
type comparison struct {
	table                     string
	keysAnalyze, keysDuck     int
	same, differ              int
	onlyAnalyze, onlyDuck     int
	declinesAnalyze, declDuck int64
	examples                  []string // a few differing keys, for the log
}

func (c comparison) agree() bool { return c.differ == 0 && c.onlyAnalyze == 0 && c.onlyDuck == 0 }

var tables = []struct {
	file string
	key  []string
}{
	{"by_merchant.csv", []string{"merchant_id", "currency", "cause"}},
	{"by_terminal_model.csv", []string{"terminal_model", "currency", "cause"}},
}

// compareOutputs compares analyze's report set in aDir with the DuckDB
// child's tables in dDir. Mismatches are counted, not fatal: the two cause
// mappings may differ on rare codes.
func compareOutputs(aDir, dDir string) ([]comparison, error) {
	var out []comparison
	for _, t := range tables {
		a, err := readDeclines(filepath.Join(aDir, t.file), t.key)
		if err != nil {
			return nil, err
		}
		d, err := readDeclines(filepath.Join(dDir, t.file), t.key)
		if err != nil {
			return nil, err
		}
		out = append(out, compareCounts(t.file, a, d))
	}
	return out, nil
}

func compareCounts(table string, a, d map[string]int64) comparison {
	c := comparison{table: table, keysAnalyze: len(a), keysDuck: len(d)}
	var keys []string
	for k, n := range a {
		c.declinesAnalyze += n
		keys = append(keys, k)
	}
	for k, n := range d {
		c.declDuck += n
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		na, okA := a[k]
		nd, okD := d[k]
		switch {
		case okA && okD && na == nd:
			c.same++
			continue
		case okA && okD:
			c.differ++
		case okA:
			c.onlyAnalyze++
		default:
			c.onlyDuck++
		}
		if len(c.examples) < 5 {
			c.examples = append(c.examples, fmt.Sprintf("%s: analyze %d, duckdb %d", strings.ReplaceAll(k, "\x00", " | "), na, nd))
		}
	}
	return c
}

// readDeclines reads a breakdown CSV into key → declines. Both tools
// write a header naming the columns.
func readDeclines(path string, key []string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	head[0] = strings.TrimPrefix(head[0], "\ufeff")
	idx := make([]int, len(key))
	for i, k := range key {
		if idx[i] = slices.Index(head, k); idx[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q in %v", path, k, head)
		}
	}
	di := slices.Index(head, "declines")
	if di < 0 {
		return nil, fmt.Errorf("%s: no column declines in %v", path, head)
	}
	out := map[string]int64{}
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	parts := make([]string, len(key))
	for _, rec := range recs {
		for i, j := range idx {
			parts[i] = rec[j]
		}
		n, err := strconv.ParseInt(rec[di], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: declines %q: %w", path, rec[di], err)
		}
		out[strings.Join(parts, "\x00")] += n
	}
	return out, nil
}
