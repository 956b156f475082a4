package devchat

import (
	"io"
	"strings"
	"testing"
)

// BenchmarkMarkdownHostile renders 60 KB texts built to make emphasis and
// link parsing search far; it should stay in the low milliseconds.
func BenchmarkMarkdownHostile(b *testing.B) {
	inputs := []string{
		strings.Repeat("*a ", 20000),
		strings.Repeat("_a ", 20000),
		strings.Repeat("[", 60000),
		strings.Repeat("[a](", 15000),
		strings.Repeat("~~a ", 15000),
		strings.Repeat("**", 30000),
		strings.Repeat("a", 60000),
	}
	for b.Loop() {
		for _, s := range inputs {
			Renderer{Width: 80}.Markdown(io.Discard, s)
		}
	}
}

// BenchmarkRenderCard renders the status card used in the tests.
func BenchmarkRenderCard(b *testing.B) {
	card := cardOf(b, statusCard)
	for b.Loop() {
		RenderCard(io.Discard, card, 80)
	}
}
