package workspacegroup_test

import (
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }
