package ecscred

import (
	"errors"
	"fmt"
)

// Kind is the cause of a failure, one per cause the engine distinguishes. The values are
// libecscred's stable status numbers. Each Kind is also an error value, so that
//
//	errors.Is(err, ecscred.ErrUnreachable)
//
// tests the cause of any error this package returns.
type Kind int

// The causes. ErrClosed is not among them: it is a plain error value.
const (
	ErrDisabled        Kind = 1   // the metadata service is disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED)
	ErrInvalidConfig   Kind = 2   // endpoint URL, role name, or an option out of range
	ErrUnreachable     Kind = 3   // no connection: not on ECS, or a wrong endpoint
	ErrTimeout         Kind = 4   // connected, but no answer in time
	ErrHTTPStatus      Kind = 5   // an unexpected HTTP status, after retries
	ErrRoleNotFound    Kind = 6   // the role is not attached to this instance, or none is
	ErrHardenedMode    Kind = 7   // the metadata token failed and plain requests are not allowed
	ErrInvalidResponse Kind = 8   // malformed JSON, Code not Success, an expired credential, a redirect
	ErrInternal        Kind = 9   // a bug in ecscred
	ErrInvalidArgument Kind = 101 // a string with a NUL byte or invalid UTF-8
)

// ErrClosed is returned by a Provider after Close.
var ErrClosed = errors.New("ecscred: provider is closed")

func (k Kind) Error() string {
	switch k {
	case ErrDisabled:
		return "ecscred: metadata service disabled"
	case ErrInvalidConfig:
		return "ecscred: invalid configuration"
	case ErrUnreachable:
		return "ecscred: metadata service unreachable"
	case ErrTimeout:
		return "ecscred: metadata service timed out"
	case ErrHTTPStatus:
		return "ecscred: unexpected HTTP status from the metadata service"
	case ErrRoleNotFound:
		return "ecscred: RAM role not found"
	case ErrHardenedMode:
		return "ecscred: hardened mode (metadata token) failed"
	case ErrInvalidResponse:
		return "ecscred: invalid response from the metadata service"
	case ErrInternal:
		return "ecscred: internal error"
	case ErrInvalidArgument:
		return "ecscred: invalid argument"
	}
	return fmt.Sprintf("ecscred: error %d", int(k))
}

// Error is a failure reported by libecscred: its Kind, and a message naming the
// endpoint, HTTP status, timeout or role involved (never a secret). Use errors.As to get
// it, errors.Is with a Kind to test its cause.
type Error struct {
	Kind    Kind
	Message string
	// HTTPStatus is the metadata service's answer when that was the cause (500, 404,
	// 403, ...), 0 otherwise.
	HTTPStatus int
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Kind.Error()
	}
	return "ecscred: " + e.Message
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// newError maps a libecscred status to an error. Statuses of this package's own misuse
// (NULL argument, panic) become ErrInternal: they are bugs here, not the caller's.
func newError(status int, message string, httpStatus int) error {
	kind := Kind(status)
	switch {
	case status >= 1 && status <= 9:
	case status == 101 || status == 103:
		kind = ErrInvalidArgument
	default:
		kind = ErrInternal
		if message == "" {
			message = fmt.Sprintf("libecscred status %d", status)
		}
	}
	return &Error{Kind: kind, Message: message, HTTPStatus: httpStatus}
}
