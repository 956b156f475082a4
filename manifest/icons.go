package manifest

// The icons in assets/ are drawn by code in icons_test.go (a speech bubble
// with a "D"): color.png 192x192 on the accent colour, outline.png 32x32
// white on transparent as Teams requires. They are committed so the build
// needs no generator; TestIcons fails if they drift from the drawing code.
// To redraw them after changing that code:
//
//go:generate go test -run ^TestIcons$ -update-icons .
