package device

import (
	"net/http"
	"sync"
)

// httpMux is the device's HTTP server: features add paths (the SCEP server
// at /cgi-bin/pkiclient.exe). Until then every path answers 404, as an IOS
// HTTP server with nothing behind a path does.
type httpMux struct {
	mu  sync.RWMutex
	mux *http.ServeMux
}

func newHTTPMux() *httpMux { return &httpMux{mux: http.NewServeMux()} }

func (m *httpMux) Handle(pattern string, h http.Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mux.Handle(pattern, h)
}

func (m *httpMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.RLock()
	mux := m.mux
	m.mu.RUnlock()
	mux.ServeHTTP(w, r)
}
