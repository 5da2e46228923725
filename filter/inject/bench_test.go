package inject

import "testing"

// The benchmarks below measure the parts of the typical request of
// testing/e2e's BenchmarkHostInjectionTypical one at a time. Compiled for
// wasip1 and run under wazero, they show what each part costs inside wasm.

// orderObject is one order of that request's JSON body.
const orderObject = `{"id":"ord_2026_7777","customer":{"name":"Siobhan O'Connell","email":"s.oconnell@example.org"},` +
	`"note":"Please deliver after 6 pm; ring twice & leave it at the door if nobody answers.","qty":3,"price":19.99,"tags":["gift","express"]}`

func BenchmarkCheckValue(b *testing.B) {
	values := []struct{ name, value string }{
		{"token", "customer"},
		{"name", "Siobhan O'Connell"},
		{"email", "s.oconnell@example.org"},
		{"prose", "Please deliver after 6 pm; ring twice & leave it at the door if nobody answers."},
		{"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15"},
	}
	for _, v := range values {
		b.Run(v.name, func(b *testing.B) {
			s := scan{policy: DefaultPolicy()}
			for b.Loop() {
				s.checkValue(v.value, false, Location{Kind: InJSONValue})
			}
			if len(s.findings) != 0 {
				b.Fatalf("findings in a benign value: %v", s.findings)
			}
		})
	}
}

func BenchmarkScanBodyOrder(b *testing.B) {
	policy := DefaultPolicy()
	body := []byte(`{"items":[` + orderObject + `]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if findings := policy.ScanBody("application/json", body); len(findings) != 0 {
			b.Fatalf("findings in a benign body: %v", findings)
		}
	}
}

func BenchmarkSniffOrder(b *testing.B) {
	body := []byte(`{"items":[` + orderObject + `]}`)
	for b.Loop() {
		if kind, _ := Sniff("application/json", body); kind != BodyJSON {
			b.Fatalf("kind = %d; want BodyJSON", kind)
		}
	}
}

// typicalBody is that request's 2 KiB JSON body: eight orders.
func typicalBody() []byte {
	body := `{"items":[` + orderObject
	for range 7 {
		body += "," + orderObject
	}
	return []byte(body + `]}`)
}

func BenchmarkScanBodyTypical(b *testing.B) {
	policy := DefaultPolicy()
	body := typicalBody()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if findings := policy.ScanBody("application/json", body); len(findings) != 0 {
			b.Fatalf("findings in a benign body: %v", findings)
		}
	}
}

func BenchmarkScanTargetTypical(b *testing.B) {
	policy := DefaultPolicy()
	for b.Loop() {
		if findings := policy.ScanTarget("/orders/search?status=open&sort=-created_at&page=2&per_page=50&q=blue+wool+scarf"); len(findings) != 0 {
			b.Fatalf("findings in a benign target: %v", findings)
		}
	}
}

// nopVisitor is a jsonVisitor that reads nothing and excludes nothing.
type nopVisitor struct{}

func (nopVisitor) visitJSON(*jsonWalker, string, LocationKind) {}
func (nopVisitor) skipJSON(*jsonWalker) bool                   { return false }
func (nopVisitor) stopJSON() bool                              { return false }

// BenchmarkWalkTypical walks the typical body and checks no key or leaf,
// so that it measures the syntax check, the strings with their classes and
// the paths. A visitor costs two interface calls per key and leaf for the
// exclusion and stop tests, which a scan without JSON exclusions makes
// inline.
func BenchmarkWalkTypical(b *testing.B) {
	body := string(typicalBody())
	w := jsonWalker{data: body, visitor: nopVisitor{}}
	for b.Loop() {
		w = jsonWalker{data: body, visitor: nopVisitor{}, path: w.path[:0]}
		if !w.document() {
			b.Fatal("the typical body is not valid JSON")
		}
	}
}

// BenchmarkValidateTypical checks the syntax of the typical body alone,
// as the walker does for values that it does not visit.
func BenchmarkValidateTypical(b *testing.B) {
	w := jsonWalker{data: string(typicalBody())}
	for b.Loop() {
		if end, ok := w.validValue(0); !ok || end != len(w.data) {
			b.Fatal("the typical body is not valid JSON")
		}
	}
}
