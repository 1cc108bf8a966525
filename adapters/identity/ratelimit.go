package identity

import (
	"context"
	"fmt"
	"time"
)

// maxKeyBytes caps a rate-limit key; longer keys are cut, which at worst merges two counters.
const maxKeyBytes = 512

// RateLimit counts one hit on key in the current fixed window of length window and returns a
// *RateLimitedError (errors.Is(err, ErrRateLimited)) once more than limit hits fell in it, with
// the time left until the window ends. The counter lives in PostgreSQL, so every API server
// shares it; windows are aligned to multiples of window since the zero time, so servers agree
// on them as long as their clocks do. A fixed window lets a burst of up to 2×limit straddle a
// boundary, which is acceptable for slowing down guessing and keeps this one upsert per hit.
func (s *Service) RateLimit(ctx context.Context, key string, limit int, window time.Duration) error {
	if limit <= 0 || window <= 0 {
		return fmt.Errorf("identity: rate limit %q needs a positive limit and window, got %d per %s", key, limit, window)
	}
	now := s.now()
	start := now.Truncate(window)
	end := start.Add(window)
	var hits int
	// LEAST keeps a flood on one key from overflowing the integer column.
	err := s.pool.QueryRow(ctx, `
		INSERT INTO rate_limits (key, window_start, hits, expires_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = LEAST(rate_limits.hits, 2147483646) + 1
		RETURNING hits`, cleanText(key, maxKeyBytes), start, end).Scan(&hits)
	if err != nil {
		return fmt.Errorf("identity: rate limit %q: %w", key, err)
	}
	if hits > limit {
		return &RateLimitedError{RetryAfter: end.Sub(now)}
	}
	return nil
}
