package classify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/payops/analyze/pkg/record"
)

// CheckFile validates the rules file at path as `analyze rules check`
// does: it is layered over the embedded rules (unless opts.NoDefaultRules)
// and opts' own files, as the last --rules file, and every problem is
// returned, sorted by line: syntax, unknown keys and causes, bad
// conditions, duplicate ids, and rules of the file that can never match
// because an earlier rule in the merged order accepts every row they
// accept. The Classifier is nil when the file cannot be used.
//
// Shadowing is decided exactly for exact values, sets, code prefixes, MCC
// ranges and firmware ranges; for model patterns only when the patterns
// are identical, and for keywords by substring (a message containing
// 花呗额度不足 contains 额度不足).
func CheckFile(path string, opts Options) ([]*record.Error, *Classifier) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return []*record.Error{{Kind: record.KindUsage, File: path, Err: fmt.Errorf("cannot read rules file: %v", err)}}, nil
	}
	return checkData(path, data, opts)
}

func checkData(path string, data []byte, opts Options) ([]*record.Error, *Classifier) {
	opts.RulesFiles = append(slices.Clone(opts.RulesFiles), path)
	if err := opts.Validate(); err != nil {
		var e *record.Error
		errors.As(err, &e)
		return []*record.Error{e}, nil
	}
	def, err := embeddedFile()
	if err != nil {
		var e *record.Error
		errors.As(err, &e)
		return []*record.Error{e}, nil
	}
	var user, caps []*ruleFile
	for _, name := range opts.RulesFiles[:len(opts.RulesFiles)-1] {
		f, err := loadFile(name, false)
		if err != nil {
			var e *record.Error
			errors.As(err, &e)
			return []*record.Error{e}, nil
		}
		user = append(user, f)
	}
	for _, name := range opts.CapabilitiesFiles {
		f, err := loadFile(name, true)
		if err != nil {
			var e *record.Error
			errors.As(err, &e)
			return []*record.Error{e}, nil
		}
		caps = append(caps, f)
	}
	f, errs := readRulesFile(path, data, false)
	if f == nil {
		return errs, nil
	}
	user = append(user, f)
	c, berrs := build(def, user, caps, opts)
	errs = append(errs, berrs...)
	if c != nil {
		errs = append(errs, c.shadowed(path)...)
	}
	slices.SortStableFunc(errs, func(a, b *record.Error) int { return int(a.Line - b.Line) })
	if len(errs) > 0 {
		return errs, nil
	}
	return nil, c
}

// shadowed reports the rules of file that an earlier rule shadows.
func (c *Classifier) shadowed(file string) []*record.Error {
	var errs []*record.Error
	for i, b := range c.rules {
		if b.raw.file != file {
			continue
		}
		for _, a := range c.rules[:i] {
			if shadows(a, b) {
				where := fmt.Sprintf("%s:%d", a.raw.file, a.raw.line)
				errs = append(errs, &record.Error{Kind: record.KindUsage, File: file, Line: b.raw.line, Column: "id",
					Err: fmt.Errorf("rule %s can never match: rule %s (%s) is tried first and matches every row it matches", b.id, a.id, where)})
				break
			}
		}
	}
	return errs
}

// shadows reports whether every row b accepts is accepted by a: each of
// a's conditions is implied by b's condition on the same field.
func shadows(a, b *rule) bool {
	for _, ca := range a.conds {
		ok := false
		for _, cb := range b.conds {
			if cb.field() == ca.field() && cb.implies(ca) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Channels returns the channel ids rules and rows use.
func Channels() []string { return slices.Clone(channelIDs) }

// PaymentMethods returns the payment method ids rules and rows use.
func PaymentMethods() []string { return slices.Clone(pmIDs) }
