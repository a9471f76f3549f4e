package scep

import (
	"log/slog"
	"net/http"
)

// DefaultMaxBodySize is the cap on a POSTed pkiMessage and on a GET's
// message= parameter when Options.MaxBodySize is zero.
const DefaultMaxBodySize = 64 << 10

// Options configure a server. The zero value is ready to use.
type Options struct {
	// Logger receives one record per request (operation, message type,
	// transactionID, outcome) and the reason of every rejection. Nil
	// discards.
	Logger *slog.Logger

	// MaxBodySize caps the pkiMessage of a PKIOperation, POSTed or in a
	// GET's message= (before base64 decoding): larger gets HTTP 413. Zero
	// means DefaultMaxBodySize.
	MaxBodySize int64
}

// NewServer returns the SCEP server of a: an http.Handler serving every path
// ending in "pkiclient.exe" (and answering 404 to any other path). See the
// package documentation for the operations and their answers.
func NewServer(a Authority, opts Options) http.Handler {
	s := &server{auth: a, log: opts.Logger, max: opts.MaxBodySize}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.max <= 0 {
		s.max = DefaultMaxBodySize
	}
	return s
}

type server struct {
	auth Authority
	log  *slog.Logger
	max  int64
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "scep: not implemented yet", http.StatusNotImplemented)
}
