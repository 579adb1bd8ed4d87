package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRunMini(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-data", "../../pkg/localize/rsbench/testdata/mini", "-v"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"one ", "label=a=x&b=2",
		"two words ", "label=a=x;a=y",
		"cases 2, label elements 3\n",
		"TP ", "F1 ",
		"time per case: median ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		args  []string
		usage bool
	}{
		{[]string{"-data", "testdata/does-not-exist"}, false},
		{[]string{"-overdispersion", "-1"}, true},
		{[]string{"-no-such-flag"}, true},
	}
	for _, tt := range tests {
		err := run(tt.args, &bytes.Buffer{}, &bytes.Buffer{})
		var ue usageError
		if err == nil || errors.As(err, &ue) != tt.usage {
			t.Errorf("%v: error %v, want usage=%v", tt.args, err, tt.usage)
		}
	}
}
