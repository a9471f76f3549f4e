package platforms

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// Identity is a device's hardware identity. It is derived from a hash of the
// device name and the platform, so the same name always yields the same
// values; it is plain data and may be persisted.
type Identity struct {
	Serial           string            // chassis serial number ("FTX1840A4L4")
	ProcessorBoardID string            // `show version` "Processor board ID"
	BaseMAC          string            // first MAC address, IOS dotted form "0019.aa3c.5e00"
	ModuleSerials    map[string]string // serial by inventory entry name
}

const serialAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// hashStream is a deterministic byte source seeded by strings.
type hashStream struct {
	seed []byte
	buf  []byte
	n    uint32
}

func newHashStream(parts ...string) *hashStream {
	return &hashStream{seed: []byte("iosemu\x00" + strings.Join(parts, "\x00"))}
}

func (h *hashStream) byte() byte {
	if len(h.buf) == 0 {
		var ctr [4]byte
		binary.BigEndian.PutUint32(ctr[:], h.n)
		h.n++
		sum := sha256.Sum256(append(append([]byte(nil), h.seed...), ctr[:]...))
		h.buf = sum[:]
	}
	b := h.buf[0]
	h.buf = h.buf[1:]
	return b
}

func (h *hashStream) intn(n int) int {
	v := binary.BigEndian.Uint32([]byte{h.byte(), h.byte(), h.byte(), h.byte()})
	return int(v % uint32(n))
}

func (h *hashStream) chars(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(serialAlphabet[h.intn(len(serialAlphabet))])
	}
	return b.String()
}

// ciscoSerial builds a serial in Cisco's LLLYYWWSSSS form: site, year-1996,
// week, unit.
func ciscoSerial(h *hashStream, site string, years [2]int) string {
	lo, hi := years[0], years[1]
	if hi < lo {
		hi = lo
	}
	yy := lo + h.intn(hi-lo+1)
	ww := 1 + h.intn(52)
	return fmt.Sprintf("%s%02d%02d%s", site, yy, ww, h.chars(4))
}

// Identity returns the device's identity. The same deviceName (and profile)
// always gives the same values; different names give different values.
func (p *Profile) Identity(deviceName string) Identity {
	h := newHashStream(p.Name, deviceName)
	id := Identity{ModuleSerials: make(map[string]string)}
	if p.SerialPrefix == "" {
		// A virtual platform's serial is 11 characters starting with 9
		// (CSR 1000V: "9ZK0AOXN3KJ").
		id.Serial = "9" + h.chars(10)
	} else {
		id.Serial = ciscoSerial(h, p.SerialPrefix, p.SerialYear)
	}
	id.ProcessorBoardID = id.Serial
	oui := strings.ReplaceAll(p.MACPrefix, ".", "")
	// Interfaces take consecutive addresses from the base; keep room for them.
	low := fmt.Sprintf("%02x%02x%02x", h.byte(), h.byte(), h.byte()&0xc0)
	mac := oui + low
	id.BaseMAC = mac[0:4] + "." + mac[4:8] + "." + mac[8:12]
	years := p.SerialYear
	if years == [2]int{} {
		years = [2]int{13, 19}
	}
	for _, it := range p.Inventory {
		switch it.SerialPrefix {
		case "":
		case "=chassis":
			id.ModuleSerials[it.Name] = id.Serial
		default:
			id.ModuleSerials[it.Name] = ciscoSerial(newHashStream(p.Name, deviceName, it.Name), it.SerialPrefix, years)
		}
	}
	return id
}

// InterfaceMAC returns the MAC address of the i-th built-in interface (base
// MAC + i), in IOS dotted form.
func (id Identity) InterfaceMAC(i int) string {
	hex := strings.ReplaceAll(id.BaseMAC, ".", "")
	var v uint64
	if _, err := fmt.Sscanf(hex, "%x", &v); err != nil {
		return id.BaseMAC
	}
	v = (v + uint64(i)) & 0xffffffffffff
	s := fmt.Sprintf("%012x", v)
	return s[0:4] + "." + s[4:8] + "." + s[8:12]
}
