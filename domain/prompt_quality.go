package domain

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PromptContext is what RatePrompt looks at: the candidate's message and what surrounds it.
type PromptContext struct {
	Message string
	// CodeContext is true when the candidate attached code to the message.
	CodeContext bool
	// Previous holds the earlier turns of this interview with the assistant, oldest first.
	Previous []Turn
	// RecentTestRun is true when the candidate ran tests since the assistant's last answer.
	RecentTestRun bool
}

// Turn is one earlier exchange with the assistant.
type Turn struct {
	Message string
	// Answer is the assistant's full answer; empty when it failed before saying anything.
	Answer string
}

// PromptRating is how well a message to the assistant was asked, with why.
type PromptRating struct {
	// Score is 1 (poor) to 5 (excellent).
	Score int
	// Reasons holds one sentence per criterion, in the order of the criteria, saying whether
	// it was met and, where it helps, how. The sentences are the Reason constants, so a UI can
	// show them as they are or translate them.
	Reasons []string
	// Criteria maps each Criterion constant to whether it was met.
	Criteria map[string]bool
}

// The criteria of the rubric, in the order their reasons are given.
const (
	CriterionSpecific      = "specific"
	CriterionContext       = "context"
	CriterionUnderstanding = "understanding"
	CriterionBuildsOn      = "buildsOn"
	CriterionVerifies      = "verifies"
)

// The reasons a rating can give: each criterion has sentences for met and for missed. They are
// shown to people and stored in events, so they do not change once released.
const (
	ReasonSpecific   = "Specific: names the code, error, line, test, input or technique it is about"
	ReasonVague      = "Vague: does not say which code, error, line, test or input it is about"
	ReasonPastedTask = "Pastes the task statement instead of asking about a part of it"

	ReasonContext   = "Gives context: attached code, a quoted error, or what was tried or seen"
	ReasonNoContext = "No context: no code attached, no error quoted, nothing said about what was tried"

	ReasonUnderstanding   = "Asks to understand: why or how, an explanation, a hint or an approach"
	ReasonAsksSolution    = "Asks for the full solution instead of understanding it, which caps the score at 2"
	ReasonNoUnderstanding = "Does not ask why or how, for an explanation, a hint or an approach"

	ReasonBuildsOn      = "Builds on the assistant's earlier answer"
	ReasonFirstQuestion = "First question: there is no earlier answer to build on yet"
	ReasonNoBuildsOn    = "Does not refer to the assistant's earlier answer"

	ReasonVerifies   = "Thinks about verifying: tests, edge cases, complexity or checking the suggestion"
	ReasonRanTests   = "Ran the tests since the assistant's last answer"
	ReasonNoVerifies = "Does not mention tests, edge cases, complexity or checking the suggestion"
)

// RatePrompt scores how well a message to the assistant was asked. Each of five criteria met
// is worth one point; the score is the number met, raised to 1 when none is, and at most 2
// when the message demands the full solution (criterion 3). The same PromptContext always
// gets the same rating. Only the first 16 KiB of the message and of the last answer are read.
//
// The criteria, read on the message after lower-casing, with punctuation, hyphens and
// apostrophes ignored for word lists ("Doesn't" reads as "doesnt", "off-by-one" as
// "off by one"):
//
//  1. Specific: the message names something concrete: an identifier in backticks or shaped like
//     code (foo(), snake_case, camelCase, a.b, a[i], an operator such as == or =>), a quoted
//     error (KeyError, "cannot read properties", "error: …", a double-quoted message next to
//     "error", "throws", "says"…), a line ("line 12", "main.py:12"), a test ("test_empty",
//     "test 3", "the last test"), a literal with an input or output word ("input [1,2] returns
//     3"), a double-quoted text, or a named technique (binary search, hash map, recursion…).
//     "help", "fix it" and "it doesn't work" name nothing.
//  2. Context: code is attached, or a code block is pasted, or an error is quoted as above, or
//     the message says what was tried, done or seen ("I tried", "I changed", "I return",
//     "I think", "I get", "instead of", "when I run", "all tests pass"…).
//  3. Understanding: the message asks why or how, for an explanation, a hint, an approach, a
//     trade-off, another way or what is wrong ("why", "how", "explain", "hint", "approach",
//     "should I", "is there a better way"…,
//     and why/how/explain in a few other languages), and does not demand a full solution
//     ("write the whole solution", "give me the code", "solve it", "complete code", "just
//     give me the answer"…). A demand right after a negation ("don't give me the code", "without
//     the full solution") or with the candidate as subject ("how do I solve it") is no demand.
//  4. Builds on: with an earlier answer, the message refers to the latest one ("you said",
//     "your suggestion", "that approach", "still failing", "step 2"…), reuses an identifier
//     from it, or opens as a follow-up ("but", "and", "so", "what about"…). On the first
//     question, and after answers that all failed, there is nothing to build on and the
//     criterion counts as met, so that a first question can score 5.
//  5. Verifies: the candidate ran tests since the last answer, or the message mentions tests,
//     edge cases, empty or negative or duplicate inputs, complexity (O(n), "big o", runtime),
//     or checking the suggestion ("is this correct", "verify", "what if"…).
//
// A message that reads as a pasted task statement (two of: a sentence opening "Given" or
// "Write a function", "Example 1:", "Input:" with "Output:", "Constraints:", "Explanation:",
// "Follow-up:", over 300 characters with no question mark; and no "I"/"my" of the candidate's
// own) is not the candidate's words: it is neither specific nor a request for understanding,
// and only attached code, a test run and the first-question rule count for it.
//
// Words the lists do not know, as in most non-English messages, simply earn nothing; the
// signals that do not depend on language (code, backticks, numbers, attached code, test runs,
// reused identifiers) still count.
func RatePrompt(p PromptContext) PromptRating {
	m := readPrompt(truncate(p.Message))
	answer := truncate(lastAnswer(p.Previous))
	pasted := m.isPastedTask()

	r := PromptRating{Criteria: make(map[string]bool, 5), Reasons: make([]string, 0, 5)}
	judge := func(criterion string, met bool, reason string) {
		r.Criteria[criterion] = met
		r.Reasons = append(r.Reasons, reason)
		if met {
			r.Score++
		}
	}

	switch {
	case pasted:
		judge(CriterionSpecific, false, ReasonPastedTask)
	case m.isSpecific():
		judge(CriterionSpecific, true, ReasonSpecific)
	default:
		judge(CriterionSpecific, false, ReasonVague)
	}

	if p.CodeContext || (!pasted && m.givesContext()) {
		judge(CriterionContext, true, ReasonContext)
	} else {
		judge(CriterionContext, false, ReasonNoContext)
	}

	asksSolution := pasted || m.demandsSolution()
	switch {
	case asksSolution:
		judge(CriterionUnderstanding, false, ReasonAsksSolution)
	case m.asksUnderstanding():
		judge(CriterionUnderstanding, true, ReasonUnderstanding)
	default:
		judge(CriterionUnderstanding, false, ReasonNoUnderstanding)
	}

	switch {
	case answer == "":
		judge(CriterionBuildsOn, true, ReasonFirstQuestion)
	case !pasted && m.buildsOn(answer):
		judge(CriterionBuildsOn, true, ReasonBuildsOn)
	default:
		judge(CriterionBuildsOn, false, ReasonNoBuildsOn)
	}

	switch {
	case !pasted && m.verifies():
		judge(CriterionVerifies, true, ReasonVerifies)
	case p.RecentTestRun:
		judge(CriterionVerifies, true, ReasonRanTests)
	default:
		judge(CriterionVerifies, false, ReasonNoVerifies)
	}

	r.Score = max(r.Score, 1)
	if asksSolution {
		r.Score = min(r.Score, solutionDemandCap)
	}
	return r
}

// solutionDemandCap is the highest score of a message that demands the full solution: the
// rubric exists to tell collaboration from delegation, and a well-framed demand is still one.
const solutionDemandCap = 2

// maxRatedBytes is how much of a message, and of the answer it follows, is read; the start of
// a message is enough to judge how it was asked, and the bound keeps rating cheap.
const maxRatedBytes = 16 << 10

// lastAnswer is the latest non-empty answer of the assistant, or "".
func lastAnswer(turns []Turn) string {
	for i := len(turns) - 1; i >= 0; i-- {
		if strings.TrimSpace(turns[i].Answer) != "" {
			return turns[i].Answer
		}
	}
	return ""
}

// prompt is a message prepared for the criteria.
type prompt struct {
	raw   string
	lower string
	// words is the lower-cased message as " word word … ": runs of letters, digits and
	// underscores, apostrophes dropped, sentence punctuation a "." of its own, everything else
	// a single space. A phrase is found with its words on word boundaries, and never across a
	// sentence, by searching " phrase ".
	words string
	// shaped and spans are the message's identifiers shaped like code and the other words it
	// writes in backticks, as identifiersOf gives them.
	shaped, spans map[string]bool
}

// truncate cuts s to maxRatedBytes, on a UTF-8 boundary when s is valid there.
func truncate(s string) string {
	if len(s) <= maxRatedBytes {
		return s
	}
	cut := maxRatedBytes
	for cut > maxRatedBytes-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func readPrompt(message string) prompt {
	lower := strings.ToLower(message)
	shaped, spans := identifiersOf(message)
	return prompt{raw: message, lower: lower, words: wordsOf(lower), shaped: shaped, spans: spans}
}

// sentenceMarks end a clause: a phrase does not run across them, and neither does a negation
// ("no, just give me the code" is a demand).
const sentenceMarks = ".,;:!?\n¿¡。，！？；："

func wordsOf(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	inWord, stop := false, false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ':
			// Dropped so that "don't" and "dont" read the same.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
			inWord, stop = true, false
		case strings.ContainsRune(sentenceMarks, r):
			if inWord {
				b.WriteByte(' ')
			}
			if !stop {
				b.WriteString(". ")
			}
			inWord, stop = false, true
		case inWord:
			b.WriteByte(' ')
			inWord = false
		}
	}
	if inWord {
		b.WriteByte(' ')
	}
	return b.String()
}

// has reports whether any phrase occurs on word boundaries.
func (m prompt) has(phrases []string) bool {
	for _, ph := range phrases {
		if strings.Contains(m.words, " "+ph+" ") {
			return true
		}
	}
	return false
}

// contains reports whether any of subs occurs anywhere in the lower-cased message; for
// scripts written without spaces between words.
func (m prompt) contains(subs []string) bool {
	for _, s := range subs {
		if strings.Contains(m.lower, s) {
			return true
		}
	}
	return false
}

func (m prompt) isSpecific() bool {
	return m.hasCode() || m.quotesError() || m.namesLine() || m.namesTest() ||
		m.givesInputOrOutput() || reDoubleQuoted.MatchString(m.raw) || reBigO.MatchString(m.lower) ||
		m.has(techniques)
}

func (m prompt) givesContext() bool {
	return reFence.MatchString(m.raw) || m.pastesCodeLines() || m.quotesError() ||
		m.hasWhere(triedOrSeen, reported)
}

// reported reports whether a phrase of what was tried or seen is said rather than asked:
// "I return None" is a report, "can I return None" a question.
func reported(ph string, before []string) bool {
	return !strings.HasPrefix(ph, "i ") || len(before) == 0 || !askingWords[before[len(before)-1]]
}

func (m prompt) asksUnderstanding() bool {
	return m.has(understandingWords) || m.contains(understandingElsewhere)
}

// demandsSolution reports whether the message asks for the solution outright. A demand is
// cancelled when, skipping filler words, it follows a negation ("don't just give me the code")
// or has the candidate as subject ("how do I solve it").
func (m prompt) demandsSolution() bool {
	return m.hasWhere(solutionDemands, func(ph string, before []string) bool {
		verb, _, _ := strings.Cut(ph, " ")
		return !cancelled(verb, before)
	})
}

// hasWhere reports whether any phrase occurs where keep, given the phrase and up to the six
// words before it, accepts it.
func (m prompt) hasWhere(phrases []string, keep func(phrase string, before []string) bool) bool {
	for _, ph := range phrases {
		needle := " " + ph + " "
		for from := 0; ; {
			i := strings.Index(m.words[from:], needle)
			if i < 0 {
				break
			}
			at := from + i
			// A bounded look back keeps a message that repeats a phrase linear.
			before := strings.Fields(m.words[max(0, at-lookBack):at])
			if at > lookBack && len(before) > 0 {
				before = before[1:] // possibly cut in the middle
			}
			if len(before) > 6 {
				before = before[len(before)-6:]
			}
			if keep(ph, before) {
				return true
			}
			from = at + 1
		}
	}
	return false
}

// lookBack is how many bytes before a phrase hasWhere reads to find the words before it.
const lookBack = 120

// cancelled reports whether the demand starting with word demand, after the words before,
// is negated or, for a demand that starts with the verb of the work, done by the candidate.
func cancelled(demand string, before []string) bool {
	for i := len(before) - 1; i >= 0; i-- {
		w := before[i]
		switch {
		case negations[w]:
			return true
		case candidateSubjects[w] && workVerbs[demand]:
			return true
		case !demandFillers[w]:
			return false
		}
	}
	return false
}

func (m prompt) buildsOn(answer string) bool {
	if m.has(followUpPhrases) || reAnswerPart.MatchString(m.lower) {
		return true
	}
	for _, w := range strings.Fields(m.words) {
		if w != "." {
			if followUpOpeners[w] {
				return true
			}
			break
		}
	}
	shaped, plain := identifiersOf(answer)
	if len(shaped) > 0 {
		words := identifierWords(m.lower)
		for id := range shaped {
			if words[id] {
				return true
			}
		}
	}
	for id := range plain {
		if m.shaped[id] || m.spans[id] {
			return true
		}
	}
	return false
}

func (m prompt) verifies() bool {
	return m.has(verificationWords) || m.namesTest() || reBigO.MatchString(m.lower)
}

func (m prompt) hasCode() bool {
	if reBacktick.MatchString(m.raw) || reOperator.MatchString(m.raw) || reIndex.MatchString(m.raw) {
		return true
	}
	return len(m.shaped) > 0
}

// pastesCodeLines reports code pasted without a fence: two lines or more that read as code.
func (m prompt) pastesCodeLines() bool {
	n := 0
	for line := range strings.SplitSeq(m.raw, "\n") {
		if reCodeLine.MatchString(line) {
			n++
			if n >= 2 {
				return true
			}
		}
	}
	return false
}

func (m prompt) quotesError() bool {
	if reNamedError.MatchString(m.raw) || reErrorColon.MatchString(m.lower) || m.has(errorPhrases) {
		return true
	}
	return reDoubleQuoted.MatchString(m.raw) && m.has(errorVerbs)
}

func (m prompt) namesLine() bool { return reLine.MatchString(m.lower) }

func (m prompt) namesTest() bool {
	return reTestName.MatchString(m.lower) || reTestCamel.MatchString(m.raw) || reTestNumber.MatchString(m.lower) ||
		reTestOrdinal.MatchString(m.lower)
}

func (m prompt) givesInputOrOutput() bool {
	literal := reNumber.MatchString(m.raw) || reList.MatchString(m.raw) || reDoubleQuoted.MatchString(m.raw)
	return literal && m.has(ioWords)
}

// isPastedTask reports whether the message reads as a task statement copied in whole.
func (m prompt) isPastedTask() bool {
	if m.has(firstPerson) || reFirstPersonI.MatchString(m.words) {
		return false
	}
	signals := 0
	for _, re := range taskSignals {
		if re.MatchString(m.lower) {
			signals++
		}
	}
	if reInput.MatchString(m.lower) && reOutput.MatchString(m.lower) {
		signals++
	}
	if len(m.raw) > 300 && !strings.ContainsAny(m.raw, "?？") {
		signals++
	}
	return signals >= 2
}

// identifiersOf returns the lower-cased identifiers of s that are shaped like code (called,
// snake_case, camelCase, PascalCase with an inner capital, dotted) and, apart, the plain words
// written in backticks, which count only when they come back as code.
func identifiersOf(s string) (shaped, plain map[string]bool) {
	shaped = make(map[string]bool)
	add := func(id string) {
		id = strings.ToLower(id)
		if len(id) >= 3 && !commonIdentifiers[id] {
			shaped[id] = true
		}
	}
	for _, sm := range reCall.FindAllStringSubmatch(s, -1) {
		add(sm[1])
	}
	for _, re := range []*regexp.Regexp{reSnake, reCamel, rePascal, reDotted} {
		for _, id := range re.FindAllString(s, -1) {
			add(id)
		}
	}
	plain = make(map[string]bool)
	for id := range codeSpanIdentifiers(s) {
		if !shaped[id] {
			plain[id] = true
		}
	}
	return shaped, plain
}

// codeSpanIdentifiers returns the lower-cased identifiers written inside backticks.
func codeSpanIdentifiers(s string) map[string]bool {
	ids := make(map[string]bool)
	for _, span := range reBacktickSpan.FindAllString(s, -1) {
		for _, id := range reIdentifier.FindAllString(span, -1) {
			id = strings.ToLower(id)
			if len(id) >= 3 && !commonIdentifiers[id] {
				ids[id] = true
			}
		}
	}
	return ids
}

// identifierWords returns the identifiers of a lower-cased text, dotted ones both whole and
// by part, so that an identifier of the answer is looked up once rather than searched for.
func identifierWords(lower string) map[string]bool {
	words := make(map[string]bool)
	for _, w := range reDottedWord.FindAllString(lower, -1) {
		words[w] = true
		if strings.Contains(w, ".") {
			for part := range strings.SplitSeq(w, ".") {
				words[part] = true
			}
		}
	}
	return words
}

// Patterns read on the message as written (raw) or lower-cased (lower); \b is ASCII.
var (
	reBacktick     = regexp.MustCompile("`[^`\n]+`|```")                         // raw
	reBacktickSpan = regexp.MustCompile("```[^`]*```|`[^`\n]+`")                 // raw
	reFence        = regexp.MustCompile("```")                                   // raw
	reIdentifier   = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)                // raw
	reDottedWord   = regexp.MustCompile(`[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*`) // lower
	reCall         = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\(`)          // raw
	reSnake        = regexp.MustCompile(`\b_*[A-Za-z][A-Za-z0-9]*_\w+\b`)        // raw
	reCamel        = regexp.MustCompile(`\b[a-z]+[A-Z][A-Za-z0-9]*\b`)           // raw
	rePascal       = regexp.MustCompile(`\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b`)
	reDotted       = regexp.MustCompile(`\b[A-Za-z_]\w+\.[A-Za-z_]\w+\b`) // raw
	reIndex        = regexp.MustCompile(`\b[A-Za-z_]\w*\[[^\]\n]*\]`)     // raw
	reOperator     = regexp.MustCompile(`==|!=|<=|>=|=>|->|&&|\|\||\+=|-=|:=|\+\+`)
	reCodeLine     = regexp.MustCompile(`[;{}]\s*$|^\s*(def|func|function|return|for|while|if|const|let|var|class|import)\b.*[:({=]|^\s*\w+(\.\w+)*\s*=[^=]`)

	reNamedError   = regexp.MustCompile(`\b[A-Z][A-Za-z]*(Error|Exception)\b`)          // raw
	reErrorColon   = regexp.MustCompile(`\b(error|exception|panic|fatal)\s*:\s*\S`)     // lower
	reDoubleQuoted = regexp.MustCompile(`"[^"\n]{2,}"|“[^”\n]{2,}”|«[^»\n]{2,}»`)       // raw
	reLine         = regexp.MustCompile(`\blines?\s*(#|no\.?|number)?\s*\d+|\.\w+:\d+`) // lower

	reTestName    = regexp.MustCompile(`\btest_\w+`)                                      // lower
	reTestCamel   = regexp.MustCompile(`\b[Tt]est[A-Z]\w*`)                               // raw
	reTestNumber  = regexp.MustCompile(`\b(tests?|test case|case)\s*#?\d+\b`)             // lower
	reTestOrdinal = regexp.MustCompile(`\b(first|second|third|fourth|fifth|last)\s+test`) // lower

	reNumber = regexp.MustCompile(`\b\d+(\.\d+)?\b`)          // raw
	reList   = regexp.MustCompile(`\[[^\]\n]*\]|\{[^}\n]*\}`) // raw
	reBigO   = regexp.MustCompile(`\bo\([^)\n]{1,20}\)`)      // lower

	reAnswerPart = regexp.MustCompile(`\b(step|point|option|suggestion|hint|idea)\s*#?\d+\b|\b(first|second|third|last|other)\s+(step|point|option|suggestion|hint|idea|approach)\b`) // lower

	reInput        = regexp.MustCompile(`\binput\s*:`)  // lower
	reOutput       = regexp.MustCompile(`\boutput\s*:`) // lower
	reFirstPersonI = regexp.MustCompile(` i (am|have|had|tried|think|thought|get|got|dont|do|did|need|want|wrote|can|cant|was|use|used|added|changed|understand|see|know|guess|believe|suspect|would|will|should|just|still|really|also|keep|expected|expect|ran|run|feel|wonder|wanted|implemented|fixed|mean) `)
)

// taskSignals are the marks of a task statement, read lower-cased; input with output is one
// more, and so is length without a question.
var taskSignals = []*regexp.Regexp{
	regexp.MustCompile(`(^|[.:!\n]\s*)(given|you are given|write a (function|program|method|class)|implement (a|an|the)|design (a|an)|create a function)\b`),
	regexp.MustCompile(`\bexamples?\s*\d*\s*:|\bexample \d`),
	regexp.MustCompile(`\bconstraints\s*:|(^|\n)\s*constraints\s*(\n|$)`),
	regexp.MustCompile(`\bexplanation\s*:`),
	regexp.MustCompile(`\bfollow[- ]?up\s*:`),
}

// The word lists, in the form wordsOf gives: lower case, no apostrophes, single spaces.
var (
	techniques = []string{
		"hash map", "hashmap", "hash table", "hash set", "hashset", "dictionary", "binary search",
		"two pointers", "two pointer", "sliding window", "recursion", "recursive", "memoization",
		"memoize", "memo", "dynamic programming", "bfs", "dfs", "breadth first", "depth first",
		"heap", "priority queue", "min heap", "max heap", "stack", "queue", "deque", "linked list",
		"binary tree", "bst", "trie", "graph", "adjacency list", "sorting", "sort", "merge sort",
		"quicksort", "quick sort", "greedy", "backtracking", "prefix sum", "bitmask", "bit mask",
		"union find", "topological", "dijkstra", "regex", "regular expression", "for loop",
		"while loop", "loop", "loops", "nested loops", "base case", "off by one", "closure", "promise", "async", "await",
		"goroutine", "channel", "mutex", "iterator", "generator", "list comprehension", "pointer",
		"integer overflow", "modulo", "xor",
	}
	triedOrSeen = []string{
		"i tried", "ive tried", "i have tried", "i also tried", "tried to", "tried using", "i attempted",
		"i changed", "i added", "i removed", "i replaced", "i moved", "i used", "im using", "i am using",
		"i wrote", "i implemented", "i rewrote", "i refactored", "i printed", "i logged", "i debugged",
		"i stepped", "i checked", "i ran", "my approach", "my idea", "my current", "currently",
		"so far", "i think", "i suspect", "i believe", "i assumed", "i expected", "i get", "i got",
		"im getting", "i am getting", "i see", "it returns", "it prints", "it outputs", "it gives",
		"times out", "timed out", "infinite loop", "instead of", "but got", "when i run", "when i",
		"after i", "i noticed", "i realized", "all tests", "tests pass", "tests fail",
		"test passes", "test fails", "passes", "fails on", "fails for", "fails when", "fails with",
		"i return", "i returned", "i store", "i stored", "i sort", "i sorted", "i loop",
		"i iterate", "i keep", "i compare", "i initialize", "i call", "i convert",
		"code returns", "function returns", "solution returns",
	}
	errorPhrases = []string{
		"traceback", "segmentation fault", "segfault", "stack overflow", "index out of range",
		"out of bounds", "is not a function", "is not defined", "is not iterable",
		"is not callable", "is not subscriptable", "cannot read properties", "cannot read property",
		"undefined is not", "nil pointer", "null pointer", "nullpointerexception",
		"maximum recursion depth", "time limit exceeded", "memory limit exceeded", "deadlock",
		"compile error", "compilation error", "syntax error", "unexpected token", "cannot find name",
		"has no attribute", "unhandled promise rejection",
	}
	errorVerbs = []string{
		"error", "errors", "exception", "throws", "thrown", "throw", "raises", "raised", "crash",
		"crashes", "says", "message", "complains", "fails with", "failed with",
	}
	ioWords = []string{
		"input", "inputs", "output", "outputs", "expected", "expect", "expects", "returns",
		"returned", "return", "got", "get", "gets", "getting", "prints", "printed", "print",
		"gives", "giving", "result", "results", "instead",
	}
	understandingWords = []string{
		"why", "how", "how come", "explain", "explanation", "clarify", "understand",
		"understanding", "meaning", "what do you mean", "does that mean", "does this mean",
		"do you mean", "what does", "what is", "whats", "what are", "difference", "intuition",
		"concept", "reason", "reasoning", "hint", "hints", "nudge", "approach", "strategy",
		"direction", "guide me", "walk me through", "where should i look", "what am i missing",
		"whats wrong", "what is wrong", "what went wrong", "where is the bug", "wheres the bug",
		"is it better", "which is better", "better way", "another way", "other way",
		"is there a way", "alternative", "alternatives",
		"should i", "would it", "could i", "can i", "trade off", "tradeoff", "trade offs",
		"tradeoffs", "pros and cons", "compare", "think about",
		// Spanish, Portuguese, French, German, Italian, Russian.
		"por qué", "por que", "cómo", "explica", "explicar", "explique", "pourquoi", "expliquer",
		"expliquez", "warum", "wieso", "erklär", "erkläre", "erklären", "perché", "spiega",
		"почему", "зачем", "объясни", "объясните",
	}
	// understandingElsewhere are why/how/explain in scripts written without spaces.
	understandingElsewhere = []string{"为什么", "怎么", "如何", "解释", "なぜ", "どうして", "説明", "왜", "설명"}
	solutionDemands        = []string{
		"write the whole", "write the entire", "write the full", "write the complete", "write the code",
		"write the solution", "write it for me", "write this for me", "write the function",
		"write me the", "write me a", "give me the code", "give me code", "give me the solution",
		"give me the answer", "give me the full", "give me the whole", "give me the complete",
		"give me the entire", "give me the final", "give me a solution", "give me a working",
		"give me the fixed", "give me the corrected", "give me the updated", "give me the right",
		"just give me", "send me the", "show me the solution", "show me the code",
		"show me the full", "show me the answer", "tell me the answer", "whats the answer",
		"what is the answer", "whats the solution", "what is the solution", "just the code",
		"just the answer", "just the solution", "only the code", "code only", "solve it",
		"solve this", "solve the problem", "solve the whole", "solve the task", "solve for me",
		"do it for me", "do this for me", "finish it", "finish the code", "finish my code",
		"complete code", "complete solution", "complete the code", "complete the function",
		"complete it", "full solution", "full code", "full implementation", "whole solution",
		"whole code", "entire solution", "entire code", "final code", "final solution",
		"working code", "working solution", "implement it for me", "implement this for me",
		"implement the whole", "implement the entire", "code it for me", "code it up",
		"paste the solution", "fix it for me", "rewrite it for me", "rewrite the whole",
		"fill it in", "can i have the code", "can i get the code", "can i have the solution",
		"can i get the solution", "dame el código", "dame la solución", "donne moi le code",
		"gib mir den code",
	}
	negations = map[string]bool{
		"dont": true, "not": true, "no": true, "without": true, "never": true, "instead": true,
		"rather": true, "wont": true, "nor": true, "doesnt": true, "shouldnt": true,
		"cant": true, "avoid": true,
	}
	askingWords = map[string]bool{
		"can": true, "cant": true, "could": true, "couldnt": true, "should": true, "shouldnt": true,
		"do": true, "dont": true, "does": true, "did": true, "didnt": true, "would": true,
		"wouldnt": true, "will": true, "wont": true, "shall": true, "may": true, "might": true,
		"must": true, "if": true, "whether": true,
	}
	candidateSubjects = map[string]bool{"i": true, "we": true, "how": true}
	workVerbs         = map[string]bool{
		"write": true, "solve": true, "finish": true, "complete": true, "implement": true,
		"code": true, "fix": true, "rewrite": true, "fill": true, "do": true,
	}
	demandFillers = map[string]bool{
		"just": true, "me": true, "the": true, "a": true, "to": true, "giving": true, "give": true,
		"want": true, "need": true, "see": true, "writing": true, "write": true, "please": true,
		"you": true, "do": true, "can": true, "could": true, "should": true, "would": true,
		"will": true, "shall": true, "help": true, "try": true, "ever": true,
		"get": true, "have": true, "be": true, "able": true, "going": true,
	}
	followUpPhrases = []string{
		"you said", "you mentioned", "you suggested", "you recommended", "you told", "you wrote",
		"you showed", "you gave", "you mean", "your suggestion", "your answer", "your hint",
		"your example", "your explanation", "your approach", "your idea", "your code",
		"your version", "your fix", "your point", "your last", "your previous", "that approach",
		"this approach", "that idea", "that hint", "that suggestion", "that fix", "that change",
		"that explanation", "that worked", "that works", "that helped", "it worked", "it works now",
		"as you said", "like you said", "as suggested", "as you suggested", "i did what",
		"following your", "following that", "after your", "i tried that", "i tried it",
		"tried your", "tried that", "still fails", "still failing", "still get", "still getting",
		"still doesnt", "still wrong", "still broken", "now it", "now i get", "now im getting",
		"follow up", "followup", "in that case", "then why", "but why", "makes sense",
		"got it", "ok so", "okay so", "so if", "so then", "you used", "what about", "how about",
	}
	followUpOpeners = map[string]bool{
		"and": true, "but": true, "also": true, "so": true, "then": true, "wait": true, "hmm": true,
		"ok": true, "okay": true, "right": true,
	}
	verificationWords = []string{
		"test", "tests", "tested", "testing", "unit test", "unittest", "pytest", "jest",
		"edge case", "edge cases", "corner case", "corner cases", "empty", "negative",
		"duplicate", "duplicates", "overflow", "boundary", "boundaries", "large input",
		"complexity", "big o", "runtime", "worst case", "best case", "performance", "efficient",
		"efficiency", "optimal", "optimize", "verify", "verified", "validate", "i check",
		"i checked", "double check", "sanity check", "make sure", "is this correct",
		"is it correct", "is that correct", "is this right", "is that right", "correctness",
		"prove", "proof", "counterexample", "counter example", "invariant", "assert",
		"assertion", "does this work", "would this work", "will this work", "does that work",
		"does it work", "does this handle", "does that handle", "does it handle", "would it handle",
		"handle the case",
		"what if", "what happens if", "what happens when",
	}
	firstPerson = []string{"im", "ive", "my", "myself", "mine"}
	// commonIdentifiers are too common to show that one answer was built on.
	commonIdentifiers = map[string]bool{
		"return": true, "null": true, "none": true, "nil": true, "true": true, "false": true,
		"for": true, "while": true, "def": true, "func": true, "function": true, "const": true,
		"let": true, "var": true, "int": true, "str": true, "string": true, "list": true,
		"dict": true, "map": true, "set": true, "self": true, "this": true, "print": true,
		"len": true, "range": true, "append": true, "push": true, "import": true, "class": true,
		"new": true, "console.log": true, "fmt.println": true, "main": true, "make": true,
		"javascript": true, "typescript": true, "github": true, "chatgpt": true, "openai": true,
		"leetcode": true, "hackerrank": true, "pycharm": true, "vscode": true, "macos": true,
		"iphone": true, "ipad": true, "youtube": true, "postgresql": true, "mysql": true,
		"graphql": true, "nodejs": true, "interviewlm": true, "stackoverflow": true, "node.js": true,
		"e.g": true, "i.e": true, "etc": true, "and": true, "the": true, "not": true,
	}
)
