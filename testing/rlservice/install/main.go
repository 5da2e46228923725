// Command install finds or installs redis-server and builds the pinned
// envoyproxy/ratelimit service into build/tools/, so that `make test` pays
// for the slow one-time setup before the tests start. Run it from the
// module root: go run ./testing/rlservice/install
package main

import (
	"fmt"
	"os"

	"github.com/bulwark-dev/bulwark/testing/rlservice"
)

func main() {
	tools, err := rlservice.Ensure()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("redis-server: %s\nratelimit %s: %s\n", tools.RedisServer, rlservice.ServiceVersion, tools.Service)
}
