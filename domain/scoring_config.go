package domain

import (
	"math"
)

// ScoringRevision counts the changes of the rules Evaluate applies: a rule, a weight default or
// a threshold default. The scoring projection's version follows it, so that workers re-evaluate
// every interview under new rules; ScoringVersion, which ends with it, names the rules in each
// evaluation, so that re-evaluations are told apart from the old ones.
const (
	ScoringRevision = 1
	ScoringVersion  = "2026-11.1"
)

// ScoringWeights weigh the four components into the overall score. They need not sum to 1: the
// overall score divides by their sum. A zero weight leaves a component out.
type ScoringWeights struct {
	Technical       float64 `json:"technical"`
	CodeQuality     float64 `json:"codeQuality"`
	ProblemSolving  float64 `json:"problemSolving"`
	AICollaboration float64 `json:"aiCollaboration"`
}

// RecommendationThresholds are the lowest overall scores of each recommendation; below No the
// recommendation is STRONG_NO.
type RecommendationThresholds struct {
	StrongYes float64 `json:"strongYes"`
	Yes       float64 `json:"yes"`
	Maybe     float64 `json:"maybe"`
	No        float64 `json:"no"`
}

// FlagThresholds decide when a behaviour is worth a reviewer's look.
type FlagThresholds struct {
	// A paste is large from LargePasteLines non-trivial lines or LargePasteChars characters.
	LargePasteLines int `json:"largePasteLines"`
	LargePasteChars int `json:"largePasteChars"`
	// FocusAwaySeconds is how long the tab must have been left for the return to count, and
	// BurstChars the code inserted within BurstWindowSeconds of coming back that makes a burst.
	FocusAwaySeconds   int `json:"focusAwaySeconds"`
	BurstWindowSeconds int `json:"burstWindowSeconds"`
	BurstChars         int `json:"burstChars"`
	// Prompt quality averages (1–5) at or below LowPromptQuality raise a red flag, at or above
	// GoodPromptQuality a green one, once MinPrompts messages were sent.
	LowPromptQuality  float64 `json:"lowPromptQuality"`
	GoodPromptQuality float64 `json:"goodPromptQuality"`
	MinPrompts        int     `json:"minPrompts"`
	// EfficientCodeQuality is the code-quality score an efficient solution reaches.
	EfficientCodeQuality float64 `json:"efficientCodeQuality"`
}

// ScoringConfig is how an assessment's interviews are scored. Its zero value is not valid: start
// from DefaultScoringConfig.
type ScoringConfig struct {
	Weights    ScoringWeights           `json:"weights"`
	Thresholds RecommendationThresholds `json:"thresholds"`
	Flags      FlagThresholds           `json:"flags"`
}

// DefaultScoringConfig is the scoring of an assessment that sets none: the tests weigh most,
// then code quality, problem solving and the collaboration with the AI equally.
func DefaultScoringConfig() ScoringConfig {
	return ScoringConfig{
		Weights:    ScoringWeights{Technical: 0.40, CodeQuality: 0.20, ProblemSolving: 0.20, AICollaboration: 0.20},
		Thresholds: RecommendationThresholds{StrongYes: 85, Yes: 70, Maybe: 55, No: 40},
		Flags: FlagThresholds{
			LargePasteLines: 8, LargePasteChars: 400,
			FocusAwaySeconds: 30, BurstWindowSeconds: 90, BurstChars: 300,
			LowPromptQuality: 2.0, GoodPromptQuality: 4.0, MinPrompts: 3,
			EfficientCodeQuality: 80,
		},
	}
}

// Validate checks that the configuration can score: weights non-negative with a positive sum,
// thresholds strictly decreasing within 0–100, flag thresholds positive.
func (c ScoringConfig) Validate() error {
	w := c.Weights
	// Slices, not maps: with several bad fields, the one named must not depend on map order.
	for _, f := range []struct {
		name string
		v    float64
	}{{"technical", w.Technical}, {"codeQuality", w.CodeQuality}, {"problemSolving", w.ProblemSolving},
		{"aiCollaboration", w.AICollaboration}} {
		if f.v < 0 || f.v > 100 || math.IsNaN(f.v) {
			return &ValidationError{Field: "scoring.weights." + f.name, Message: "must be between 0 and 100"}
		}
	}
	if w.Technical+w.CodeQuality+w.ProblemSolving+w.AICollaboration <= 0 {
		return &ValidationError{Field: "scoring.weights", Message: "at least one weight must be positive"}
	}
	t := c.Thresholds
	if !(100 >= t.StrongYes && t.StrongYes > t.Yes && t.Yes > t.Maybe && t.Maybe > t.No && t.No >= 0) {
		return &ValidationError{Field: "scoring.thresholds", Message: "must satisfy 100 ≥ strongYes > yes > maybe > no ≥ 0"}
	}
	f := c.Flags
	for _, n := range []struct {
		name string
		v    int
	}{{"largePasteLines", f.LargePasteLines}, {"largePasteChars", f.LargePasteChars},
		{"focusAwaySeconds", f.FocusAwaySeconds}, {"burstWindowSeconds", f.BurstWindowSeconds}, {"burstChars", f.BurstChars},
		{"minPrompts", f.MinPrompts}} {
		if n.v <= 0 || n.v > 1_000_000 {
			return &ValidationError{Field: "scoring.flags." + n.name, Message: "must be between 1 and 1000000"}
		}
	}
	if !(1 <= f.LowPromptQuality && f.LowPromptQuality < f.GoodPromptQuality && f.GoodPromptQuality <= 5) {
		return &ValidationError{Field: "scoring.flags", Message: "must satisfy 1 ≤ lowPromptQuality < goodPromptQuality ≤ 5"}
	}
	if !(f.EfficientCodeQuality >= 0 && f.EfficientCodeQuality <= 100) { // NaN fails too
		return &ValidationError{Field: "scoring.flags.efficientCodeQuality", Message: "must be between 0 and 100"}
	}
	return nil
}

// Recommend maps an overall score to a recommendation by the thresholds.
func (t RecommendationThresholds) Recommend(score float64) Recommendation {
	switch {
	case score >= t.StrongYes:
		return RecommendStrongYes
	case score >= t.Yes:
		return RecommendYes
	case score >= t.Maybe:
		return RecommendMaybe
	case score >= t.No:
		return RecommendNo
	}
	return RecommendStrongNo
}

// margin is how far score lies from the nearest threshold, in points.
func (t RecommendationThresholds) margin(score float64) float64 {
	m := math.Inf(1)
	for _, th := range []float64{t.StrongYes, t.Yes, t.Maybe, t.No} {
		m = math.Min(m, math.Abs(score-th))
	}
	return m
}

// ModelPrice is what an AI model costs, in US dollars per million tokens.
type ModelPrice struct {
	InputPerMillion  float64 `json:"inputPerMillion"`
	OutputPerMillion float64 `json:"outputPerMillion"`
}

// DefaultModelPrice is the price of a model the configuration does not name: $3 per million
// input tokens and $15 per million output tokens.
var DefaultModelPrice = ModelPrice{InputPerMillion: 3, OutputPerMillion: 15}

// Cost is the price of a call that used the given tokens, in US dollars.
func (p ModelPrice) Cost(inputTokens, outputTokens int) float64 {
	return (float64(inputTokens)*p.InputPerMillion + float64(outputTokens)*p.OutputPerMillion) / 1e6
}

// Prices maps model names to their prices; models it does not name cost DefaultModelPrice,
// or the price under "default" when it has one.
type Prices map[string]ModelPrice

// Of returns the price of model.
func (p Prices) Of(model string) ModelPrice {
	if price, ok := p[model]; ok {
		return price
	}
	if price, ok := p["default"]; ok {
		return price
	}
	return DefaultModelPrice
}
