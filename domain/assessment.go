package domain

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Seniority is the level an assessment is pitched at.
type Seniority string

const (
	SeniorityJunior    Seniority = "JUNIOR"
	SeniorityMid       Seniority = "MID"
	SenioritySenior    Seniority = "SENIOR"
	SeniorityLead      Seniority = "LEAD"
	SeniorityPrincipal Seniority = "PRINCIPAL"
)

// Valid reports whether s is a seniority.
func (s Seniority) Valid() bool {
	switch s {
	case SeniorityJunior, SeniorityMid, SenioritySenior, SeniorityLead, SeniorityPrincipal:
		return true
	}
	return false
}

// AssessmentStatus is where an assessment is in its life.
type AssessmentStatus string

const (
	AssessmentDraft     AssessmentStatus = "DRAFT"
	AssessmentPublished AssessmentStatus = "PUBLISHED"
	AssessmentArchived  AssessmentStatus = "ARCHIVED"
)

// Valid reports whether s is a status.
func (s AssessmentStatus) Valid() bool {
	return s == AssessmentDraft || s == AssessmentPublished || s == AssessmentArchived
}

// Languages the sandbox runs.
var Languages = []string{"javascript", "typescript", "python", "go"}

// ValidLanguage reports whether lang is one of Languages.
func ValidLanguage(lang string) bool {
	return slices.Contains(Languages, lang)
}

// extensions are the source files of each language, as the editor and the bank name them.
var extensions = map[string]string{"python": ".py", "javascript": ".js", "typescript": ".ts", "go": ".go"}

// Extension is the file extension of language's source files; "" for another language.
func Extension(language string) string { return extensions[language] }

// LanguageOf is the language of a source file by its extension; "" when none has it.
func LanguageOf(fileName string) string {
	ext := path.Ext(fileName)
	for lang, e := range extensions {
		if e == ext {
			return lang
		}
	}
	return ""
}

var (
	identifierPlain = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	identifierJS    = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]{0,127}$`)
)

// ValidEntrypoint reports whether name can be the function a language's tests call: an
// identifier of the language ($ allowed in JavaScript and TypeScript), at most 128 characters.
func ValidEntrypoint(language, name string) bool {
	if language == "javascript" || language == "typescript" {
		return identifierJS.MatchString(name)
	}
	return identifierPlain.MatchString(name)
}

// DefaultFileName is the file the editor opens for language: main.py, main.go, …
func DefaultFileName(language string) string {
	if ext := Extension(language); ext != "" {
		return "main" + ext
	}
	return "main.go"
}

// Limits of an assessment's settings.
const (
	MinDurationMinutes = 10
	MaxDurationMinutes = 480
	MaxQuestionCount   = 10
	MaxProblemIDs      = 50
)

// Assessment is what a hiring team invites candidates to take.
type Assessment struct {
	ID                     uuid.UUID `json:"id"`
	OrganizationID         uuid.UUID `json:"organizationId"`
	Title                  string    `json:"title"`
	Description            string    `json:"description"`
	Seniority              Seniority `json:"seniority"`
	DurationMinutes        int       `json:"durationMinutes"`
	Language               string    `json:"language"`
	QuestionCount          int       `json:"questionCount"`
	EnableCoding           bool      `json:"enableCoding"`
	EnableTerminal         bool      `json:"enableTerminal"`
	EnableAI               bool      `json:"enableAI"`
	ShowResultsToCandidate bool      `json:"showResultsToCandidate"`
	ProblemIDs             []string  `json:"problemIds"`
	// Scoring is how the assessment's interviews are scored; nil is DefaultScoringConfig.
	Scoring   *ScoringConfig   `json:"scoring"`
	Status    AssessmentStatus `json:"status"`
	CreatedBy uuid.UUID        `json:"createdBy"`
	CreatedAt time.Time        `json:"createdAt"`
	UpdatedAt time.Time        `json:"updatedAt"`
}

// Validate checks every setting and reports the first wrong one by its JSON field name.
func (a *Assessment) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	switch {
	case a.Title == "" || utf8.RuneCountInString(a.Title) > 200:
		return &ValidationError{Field: "title", Message: "must be 1 to 200 characters"}
	case len(a.Description) > 20_000:
		return &ValidationError{Field: "description", Message: "must be at most 20000 bytes"}
	case !a.Seniority.Valid():
		return &ValidationError{Field: "seniority", Message: "must be JUNIOR, MID, SENIOR, LEAD or PRINCIPAL"}
	case a.DurationMinutes < MinDurationMinutes || a.DurationMinutes > MaxDurationMinutes:
		return &ValidationError{Field: "durationMinutes", Message: fmt.Sprintf("must be from %d to %d", MinDurationMinutes, MaxDurationMinutes)}
	case !ValidLanguage(a.Language):
		return &ValidationError{Field: "language", Message: "must be one of " + strings.Join(Languages, ", ")}
	case a.QuestionCount < 1 || a.QuestionCount > MaxQuestionCount:
		return &ValidationError{Field: "questionCount", Message: fmt.Sprintf("must be from 1 to %d", MaxQuestionCount)}
	case len(a.ProblemIDs) > MaxProblemIDs:
		return &ValidationError{Field: "problemIds", Message: fmt.Sprintf("at most %d problems", MaxProblemIDs)}
	case !a.Status.Valid():
		return &ValidationError{Field: "status", Message: "must be DRAFT, PUBLISHED or ARCHIVED"}
	}
	if a.Scoring != nil {
		if err := a.Scoring.Validate(); err != nil {
			return err
		}
	}
	for i, id := range a.ProblemIDs {
		if id == "" || len(id) > 100 {
			return &ValidationError{Field: fmt.Sprintf("problemIds[%d]", i), Message: "must be a problem id"}
		}
	}
	return nil
}

// ErrInvalidTransition means an assessment cannot move to the asked status.
var ErrInvalidTransition = errors.New("invalid status change")

// ChangeStatus moves the assessment to status. Any status may move to any other, except back to
// DRAFT once candidates were invited: a draft is something nobody has seen.
func (a *Assessment) ChangeStatus(to AssessmentStatus, hasCandidates bool) error {
	if !to.Valid() {
		return &ValidationError{Field: "status", Message: "must be DRAFT, PUBLISHED or ARCHIVED"}
	}
	if to == AssessmentDraft && a.Status != AssessmentDraft && hasCandidates {
		return fmt.Errorf("%w: candidates were invited to this assessment, it cannot become a draft again", ErrInvalidTransition)
	}
	a.Status = to
	return nil
}

// ErrNotPublished means candidates can only be invited to a published assessment.
var ErrNotPublished = errors.New("candidates can only be invited to a PUBLISHED assessment")

// CanInvite reports whether candidates may be invited now.
func (a *Assessment) CanInvite() error {
	if a.Status != AssessmentPublished {
		return ErrNotPublished
	}
	return nil
}

// Settings are what an interview of this assessment runs with, fixed when it starts.
func (a *Assessment) Settings() AssessmentSettings {
	return AssessmentSettings{
		Language: a.Language, Seniority: string(a.Seniority), QuestionCount: a.QuestionCount,
		EnableCoding: a.EnableCoding, EnableTerminal: a.EnableTerminal, EnableAI: a.EnableAI,
		ShowResultsToCandidate: a.ShowResultsToCandidate, ProblemIDs: a.ProblemIDs, Scoring: a.Scoring,
	}
}
