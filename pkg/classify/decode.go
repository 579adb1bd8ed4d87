package classify

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// ruleFile is one rules file as read, before layering: the embedded
// default, a user's TOML rules or capabilities file, or a legacy CSV code
// table.
type ruleFile struct {
	name      string // as named in messages
	data      []byte // for Version
	toml      bool
	causes    []causeDef
	lists     []*listDef
	codes     []codeRow
	rules     []*rawRule
	terminals []*terminal
	acquirers []*acquirerDef
}

type causeDef struct {
	id    record.Outcome
	line  int64
	given map[string]bool // the keys the file sets
	info  CauseInfo
}

type listDef struct {
	name string
	vals []string
	line int64
}

// codeRow is one row of a code table.
type codeRow struct {
	ns       record.Namespace // NSNone: any namespace
	code     string
	out      record.Outcome
	generic  bool // says "declined" without the reason: message keywords may tell more
	visa     int  // Visa decline category 1-4, 0 when none is stated
	source   string
	note     string
	line     int64
	acquirer string // "" for the plain table, else the profile it belongs to
}

// rawRule is a [[rule]] as written; compile turns it into a rule once the
// lists it refers to are known.
type rawRule struct {
	id       string
	out      record.Outcome
	disabled bool
	bad      bool // had an error: never compiled, never reported as shadowed
	note     string
	source   string
	file     string
	line     int64
	conds    []rawCond
}

type rawCond struct {
	key    string
	vals   []string
	valPos []pos
	pos    pos // the key's position
}

type acquirerDef struct {
	id          string
	description string
	source      string
	twoChar     record.Namespace // NSNone: the default inference
	line        int64
}

// terminal is one [[terminal]] entry of a capability table.
type terminal struct {
	models   map[string]bool // lower-case exact names
	patterns []string        // lower-case globs
	fw       *versionRange   // nil: any firmware
	fwText   string
	caps     [numCaps]int8 // 1 can, -1 cannot, 0 not stated
	source   string
	note     string
	file     string
	line     int64
}

// Capabilities a payment may need from the terminal.
const (
	capQRScan = iota
	capContactless
	capHuabei
	numCaps
)

var capNames = [numCaps]string{"qr_scan", "contactless", "huabei"}

// decoder reads a parsed TOML tree into a ruleFile, collecting every error
// it finds (rules check reports them all; New reports the first).
type decoder struct {
	f    *ruleFile
	errs []*record.Error
	caps bool // a --capabilities file: only [[terminal]] allowed
}

func (d *decoder) errAt(p pos, column, format string, args ...any) {
	line := int64(p.line)
	if line < 1 {
		line = 1
	}
	d.errs = append(d.errs, &record.Error{Kind: record.KindUsage, File: d.f.name, Line: line, Column: column,
		Err: fmt.Errorf(format, args...)})
}

// firstError returns the error with the smallest line, so that New names
// the first problem of the file.
func firstError(errs []*record.Error) error {
	if len(errs) == 0 {
		return nil
	}
	best := errs[0]
	for _, e := range errs[1:] {
		if e.Line < best.Line {
			best = e
		}
	}
	return best
}

// readRulesFile parses one rules file, choosing the format by extension
// and checking the content agrees. caps restricts it to a capability table.
func readRulesFile(name string, data []byte, caps bool) (*ruleFile, []*record.Error) {
	f := &ruleFile{name: name, data: data}
	ext := strings.ToLower(filepath.Ext(name))
	usage := func(line int64, msg string) []*record.Error {
		return []*record.Error{{Kind: record.KindUsage, File: name, Line: line, Err: errors.New(msg)}}
	}
	switch {
	case ext == ".csv" && !caps:
		if looksLikeTOML(data) {
			return nil, usage(1, "this looks like a TOML rules file, not a CSV code table: name it .toml")
		}
		rows, err := parseRules(name, data)
		if err != nil {
			var e *record.Error
			if errors.As(err, &e) {
				return nil, []*record.Error{e}
			}
			return nil, usage(1, err.Error())
		}
		f.codes = rows
		return f, nil
	case ext == ".toml":
		if looksLikeCSV(data) {
			return nil, usage(1, "this looks like a CSV code table (header namespace,code,cause), not TOML: name it .csv")
		}
		f.toml = true
		root, err := parseTOML(data)
		if err != nil {
			var te *tomlError
			if errors.As(err, &te) {
				return nil, usage(int64(max(te.pos.line, 1)), fmt.Sprintf("column %d: %s", max(te.pos.col, 1), te.msg))
			}
			return nil, usage(1, err.Error())
		}
		d := &decoder{f: f, caps: caps}
		d.file(root)
		return f, d.errs
	case caps:
		return nil, usage(0, fmt.Sprintf("unsupported capabilities file %q: expected a .toml file of [[terminal]] tables", filepath.Base(name)))
	}
	return nil, usage(0, fmt.Sprintf("unsupported rules file %q: expected .toml (rules language) or .csv (namespace,code,cause)", filepath.Base(name)))
}

// looksLikeCSV reports a first significant line that is the CSV code
// table header.
func looksLikeCSV(data []byte) bool {
	line := firstSignificantLine(data)
	return strings.HasPrefix(strings.ToLower(strings.ReplaceAll(line, " ", "")), "namespace,code,cause")
}

// looksLikeTOML reports a first significant line that is a TOML table
// header or key = value.
func looksLikeTOML(data []byte) bool {
	line := firstSignificantLine(data)
	if strings.HasPrefix(line, "[") {
		return true
	}
	k, _, ok := strings.Cut(line, "=")
	return ok && !strings.Contains(k, ",") && strings.TrimSpace(k) != ""
}

func firstSignificantLine(data []byte) string {
	data = bytes.TrimPrefix(data, utf8BOM)
	for _, l := range strings.Split(string(data[:min(len(data), 4096)]), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

var topKeys = []string{"schema", "cause", "lists", "codes", "acquirer", "rule", "terminal"}

func (d *decoder) file(root *tnode) {
	for _, k := range root.keys {
		ent := root.entries[k]
		if d.caps && k != "terminal" && k != "schema" {
			d.errAt(ent.keyPos, k, "a capabilities file holds only [[terminal]] tables, not %q", k)
			continue
		}
		switch k {
		case "schema":
			if s, ok := d.scalar(k, ent, tInt); ok && s != "1" {
				d.errAt(ent.val.pos, k, "schema %s: this version reads schema 1", s)
			}
		case "cause":
			for _, t := range d.tables(k, ent) {
				d.cause(t)
			}
		case "lists":
			d.listsTable(ent)
		case "codes":
			if t := d.table(k, ent); t != nil {
				d.codesTable(t, "")
			}
		case "acquirer":
			for _, t := range d.tables(k, ent) {
				d.acquirer(t)
			}
		case "rule":
			for _, t := range d.tables(k, ent) {
				d.rule(t)
			}
		case "terminal":
			for _, t := range d.tables(k, ent) {
				d.terminal(t)
			}
		default:
			d.errAt(ent.keyPos, k, "unknown key %q: expected one of %s", k, strings.Join(topKeys, ", "))
		}
	}
}

// scalar returns the text of a value of kind want.
func (d *decoder) scalar(key string, ent *tentry, want tkind) (string, bool) {
	if ent.val.kind != want {
		d.errAt(ent.val.pos, key, "%s is a %s: expected a %s", key, ent.val.kind, want)
		return "", false
	}
	return ent.val.str, true
}

func (d *decoder) str(key string, ent *tentry) string {
	s, _ := d.scalar(key, ent, tString)
	return s
}

func (d *decoder) boolean(key string, ent *tentry) bool {
	s, ok := d.scalar(key, ent, tBool)
	return ok && s == "true"
}

// strs accepts a string or an array of strings.
func (d *decoder) strs(key string, ent *tentry) ([]string, []pos, bool) {
	v := ent.val
	switch v.kind {
	case tString:
		return []string{v.str}, []pos{v.pos}, true
	case tArray:
		out := make([]string, 0, len(v.elems))
		ps := make([]pos, 0, len(v.elems))
		for _, e := range v.elems {
			if e.kind != tString {
				d.errAt(e.pos, key, "%s: an element is a %s: expected strings", key, e.kind)
				return nil, nil, false
			}
			out = append(out, e.str)
			ps = append(ps, e.pos)
		}
		if len(out) == 0 {
			d.errAt(ent.keyPos, key, "%s is empty: a condition needs at least one value", key)
			return nil, nil, false
		}
		return out, ps, true
	}
	d.errAt(v.pos, key, "%s is a %s: expected a string or an array of strings", key, v.kind)
	return nil, nil, false
}

// tables returns the tables of an array of tables ([[x]] or x = [{...}]).
func (d *decoder) tables(key string, ent *tentry) []*tnode {
	if ent.val.kind != tArray {
		d.errAt(ent.keyPos, key, "%s is a %s: expected an array of tables ([[%s]])", key, ent.val.kind, key)
		return nil
	}
	var out []*tnode
	for _, e := range ent.val.elems {
		if e.kind != tTable {
			d.errAt(e.pos, key, "%s: an element is a %s: expected a table", key, e.kind)
			continue
		}
		out = append(out, e)
	}
	return out
}

func (d *decoder) table(key string, ent *tentry) *tnode {
	if ent.val.kind != tTable {
		d.errAt(ent.keyPos, key, "%s is a %s: expected a table", key, ent.val.kind)
		return nil
	}
	return ent.val
}

var causeKeys = []string{"id", "label_en", "label_zh", "description", "who_acts", "retry", "remedy_en", "remedy_zh"}

var whoActs = []string{"merchant", "acquirer", "platform", "consumer", "cashier"}

func (d *decoder) cause(t *tnode) {
	c := causeDef{line: int64(t.pos.line), given: map[string]bool{}}
	idEnt := t.get("id")
	if idEnt == nil {
		d.errAt(t.pos, "id", "[[cause]] without an id")
		return
	}
	id := d.str("id", idEnt)
	o, ok := record.OutcomeByID(id)
	if !ok || !o.IsDecline() {
		d.errAt(idEnt.val.pos, "id", "unknown cause %q: [[cause]] can change the texts of the causes %s, not add one (cause ids are an output contract)", id, expectedCauses)
		return
	}
	c.id, c.info.ID = o, o
	for _, k := range t.keys {
		ent := t.entries[k]
		c.given[k] = true
		switch k {
		case "id":
		case "label_en":
			c.info.LabelEN = d.str(k, ent)
		case "label_zh":
			c.info.LabelZH = d.str(k, ent)
		case "description":
			c.info.Description = d.str(k, ent)
		case "remedy_en":
			c.info.RemedyEN = d.str(k, ent)
		case "remedy_zh":
			c.info.RemedyZH = d.str(k, ent)
		case "retry":
			c.info.Retry = d.str(k, ent)
			if c.info.Retry != "soft" && c.info.Retry != "hard" && c.info.Retry != "" {
				d.errAt(ent.val.pos, k, "retry %q: expected soft or hard", c.info.Retry)
			}
		case "who_acts":
			if ent.val.kind == tArray && len(ent.val.elems) == 0 {
				c.info.WhoActs = []string{}
				continue
			}
			vals, ps, ok := d.strs(k, ent)
			if !ok {
				continue
			}
			for i, v := range vals {
				if !slices.Contains(whoActs, v) {
					d.errAt(ps[i], k, "who_acts %q: expected %s", v, strings.Join(whoActs, ", "))
				}
			}
			c.info.WhoActs = vals
		default:
			d.errAt(ent.keyPos, k, "unknown key %q in [[cause]]: expected one of %s", k, strings.Join(causeKeys, ", "))
		}
	}
	d.f.causes = append(d.f.causes, c)
}

func (d *decoder) listsTable(ent *tentry) {
	t := d.table("lists", ent)
	if t == nil {
		return
	}
	for _, k := range t.keys {
		e := t.entries[k]
		if !validName(k) {
			d.errAt(e.keyPos, k, "list name %q: expected lower-case letters, digits and _", k)
			continue
		}
		var vals []string
		if e.val.kind == tArray && len(e.val.elems) == 0 {
			vals = []string{} // an empty list is a list still to be filled
		} else {
			var ok bool
			if vals, _, ok = d.strs(k, e); !ok {
				continue
			}
		}
		for _, v := range vals {
			if strings.HasPrefix(v, "@") {
				d.errAt(e.val.pos, k, "list %s refers to %s: lists cannot refer to lists", k, v)
			}
		}
		d.f.lists = append(d.f.lists, &listDef{name: k, vals: vals, line: int64(e.keyPos.line)})
	}
}

var codeKeys = []string{"code", "cause", "generic", "visa", "source", "note"}

// codesTable reads [codes] (or an acquirer's codes): one array of inline
// tables per namespace, "any" for rows that hold in every namespace.
func (d *decoder) codesTable(t *tnode, acquirer string) {
	for _, nsName := range t.keys {
		ent := t.entries[nsName]
		ns := record.NSNone
		if nsName != "any" {
			n, ok := record.NamespaceByName(nsName)
			if !ok || n == record.NSNone {
				d.errAt(ent.keyPos, "namespace", "unknown namespace %q: expected one of %s", nsName, expectedNSKeys)
				continue
			}
			ns = n
		}
		for _, row := range d.tables(nsName, ent) {
			d.codeRow(row, ns, acquirer)
		}
	}
}

var expectedNSKeys = func() string {
	var ns []string
	for n := record.NSNone + 1; n < record.NumNamespaces; n++ {
		ns = append(ns, n.String())
	}
	return strings.Join(ns, ", ") + " or any"
}()

func (d *decoder) codeRow(t *tnode, ns record.Namespace, acquirer string) {
	r := codeRow{ns: ns, line: int64(t.pos.line), acquirer: acquirer}
	var haveCode, haveCause bool
	for _, k := range t.keys {
		ent := t.entries[k]
		switch k {
		case "code":
			r.code = normCode(d.str(k, ent))
			haveCode = true
			if r.code == "" {
				d.errAt(ent.val.pos, k, "empty code: expected a response code such as 51 or ACQ.SYSTEM_ERROR")
			}
		case "cause":
			id := d.str(k, ent)
			o, ok := record.OutcomeByID(id)
			if !ok {
				d.errAt(ent.val.pos, k, "unknown cause %q: expected one of %s", id, expectedOutcomes)
			}
			r.out, haveCause = o, true
		case "generic":
			r.generic = d.boolean(k, ent)
		case "visa":
			if s, ok := d.scalar(k, ent, tInt); ok {
				n, _ := strconv.Atoi(s)
				if n < 1 || n > 4 {
					d.errAt(ent.val.pos, k, "visa %s: expected a Visa decline category 1 to 4", s)
				}
				r.visa = n
			}
		case "source":
			r.source = d.str(k, ent)
		case "note":
			r.note = d.str(k, ent)
		default:
			d.errAt(ent.keyPos, k, "unknown key %q in a code row: expected one of %s", k, strings.Join(codeKeys, ", "))
		}
	}
	if !haveCode {
		d.errAt(t.pos, "code", "code row without a code")
		return
	}
	if !haveCause {
		d.errAt(t.pos, "cause", "code row %s without a cause", r.code)
		return
	}
	for _, prev := range d.f.codes {
		if prev.ns == r.ns && prev.code == r.code && prev.acquirer == r.acquirer {
			d.errAt(t.pos, "code", "%s %s is already mapped on line %d: expected one row per namespace and code", nsLabel(r.ns), r.code, prev.line)
			return
		}
	}
	d.f.codes = append(d.f.codes, r)
}

func nsLabel(ns record.Namespace) string {
	if ns == record.NSNone {
		return "any"
	}
	return ns.String()
}

var acquirerKeys = []string{"id", "description", "source", "two_char_namespace", "codes"}

func (d *decoder) acquirer(t *tnode) {
	a := &acquirerDef{line: int64(t.pos.line)}
	idEnt := t.get("id")
	if idEnt == nil {
		d.errAt(t.pos, "id", "[[acquirer]] without an id")
		return
	}
	a.id = d.str("id", idEnt)
	if !validName(a.id) {
		d.errAt(idEnt.val.pos, "id", "acquirer id %q: expected lower-case letters, digits and _", a.id)
		return
	}
	for _, prev := range d.f.acquirers {
		if prev.id == a.id {
			d.errAt(idEnt.val.pos, "id", "acquirer %q is already defined on line %d", a.id, prev.line)
			return
		}
	}
	for _, k := range t.keys {
		ent := t.entries[k]
		switch k {
		case "id":
		case "description":
			a.description = d.str(k, ent)
		case "source":
			a.source = d.str(k, ent)
		case "two_char_namespace":
			s := d.str(k, ent)
			n, ok := record.NamespaceByName(s)
			if !ok || (n != record.NSCUP && n != record.NSISO8583 && n != record.NSUPIQR) {
				d.errAt(ent.val.pos, k, "two_char_namespace %q: expected cup, iso8583 or upi_qr", s)
			}
			a.twoChar = n
		case "codes":
			if ct := d.table(k, ent); ct != nil {
				d.codesTable(ct, a.id)
			}
		default:
			d.errAt(ent.keyPos, k, "unknown key %q in [[acquirer]]: expected one of %s", k, strings.Join(acquirerKeys, ", "))
		}
	}
	d.f.acquirers = append(d.f.acquirers, a)
}

var ruleMetaKeys = []string{"id", "cause", "note", "source", "disabled"}

func (d *decoder) rule(t *tnode) {
	r := &rawRule{file: d.f.name, line: int64(t.pos.line)}
	idEnt := t.get("id")
	if idEnt == nil {
		d.errAt(t.pos, "id", "[[rule]] without an id: every rule needs one (it names the rule in explanations and lets a later file replace it)")
		return
	}
	r.id = d.str("id", idEnt)
	if !validRuleID(r.id) {
		d.errAt(idEnt.val.pos, "id", "rule id %q: expected letters, digits, '-', '_' and '.'", r.id)
		return
	}
	for _, prev := range d.f.rules {
		if prev.id == r.id {
			d.errAt(idEnt.val.pos, "id", "duplicate rule id %q (first on line %d)", r.id, prev.line)
			return
		}
	}
	haveCause := false
	nerr := len(d.errs)
	defer func() { r.bad = len(d.errs) > nerr }()
	for _, k := range t.keys {
		ent := t.entries[k]
		switch k {
		case "id":
		case "cause":
			id := d.str(k, ent)
			o, ok := record.OutcomeByID(id)
			if !ok {
				d.errAt(ent.val.pos, k, "rule %s: unknown cause %q: expected one of %s", r.id, id, expectedOutcomes)
			}
			r.out, haveCause = o, true
		case "note":
			r.note = d.str(k, ent)
		case "source":
			r.source = d.str(k, ent)
		case "disabled":
			r.disabled = d.boolean(k, ent)
		default:
			if _, ok := condKeys[k]; !ok {
				d.errAt(ent.keyPos, k, "rule %s: unknown key %q: expected %s, or a condition: %s", r.id, k, strings.Join(ruleMetaKeys, ", "), condKeyList)
				continue
			}
			vals, ps, ok := d.strs(k, ent)
			if !ok {
				continue
			}
			r.conds = append(r.conds, rawCond{key: k, vals: vals, valPos: ps, pos: ent.keyPos})
		}
	}
	if !haveCause && !r.disabled {
		d.errAt(t.pos, "cause", "rule %s has no cause", r.id)
	}
	d.f.rules = append(d.f.rules, r)
}

var terminalKeys = []string{"model", "model_pattern", "firmware", "qr_scan", "contactless", "huabei", "source", "note"}

func (d *decoder) terminal(t *tnode) {
	tm := &terminal{models: map[string]bool{}, file: d.f.name, line: int64(t.pos.line)}
	for _, k := range t.keys {
		ent := t.entries[k]
		switch k {
		case "model":
			vals, _, ok := d.strs(k, ent)
			for _, v := range vals {
				if ok {
					tm.models[foldModel(v)] = true
				}
			}
		case "model_pattern":
			vals, _, ok := d.strs(k, ent)
			for _, v := range vals {
				if ok {
					tm.patterns = append(tm.patterns, foldModel(v))
				}
			}
		case "firmware":
			s := d.str(k, ent)
			vr, err := parseVersionRange(s)
			if err != nil {
				d.errAt(ent.val.pos, k, "firmware %q: %v", s, err)
			}
			tm.fw, tm.fwText = vr, s
		case "qr_scan", "contactless", "huabei":
			i := slices.Index(capNames[:], k)
			if d.boolean(k, ent) {
				tm.caps[i] = 1
			} else {
				tm.caps[i] = -1
			}
		case "source":
			tm.source = d.str(k, ent)
		case "note":
			tm.note = d.str(k, ent)
		default:
			d.errAt(ent.keyPos, k, "unknown key %q in [[terminal]]: expected one of %s", k, strings.Join(terminalKeys, ", "))
		}
	}
	if len(tm.models) == 0 && len(tm.patterns) == 0 {
		d.errAt(t.pos, "model", "[[terminal]] without model or model_pattern")
		return
	}
	if tm.caps == [numCaps]int8{} {
		d.errAt(t.pos, "", "[[terminal]] states no capability: expected qr_scan, contactless or huabei = true/false")
		return
	}
	d.f.terminals = append(d.f.terminals, tm)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validRuleID(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// foldModel is how terminal model names compare: case and runs of spaces
// do not matter ("PAX  a920" is "PAX A920").
func foldModel(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

var expectedCauses = func() string {
	ids := make([]string, 0, record.NumOutcomes)
	for _, o := range record.Causes() {
		ids = append(ids, o.String())
	}
	return strings.Join(ids, ", ")
}()
