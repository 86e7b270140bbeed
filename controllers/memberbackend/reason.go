package memberbackend

import (
	"errors"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

// ReasonOf maps an error of Open or of a backend call to a condition reason.
func ReasonOf(err error) string {
	if errors.Is(err, ErrSecretNotFound) {
		return identityv1alpha1.ReasonSecretNotFound
	}
	switch backend.KindOf(err) {
	case backend.KindInvalidCredentials:
		return identityv1alpha1.ReasonInvalidCredentials
	case backend.KindInvalidConfig:
		return identityv1alpha1.ReasonInvalidBackendConfig
	case backend.KindRejected:
		return identityv1alpha1.ReasonMemberRejected
	default:
		return identityv1alpha1.ReasonBackendUnavailable
	}
}
