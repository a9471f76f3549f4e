package pki_test

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/iosemu/iosemu/pki"
)

func BenchmarkGenerateKey(b *testing.B) {
	for _, bits := range []int{1024, 2048} {
		b.Run(strconv.Itoa(bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := pki.GenerateKey(rand.Reader, "K", bits, false, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssue measures one granted enrolment (CSR check, serial file
// write, signing, <serial>.cer write) against an in-memory store.
func BenchmarkIssue(b *testing.B) {
	for _, bits := range []int{1024, 2048} {
		b.Run(fmt.Sprintf("ca%d", bits), func(b *testing.B) {
			r := newRig(at(2015, 10, 9, 13, 14, 16))
			cfg := seedsConfig()
			cfg.KeyModulus = bits
			s := r.server(b, cfg)
			if err := s.Enable(""); err != nil {
				b.Fatal(err)
			}
			req := csr(b, "cn=spoke-1.cisco.com,ou=CVO")
			i := 0
			for b.Loop() {
				i++
				res, err := s.Enroll(pki.EnrollRequest{CSR: req, TransactionID: strconv.Itoa(i)})
				if err != nil || res.Status != pki.StatusGranted {
					b.Fatal(res, err)
				}
			}
		})
	}
}
