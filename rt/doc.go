// Package rt holds the primitives every esrt middleware builds on.
package rt
