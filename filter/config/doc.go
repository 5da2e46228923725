// Package config parses and validates the plugin configuration, one JSON
// document, and compiles it into an immutable Config.
//
// Parsing is strict: unknown fields, duplicate fields, wrong JSON types and
// impossible values are all errors, and Parse reports every problem it
// finds, each with the JSON path of the field. Errors never echo the
// document: long values are shortened, objects and arrays are shown as
// "{...}" and "[...]", and secret fields (the pepper, key digests) are shown
// as "<redacted>".
//
// docs/config.md is the reference for every field. The tests of package
// filter parse each of its examples. This package reads no file and
// performs no I/O, so it runs unchanged inside the WebAssembly plugin.
package config
