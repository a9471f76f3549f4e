package clock

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// LastWeek is the SummerPoint.Week value for IOS's "last" (last <day> of the month).
const LastWeek = 5

// SummerPoint is one end of a summer-time period.
//
// In the recurring form (`clock summer-time NAME recurring 1-4|first|last DAY
// MONTH hh:mm …`) Week (1-4 or LastWeek), Weekday and Month say which day.
// In the date form (`clock summer-time NAME date …`) Year is non-zero and
// Year, Month and Day give the date. At is the time of day; as in IOS, a start
// is read in standard time and an end in summer time.
type SummerPoint struct {
	Week    int
	Weekday time.Weekday
	Month   time.Month
	Year    int
	Day     int
	At      time.Duration
}

// SummerRule is a `clock summer-time` rule. Offset is the amount summer time
// adds to standard time; 0 means 60 minutes (the IOS default).
type SummerRule struct {
	Start, End SummerPoint
	Offset     time.Duration
}

// USSummerRule is the rule IOS applies to `clock summer-time NAME recurring`
// given without dates: second Sunday in March 02:00 to first Sunday in
// November 02:00, 60 minutes.
func USSummerRule() SummerRule {
	return SummerRule{
		Start:  SummerPoint{Week: 2, Weekday: time.Sunday, Month: time.March, At: 2 * time.Hour},
		End:    SummerPoint{Week: 1, Weekday: time.Sunday, Month: time.November, At: 2 * time.Hour},
		Offset: time.Hour,
	}
}

func (r SummerRule) offset() time.Duration {
	if r.Offset == 0 {
		return time.Hour
	}
	return r.Offset
}

func (r SummerRule) isDate() bool { return r.Start.Year != 0 }

// when returns the UTC instant of p in the given year, with the local offset
// in effect before the change.
func (p SummerPoint) when(year int, before time.Duration) time.Time {
	var day time.Time
	if p.Year != 0 {
		day = time.Date(p.Year, p.Month, p.Day, 0, 0, 0, 0, time.UTC)
	} else {
		first := time.Date(year, p.Month, 1, 0, 0, 0, 0, time.UTC)
		delta := (int(p.Weekday) - int(first.Weekday()) + 7) % 7
		day = first.AddDate(0, 0, delta)
		week := p.Week
		if week < 1 {
			week = 1
		}
		if week >= LastWeek {
			for day.AddDate(0, 0, 7).Month() == p.Month {
				day = day.AddDate(0, 0, 7)
			}
		} else {
			day = day.AddDate(0, 0, 7*(week-1))
		}
	}
	return day.Add(p.At).Add(-before)
}

// zone is a device's configured time zone.
type zone struct {
	name   string
	offset time.Duration // standard time east of UTC
	summer *summerZone
}

type summerZone struct {
	name string
	rule SummerRule
}

func (z zone) stdName() string {
	if z.name == "" {
		return "UTC"
	}
	return z.name
}

// location builds a *time.Location for z: a fixed zone, or a zone with the
// summer-time rule encoded as TZif data (POSIX TZ footer for recurring rules,
// two transitions for the date form).
func (z zone) location() *time.Location {
	std := z.stdName()
	if z.summer == nil {
		return time.FixedZone(std, int(z.offset/time.Second))
	}
	s := z.summer
	dst := z.offset + s.rule.offset()
	var tz string
	var trans []int64
	if s.rule.isDate() {
		tz = posixName(std) + posixOffset(z.offset)
		start := s.rule.Start.when(0, z.offset)
		end := s.rule.End.when(0, dst)
		if start.Before(end) {
			trans = []int64{start.Unix(), end.Unix()}
		}
	} else {
		tz = fmt.Sprintf("%s%s%s%s,%s,%s", posixName(std), posixOffset(z.offset),
			posixName(s.name), posixOffset(dst), posixRule(s.rule.Start), posixRule(s.rule.End))
	}
	loc, err := time.LoadLocationFromTZData(std, tzif(std, int32(z.offset/time.Second), s.name, int32(dst/time.Second), trans, tz))
	if err != nil {
		// Cannot happen for the data built above; fall back to standard time.
		return time.FixedZone(std, int(z.offset/time.Second))
	}
	return loc
}

// summerBounds returns the start and end instants of summer time for the
// local year of t (the date form ignores the year).
func (z zone) summerBounds(year int) (start, end time.Time) {
	s := z.summer
	return s.rule.Start.when(year, z.offset), s.rule.End.when(year, z.offset+s.rule.offset())
}

func posixName(n string) string {
	n = strings.NewReplacer("<", "", ">", "").Replace(n)
	return "<" + n + ">"
}

// posixOffset formats a UTC offset east as a POSIX TZ offset (west positive).
func posixOffset(d time.Duration) string {
	d = -d
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	return fmt.Sprintf("%s%d:%02d:%02d", sign, h, m, s)
}

func posixRule(p SummerPoint) string {
	w := p.Week
	if w < 1 {
		w = 1
	}
	if w > LastWeek {
		w = LastWeek
	}
	at := p.At
	return fmt.Sprintf("M%d.%d.%d/%d:%02d:%02d", int(p.Month), w, int(p.Weekday),
		int(at/time.Hour), int(at/time.Minute)%60, int(at/time.Second)%60)
}

// tzif encodes a minimal TZif version 2 file: type 0 standard, type 1 summer,
// transitions alternating summer/standard, and the POSIX footer tz.
func tzif(stdName string, stdOff int32, dstName string, dstOff int32, trans []int64, tz string) []byte {
	chars := stdName + "\x00" + dstName + "\x00"
	var b bytes.Buffer
	header := func(timecnt, typecnt, charcnt int) {
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} { // isut, isstd, leap, time, type, char
			binary.Write(&b, binary.BigEndian, uint32(n))
		}
	}
	ttinfo := func(off int32, dst byte, idx byte) {
		binary.Write(&b, binary.BigEndian, off)
		b.WriteByte(dst)
		b.WriteByte(idx)
	}
	// Version 1 block: no transitions, standard time only.
	header(0, 1, len(stdName)+1)
	ttinfo(stdOff, 0, 0)
	b.WriteString(stdName + "\x00")
	// Version 2 block.
	header(len(trans), 2, len(chars))
	for _, t := range trans {
		binary.Write(&b, binary.BigEndian, t)
	}
	for i := range trans {
		if i%2 == 0 {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
	}
	ttinfo(stdOff, 0, 0)
	ttinfo(dstOff, 1, byte(len(stdName)+1))
	b.WriteString(chars)
	b.WriteString("\n" + tz + "\n")
	return b.Bytes()
}
