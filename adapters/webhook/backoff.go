package webhook

import "time"

// MaxAttempts is how many times a delivery is sent before it is marked failed: the first
// attempt and seven retries, spread by Backoff over about 21 hours, so a receiver that is down
// for a night still gets its events the next morning.
const MaxAttempts = 8

// schedule[i] is the wait after the (i+1)th failed attempt.
var schedule = [...]time.Duration{
	10 * time.Second,
	time.Minute,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	6 * time.Hour,
	12 * time.Hour,
}

// Backoff returns how long to wait after the attempt-th failed attempt (1-based) before the
// next one: 10s, 1m, 5m, 30m, 2h, 6h, 12h. Attempts past the table wait 12h, attempts below 1
// wait 10s. There is no jitter: the schedule is what the delivery log and the tests can
// predict, and retries are already spread by when each delivery first failed.
func Backoff(attempt int) time.Duration {
	switch {
	case attempt < 1:
		return schedule[0]
	case attempt > len(schedule):
		return schedule[len(schedule)-1]
	}
	return schedule[attempt-1]
}
