package bench

import (
	"fmt"
	"testing"
	"time"

	"github.com/iosemu/iosemu/clock"
	"github.com/iosemu/iosemu/device"
	"github.com/iosemu/iosemu/platforms"
)

const labConfig = `hostname R
enable secret cisco
username admin privilege 15 secret cisco
clock timezone CET 1 0
`

// BenchmarkLabAdvance730d is issue 3's target: a lab of 100 routers (the
// five platforms in turn), each holding 10 repeating timers like a CA's
// 6-hour CRL update that take the device lock when they fire, jumped 730
// days ahead in one discrete-event advance. Target: under 2 s.
func BenchmarkLabAdvance730d(b *testing.B) {
	profiles := platforms.All()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		start := time.Date(2015, 10, 9, 13, 14, 16, 0, time.UTC)
		lab := clock.NewFake(start)
		events := 0
		for d := 0; d < 100; d++ {
			name := fmt.Sprintf("R%d", d)
			r, err := device.New(device.Options{Name: name, Platform: profiles[d%len(profiles)], Lab: lab, Dir: b.TempDir(), Initial: labConfig})
			if err != nil {
				b.Fatal(err)
			}
			for k := 0; k < 10; k++ {
				period := 6 * time.Hour
				var fire func()
				fire = func() {
					r.Lock()
					events++
					r.Unlock()
					lab.AfterFunc(name, "CS CRL UPDATE", period, fire)
				}
				lab.AfterFunc(name, "CS CRL UPDATE", period+time.Duration(k)*time.Minute, fire)
			}
		}
		b.StartTimer()
		t0 := time.Now() // wall-clock-ok: the benchmark measures wall time
		if err := lab.Advance(730*24*time.Hour, nil); err != nil {
			b.Fatal(err)
		}
		wall := time.Since(t0) // wall-clock-ok
		b.ReportMetric(float64(events)/wall.Seconds(), "events/s")
		b.ReportMetric(wall.Seconds(), "wall-s/jump")
		if events < 100*10*(730*4-1) {
			b.Fatalf("only %d timer events fired", events)
		}
	}
}
