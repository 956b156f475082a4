package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"digibot/storage"
)

// LogReader reads the question and feedback logs.
type LogReader interface {
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
}

// maxGapEntries bounds how much of a log one report reads.
const maxGapEntries = 100000

// GapQuestion is an unanswered question, grouped by its normalised text.
type GapQuestion struct {
	Question  string    `json:"question"`
	Count     int       `json:"count"`
	Last      time.Time `json:"last"`
	BestGuess string    `json:"bestGuess,omitempty"`
}

// GapArticle is an article with 👎 feedback.
type GapArticle struct {
	ArticleID string   `json:"articleId"`
	Down      int      `json:"down"`
	Up        int      `json:"up"`
	Comments  []string `json:"comments,omitempty"`
}

// Gaps is what the knowledge base lacks in a period.
type Gaps struct {
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	Asked      int           `json:"asked"`
	Unanswered int           `json:"unanswered"`
	Questions  []GapQuestion `json:"questions"`
	Articles   []GapArticle  `json:"articles"`
}

// collectGaps reads the logs for [from, to) and returns the top
// unanswered questions and the articles with most 👎.
func collectGaps(ctx context.Context, store LogReader, from, to time.Time, top int) (Gaps, error) {
	g := Gaps{From: from, To: to}
	qs, err := store.ReadLog(ctx, LogQuestions, from, to, maxGapEntries)
	if err != nil {
		return g, fmt.Errorf("read %s: %w", LogQuestions, err)
	}
	groups := map[string]*GapQuestion{}
	for _, le := range qs {
		var q QuestionLog
		if json.Unmarshal(le.Data, &q) != nil {
			continue // a record another version wrote; skip rather than fail the report
		}
		g.Asked++
		if q.Answered {
			continue
		}
		g.Unanswered++
		key := normalizePhrase(q.Question)
		if key == "" {
			continue
		}
		gq := groups[key]
		if gq == nil {
			gq = &GapQuestion{Question: plainLine(q.Question)}
			groups[key] = gq
		}
		gq.Count++
		if le.At.After(gq.Last) {
			gq.Last = le.At
			if q.ArticleID != "" {
				gq.BestGuess = q.ArticleID
			}
		}
	}
	for _, gq := range groups {
		g.Questions = append(g.Questions, *gq)
	}
	sort.Slice(g.Questions, func(i, j int) bool {
		a, b := g.Questions[i], g.Questions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if !a.Last.Equal(b.Last) {
			return a.Last.After(b.Last)
		}
		return a.Question < b.Question
	})
	if len(g.Questions) > top {
		g.Questions = g.Questions[:top]
	}

	fb, err := store.ReadLog(ctx, LogFeedback, from, to, maxGapEntries)
	if err != nil {
		return g, fmt.Errorf("read %s: %w", LogFeedback, err)
	}
	arts := map[string]*GapArticle{}
	for _, le := range fb {
		var f FeedbackLog
		if json.Unmarshal(le.Data, &f) != nil || f.ArticleID == "" {
			continue
		}
		ga := arts[f.ArticleID]
		if ga == nil {
			ga = &GapArticle{ArticleID: f.ArticleID}
			arts[f.ArticleID] = ga
		}
		if f.Helpful {
			ga.Up++
			continue
		}
		ga.Down++
		if c := plainLine(f.Comment); c != "" && len(ga.Comments) < 3 {
			ga.Comments = append(ga.Comments, shorten(c, 200))
		}
	}
	for _, ga := range arts {
		if ga.Down > 0 {
			g.Articles = append(g.Articles, *ga)
		}
	}
	sort.Slice(g.Articles, func(i, j int) bool {
		a, b := g.Articles[i], g.Articles[j]
		if a.Down != b.Down {
			return a.Down > b.Down
		}
		return a.ArticleID < b.ArticleID
	})
	if len(g.Articles) > top {
		g.Articles = g.Articles[:top]
	}
	return g, nil
}

// text renders the report for people; markdown escapes the user text
// (questions and comments) for Teams.
func (g Gaps) render(T *texts, markdown bool) string {
	esc := func(s string) string {
		if markdown {
			return escapeMarkdown(s)
		}
		return s
	}
	var b strings.Builder
	nl := "\n"
	if markdown {
		nl = "\n\n"
	}
	b.WriteString(T.GapsHeader(g.From.In(stockholm), g.To.In(stockholm), g.Asked, g.Unanswered))
	b.WriteString(nl)
	if len(g.Questions) == 0 && len(g.Articles) == 0 {
		b.WriteString(T.GapsNone + "\n")
		return b.String()
	}
	if len(g.Questions) > 0 {
		b.WriteString(nl + T.GapsQuestions + nl)
		for i, q := range g.Questions {
			line := fmt.Sprintf("%d. %s (%d×)", i+1, esc(q.Question), q.Count)
			if q.BestGuess != "" {
				line += " → " + esc(q.BestGuess)
			}
			b.WriteString(line + nl)
		}
	}
	if len(g.Articles) > 0 {
		b.WriteString(nl + T.GapsArticles + nl)
		for i, a := range g.Articles {
			line := fmt.Sprintf("%d. %s: %d 👎, %d 👍", i+1, esc(a.ArticleID), a.Down, a.Up)
			for _, c := range a.Comments {
				line += nl + "   – " + esc(c)
			}
			b.WriteString(line + nl)
		}
	}
	return b.String()
}
