package domain

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Earlier turns the follow-up prompts are asked after.
var (
	hashMapHint = []Turn{{
		Message: "How should I approach two sum faster than O(n^2)?",
		Answer: "Try using a hash map: store each number's index in `seen` as you iterate, and " +
			"before inserting check whether `target - num` is already in `seen`. What should " +
			"happen when the same number appears twice?",
	}}
	stockAnswer = []Turn{
		{Message: "hi", Answer: "Hello! What are you working on?"},
		{
			Message: "Why is my maxProfit O(n^2)?",
			Answer: "Your `maxProfit` compares every pair of days. Keep the lowest price so far " +
				"instead:\n```python\ndef max_profit(prices):\n    min_price = float('inf')\n" +
				"    best = 0\n    for p in prices:\n        min_price = min(min_price, p)\n" +
				"        best = max(best, p - min_price)\n    return best\n```",
		},
	}
	failedAnswer = []Turn{{Message: "hello?", Answer: ""}}
)

const twoSumTask = "Given an array of integers nums and an integer target, return indices of the two " +
	"numbers such that they add up to target.\n\nYou may assume that each input would have exactly " +
	"one solution, and you may not use the same element twice.\n\nExample 1:\nInput: nums = " +
	"[2,7,11,15], target = 9\nOutput: [0,1]\nExplanation: Because nums[0] + nums[1] == 9, we " +
	"return [0, 1].\n\nConstraints:\n2 <= nums.length <= 10^4\n\nFollow-up: Can you come up with " +
	"an algorithm that is less than O(n^2) time complexity?"

// met lists the criteria a case expects met, as letters: S specific, C context,
// U understanding, B builds on, V verifies.
func met(letters string) map[string]bool {
	all := map[byte]string{'S': CriterionSpecific, 'C': CriterionContext, 'U': CriterionUnderstanding,
		'B': CriterionBuildsOn, 'V': CriterionVerifies}
	m := make(map[string]bool, 5)
	for _, c := range all {
		m[c] = false
	}
	for i := range len(letters) {
		m[all[letters[i]]] = true
	}
	return m
}

func TestRatePrompt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       PromptContext
		score   int
		met     string   // the criteria met, as letters for met()
		reasons []string // key reasons the rating must give
	}{
		// Lazy first questions: the first-question rule is all they earn.
		{"help", PromptContext{Message: "help"}, 1, "B",
			[]string{ReasonVague, ReasonNoContext, ReasonNoUnderstanding, ReasonFirstQuestion, ReasonNoVerifies}},
		{"fix it with code", PromptContext{Message: "fix it", CodeContext: true}, 2, "CB",
			[]string{ReasonVague, ReasonContext, ReasonNoUnderstanding}},
		{"doesn't work", PromptContext{Message: "It doesn't work!!"}, 1, "B",
			[]string{ReasonVague, ReasonNoContext}},
		{"empty", PromptContext{Message: "   \n"}, 1, "B", []string{ReasonVague}},

		// Demands for the solution: capped at 2 however they are dressed.
		{"just give me the answer", PromptContext{Message: "Just give me the answer."}, 1, "B",
			[]string{ReasonAsksSolution}},
		{"write the whole solution", PromptContext{Message: "write the whole solution in python pls"}, 1, "B",
			[]string{ReasonAsksSolution, ReasonVague}},
		{"complete code, no explanations", PromptContext{Message: "Give me the complete code for this problem, no explanations", CodeContext: true}, 2, "CB",
			[]string{ReasonAsksSolution, ReasonContext}},
		{"solve it, in a hurry", PromptContext{Message: "can you solve it? I have 10 minutes left", Previous: hashMapHint}, 1, "",
			[]string{ReasonAsksSolution, ReasonNoBuildsOn}},
		{"well-framed demand is still capped", PromptContext{
			Message:     "My `LRUCache.get` fails test_put_evicts with KeyError: 3 on line 30. Just give me the fixed code.",
			CodeContext: true, RecentTestRun: true}, 2, "SCBV",
			[]string{ReasonSpecific, ReasonContext, ReasonAsksSolution, ReasonVerifies}},
		{"demand with a complexity", PromptContext{Message: "solve this problem for me: an LRU cache with get and put in O(1)"}, 2, "SBV",
			[]string{ReasonAsksSolution}},

		// Copy-pasted task statements.
		{"pasted task", PromptContext{Message: twoSumTask}, 1, "B",
			[]string{ReasonPastedTask, ReasonNoContext, ReasonAsksSolution, ReasonFirstQuestion, ReasonNoVerifies}},
		{"pasted task later, with code", PromptContext{Message: twoSumTask, CodeContext: true, Previous: hashMapHint}, 1, "C",
			[]string{ReasonPastedTask, ReasonContext, ReasonAsksSolution, ReasonNoBuildsOn}},
		{"pasted task after running tests", PromptContext{Message: "Solve this: " + twoSumTask, RecentTestRun: true}, 2, "BV",
			[]string{ReasonPastedTask, ReasonRanTests}},
		{"task quoted with a question of one's own", PromptContext{
			Message: "I'm stuck on this part: \"return indices of the two numbers such that they add up to target\". " +
				"Why can't I return the numbers themselves?"}, 3, "SUB",
			[]string{ReasonSpecific, ReasonUnderstanding}},

		// Good first questions.
		{"the model question", PromptContext{
			Message: "My `twoSum` returns [1,1] for nums = [3,3], target 6 — I think the lookup happens after " +
				"I insert the current index. Why does the order of the check and the insert matter? " +
				"I want to make sure the duplicates edge case passes."}, 5, "SCUBV",
			[]string{ReasonSpecific, ReasonContext, ReasonUnderstanding, ReasonFirstQuestion, ReasonVerifies}},
		{"hint on an approach", PromptContext{Message: "Can you give me a hint on how to approach this with a hash map instead of two nested loops?"}, 4, "SCUB",
			[]string{ReasonSpecific, ReasonUnderstanding, ReasonNoVerifies}},
		{"explain the approach", PromptContext{Message: "Explain the approach"}, 2, "UB",
			[]string{ReasonVague, ReasonNoContext, ReasonUnderstanding}},
		{"quoted error", PromptContext{
			Message: "I get TypeError: Cannot read properties of undefined (reading 'length') on line 14. What am I missing?"}, 4, "SCUB",
			[]string{ReasonSpecific, ReasonContext, ReasonUnderstanding, ReasonNoVerifies}},
		{"complexity check", PromptContext{Message: "Is my solution O(n log n)? I sort first and then use two pointers.", CodeContext: true}, 4, "SCBV",
			[]string{ReasonNoUnderstanding, ReasonVerifies}},
		{"shouting", PromptContext{Message: "WHY DOES `binarySearch` LOOP FOREVER WHEN THE ARRAY HAS ONE ELEMENT?!"}, 3, "SUB",
			[]string{ReasonSpecific, ReasonNoContext, ReasonUnderstanding}},
		{"test-minded", PromptContext{
			Message: "All tests pass except test_empty_input — should I return [] or None when the list is empty? " +
				"Which edge cases am I still missing?"}, 5, "SCUBV",
			[]string{ReasonSpecific, ReasonContext, ReasonUnderstanding, ReasonVerifies}},
		{"BFS or DFS", PromptContext{Message: "Should I use BFS or DFS here, and what's the complexity difference?"}, 4, "SUBV",
			[]string{ReasonNoContext, ReasonVerifies}},
		{"negated demand", PromptContext{
			Message: "Don't give me the code, just a hint: why is my recursion hitting maximum recursion depth for n = 5000?"}, 4, "SCUB",
			[]string{ReasonSpecific, ReasonContext, ReasonUnderstanding}},
		{"candidate solves it", PromptContext{Message: "How do I solve it without nested loops?"}, 3, "SUB",
			[]string{ReasonUnderstanding}},
		{"says what was done", PromptContext{Message: "I return None when the target is missing — why does test 3 fail?"}, 5, "SCUBV",
			[]string{ReasonContext}},
		{"asks what to do", PromptContext{Message: "Should I return -1 or None when the target is missing?"}, 3, "SUB",
			[]string{ReasonNoContext, ReasonUnderstanding}},
		{"better way", PromptContext{Message: "Is there a better way?", Previous: hashMapHint}, 1, "U",
			[]string{ReasonVague, ReasonUnderstanding, ReasonNoBuildsOn}},
		{"asks for tests", PromptContext{Message: "write tests for my function"}, 2, "BV",
			[]string{ReasonNoUnderstanding, ReasonVerifies}},

		// Other languages and odd input.
		{"Spanish", PromptContext{Message: "¿Por qué mi función `contar_vocales` devuelve 0 para \"hola\"?"}, 3, "SUB",
			[]string{ReasonSpecific, ReasonUnderstanding}},
		{"Chinese with code", PromptContext{Message: "为什么这个代码不工作？", CodeContext: true}, 3, "CUB",
			[]string{ReasonVague, ReasonContext, ReasonUnderstanding}},
		{"German demand", PromptContext{Message: "Gib mir den Code!"}, 1, "B", []string{ReasonAsksSolution}},
		{"invalid UTF-8", PromptContext{Message: "\xff\xfe\xfd ??? \xc3"}, 1, "B", []string{ReasonVague}},

		// Follow-ups.
		{"you said, with code", PromptContext{
			Message:  "You said to check `seen` before inserting — does that handle [3,3] with target 6?",
			Previous: hashMapHint, CodeContext: true}, 4, "SCBV",
			[]string{ReasonSpecific, ReasonBuildsOn, ReasonVerifies, ReasonNoUnderstanding}},
		{"reuses the answer's variable", PromptContext{
			Message:  "ok so why does checking `seen` before inserting avoid using the same element twice?",
			Previous: hashMapHint}, 3, "SUB",
			[]string{ReasonSpecific, ReasonUnderstanding, ReasonBuildsOn, ReasonNoVerifies}},
		{"reuses an identifier of the answer's code", PromptContext{
			Message: "Why do we update min_price before computing the profit?", Previous: stockAnswer}, 3, "SUB",
			[]string{ReasonBuildsOn}},
		{"still failing after a test run", PromptContext{Message: "still failing", Previous: hashMapHint, RecentTestRun: true}, 2, "BV",
			[]string{ReasonVague, ReasonBuildsOn, ReasonRanTests}},
		{"thanks", PromptContext{Message: "thanks", Previous: hashMapHint}, 1, "",
			[]string{ReasonNoBuildsOn}},
		{"give me the full code now", PromptContext{Message: "give me the full code now", Previous: hashMapHint}, 1, "",
			[]string{ReasonAsksSolution, ReasonNoBuildsOn}},
		{"lazy later", PromptContext{Message: "help", Previous: hashMapHint}, 1, "",
			[]string{ReasonVague, ReasonNoContext, ReasonNoUnderstanding, ReasonNoBuildsOn, ReasonNoVerifies}},
		{"what about negatives", PromptContext{Message: "what about negative numbers?", Previous: hashMapHint}, 2, "BV",
			[]string{ReasonBuildsOn, ReasonVerifies}},
		{"everything", PromptContext{
			Message:  "Your suggestion works, but test 4 still times out on large input — is there an O(n) approach instead of sorting?",
			Previous: hashMapHint}, 5, "SCUBV",
			[]string{ReasonSpecific, ReasonContext, ReasonUnderstanding, ReasonBuildsOn, ReasonVerifies}},
		{"trace after trying the approach", PromptContext{
			Message: "I tried your approach with the sliding window but `test_long_string` fails with " +
				"IndexError: string index out of range on line 22. Here's the trace:\n```\nTraceback " +
				"(most recent call last):\n  File \"main.py\", line 22, in length_of_longest\n```\n" +
				"Why is the right pointer going past the end?",
			Previous: hashMapHint}, 5, "SCUBV", nil},
		{"unrelated new question later", PromptContext{Message: "How does a trie store words?", Previous: hashMapHint}, 2, "SU",
			[]string{ReasonNoBuildsOn}},
		{"after a failed answer", PromptContext{Message: "Why is `seen` a dict?", Previous: failedAnswer}, 3, "SUB",
			[]string{ReasonFirstQuestion}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RatePrompt(tc.p)
			if r.Score != tc.score || !reflect.DeepEqual(r.Criteria, met(tc.met)) {
				t.Errorf("RatePrompt(%q) = %d %v, want %d %v\nreasons: %q",
					tc.p.Message, r.Score, r.Criteria, tc.score, met(tc.met), r.Reasons)
			}
			for _, want := range tc.reasons {
				if !slices.Contains(r.Reasons, want) {
					t.Errorf("reasons %q lack %q", r.Reasons, want)
				}
			}
			checkRating(t, tc.p, r)
		})
	}
}

// reasonsOf lists, per criterion, the reasons it gives when met and when missed.
var reasonsOf = []struct {
	criterion       string
	ifMet, ifMissed []string
}{
	{CriterionSpecific, []string{ReasonSpecific}, []string{ReasonVague, ReasonPastedTask}},
	{CriterionContext, []string{ReasonContext}, []string{ReasonNoContext}},
	{CriterionUnderstanding, []string{ReasonUnderstanding}, []string{ReasonAsksSolution, ReasonNoUnderstanding}},
	{CriterionBuildsOn, []string{ReasonBuildsOn, ReasonFirstQuestion}, []string{ReasonNoBuildsOn}},
	{CriterionVerifies, []string{ReasonVerifies, ReasonRanTests}, []string{ReasonNoVerifies}},
}

// checkRating checks the properties every rating has: a score of 1 to 5 that follows from the
// criteria, one reason per criterion in order that agrees with it, and determinism.
func checkRating(t *testing.T, p PromptContext, r PromptRating) {
	t.Helper()
	if r.Score < 1 || r.Score > 5 {
		t.Errorf("RatePrompt(%q) score %d is outside 1..5", p.Message, r.Score)
	}
	if len(r.Criteria) != len(reasonsOf) || len(r.Reasons) != len(reasonsOf) {
		t.Fatalf("RatePrompt(%q) gave %d criteria and %d reasons, want %d of each",
			p.Message, len(r.Criteria), len(r.Reasons), len(reasonsOf))
	}
	count := 0
	for i, c := range reasonsOf {
		isMet, ok := r.Criteria[c.criterion]
		if !ok {
			t.Errorf("criterion %q missing from %v", c.criterion, r.Criteria)
		}
		want := c.ifMissed
		if isMet {
			want = c.ifMet
			count++
		}
		if !slices.Contains(want, r.Reasons[i]) {
			t.Errorf("criterion %q met=%v has reason %q, want one of %q", c.criterion, isMet, r.Reasons[i], want)
		}
	}
	wantScore := max(count, 1)
	if r.Reasons[2] == ReasonAsksSolution {
		wantScore = min(wantScore, 2)
	}
	if r.Score != wantScore {
		t.Errorf("score %d does not follow from the criteria %v (want %d)", r.Score, r.Criteria, wantScore)
	}
	if again := RatePrompt(p); !reflect.DeepEqual(again, r) {
		t.Errorf("RatePrompt(%q) is not deterministic: %+v then %+v", p.Message, r, again)
	}
}

func TestRatePromptProperties(t *testing.T) {
	fragments := []string{
		"why", "how do I", "give me the code", "don't", "`foo`", "fix it", "help", "test_empty",
		"line 3", "KeyError", "[1,2]", "returns", "you said", "O(n)", "edge case", "?", "!", ",",
		"\n", "```", "é", "为什么", "\xff", "Given", "Example 1:", "Input:", "Output:", " ", "I tried",
		"seen", "min_price", "solve it", "no", "ok so", "Constraints:", "\"", "'", "’",
	}
	previous := [][]Turn{nil, hashMapHint, stockAnswer, failedAnswer}
	rng := rand.New(rand.NewPCG(6, 5))
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(25) {
			b.WriteString(fragments[rng.IntN(len(fragments))])
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		p := PromptContext{
			Message:       b.String(),
			CodeContext:   rng.IntN(2) == 0,
			Previous:      previous[rng.IntN(len(previous))],
			RecentTestRun: rng.IntN(2) == 0,
		}
		checkRating(t, p, RatePrompt(p))
		if t.Failed() {
			t.Fatalf("failed on %+v", p)
		}
	}
}

func TestRatePromptSignalsOutsideTheText(t *testing.T) {
	base := PromptContext{Message: "why?", Previous: hashMapHint}
	plain := RatePrompt(base)

	withCode := base
	withCode.CodeContext = true
	if r := RatePrompt(withCode); !r.Criteria[CriterionContext] || r.Score != plain.Score+1 {
		t.Errorf("attaching code: %+v, without: %+v", r, plain)
	}
	ran := base
	ran.RecentTestRun = true
	if r := RatePrompt(ran); !r.Criteria[CriterionVerifies] || r.Reasons[4] != ReasonRanTests || r.Score != plain.Score+1 {
		t.Errorf("running tests: %+v, without: %+v", r, plain)
	}
	// Only the latest answer counts: "seen" was in an earlier one, and the last said nothing of it.
	later := PromptContext{Message: "why is `seen` a map?", Previous: append(slices.Clone(hashMapHint), stockAnswer...)}
	if r := RatePrompt(later); r.Criteria[CriterionBuildsOn] {
		t.Errorf("an identifier of an older answer counted: %+v", r)
	}
}

func TestRatePromptLongMessage(t *testing.T) {
	// A long message, repeating a cancelled demand, is rated, and quickly enough for a test.
	msg := strings.Repeat("how do I solve it myself? ", 50_000) + "just give me the code"
	r := RatePrompt(PromptContext{Message: msg, Previous: stockAnswer})
	if r.Criteria[CriterionUnderstanding] != true {
		t.Errorf("the demand past the bound counted: %+v", r)
	}
	checkRating(t, PromptContext{Message: msg, Previous: stockAnswer}, r)
}

func FuzzRatePrompt(f *testing.F) {
	for _, s := range []string{"", "help", twoSumTask, "`a` b_c dE(f) g.h i[j] == \"k\"", "\xff\xfe", "为什么", "don't solve it"} {
		f.Add(s, true, false)
	}
	f.Fuzz(func(t *testing.T, msg string, code, ran bool) {
		for _, prev := range [][]Turn{nil, hashMapHint, {{Message: msg, Answer: msg}}} {
			p := PromptContext{Message: msg, CodeContext: code, Previous: prev, RecentTestRun: ran}
			checkRating(t, p, RatePrompt(p))
		}
	})
}

// BenchmarkRatePrompt measures what rating adds to a chat turn before the upstream call.
func BenchmarkRatePrompt(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    PromptContext
	}{
		{"typical", PromptContext{
			Message:  "Your suggestion works, but test 4 still times out on large input — is there an O(n) approach instead of sorting?",
			Previous: stockAnswer}},
		{"first", PromptContext{Message: "help"}},
		{"16KiB", PromptContext{Message: strings.Repeat("how do I solve it myself? `foo_bar` ", 500), Previous: stockAnswer}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RatePrompt(bc.p)
			}
		})
	}
}
