package config

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bulwark-dev/bulwark/filter/apikey"
)

// checkJWTHeaders rejects jwt header names that collide with a header the
// filter removes or sets. A token source named like the identity header
// could never be read, since every client copy of that header is removed. A
// claim header named like the identity header, a credential header or a
// token header would add a second caller id, or a claim value where the
// upstream expects a credential. v is the raw jwt section, read again so
// that paths keep the indices of the document.
func (p *parser) checkJWTHeaders(path string, v gjson.Result, cfg *Config) {
	if cfg.JWT == nil {
		return
	}
	identity := cfg.IdentityHeader

	sourcesPath := child(path, "sources")
	for i, item := range v.Get("sources").Array() {
		header := item.Get("header")
		if header.Type == gjson.String && strings.ToLower(header.Str) == identity {
			p.fail(child(index(sourcesPath, i), "header"),
				"must differ from identity_header, which is "+strconv.Quote(identity)+"; read the token from another header or set identity_header", header)
		}
	}

	providersPath := child(path, "providers")
	for i, provider := range v.Get("providers").Array() {
		headersPath := child(index(providersPath, i), "claim_headers")
		var seen []string
		for j, item := range provider.Get("claim_headers").Array() {
			header := item.Get("header")
			if header.Type != gjson.String {
				continue
			}
			name := strings.ToLower(header.Str)
			if problem := claimHeaderConflict(name, identity, seen, cfg); problem != "" {
				p.fail(child(index(headersPath, j), "header"), problem, header)
			}
			seen = append(seen, name)
		}
	}
}

// claimHeaderConflict returns why a claim header name is not allowed, or ""
// when it is. seen holds the headers of the provider's earlier entries.
// Names that claimHeaders already rejects are not reported twice.
func claimHeaderConflict(name, identity string, seen []string, cfg *Config) string {
	if contains(framingHeaders, name) || name == "authorization" || name == "cookie" {
		return ""
	}
	if name == identity {
		return "must differ from identity_header, which is " + strconv.Quote(identity) + ", because the filter sets it to the caller id"
	}
	if contains(seen, name) {
		return "duplicate header; each claim needs its own header"
	}
	if i := headerSourceIndex(cfg.APIKeys.Sources, name); i >= 0 {
		return "must differ from the credential header of api_keys.sources[" + strconv.Itoa(i) + "]"
	}
	if i := headerSourceIndex(cfg.JWT.Sources, name); i >= 0 {
		return "must differ from the token header of jwt.sources[" + strconv.Itoa(i) + "]"
	}
	return ""
}

// headerSourceIndex returns the index of the first header source named
// name, or -1.
func headerSourceIndex(sources []apikey.Source, name string) int {
	for i, src := range sources {
		if src.Kind == apikey.SourceHeader && src.Name == name {
			return i
		}
	}
	return -1
}
