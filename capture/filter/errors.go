package filter

import (
	"errors"
	"strconv"
)

// Sentinel kinds carried by *SyntaxError; test with errors.Is.
var (
	ErrEmpty          = errors.New("empty filter")
	ErrUnknownField   = errors.New("unknown field")
	ErrUnknownWord    = errors.New("unknown word")
	ErrMissingValue   = errors.New("missing value")
	ErrMissingTerm    = errors.New("missing term")
	ErrUnbalanced     = errors.New("unbalanced parenthesis")
	ErrBadOperator    = errors.New("operator not valid for field")
	ErrBadValue       = errors.New("bad value")
	ErrBadRegexp      = errors.New("bad regular expression")
	ErrBadPointCode   = errors.New("bad point code")
	ErrUnterminated   = errors.New("unterminated quoted value")
	ErrUnexpected     = errors.New("unexpected token")
	ErrTooDeep        = errors.New("expression nested too deeply")
	ErrTooLong        = errors.New("filter too long")
	ErrUnknownMethod  = errors.New("unknown method")
	ErrUnknownOutcome = errors.New("unknown outcome")
)

// SyntaxError says where and why a filter expression does not parse.
type SyntaxError struct {
	Pos   int    // 1-based column (in characters) where the problem starts
	Msg   string // why, in words
	Kind  error  // one of the sentinels above
	Cause error  // the underlying error (regexp, point code), if any
}

func (e *SyntaxError) Error() string {
	return "filter: column " + strconv.Itoa(e.Pos) + ": " + e.Msg
}

// Unwrap exposes both the sentinel kind and the underlying cause, so
// errors.Is(err, ErrBadRegexp) and errors.As(err, **syntax.Error) work.
func (e *SyntaxError) Unwrap() []error {
	var out []error
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}
