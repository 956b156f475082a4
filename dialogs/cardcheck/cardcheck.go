// Package cardcheck checks Adaptive Cards with the official parser (npm
// "adaptivecards", pinned in .ci/cardcheck): Validate writes cards to
// files and runs .ci/cardcheck/validate.js on them. It exists for tests:
// its own test builds every card Digibot sends, through each capability's
// public API, and validates them all; other packages' tests may call
// Validate for cards of their own.
package cardcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Root is the repository root (the folder holding go.mod).
func Root() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cardcheck: cannot locate the source file")
	}
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cardcheck: no go.mod above " + filepath.Dir(file))
		}
		dir = parent
	}
}

// inCI reports whether the CI variable is set (to anything but false/0).
func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Tool returns the node binary and validate.js, or skips tb (fails it in
// CI) when node or the node_modules are missing.
func Tool(tb testing.TB) (node, script string) {
	tb.Helper()
	root, err := Root()
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(root, ".ci", "cardcheck")
	script = filepath.Join(dir, "validate.js")
	missing := func(what string) {
		tb.Helper()
		msg := fmt.Sprintf("%s; run: (cd %s && npm ci)", what, dir)
		if inCI() {
			tb.Fatalf("cardcheck: %s (CI requires the official Adaptive Cards parser)", msg)
		}
		tb.Skipf("cardcheck: %s", msg)
	}
	node, err = exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "adaptivecards", "dist", "adaptivecards.js")); err != nil {
		missing("the adaptivecards package is not installed")
	}
	return node, script
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Validate writes each card (name → card JSON value: an AdaptiveCard or
// an attachment holding one) to a file and runs the official parser on
// all of them. It fails tb listing every parser error per card. Without
// node or the node_modules it skips tb, or fails it when CI is set.
func Validate(tb testing.TB, cards map[string]any) {
	tb.Helper()
	if len(cards) == 0 {
		tb.Fatal("cardcheck: no cards to validate")
	}
	node, script := Tool(tb)
	dir := tb.TempDir()
	names := make([]string, 0, len(cards))
	for n := range cards {
		names = append(names, n)
	}
	sort.Strings(names)
	files := make([]string, 0, len(names))
	for i, n := range names {
		raw, err := json.MarshalIndent(cards[n], "", "  ")
		if err != nil {
			tb.Fatalf("cardcheck: encode %s: %v", n, err)
		}
		f := filepath.Join(dir, fmt.Sprintf("%03d-%s.json", i, strings.Trim(unsafeName.ReplaceAllString(n, "_"), "_")))
		if err := os.WriteFile(f, raw, 0o600); err != nil {
			tb.Fatal(err)
		}
		files = append(files, f)
	}
	cmd := exec.Command(node, append([]string{script}, files...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		tb.Logf("cardcheck: %d cards pass the official Adaptive Cards parser", len(files))
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		tb.Errorf("cardcheck: the official Adaptive Cards parser found errors (cards are in %s):\n%s", dir, failures(string(out)))
	default:
		tb.Fatalf("cardcheck: %s %s: %v\n%s", node, script, err, out)
	}
}

// failures keeps the FAIL lines and their problems.
func failures(out string) string {
	var keep []string
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "FAIL "):
			in = true
			keep = append(keep, l)
		case in && strings.HasPrefix(l, "  "):
			keep = append(keep, l)
		default:
			in = false
		}
	}
	if len(keep) == 0 {
		return out
	}
	return strings.Join(keep, "\n")
}
