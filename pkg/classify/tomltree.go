package classify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"
)

// The rules language is TOML. go-toml's unstable parser is used instead of
// a decoder into structs because every semantic error (an unknown cause in
// rule X, a bad version range) must name the line of the offending key, and
// no TOML decoder reports positions past the syntax. parseTOML builds a
// small positioned tree from the parser's expressions; decode.go reads the
// tree.

// pos is a 1-based line and column in a rules file.
type pos struct{ line, col int }

type tkind uint8

const (
	tTable tkind = iota
	tArray
	tString
	tBool
	tInt
	tFloat
	tOther // dates and times: valid TOML, never valid in a rules file
)

var tkindNames = [...]string{"table", "array", "string", "boolean", "integer", "float", "date/time"}

func (k tkind) String() string { return tkindNames[k] }

// tnode is one TOML value with the position where it starts.
type tnode struct {
	kind tkind
	pos  pos
	str  string // scalar text: a string's value, a number's or bool's literal

	// tables
	keys     []string           // in definition order
	entries  map[string]*tentry // by key
	explicit bool               // defined by a [header] (redefinition is an error)
	inline   bool               // inline tables and arrays are closed once written

	// arrays
	elems []*tnode
	aot   bool // an array of tables made by [[header]]
}

type tentry struct {
	keyPos pos
	val    *tnode
}

func newTable(p pos) *tnode { return &tnode{kind: tTable, pos: p, entries: map[string]*tentry{}} }

// get returns the value at key, or nil.
func (t *tnode) get(key string) *tentry {
	if t == nil || t.entries == nil {
		return nil
	}
	return t.entries[key]
}

func (t *tnode) set(key string, keyPos pos, v *tnode) {
	t.keys = append(t.keys, key)
	t.entries[key] = &tentry{keyPos: keyPos, val: v}
}

// tomlError is a positioned syntax or structure error of parseTOML.
type tomlError struct {
	pos pos
	msg string
}

func (e *tomlError) Error() string { return e.msg }

// parseTOML parses data into a root table. Errors are *tomlError with the
// position of the offending text.
func parseTOML(data []byte) (root *tnode, err error) {
	if !utf8.Valid(data) {
		return nil, &tomlError{firstInvalidUTF8(data), "not valid UTF-8: save the file as UTF-8"}
	}
	var p unstable.Parser
	p.Reset(data)
	b := &treeBuilder{p: &p, data: data, root: newTable(pos{1, 1})}
	b.root.explicit = true
	b.cur = b.root
	// The parser is third-party code fed with user input; a panic in it
	// must surface as an error, never take the run down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &tomlError{pos{1, 1}, fmt.Sprintf("internal error while parsing: %v", r)}
		}
	}()
	for p.NextExpression() {
		if err := b.expr(p.Expression()); err != nil {
			return nil, err
		}
	}
	if perr := p.Error(); perr != nil {
		var pe *unstable.ParserError
		if errors.As(perr, &pe) && pe.Highlight != nil {
			sh := p.Shape(p.Range(pe.Highlight))
			return nil, &tomlError{pos{sh.Start.Line, sh.Start.Column}, "toml: " + pe.Message}
		}
		return nil, &tomlError{pos{1, 1}, "toml: " + perr.Error()}
	}
	return b.root, nil
}

func firstInvalidUTF8(data []byte) pos {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return pos{line, col}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return pos{line, col}
}

type treeBuilder struct {
	p     *unstable.Parser
	data  []byte
	lines []int // the offsets where lines start, once pos needs them
	root  *tnode
	cur   *tnode // the table the following key/values go into
}

// pos is where n starts: its line, and its column in bytes, as the
// parser's Shape says. Shape counts the lines from the top of the file on
// every call, which made parsing the embedded rules (a thousand lines)
// quadratic: 60 ms of every run's start. The line starts are found once.
func (b *treeBuilder) pos(n *unstable.Node) pos {
	if n == nil || n.Raw.Length == 0 && n.Raw.Offset == 0 {
		return pos{1, 1}
	}
	if b.lines == nil {
		b.lines = []int{0}
		for i, c := range b.data {
			if c == '\n' {
				b.lines = append(b.lines, i+1)
			}
		}
	}
	off := int(n.Raw.Offset)
	line, _ := slices.BinarySearch(b.lines, off+1) // lines starting at or before off
	return pos{line, off - b.lines[line-1] + 1}
}

type keyPart struct {
	name string
	pos  pos
}

func (b *treeBuilder) keyParts(it unstable.Iterator) []keyPart {
	var parts []keyPart
	for it.Next() {
		n := it.Node()
		parts = append(parts, keyPart{string(n.Data), b.pos(n)})
	}
	return parts
}

func dotted(parts []keyPart) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.name
	}
	return strings.Join(names, ".")
}

func (b *treeBuilder) expr(e *unstable.Node) error {
	switch e.Kind {
	case unstable.KeyValue:
		parts := b.keyParts(e.Key())
		return b.keyValue(b.cur, parts, e.Value())
	case unstable.Table:
		parts := b.keyParts(e.Key())
		t, err := b.walk(parts[:len(parts)-1])
		if err != nil {
			return err
		}
		last := parts[len(parts)-1]
		if ent := t.get(last.name); ent != nil {
			v := ent.val
			if v.kind != tTable || v.explicit || v.inline {
				return &tomlError{last.pos, fmt.Sprintf("[%s] is defined twice (first on line %d)", dotted(parts), ent.keyPos.line)}
			}
			v.explicit = true
			b.cur = v
			return nil
		}
		nt := newTable(last.pos)
		nt.explicit = true
		t.set(last.name, last.pos, nt)
		b.cur = nt
		return nil
	case unstable.ArrayTable:
		parts := b.keyParts(e.Key())
		t, err := b.walk(parts[:len(parts)-1])
		if err != nil {
			return err
		}
		last := parts[len(parts)-1]
		nt := newTable(last.pos)
		nt.explicit = true
		if ent := t.get(last.name); ent != nil {
			if ent.val.kind != tArray || !ent.val.aot {
				return &tomlError{last.pos, fmt.Sprintf("[[%s]]: %q is already a %s (line %d)", dotted(parts), last.name, ent.val.kind, ent.keyPos.line)}
			}
			ent.val.elems = append(ent.val.elems, nt)
		} else {
			t.set(last.name, last.pos, &tnode{kind: tArray, pos: last.pos, aot: true, elems: []*tnode{nt}})
		}
		b.cur = nt
		return nil
	}
	return nil
}

// walk descends from the root through a table header's leading parts,
// creating implicit tables and entering the last element of arrays of
// tables.
func (b *treeBuilder) walk(parts []keyPart) (*tnode, error) {
	t := b.root
	for _, part := range parts {
		ent := t.get(part.name)
		if ent == nil {
			nt := newTable(part.pos)
			t.set(part.name, part.pos, nt)
			t = nt
			continue
		}
		switch v := ent.val; {
		case v.kind == tTable && !v.inline:
			t = v
		case v.kind == tArray && v.aot:
			t = v.elems[len(v.elems)-1]
		default:
			return nil, &tomlError{part.pos, fmt.Sprintf("%q is a %s (line %d), not a table", part.name, v.kind, ent.keyPos.line)}
		}
	}
	return t, nil
}

// keyValue sets a possibly dotted key in t.
func (b *treeBuilder) keyValue(t *tnode, parts []keyPart, value *unstable.Node) error {
	for _, part := range parts[:len(parts)-1] {
		ent := t.get(part.name)
		if ent == nil {
			nt := newTable(part.pos)
			t.set(part.name, part.pos, nt)
			t = nt
			continue
		}
		if ent.val.kind != tTable || ent.val.inline {
			return &tomlError{part.pos, fmt.Sprintf("key %q is a %s (line %d), not a table", part.name, ent.val.kind, ent.keyPos.line)}
		}
		t = ent.val
	}
	last := parts[len(parts)-1]
	if ent := t.get(last.name); ent != nil {
		return &tomlError{last.pos, fmt.Sprintf("key %q is set twice (first on line %d)", dotted(parts), ent.keyPos.line)}
	}
	v, err := b.value(value)
	if err != nil {
		return err
	}
	t.set(last.name, last.pos, v)
	return nil
}

func (b *treeBuilder) value(n *unstable.Node) (*tnode, error) {
	p := b.pos(n)
	switch n.Kind {
	case unstable.String:
		return &tnode{kind: tString, pos: p, str: string(n.Data)}, nil
	case unstable.Bool:
		return &tnode{kind: tBool, pos: p, str: string(n.Data)}, nil
	case unstable.Integer:
		return &tnode{kind: tInt, pos: p, str: string(n.Data)}, nil
	case unstable.Float:
		return &tnode{kind: tFloat, pos: p, str: string(n.Data)}, nil
	case unstable.Array:
		arr := &tnode{kind: tArray, pos: p, inline: true}
		it := n.Children()
		first := true
		for it.Next() {
			v, err := b.value(it.Node())
			if err != nil {
				return nil, err
			}
			if first {
				arr.pos, first = v.pos, false
			}
			arr.elems = append(arr.elems, v)
		}
		return arr, nil
	case unstable.InlineTable:
		t := newTable(p)
		t.inline = true
		it := n.Children()
		first := true
		for it.Next() {
			kv := it.Node()
			parts := b.keyParts(kv.Key())
			if first {
				t.pos, first = parts[0].pos, false
			}
			if err := b.keyValue(t, parts, kv.Value()); err != nil {
				return nil, err
			}
		}
		return t, nil
	}
	return &tnode{kind: tOther, pos: p, str: string(n.Data)}, nil
}
