package e2e

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Not even the control plane: the test needs a minute.
		fmt.Println("skipping the end-to-end test in -short mode")
		os.Exit(0)
	}
	testenv.Main(m, &env)
}
