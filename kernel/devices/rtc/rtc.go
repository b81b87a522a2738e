// Package rtc reads the CMOS real-time clock: the wall time at boot.
package rtc

import "unigo.dev/unigo/kernel/cpu"

func reg(r uint8) uint8 {
	cpu.Outb(0x70, r)
	return cpu.Inb(0x71)
}

// UnixSeconds returns the RTC's time as seconds since 1970 (the RTC holds UTC
// under QEMU by default). It returns 0 when no RTC answers.
func UnixSeconds() int64 {
	for i := 0; i < 1_000_000 && reg(0x0a)&0x80 != 0; i++ { // update in progress
	}
	sec, min, hour := reg(0x00), reg(0x02), reg(0x04)
	day, mon, year, century := reg(0x07), reg(0x08), reg(0x09), reg(0x32)
	status := reg(0x0b)
	if status&0x04 == 0 { // BCD
		bcd := func(v uint8) uint8 { return v&0x0f + v>>4*10 }
		sec, min, day, mon, year, century = bcd(sec), bcd(min), bcd(day), bcd(mon), bcd(year), bcd(century)
		hour = bcd(hour&0x7f) | hour&0x80
	}
	if status&0x02 == 0 && hour&0x80 != 0 { // 12-hour clock, PM
		hour = (hour&0x7f)%12 + 12
	}
	if mon == 0 || mon > 12 || day == 0 {
		return 0
	}
	y := int64(year)
	if century >= 19 && century <= 30 {
		y += int64(century) * 100
	} else {
		y += 2000
	}
	return daysFromCivil(y, int64(mon), int64(day))*86400 + int64(hour)*3600 + int64(min)*60 + int64(sec)
}

// daysFromCivil returns days since 1970-01-01 of a Gregorian date.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
