package deps
import (
 _ "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
 _ "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
 _ "github.com/tetratelabs/wazero"
 _ "github.com/tidwall/gjson"
 _ "github.com/stretchr/testify/require"
 _ "google.golang.org/protobuf/encoding/protowire"
)
