package projections

import (
	"fmt"

	"github.com/interviewlm/interviewlm/domain"
	"github.com/interviewlm/interviewlm/domain/codequality"
)

// AnalyzeCode is the scoring's domain.CodeAnalyzer: domain/codequality's measures, reduced to
// what an evaluation keeps.
func AnalyzeCode(language string, files map[string]string) domain.CodeQualityResult {
	r, err := codequality.Analyze(language, files)
	if err != nil {
		return domain.CodeQualityResult{Findings: []string{err.Error()}}
	}
	out := domain.CodeQualityResult{Analyzed: true, Score: r.Score, Language: r.Language, Files: r.Files,
		CodeLines: r.CodeLines, Functions: len(r.Functions), MaxNesting: r.MaxNesting, Duplication: r.Duplication,
		Naming: r.Naming, ParseErrors: r.ParseErrors, Findings: []string{}}
	for _, f := range r.Functions {
		out.MaxComplexity = max(out.MaxComplexity, f.Complexity)
	}
	for _, f := range r.Findings {
		msg := f.Message
		if f.File != "" && f.Line > 0 {
			msg = fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message)
		} else if f.File != "" {
			msg = f.File + ": " + f.Message
		}
		out.Findings = append(out.Findings, msg)
	}
	return out
}
