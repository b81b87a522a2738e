package threads

// FutexRequeue implements FUTEX_REQUEUE: it wakes up to nwake threads
// waiting on addr and moves up to nrequeue of the rest to wait on addr2
// (musl's condition variables hand their waiters to the mutex this way).
// It returns the number woken plus the number moved.
func FutexRequeue(addr, addr2 uintptr, nwake, nrequeue int) int {
	woken := FutexWake(addr, nwake)
	moved := 0
	for i := 0; i < top && moved < nrequeue; i++ {
		t := &table[i]
		if t.state == Blocked && t.futexAddr == addr {
			t.futexAddr = addr2
			moved++
		}
	}
	return woken + moved
}
