package host

import (
	"errors"
	"fmt"
	"strings"
)

var errNotManual = errors.New("host: Advance needs Options.Clock to be a *ManualClock")

// checkModule applies Envoy's load-time checks: a proxy-wasm ABI version
// export, an allocator export, and only imports the host provides.
func (h *Host) checkModule() error {
	exports := h.compiled.ExportedFunctions()
	for _, abi := range []string{"proxy_abi_version_0_2_1", "proxy_abi_version_0_2_0", "proxy_abi_version_0_1_0"} {
		if _, ok := exports[abi]; ok {
			h.abi = abi
			break
		}
	}
	switch h.abi {
	case "":
		return errors.New("host: wasm module exports no proxy_abi_version_* function; build it with a proxy-wasm SDK for ABI 0.2.1")
	case "proxy_abi_version_0_1_0":
		return errors.New("host: wasm module uses proxy-wasm ABI 0.1.0, which this host does not implement; build it for ABI 0.2.1")
	}

	_, hasMalloc := exports["malloc"]
	_, hasAllocate := exports["proxy_on_memory_allocate"]
	if !hasMalloc && !hasAllocate {
		return errors.New("host: wasm module is missing malloc function: export proxy_on_memory_allocate or malloc")
	}

	provided := map[string]bool{}
	for _, hc := range hostcalls() {
		provided["env."+hc.name] = true
	}
	for _, f := range wasiFuncs() {
		provided["wasi_snapshot_preview1."+f.name] = true
	}
	if h.abi != "proxy_abi_version_0_2_1" {
		delete(provided, "env.proxy_get_log_level") // registered for ABI 0.2.1 only
	}

	var missing []string
	for _, def := range h.compiled.ImportedFunctions() {
		module, name, _ := def.Import()
		if !provided[module+"."+name] {
			missing = append(missing, module+"."+name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("host: failed to load wasm module due to a missing import: %s", strings.Join(missing, ", "))
	}
	return nil
}
