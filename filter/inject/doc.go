// Package inject detects injection attacks in HTTP requests: SQL injection
// and cross-site scripting with libinjection, and signature sets for OS
// command injection, path traversal, NoSQL operators, header injection,
// server-side code and template injection, remote file inclusion and
// request forgery, plus custom RE2 signatures from the configuration.
//
// A Policy scans the request target (path segments, query names and
// values), selected headers and cookie values, and the body (JSON keys and
// string leaves, form and multipart fields, or text, as Sniff finds it to
// be). Each value is normalised first (see Normalize), and each Finding
// records where the value was and which normalisation steps exposed it.
// Findings never hold the value itself.
//
// The package decides nothing about the request: the plugin blocks or logs
// according to Policy.Mode. It does no I/O and keeps no state between
// scans, so one Policy serves every request.
package inject
