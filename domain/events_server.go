package domain

import (
	"time"

	"github.com/google/uuid"
)

// The events in this file are written only by the server's commands, so their payloads are
// trusted and carry no validation. Scores are on a 0–100 scale unless a field says otherwise;
// durations carry their unit in their name. A uuid.UUID field tagged omitzero is left out of
// the JSON when it is uuid.Nil.

// Difficulty is how hard a question is.
type Difficulty string

const (
	DifficultyEasy   Difficulty = "EASY"
	DifficultyMedium Difficulty = "MEDIUM"
	DifficultyHard   Difficulty = "HARD"
)

// Valid reports whether d is one of the difficulties.
func (d Difficulty) Valid() bool {
	return d == DifficultyEasy || d == DifficultyMedium || d == DifficultyHard
}

// TestMode is how a question's test cases talk to the candidate's code.
type TestMode string

const (
	// TestModeStdio feeds Input on stdin and compares stdout with ExpectedOutput.
	TestModeStdio TestMode = "stdio"
	// TestModeFunction passes Input as JSON arguments to the entrypoint and compares its JSON
	// return value with ExpectedOutput.
	TestModeFunction TestMode = "function"
)

// Valid reports whether m is one of the modes.
func (m TestMode) Valid() bool { return m == TestModeStdio || m == TestModeFunction }

// QuestionSource says where a served question came from.
type QuestionSource string

const (
	QuestionFromBank      QuestionSource = "bank"
	QuestionFromGenerator QuestionSource = "generated"
)

// Verdict is the outcome of one test case.
type Verdict string

const (
	VerdictPassed       Verdict = "passed"
	VerdictWrongAnswer  Verdict = "wrong_answer"
	VerdictRuntimeError Verdict = "runtime_error"
	VerdictCompileError Verdict = "compile_error"
	VerdictTimeout      Verdict = "timeout"
	VerdictMemoryLimit  Verdict = "memory_limit"
	VerdictOutputLimit  Verdict = "output_limit"
)

// Recommendation is the evaluation's hiring advice.
type Recommendation string

const (
	RecommendStrongYes Recommendation = "STRONG_YES"
	RecommendYes       Recommendation = "YES"
	RecommendMaybe     Recommendation = "MAYBE"
	RecommendNo        Recommendation = "NO"
	RecommendStrongNo  Recommendation = "STRONG_NO"
)

// HiringDecision is what the hiring team decided about a candidate.
type HiringDecision string

const (
	DecisionHired    HiringDecision = "HIRED"
	DecisionRejected HiringDecision = "REJECTED"
)

// Valid reports whether d is one of the decisions.
func (d HiringDecision) Valid() bool { return d == DecisionHired || d == DecisionRejected }

// TerminalInputKind says what a candidate sent to the terminal.
type TerminalInputKind string

const (
	// TerminalCommand is a line typed at the prompt.
	TerminalCommand TerminalInputKind = "input"
	// TerminalInterrupt is Ctrl-C: the running command is stopped.
	TerminalInterrupt TerminalInputKind = "interrupt"
)

// OutputStream names the stream a piece of terminal output came from.
type OutputStream string

const (
	Stdout OutputStream = "stdout"
	Stderr OutputStream = "stderr"
)

// AssessmentSettings are the assessment's settings as they stood when the interview started;
// later edits of the assessment do not change an interview already under way.
type AssessmentSettings struct {
	Language               string `json:"language"`
	Seniority              string `json:"seniority"`
	QuestionCount          int    `json:"questionCount"`
	EnableCoding           bool   `json:"enableCoding"`
	EnableTerminal         bool   `json:"enableTerminal"`
	EnableAI               bool   `json:"enableAI"`
	ShowResultsToCandidate bool   `json:"showResultsToCandidate"`
	// ProblemIDs are the problems the team fixed for the assessment, served in this order
	// before the adaptive choice takes over.
	ProblemIDs []string `json:"problemIds,omitempty"`
	// Scoring is how the interview is scored; nil means DefaultScoringConfig.
	Scoring *ScoringConfig `json:"scoring,omitempty"`
}

// InterviewStarted is the first event of every interview stream: a candidate opened their
// invite. It carries what the read models need about the candidate and the assessment, so
// that they can be rebuilt from the log alone.
type InterviewStarted struct {
	CandidateID      uuid.UUID          `json:"candidateId"`
	AssessmentID     uuid.UUID          `json:"assessmentId"`
	OrganizationID   uuid.UUID          `json:"organizationId"`
	CandidateName    string             `json:"candidateName"`
	CandidateEmail   string             `json:"candidateEmail"`
	TimeLimitMinutes int                `json:"timeLimitMinutes"`
	Deadline         time.Time          `json:"deadline"`
	Settings         AssessmentSettings `json:"settings"`
}

func (InterviewStarted) EventType() string  { return TypeInterviewStarted }
func (InterviewStarted) SchemaVersion() int { return 1 }

// InterviewResumed is the candidate opening their invite again: the same interview goes on
// with a fresh token, and the deadline set when it started still holds.
type InterviewResumed struct{}

func (InterviewResumed) EventType() string  { return TypeInterviewResumed }
func (InterviewResumed) SchemaVersion() int { return 1 }

// TestCase is one test of a question. In TestModeFunction, Input is a JSON array of
// arguments and ExpectedOutput a JSON value.
type TestCase struct {
	Name           string `json:"name"`
	Input          string `json:"input"`
	ExpectedOutput string `json:"expectedOutput"`
	// Hidden tests are run but their input and outputs are never shown to the candidate.
	Hidden bool `json:"hidden"`
}

// QuestionServed is a question given to the candidate, in full, so that what they were asked
// stays known even if the problem bank changes.
type QuestionServed struct {
	QuestionID uuid.UUID `json:"questionId"`
	// Index is the question's place in the interview, from 0.
	Index       int        `json:"index"`
	Difficulty  Difficulty `json:"difficulty"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Language    string     `json:"language"`
	StarterCode string     `json:"starterCode"`
	TestCases   []TestCase `json:"testCases"`
	Mode        TestMode   `json:"mode"`
	// Entrypoint is the function the tests call in TestModeFunction.
	Entrypoint string         `json:"entrypoint,omitempty"`
	Source     QuestionSource `json:"source"`
	// ProblemID is the bank problem the question came from; empty for a generated one.
	ProblemID        string `json:"problemId,omitempty"`
	EstimatedMinutes int    `json:"estimatedMinutes"`
}

func (QuestionServed) EventType() string  { return TypeQuestionServed }
func (QuestionServed) SchemaVersion() int { return 1 }

// QuestionStarted is the candidate beginning to work on a served question; time spent on the
// question counts from here.
type QuestionStarted struct {
	QuestionID uuid.UUID `json:"questionId"`
	Index      int       `json:"index"`
}

func (QuestionStarted) EventType() string  { return TypeQuestionStarted }
func (QuestionStarted) SchemaVersion() int { return 1 }

// QuestionCompleted is the candidate moving on from a question, with the performance that
// decides the next question's difficulty.
type QuestionCompleted struct {
	QuestionID       uuid.UUID `json:"questionId"`
	Score            float64   `json:"score"`
	TestsPassed      int       `json:"testsPassed"`
	TestsTotal       int       `json:"testsTotal"`
	TimeSpentSeconds int64     `json:"timeSpentSeconds"`
}

func (QuestionCompleted) EventType() string  { return TypeQuestionCompleted }
func (QuestionCompleted) SchemaVersion() int { return 1 }

// TestResult is the outcome of one test case. The log keeps hidden tests' outputs for the
// hiring team; what a candidate may see of them is the HTTP layer's to strip.
type TestResult struct {
	Name           string  `json:"name"`
	Passed         bool    `json:"passed"`
	Verdict        Verdict `json:"verdict"`
	DurationMs     int64   `json:"durationMs"`
	Hidden         bool    `json:"hidden"`
	ActualOutput   string  `json:"actualOutput,omitempty"`
	ExpectedOutput string  `json:"expectedOutput,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// TestRun is one run of tests in the sandbox. Code is the source that ran, so that a test run
// is a replay keyframe for FileName and the result can be tied to the code byte for byte.
type TestRun struct {
	RunID uuid.UUID `json:"runId"`
	// QuestionID is the question whose tests ran; absent when the candidate ran their own.
	QuestionID      uuid.UUID    `json:"questionId,omitzero"`
	Language        string       `json:"language"`
	FileName        string       `json:"fileName,omitempty"`
	Code            string       `json:"code"`
	CodeHash        string       `json:"codeHash"`
	Passed          int          `json:"passed"`
	Failed          int          `json:"failed"`
	Total           int          `json:"total"`
	ExecutionTimeMs int64        `json:"executionTimeMs"`
	Results         []TestResult `json:"results"`
}

func (TestRun) EventType() string  { return TypeTestRun }
func (TestRun) SchemaVersion() int { return 1 }

// TerminalInput is what the candidate sent to the terminal. CommandID ties it to the output
// and exit of the command it started or interrupted.
type TerminalInput struct {
	CommandID uuid.UUID         `json:"commandId"`
	Kind      TerminalInputKind `json:"kind"`
	Data      string            `json:"data,omitempty"`
}

func (TerminalInput) EventType() string  { return TypeTerminalInput }
func (TerminalInput) SchemaVersion() int { return 1 }

// TerminalOutput is a piece of a command's output, in the order it was read. Process output
// may hold U+0000, which the log cannot store; the writer replaces it first.
type TerminalOutput struct {
	CommandID uuid.UUID    `json:"commandId"`
	Stream    OutputStream `json:"stream"`
	Data      string       `json:"data"`
}

func (TerminalOutput) EventType() string  { return TypeTerminalOutput }
func (TerminalOutput) SchemaVersion() int { return 1 }

// TerminalExit is a command ending.
type TerminalExit struct {
	CommandID  uuid.UUID `json:"commandId"`
	ExitCode   int       `json:"exitCode"`
	DurationMs int64     `json:"durationMs"`
	// TimedOut is set when the sandbox killed the command at its wall-clock limit.
	TimedOut bool `json:"timedOut,omitempty"`
	// OutputTruncated is set when output past the sandbox's cap was dropped, so that a reader
	// of the log knows the recorded output is not all of it.
	OutputTruncated bool `json:"outputTruncated,omitempty"`
}

func (TerminalExit) EventType() string  { return TypeTerminalExit }
func (TerminalExit) SchemaVersion() int { return 1 }

// FileWritten is a file written through PUT /files, with its full content: a keyframe of the
// replay for that file.
type FileWritten struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

func (FileWritten) EventType() string  { return TypeFileWritten }
func (FileWritten) SchemaVersion() int { return 1 }

// CodeContext is the code the candidate showed the AI along with a message.
type CodeContext struct {
	FileName string `json:"fileName,omitempty"`
	Content  string `json:"content"`
	Language string `json:"language,omitempty"`
}

// AIMessage is the candidate's side of an AI turn, with the score of how well it was asked.
type AIMessage struct {
	TurnID      uuid.UUID    `json:"turnId"`
	Message     string       `json:"message"`
	CodeContext *CodeContext `json:"codeContext,omitempty"`
	// PromptQuality is 1 (poor) to 5 (excellent).
	PromptQuality  int      `json:"promptQuality"`
	QualityReasons []string `json:"qualityReasons,omitempty"`
}

func (AIMessage) EventType() string  { return TypeAIMessage }
func (AIMessage) SchemaVersion() int { return 1 }

// AIResponse is the AI's side of a turn, recorded once the answer is complete or has failed;
// Text holds whatever was streamed before a failure.
type AIResponse struct {
	TurnID       uuid.UUID `json:"turnId"`
	Text         string    `json:"text"`
	Model        string    `json:"model"`
	InputTokens  int       `json:"inputTokens"`
	OutputTokens int       `json:"outputTokens"`
	LatencyMs    int64     `json:"latencyMs"`
	FinishReason string    `json:"finishReason,omitempty"`
	Error        string    `json:"error,omitempty"`
	// CostUSD is the call's price when it was made (domain.Prices), so that a later change of
	// prices does not rewrite what past interviews cost.
	CostUSD float64 `json:"costUsd,omitempty"`
}

func (AIResponse) EventType() string  { return TypeAIResponse }
func (AIResponse) SchemaVersion() int { return 1 }

// InterviewSubmitted ends the candidate's part: no write from them is accepted after it.
type InterviewSubmitted struct {
	// FinalFiles maps each file name to its content as submitted.
	FinalFiles map[string]string `json:"finalFiles"`
	Notes      string            `json:"notes,omitempty"`
	// Automatic is set when the server submitted on the candidate's behalf, and Reason says
	// why, such as "time_expired".
	Automatic bool   `json:"automatic,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func (InterviewSubmitted) EventType() string  { return TypeInterviewSubmitted }
func (InterviewSubmitted) SchemaVersion() int { return 1 }

// ScoreBreakdown is the parts the overall score is made of.
type ScoreBreakdown struct {
	Technical       float64 `json:"technical"`
	CodeQuality     float64 `json:"codeQuality"`
	ProblemSolving  float64 `json:"problemSolving"`
	AICollaboration float64 `json:"aiCollaboration"`
}

// Flag is a notable behaviour found by the evaluation. Evidence holds the log positions of
// the events that show it, so that a reviewer can jump to them in the replay.
type Flag struct {
	Code     string  `json:"code"`
	Message  string  `json:"message"`
	Evidence []int64 `json:"evidence"`
}

// EvaluationCompleted is the scored evaluation of a submitted interview. ScoringVersion names
// the rules that produced it, so that a re-evaluation under new rules is told apart.
type EvaluationCompleted struct {
	ScoringVersion string         `json:"scoringVersion"`
	OverallScore   float64        `json:"overallScore"`
	Breakdown      ScoreBreakdown `json:"breakdown"`
	Recommendation Recommendation `json:"recommendation"`
	// Confidence is 0 to 100.
	Confidence float64 `json:"confidence"`
	// PercentileRank places OverallScore among the CohortSize evaluated interviews of the
	// assessment (this one included) when the evaluation was recorded: the share of the others
	// scoring lower, ties counting half; 50 in a cohort of one.
	PercentileRank float64 `json:"percentileRank"`
	CohortSize     int     `json:"cohortSize"`
	RedFlags       []Flag  `json:"redFlags"`
	GreenFlags     []Flag  `json:"greenFlags"`
}

func (EvaluationCompleted) EventType() string  { return TypeEvaluationCompleted }
func (EvaluationCompleted) SchemaVersion() int { return 1 }

// CandidateDecided is the hiring team's decision; a later one replaces an earlier one.
type CandidateDecided struct {
	Status HiringDecision `json:"status"`
	// DecidedBy is the user who decided.
	DecidedBy uuid.UUID `json:"decidedBy"`
}

func (CandidateDecided) EventType() string  { return TypeCandidateDecided }
func (CandidateDecided) SchemaVersion() int { return 1 }

// SessionArchived is the stream having been written to the blob store as gzip JSON.
// LastVersion is the stream version the archive ends at, since events such as a decision may
// follow the archive.
type SessionArchived struct {
	Key             string `json:"key"`
	SizeBytes       int64  `json:"sizeBytes"`
	CompressedBytes int64  `json:"compressedBytes"`
	EventCount      int64  `json:"eventCount"`
	LastVersion     int64  `json:"lastVersion"`
}

func (SessionArchived) EventType() string  { return TypeSessionArchived }
func (SessionArchived) SchemaVersion() int { return 1 }
