package testenv

import (
	"fmt"
	"os"
	"testing"
)

// Main is a package's TestMain: it starts the control plane into *env, runs
// setUp (if any) and the tests, stops the control plane and exits.
//
//	func TestMain(m *testing.M) { testenv.Main(m, &env) }
func Main(m *testing.M, env **Env, setUp ...func() error) {
	e, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*env = e
	code := 1
	if err := runSetUp(setUp); err != nil {
		fmt.Fprintln(os.Stderr, "set up:", err)
	} else {
		code = m.Run()
	}
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
	}
	os.Exit(code)
}

func runSetUp(fns []func() error) error {
	for _, fn := range fns {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}
