package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// flags finds the behaviours a reviewer should look at (red) or may credit (green). Each flag
// carries the log positions that show it; none decides anything by itself.
func (s *session) flags(ev Evaluation) (red, green []Flag) {
	f := s.config.Flags
	red, green = []Flag{}, []Flag{}

	// Large pastes that neither the assistant, a copy made in the session, nor the question
	// explains.
	var untraced []int64
	for _, p := range s.pastes {
		if !p.traced && (p.lines >= f.LargePasteLines || p.chars >= f.LargePasteChars) {
			untraced = append(untraced, p.position)
		}
	}
	if len(untraced) > 0 {
		red = append(red, Flag{Code: FlagLargeUntracedPaste, Evidence: untraced, Message: fmt.Sprintf(
			"Review suggested: %d large paste(s) of code that came from outside the session (not from the assistant, the question or a copy made here).", len(untraced))})
	}

	// Leaving the tab, then a burst of code soon after coming back.
	var burst []int64
	for _, r := range s.focusReturns {
		window := r.back.Add(time.Duration(f.BurstWindowSeconds) * time.Second)
		chars, lines := 0, 0
		var first int64
		for _, in := range s.inserts {
			if in.position > r.backPosition && !in.at.After(window) {
				if first == 0 {
					first = in.position
				}
				chars += len([]rune(in.text))
				lines += strings.Count(in.text, "\n")
			}
		}
		if chars >= f.BurstChars && lines >= 3 {
			burst = append(burst, r.lostPosition, r.backPosition, first)
		}
	}
	if len(burst) > 0 {
		red = append(red, Flag{Code: FlagFocusLossBurst, Evidence: burst, Message: fmt.Sprintf(
			"Review suggested: the candidate left the interview tab for %ds or more, and a burst of finished code arrived within %ds of coming back.", f.FocusAwaySeconds, f.BurstWindowSeconds)})
	}

	// The assistant's code pasted and never tested.
	var untested []int64
	for _, p := range s.pastes {
		if p.fromAI && p.substance && !p.verified {
			untested = append(untested, p.position)
		}
	}
	if len(untested) > 0 {
		red = append(red, Flag{Code: FlagUntestedAICode, Evidence: untested, Message: fmt.Sprintf(
			"Review suggested: %d paste(s) of the assistant's code were never followed by a test run.", len(untested))})
	}

	// Prompts.
	if len(s.turns) >= f.MinPrompts {
		q := ev.Details.AICollaboration.PromptQuality
		var poor, good []int64
		for _, t := range s.turns {
			if float64(t.message.PromptQuality) <= f.LowPromptQuality {
				poor = append(poor, t.messagePosition)
			}
			if float64(t.message.PromptQuality) >= f.GoodPromptQuality {
				good = append(good, t.messagePosition)
			}
		}
		if q <= f.LowPromptQuality {
			red = append(red, Flag{Code: FlagLowPromptQuality, Evidence: poor, Message: fmt.Sprintf(
				"Review suggested: the questions to the assistant rated %.1f of 5 on average; most asked for answers without context or understanding.", q)})
		}
		if q >= f.GoodPromptQuality {
			green = append(green, Flag{Code: FlagGoodPrompts, Evidence: good, Message: fmt.Sprintf(
				"Questions to the assistant rated %.1f of 5 on average: specific, with context, asking to understand.", q)})
		}
	}

	// The final runs.
	var hidden, unfinished, finals []int64
	efficient := len(ev.Details.Technical.Questions) > 0
	for _, q := range ev.Details.Technical.Questions {
		if q.HiddenFail > 0 {
			hidden = append(hidden, q.FinalRunPosition)
		}
		done := q.TestsTotal > 0 && q.TestsPassed == q.TestsTotal
		inTime := q.SecondsToFirstPass >= 0 && q.SecondsToFirstPass <= int64(max(q.EstimatedMinutes, 5)*60)
		efficient = efficient && done && inTime
		// A question failing only hidden tests has its own flag above; unfinished means
		// visible tests fail too, or the tests never ran.
		visibleFailing := q.TestsTotal-q.TestsPassed-q.HiddenFail > 0 || q.FinalRunPosition == 0
		if !done && visibleFailing {
			pos := q.FinalRunPosition
			if pos == 0 {
				pos = s.byID[q.QuestionID].servedPosition
			}
			unfinished = append(unfinished, pos)
		} else if done {
			finals = append(finals, q.FinalRunPosition)
		}
	}
	if len(hidden) > 0 {
		red = append(red, Flag{Code: FlagHiddenTestsFailing, Evidence: hidden, Message: "Review suggested: hidden tests fail in the final code; the solution may miss edge cases the visible tests do not show."})
	}
	if len(unfinished) > 0 {
		red = append(red, Flag{Code: FlagUnfinished, Evidence: unfinished, Message: fmt.Sprintf(
			"Review suggested: %d of %d question(s) were submitted without every test passing.", len(unfinished), len(ev.Details.Technical.Questions))})
	}

	// Iterative, test-driven progress: a question reached by runs that kept moving forward.
	var driven []int64
	for i, q := range s.questions {
		var forward []int64
		prev := 0
		for _, t := range q.runs {
			if !t.candidate {
				continue
			}
			if t.run.Passed > prev {
				forward = append(forward, t.position)
			}
			prev = t.run.Passed
		}
		r := ev.Details.Technical.Questions[i]
		if len(forward) >= 2 && r.TestsTotal > 0 && r.TestsPassed == r.TestsTotal {
			driven = append(driven, forward...)
		}
	}
	if len(driven) > 0 {
		green = append(green, Flag{Code: FlagTestDriven, Evidence: driven, Message: "Worked test by test: repeated runs with more tests passing each time, up to a complete solution."})
	}

	// The assistant's code taken and checked.
	ai := ev.Details.AICollaboration
	if ai.AIPastes > 0 && ai.Verified == ai.AIPastes {
		var verified []int64
		for _, p := range s.pastes {
			if p.fromAI {
				verified = append(verified, p.position)
			}
		}
		green = append(green, Flag{Code: FlagVerifiedAI, Evidence: verified, Message: "Ran the tests after every suggestion taken from the assistant."})
	}

	// An efficient solution: every question solved within its estimate, in clean code.
	if efficient && ev.Breakdown.CodeQuality >= f.EfficientCodeQuality {
		green = append(green, Flag{Code: FlagEfficientSolving, Evidence: finals, Message: fmt.Sprintf(
			"Solved every question within its estimated time, in code scoring %.0f for quality.", ev.Breakdown.CodeQuality)})
	}
	return red, green
}

// codeBlocks returns the fenced code blocks of a Markdown answer, the last one even when the
// answer was cut off before its closing fence. Code outside fences is not taken: an answer
// without fences has no code blocks.
func codeBlocks(markdown string) []string {
	var blocks []string
	lines := strings.Split(markdown, "\n")
	in := false
	var cur []string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			if in {
				blocks = append(blocks, strings.Join(cur, "\n"))
				cur = nil
			}
			in = !in
			continue
		}
		if in {
			cur = append(cur, l)
		}
	}
	if in && len(cur) > 0 { // an answer cut off inside a block
		blocks = append(blocks, strings.Join(cur, "\n"))
	}
	return blocks
}

// significantLines returns a text's lines normalized for matching (trimmed, inner spaces
// collapsed), leaving out those with fewer than four letters or digits, such as "}" or
// "i += 1", and the common lines of isCommonLine, which any two programs share. A short line
// with a keyword, such as "return x", has four or more and is kept.
func significantLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		alnum := 0
		for _, r := range l {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				alnum++
			}
		}
		if alnum >= 4 && !isCommonLine(l) {
			out = append(out, l)
		}
	}
	return out
}

// isCommonLine reports lines every solution has, which would match without being taken.
func isCommonLine(l string) bool {
	switch l {
	case "else:", "} else {", "return result", "return None", "return nil", "return true", "return false",
		"return True", "return False", "package main", "continue", "break":
		return true
	}
	return false
}
