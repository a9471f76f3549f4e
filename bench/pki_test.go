//go:debug rsa1024min=0

package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/internal/porttest"
	"github.com/iosemu/iosemu/lab"
)

// pkiLabYAML is the seeds' PKI with n spokes: Root-CA (the seeds' CA,
// enabled by its bootstrap) and n CSR 1000V spokes, each with the seeds'
// trustpoint, enrolled by their bootstrap.
func pkiLabYAML(n int) []byte {
	var b strings.Builder
	b.WriteString(`name: pki-scale
services:
  - {name: ftp, kind: ftp, address: 10.1.1.1, dirs: [DB/ROOTCA]}
  - {name: ntp, kind: ntp, address: 10.1.1.1}
devices:
  - name: Root-CA
    platform: ISR-G2
    address: 172.16.0.1
    config: |
      hostname Root-CA
      clock timezone CET 1 0
      ip domain name cisco.com
      username admin privilege 15 secret cisco
      interface GigabitEthernet0/0
       ip address 172.16.0.1 255.255.0.0
       no shutdown
      interface GigabitEthernet0/1
       ip address 10.1.1.2 255.255.255.0
       no shutdown
      ip http server
      ntp server 10.1.1.1
      crypto pki server ROOTCA
       database level complete
       database archive pkcs12 password 7 01100F175804575D72
       issuer-name CN=RootCA,OU=TAC,O=Cisco
       grant auto
       lifetime certificate 365
       lifetime ca-certificate 730
       database url ftp://10.1.1.1/DB/ROOTCA/
       auto-rollover 90
    bootstrap: |
      admin
      cisco
      configure terminal
      crypto pki server ROOTCA
      no shutdown
      end
`)
	for i := 1; i <= n; i++ {
		addr := fmt.Sprintf("172.16.%d.%d", 1+i/250, i%250+1)
		fmt.Fprintf(&b, `  - name: spoke-%[1]d
    platform: CSR1k
    address: %[2]s
    config: |
      hostname spoke-%[1]d
      clock timezone CET 1 0
      ip domain name cisco.com
      username admin privilege 15 secret cisco
      interface GigabitEthernet1
       ip address %[2]s 255.255.0.0
       no shutdown
      ip route 10.1.1.0 255.255.255.0 172.16.0.1
      ntp server 10.1.1.1
      crypto pki trustpoint Root-CA
       enrollment url http://172.16.0.1:80
       serial-number
       ip-address none
       password 0 Rev0cati0n$Passw0rd
       subject-name CN=spoke-%[1]d.cisco.com,OU=CVO
       revocation-check crl
       rsakeypair spoke-%[1]d-RSA
       auto-enroll 80
    bootstrap: |
      admin
      cisco
      configure terminal
      crypto pki authenticate Root-CA
      yes
      crypto pki enroll Root-CA
      yes
      end
`, i, addr)
	}
	return []byte(b.String())
}

// BenchmarkFourYears1000Spokes is the trustpoint issue's benchmark: one
// CA and 1,000 spokes, enrolled on the lab's first start, then `ctl clock
// advance 1461d`: every RENEW, SHADOW, CA rollover and switch of four
// years, over real SCEP and FTP. The lab's start (1,001 host keys, 1,000
// enrolments) is not timed. Target: under 60 s on 2 cores. jump-cpu-s is
// the CPU time (user and system) of the jump: on a machine others use
// too, it varies less than the wall time.
//
//	go test -run '^$' -bench FourYears -benchtime 1x -timeout 30m ./bench
func BenchmarkFourYears1000Spokes(b *testing.B) { benchFourYears(b, 1000) }

// BenchmarkFourYears100Spokes is the same with 100 spokes.
func BenchmarkFourYears100Spokes(b *testing.B) { benchFourYears(b, 100) }

func benchFourYears(b *testing.B, spokes int) {
	spec, err := lab.Parse("pki-scale.yaml", pkiLabYAML(spokes))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		base, err := porttest.FreeBase(spokes + 1)
		if err != nil {
			b.Fatal(err)
		}
		c := clock.NewFake(time.Date(2015, 10, 9, 13, 14, 16, 0, time.FixedZone("CET", 3600)))
		t0 := time.Now() // wall-clock-ok: the benchmark measures wall time
		l, err := lab.Start(spec, lab.Options{StateDir: b.TempDir(), BasePort: base, Clock: c})
		if err != nil {
			b.Fatal(err)
		}
		started := time.Since(t0) // wall-clock-ok
		before := l.Stats()
		b.StartTimer()
		cpu0 := processCPU()
		t1 := time.Now() // wall-clock-ok
		if err := c.Advance(1461*24*time.Hour, nil); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(t1) // wall-clock-ok
		cpu := processCPU() - cpu0
		b.StopTimer()
		after := l.Stats()
		enrolled := after.Enrolments - before.Enrolments
		if enrolled < uint64(spokes)*4 {
			b.Errorf("%d certificates in four years for %d spokes: the spokes stopped renewing", enrolled, spokes)
		}
		b.ReportMetric(wall.Seconds(), "jump-s")
		b.ReportMetric(cpu.Seconds(), "jump-cpu-s")
		b.ReportMetric(float64(enrolled)/wall.Seconds(), "enrolments/s")
		b.ReportMetric(float64(after.TimersFired-before.TimersFired), "timers")
		b.ReportMetric(started.Seconds(), "start-s")
		l.Close()
	}
}
