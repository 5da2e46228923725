package config

import "strings"

// FieldError is one problem found in the configuration.
type FieldError struct {
	// Path locates the field, such as "api_keys.keys[2].digest". It is "$"
	// for the document as a whole.
	Path string

	// Problem describes what is wrong and what is expected.
	Problem string

	// Value is the offending value as JSON, shortened when long, or
	// "<redacted>" for a secret field. It is empty when showing a value
	// would not help, such as for an unknown field.
	Value string
}

// Error formats the problem as "<path>: <problem>; got <value>", without
// the "; got" part when Value is empty.
func (e FieldError) Error() string {
	if e.Value == "" {
		return e.Path + ": " + e.Problem
	}
	return e.Path + ": " + e.Problem + "; got " + e.Value
}

// Errors lists every problem Parse found, section by section.
type Errors struct {
	List []FieldError
}

// Error returns one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.List))
	for i, fe := range e.List {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}
