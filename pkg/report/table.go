package report

import (
	"iter"
	"slices"
)

// Table is one breakdown in a neutral form: every writer takes it. A row
// holds one string per column.
//
// A small table keeps its rows in Rows. A large one (a row per merchant
// and cause) is lazy: it makes each row when it is read, from the counts
// it was made from, so that writing a million-row table never holds its
// text (hundreds of megabytes) next to the counts. Read any table with
// Len and Row, or All; Rows is nil in a lazy table.
type Table struct {
	Name    string
	Columns []string
	Kinds   []ColKind
	Rows    [][]string

	n   int
	row func(i int, dst []string) []string // nil: the rows are in Rows
}

// LazyTable returns a table of n rows whose row i is row(i, dst): the
// row's cells appended to dst (given with length 0). row must give the
// same cells every time and may be called from one goroutine at a time.
func LazyTable(name string, cols []string, kinds []ColKind, n int, row func(i int, dst []string) []string) Table {
	return Table{Name: name, Columns: cols, Kinds: kinds, n: n, row: row}
}

// Col returns the index of the named column, or -1.
func (t *Table) Col(name string) int { return slices.Index(t.Columns, name) }

// Len returns the number of rows.
func (t *Table) Len() int {
	if t.row != nil {
		return t.n
	}
	return len(t.Rows)
}

// Row returns row i. A lazy table makes it in dst's memory, so it is only
// valid until dst is used again; a stored row is returned as it is. Either
// way it must not be modified: pass a nil dst to keep the row.
func (t *Table) Row(i int, dst []string) []string {
	if t.row != nil {
		return t.row(i, dst[:0])
	}
	return t.Rows[i]
}

// All yields the rows in order. The row yielded is only valid until the
// next one (a lazy table reuses its memory) and must not be modified.
func (t *Table) All() iter.Seq2[int, []string] {
	return func(yield func(int, []string) bool) {
		var buf []string
		for i := range t.Len() {
			buf = t.Row(i, buf)
			if !yield(i, buf) {
				return
			}
		}
	}
}

// Materialized returns t with all its rows made and stored in Rows: for
// small tables, and tests. A stored table is returned as it is.
func (t Table) Materialized() Table {
	if t.row == nil {
		return t
	}
	out := Table{Name: t.Name, Columns: t.Columns, Kinds: t.Kinds, Rows: make([][]string, t.n)}
	for i := range t.n {
		out.Rows[i] = t.row(i, nil)
	}
	return out
}
