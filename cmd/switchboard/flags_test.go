package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSubcommandHelpPrintedOnce(t *testing.T) {
	for _, args := range [][]string{{"version", "--help"}, {"check", "-h"}, {"emit", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Errorf("exit code = %d, want %d", code, exitOK)
			}
			if n := strings.Count(stdout.String(), "Usage:"); n != 1 {
				t.Errorf("stdout has the usage %d times, want once:\n%s", n, stdout.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}

func TestUnknownFlagUsageOnStderr(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version", "--nope"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("exit code = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "flag provided but not defined: -nope") || !strings.Contains(stderr.String(), "Usage:") {
		t.Errorf("stderr = %q, want the error and the usage", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}

func TestActorHelpShowsNoUserDefault(t *testing.T) {
	t.Setenv("USER", "cli")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"connectors", "--help"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code = %d, want %d", code, exitOK)
	}
	if strings.Contains(stdout.String(), `(default "cli")`) {
		t.Errorf("the help repeats $USER as a default after naming it:\n%s", stdout.String())
	}
}
