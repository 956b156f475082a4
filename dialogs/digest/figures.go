package digest

import (
	"time"
)

// Figures are everything one digest shows. They are stored as the
// digest's snapshot (doc digest.snapshots/<kind>:<period>), so the card,
// "Visa allt" and the annual report all read the same numbers, and a
// digest rebuilt after a crash is the one first computed.
type Figures struct {
	Kind   string    `json:"kind"`
	Period string    `json:"period"`
	From   time.Time `json:"from"` // the window coaching and questions cover
	To     time.Time `json:"to"`
	At     time.Time `json:"at"` // when the figures were read
	// Since is when "what changed" starts: the previous digest of the
	// same kind, or From for the first.
	Since     time.Time       `json:"since"`
	Status    StatusFigures   `json:"status"`
	Coaching  CoachingFigures `json:"coaching"`
	Questions QuestionFigures `json:"questions"`
}

// Status codes as the status package stores them, plus NoReport.
const (
	StatusNotStarted = "not_started"
	StatusOnTrack    = "on_track"
	StatusAtRisk     = "at_risk"
	StatusDelayed    = "delayed"
	StatusDone       = "done"
	StatusPaused     = "paused"
	NoReport         = "none" // never reported
)

// statusOrder is the order bars and counts show statuses in: finished
// first, then what goes well, then what needs attention.
var statusOrder = []string{StatusDone, StatusOnTrack, StatusAtRisk, StatusDelayed, StatusPaused, StatusNotStarted, NoReport}

// StatusFigures is the activity follow-up.
type StatusFigures struct {
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"` // why not available
	// Counts by status code (NoReport for never reported).
	Counts map[string]int `json:"counts"`
	// Areas are the förflyttningar (areas) in register order.
	Areas      []AreaFigures `json:"areas"`
	Activities []ActivityFig `json:"activities"`
	// Changes are the status reports since Since, newest first.
	Changes []Change `json:"changes"`
	// AtRisk: at risk, delayed, or past the expected completion date and
	// not done; worst first.
	AtRisk []string `json:"atRisk"` // activity ids
	// Upcoming: expected completion within UpcomingDays, soonest first.
	Upcoming     []string      `json:"upcoming"`
	UpcomingDays int           `json:"upcomingDays"`
	Missing      []MissingFig  `json:"missing"`
	Unreachable  []Unreachable `json:"unreachable"`
	Round        string        `json:"round,omitempty"`
	RoundDue     time.Time     `json:"roundDue,omitzero"`
	NextNudge    time.Time     `json:"nextNudge,omitzero"`
}

// AreaFigures is one förflyttning's activities by status.
type AreaFigures struct {
	Name   string         `json:"name"`
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
}

// ActivityFig is one activity as the digest shows it.
type ActivityFig struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Area       string    `json:"area"`
	Department string    `json:"department,omitempty"`
	Status     string    `json:"status"` // code, NoReport when never reported
	Owners     []string  `json:"owners,omitempty"`
	Delegate   string    `json:"delegate,omitempty"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
	UpdatedBy  string    `json:"updatedBy,omitempty"`
	Due        string    `json:"due,omitempty"` // YYYY-MM-DD
	Late       bool      `json:"late,omitempty"`
	Help       bool      `json:"help,omitempty"`
	HelpText   string    `json:"helpText,omitempty"`
	Done       string    `json:"done,omitempty"`
	Next       string    `json:"next,omitempty"`
	Missing    bool      `json:"missing,omitempty"` // no update in the latest round
}

// Change is one status report since the previous digest.
type Change struct {
	Activity string    `json:"activity"`
	From     string    `json:"from"` // status before (NoReport when none)
	To       string    `json:"to"`
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	Comment  string    `json:"comment,omitempty"`
}

// MissingFig is a person who owes updates in the latest round.
type MissingFig struct {
	Name        string    `json:"name"`
	Activities  []string  `json:"activities"`
	NudgedAt    time.Time `json:"nudgedAt,omitzero"`
	RemindedAt  time.Time `json:"remindedAt,omitzero"`
	EscalatedAt time.Time `json:"escalatedAt,omitzero"`
}

// Unreachable is a person Digibot could not reach.
type Unreachable struct {
	Name       string   `json:"name"`
	Activities []string `json:"activities"`
	Reason     string   `json:"reason"` // the status package's code
	// ReasonText explains the reason per language ("sv", "en").
	ReasonText map[string]string `json:"reasonText,omitempty"`
}

// CoachingFigures is the IT coaching over the window.
type CoachingFigures struct {
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"`
	// Booked counts bookings not cancelled; Held and NoShow are what the
	// coaches marked (the rest are not marked yet).
	Booked      int     `json:"booked"`
	Held        int     `json:"held"`
	NoShow      int     `json:"noShow"`
	Cancelled   int     `json:"cancelled"`
	Places      int     `json:"places"`
	Utilization float64 `json:"utilization"` // Booked/Places; 0 without places
	// Departments by bookings, most first.
	Departments []DepartmentFig `json:"departments"`
}

// DepartmentFig is one department's bookings and its most common topics.
type DepartmentFig struct {
	Department string       `json:"department"`
	Bookings   int          `json:"bookings"`
	Topics     []TopicCount `json:"topics"` // most common first
}

// TopicCount is a topic (or question) and how often it came up.
type TopicCount struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// QuestionFigures are the questions asked to Digibot over the window.
type QuestionFigures struct {
	Available bool   `json:"available"`
	Error     string `json:"error,omitempty"`
	Asked     int    `json:"asked"`
	Answered  int    `json:"answered"`
	Up        int    `json:"up"`   // 👍
	Down      int    `json:"down"` // 👎
	// Unanswered are the questions Digibot could not answer, grouped by
	// their wording, most asked first: the knowledge gaps.
	Unanswered []TopicCount `json:"unanswered"`
}

// AnsweredShare is Answered/Asked (0 when nothing was asked).
func (q QuestionFigures) AnsweredShare() float64 {
	if q.Asked == 0 {
		return 0
	}
	return float64(q.Answered) / float64(q.Asked)
}

// activity returns the activity with id.
func (s StatusFigures) activity(id string) (ActivityFig, bool) {
	for _, a := range s.Activities {
		if a.ID == id {
			return a, true
		}
	}
	return ActivityFig{}, false
}

// TrendPoint is one digest in the trend (the index of a kind's digests).
type TrendPoint struct {
	Kind        string         `json:"kind"`
	Period      string         `json:"period"`
	At          time.Time      `json:"at"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	Counts      map[string]int `json:"counts"`
	Activities  int            `json:"activities"`
	AtRisk      int            `json:"atRisk"`
	Missing     int            `json:"missing"`
	Unreachable int            `json:"unreachable"`
	Booked      int            `json:"booked"`
	Held        int            `json:"held"`
	NoShow      int            `json:"noShow"`
	Utilization float64        `json:"utilization"`
	Asked       int            `json:"asked"`
	Answered    int            `json:"answered"`
	Up          int            `json:"up"`
	Down        int            `json:"down"`
}

func (f Figures) trendPoint() TrendPoint {
	return TrendPoint{
		Kind: f.Kind, Period: f.Period, At: f.At, From: f.From, To: f.To,
		Counts: f.Status.Counts, Activities: len(f.Status.Activities), AtRisk: len(f.Status.AtRisk),
		Missing: len(f.Status.Missing), Unreachable: len(f.Status.Unreachable),
		Booked: f.Coaching.Booked, Held: f.Coaching.Held, NoShow: f.Coaching.NoShow, Utilization: f.Coaching.Utilization,
		Asked: f.Questions.Asked, Answered: f.Questions.Answered, Up: f.Questions.Up, Down: f.Questions.Down,
	}
}
