package domain

import "math"

// Performance is how the candidate did on the question they just finished: the input of the
// adaptive rule that picks the next question's difficulty.
type Performance struct {
	// Score is 0 to 100.
	Score float64
	// TestsPassedRatio is the share of the question's tests that passed, 0 to 1.
	TestsPassedRatio float64
	// TimeSpentMinutes is how long the candidate worked on the question.
	TimeSpentMinutes float64
	// EstimatedMinutes is how long the question was expected to take; 0 when it is not known.
	EstimatedMinutes float64
}

// The thresholds of the adaptive rule in API.md.
const (
	hardMinScore       = 80.0 // HARD needs score ≥ this,
	hardMinTestsPassed = 0.8  // tests passed ≥ this,
	hardMaxTimeRatio   = 1.2  // and time spent / estimated < this.
	easyMaxScore       = 60.0 // EASY needs score < this
	easyMaxTestsPassed = 0.5  // and tests passed < this.
)

// Validate returns a *ValidationError naming the first field that is not a finite number in
// its range. Field names are those of POST /questions' previousPerformance ("score",
// "testsPassedRatio", "timeSpent") and of the served question ("estimatedMinutes").
func (p Performance) Validate() error {
	return firstError(
		checkBetween("score", p.Score, 0, 100, "must be between 0 and 100"),
		checkBetween("testsPassedRatio", p.TestsPassedRatio, 0, 1, "must be between 0 and 1"),
		checkBetween("timeSpent", p.TimeSpentMinutes, 0, math.MaxFloat64, "must not be negative"),
		checkBetween("estimatedMinutes", p.EstimatedMinutes, 0, math.MaxFloat64, "must not be negative"),
	)
}

// checkBetween refuses NaN and infinities as well as values outside [lo, hi]; JSON cannot carry
// them, but a handler that computes a ratio can produce one.
func checkBetween(field string, v, lo, hi float64, outOfRange string) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return &ValidationError{Field: field, Message: "must be a finite number"}
	case v < lo || v > hi:
		return &ValidationError{Field: field, Message: outOfRange}
	}
	return nil
}

// NextDifficulty is the adaptive rule of API.md. The first question (prev == nil) is MEDIUM.
// After that:
//
//   - HARD when score ≥ 80 and testsPassedRatio ≥ 0.8 and timeSpent / estimated < 1.2;
//   - EASY when score < 60 and testsPassedRatio < 0.5;
//   - MEDIUM otherwise.
//
// When the estimate is unknown (EstimatedMinutes ≤ 0) the time condition counts as met: the
// estimate is ours to provide, and a candidate who scored and passed well should not be held
// at MEDIUM because a question came without one.
//
// prev should have passed Validate; a NaN in a score or ratio fails every comparison, so an
// unvalidated one lands on MEDIUM rather than on an extreme.
func NextDifficulty(prev *Performance) Difficulty {
	if prev == nil {
		return DifficultyMedium
	}
	p := *prev
	if p.Score >= hardMinScore && p.TestsPassedRatio >= hardMinTestsPassed && p.withinTime() {
		return DifficultyHard
	}
	if p.Score < easyMaxScore && p.TestsPassedRatio < easyMaxTestsPassed {
		return DifficultyEasy
	}
	return DifficultyMedium
}

// withinTime reports whether the time ratio is under the HARD limit, or cannot be told.
func (p Performance) withinTime() bool {
	if !(p.EstimatedMinutes > 0) { // also true for NaN: no usable estimate
		return true
	}
	return p.TimeSpentMinutes/p.EstimatedMinutes < hardMaxTimeRatio
}
