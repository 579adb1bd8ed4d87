package classify

import (
	"errors"
	"strings"
)

// version is a dotted numeric firmware version. Missing trailing parts
// are zero, so 3.2 == 3.2.0.
type version []int

// parseVersion reads the first dotted number in s, after an optional v or
// V: "2.3.1", "V2.4", "ME31_V2.3.5" (the part after the last letter run
// before the digits), "2.4.0-beta" (2.4.0). It fails when s holds no
// digit.
func parseVersion(s string) (version, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return nil, false
	}
	// ME31_V2.3.5: the model's digits are not the version; take the last
	// run after a v/V marker when there is one.
	if j := strings.LastIndexAny(s, "vV"); j >= 0 && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
		i = j + 1
	}
	var v version
	n, digits := 0, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits < 9 {
				n = n*10 + int(c-'0')
			}
			digits++
		case c == '.' && digits > 0:
			v = append(v, n)
			n, digits = 0, 0
		default:
			i = len(s)
			continue
		}
	}
	if digits > 0 {
		v = append(v, n)
	}
	if len(v) == 0 {
		return nil, false
	}
	return v, true
}

func (v version) cmp(w version) int {
	for i := 0; i < max(len(v), len(w)); i++ {
		a, b := 0, 0
		if i < len(v) {
			a = v[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

// versionRange is an interval of versions; a nil bound is open.
type versionRange struct {
	lo, hi         version
	loIncl, hiIncl bool
}

// parseVersionRange reads comparisons joined by commas: "< 3.2",
// ">= 2.4, < 2.5", "= 2.4.0" or a bare "2.4.0" (exactly that version).
func parseVersionRange(s string) (*versionRange, error) {
	r := &versionRange{}
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty version range: expected e.g. \"< 3.2\" or \">= 2.4, < 2.5\"")
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		op := ""
		for _, o := range []string{"<=", ">=", "==", "<", ">", "="} {
			if strings.HasPrefix(part, o) {
				op = o
				break
			}
		}
		vs := strings.TrimSpace(part[len(op):])
		v, ok := parseVersion(vs)
		if !ok || strings.ContainsAny(vs, "<>=! ") || !strings.ContainsAny(vs[:1], "0123456789vV") {
			return nil, errors.New("bad comparison " + quote(part) + ": expected <, <=, >, >= or = and a version such as 3.2")
		}
		switch op {
		case "<", "<=":
			if r.hi == nil || v.cmp(r.hi) < 0 || v.cmp(r.hi) == 0 && op == "<" {
				r.hi, r.hiIncl = v, op == "<="
			}
		case ">", ">=":
			if r.lo == nil || v.cmp(r.lo) > 0 || v.cmp(r.lo) == 0 && op == ">" {
				r.lo, r.loIncl = v, op == ">="
			}
		default: // =, == or none
			if (r.lo != nil || r.hi != nil) && !r.contains(v) {
				return nil, errors.New("the range is empty: no version matches it")
			}
			r.lo, r.hi, r.loIncl, r.hiIncl = v, v, true, true
		}
	}
	if r.empty() {
		return nil, errors.New("the range is empty: no version matches it")
	}
	return r, nil
}

func quote(s string) string { return "\"" + s + "\"" }

func (r *versionRange) empty() bool {
	if r.lo == nil || r.hi == nil {
		return false
	}
	c := r.lo.cmp(r.hi)
	return c > 0 || c == 0 && !(r.loIncl && r.hiIncl)
}

func (r *versionRange) contains(v version) bool {
	if r.lo != nil {
		c := v.cmp(r.lo)
		if c < 0 || c == 0 && !r.loIncl {
			return false
		}
	}
	if r.hi != nil {
		c := v.cmp(r.hi)
		if c > 0 || c == 0 && !r.hiIncl {
			return false
		}
	}
	return true
}

// within reports whether r is inside o, treating versions as a dense
// order (exact for the ranges that can be written).
func (r *versionRange) within(o *versionRange) bool {
	if o.lo != nil {
		if r.lo == nil {
			return false
		}
		c := r.lo.cmp(o.lo)
		if c < 0 || c == 0 && r.loIncl && !o.loIncl {
			return false
		}
	}
	if o.hi != nil {
		if r.hi == nil {
			return false
		}
		c := r.hi.cmp(o.hi)
		if c > 0 || c == 0 && r.hiIncl && !o.hiIncl {
			return false
		}
	}
	return true
}
