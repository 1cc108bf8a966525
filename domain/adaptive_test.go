package domain

import (
	"errors"
	"math"
	"testing"
)

func TestNextDifficultyFirstQuestionIsMedium(t *testing.T) {
	if got := NextDifficulty(nil); got != DifficultyMedium {
		t.Fatalf("NextDifficulty(nil) = %s, want MEDIUM", got)
	}
}

func TestNextDifficulty(t *testing.T) {
	// perf builds a performance whose time ratio is ratio, on a 10-minute estimate.
	perf := func(score, tests, ratio float64) Performance {
		return Performance{Score: score, TestsPassedRatio: tests, TimeSpentMinutes: ratio * 10, EstimatedMinutes: 10}
	}
	for _, tc := range []struct {
		name string
		p    Performance
		want Difficulty
	}{
		// HARD: every condition exactly on its inclusive boundary, or just inside the exclusive one.
		{"hard at all three boundaries", perf(80, 0.8, 1.19), DifficultyHard},
		{"hard well inside", perf(100, 1, 0.5), DifficultyHard},
		{"hard with no time spent", perf(95, 0.9, 0), DifficultyHard},

		// One HARD condition just missed: MEDIUM, since score and tests are far from EASY.
		{"score 79.99 misses hard", perf(79.99, 0.8, 1.19), DifficultyMedium},
		{"tests 0.79 miss hard", perf(80, 0.79, 1.19), DifficultyMedium},
		{"time ratio 1.2 misses hard", Performance{Score: 80, TestsPassedRatio: 0.8, TimeSpentMinutes: 12, EstimatedMinutes: 10}, DifficultyMedium},
		{"time ratio 1.2 on another estimate", Performance{Score: 90, TestsPassedRatio: 1, TimeSpentMinutes: 36, EstimatedMinutes: 30}, DifficultyMedium},
		{"time ratio 1.19", Performance{Score: 90, TestsPassedRatio: 1, TimeSpentMinutes: 11.9, EstimatedMinutes: 10}, DifficultyHard},
		{"time ratio 1.1999", Performance{Score: 90, TestsPassedRatio: 1, TimeSpentMinutes: 35.997, EstimatedMinutes: 30}, DifficultyHard},
		{"two hard conditions missed", perf(79.99, 0.79, 1.19), DifficultyMedium},
		{"all hard conditions missed", perf(79.99, 0.79, 1.2), DifficultyMedium},
		{"perfect but slow", perf(100, 1, 3), DifficultyMedium},

		// EASY: both conditions just inside their exclusive boundaries.
		{"easy just under both boundaries", perf(59.99, 0.49, 1), DifficultyEasy},
		{"easy at zero", perf(0, 0, 0), DifficultyEasy},
		{"easy whatever the time", perf(10, 0.1, 0.2), DifficultyEasy},
		{"easy slow", perf(10, 0.1, 5), DifficultyEasy},

		// One EASY condition exactly on its boundary: MEDIUM.
		{"score 60 misses easy", perf(60, 0.49, 1), DifficultyMedium},
		{"tests 0.5 miss easy", perf(59.99, 0.5, 1), DifficultyMedium},
		{"both easy boundaries", perf(60, 0.5, 1), DifficultyMedium},

		// Mixed signals fall to MEDIUM.
		{"high score low tests", perf(80, 0.49, 1), DifficultyMedium},
		{"low score high tests", perf(59.99, 0.8, 1), DifficultyMedium},
		{"high score low tests fast", perf(100, 0, 0.1), DifficultyMedium},
		{"low score all tests fast", perf(0, 1, 0.1), DifficultyMedium},
		{"middle", perf(70, 0.65, 1), DifficultyMedium},
		{"score 79.99 tests 0.5", perf(79.99, 0.5, 1.19), DifficultyMedium},
		{"score 60 tests 0.8 fast", perf(60, 0.8, 0.5), DifficultyMedium},

		// An unknown estimate leaves the time condition met.
		{"no estimate, hard otherwise", Performance{Score: 80, TestsPassedRatio: 0.8, TimeSpentMinutes: 500}, DifficultyHard},
		{"no estimate, not hard otherwise", Performance{Score: 79.99, TestsPassedRatio: 0.8, TimeSpentMinutes: 5}, DifficultyMedium},
		{"no estimate, easy", Performance{Score: 59.99, TestsPassedRatio: 0.49}, DifficultyEasy},
		{"negative estimate counts as unknown", Performance{Score: 90, TestsPassedRatio: 0.9, TimeSpentMinutes: 5, EstimatedMinutes: -1}, DifficultyHard},

		// Unvalidated nonsense never reaches an extreme.
		{"NaN score", Performance{Score: math.NaN(), TestsPassedRatio: 1, EstimatedMinutes: 10}, DifficultyMedium},
		{"NaN tests", Performance{Score: 0, TestsPassedRatio: math.NaN(), EstimatedMinutes: 10}, DifficultyMedium},
		{"NaN time spent", Performance{Score: 90, TestsPassedRatio: 1, TimeSpentMinutes: math.NaN(), EstimatedMinutes: 10}, DifficultyMedium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if got := NextDifficulty(&p); got != tc.want {
				t.Errorf("NextDifficulty(%+v) = %s, want %s", tc.p, got, tc.want)
			}
			if p != tc.p && !hasNaN(tc.p) {
				t.Errorf("NextDifficulty changed its argument: %+v", p)
			}
		})
	}
}

func hasNaN(p Performance) bool {
	return math.IsNaN(p.Score) || math.IsNaN(p.TestsPassedRatio) || math.IsNaN(p.TimeSpentMinutes) || math.IsNaN(p.EstimatedMinutes)
}

func TestNextDifficultyIsAlwaysADifficulty(t *testing.T) {
	values := []float64{-1, 0, 0.49, 0.5, 0.79, 0.8, 1, 1.19, 1.2, 59.99, 60, 79.99, 80, 100, 101, math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, s := range values {
		for _, r := range values {
			for _, spent := range values {
				for _, est := range values {
					p := Performance{Score: s, TestsPassedRatio: r, TimeSpentMinutes: spent, EstimatedMinutes: est}
					if d := NextDifficulty(&p); !d.Valid() {
						t.Fatalf("NextDifficulty(%+v) = %q", p, d)
					}
				}
			}
		}
	}
}

func TestPerformanceValidate(t *testing.T) {
	ok := Performance{Score: 50, TestsPassedRatio: 0.5, TimeSpentMinutes: 12, EstimatedMinutes: 20}
	for _, tc := range []struct {
		name  string
		edit  func(*Performance)
		field string // "" when valid
	}{
		{"valid", func(*Performance) {}, ""},
		{"all zero", func(p *Performance) { *p = Performance{} }, ""},
		{"score 0", func(p *Performance) { p.Score = 0 }, ""},
		{"score 100", func(p *Performance) { p.Score = 100 }, ""},
		{"ratio 0", func(p *Performance) { p.TestsPassedRatio = 0 }, ""},
		{"ratio 1", func(p *Performance) { p.TestsPassedRatio = 1 }, ""},
		{"no estimate", func(p *Performance) { p.EstimatedMinutes = 0 }, ""},
		{"long time", func(p *Performance) { p.TimeSpentMinutes = 10_000 }, ""},

		{"score negative", func(p *Performance) { p.Score = -0.01 }, "score"},
		{"score over 100", func(p *Performance) { p.Score = 100.01 }, "score"},
		{"score NaN", func(p *Performance) { p.Score = math.NaN() }, "score"},
		{"score infinite", func(p *Performance) { p.Score = math.Inf(1) }, "score"},
		{"ratio negative", func(p *Performance) { p.TestsPassedRatio = -0.1 }, "testsPassedRatio"},
		{"ratio over 1", func(p *Performance) { p.TestsPassedRatio = 1.01 }, "testsPassedRatio"},
		{"ratio as percent", func(p *Performance) { p.TestsPassedRatio = 80 }, "testsPassedRatio"},
		{"ratio NaN", func(p *Performance) { p.TestsPassedRatio = math.NaN() }, "testsPassedRatio"},
		{"time negative", func(p *Performance) { p.TimeSpentMinutes = -1 }, "timeSpent"},
		{"time infinite", func(p *Performance) { p.TimeSpentMinutes = math.Inf(1) }, "timeSpent"},
		{"estimate negative", func(p *Performance) { p.EstimatedMinutes = -5 }, "estimatedMinutes"},
		{"estimate NaN", func(p *Performance) { p.EstimatedMinutes = math.NaN() }, "estimatedMinutes"},
		{"first bad field wins", func(p *Performance) { p.Score = 200; p.TimeSpentMinutes = -1 }, "score"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			err := p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", p, err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate(%+v) = %v, want a *ValidationError", p, err)
			}
			if verr.Field != tc.field {
				t.Errorf("Validate(%+v) names %q, want %q (%v)", p, verr.Field, tc.field, err)
			}
			if verr.Message == "" {
				t.Errorf("Validate(%+v) has no message", p)
			}
		})
	}
}
