package answer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"digibot/storage"
)

// Store names. The digest reads the two logs.
const (
	LogQuestions  = "questions"        // every question asked in Teams, as QuestionLog JSON
	LogFeedback   = "feedback"         // every 👍/👎, as FeedbackLog JSON
	CollQuestions = "answer.questions" // questions that can be forwarded, as QuestionDoc JSON
)

// QuestionLog is one entry of the "questions" log.
type QuestionLog struct {
	Time      time.Time `json:"time"`
	AskerAAD  string    `json:"askerAadId"`
	Question  string    `json:"question"`
	Lang      string    `json:"lang"`
	Answered  bool      `json:"answered"`
	ArticleID string    `json:"articleId,omitempty"`
	Score     float64   `json:"score"`
	// QuestionID names the QuestionDoc when the question could be forwarded.
	QuestionID string `json:"questionId,omitempty"`
}

// FeedbackLog is one entry of the "feedback" log.
type FeedbackLog struct {
	Time      time.Time `json:"time"`
	AskerAAD  string    `json:"askerAadId"`
	Question  string    `json:"question,omitempty"`
	Lang      string    `json:"lang"`
	ArticleID string    `json:"articleId"`
	Helpful   bool      `json:"helpful"` // 👍 true, 👎 false
	Comment   string    `json:"comment,omitempty"`
	Score     float64   `json:"score"`
}

// QuestionDoc is a question the bot could not answer, kept so that the
// asker can forward it and a human can answer it.
type QuestionDoc struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	AskerAAD   string    `json:"askerAadId"`
	AskerName  string    `json:"askerName,omitempty"`
	Question   string    `json:"question"`
	Lang       string    `json:"lang"`
	ArticleID  string    `json:"articleId,omitempty"` // best guess, if any
	Score      float64   `json:"score"`
	Forwarded  time.Time `json:"forwardedAt,omitempty"`
	AnsweredBy string    `json:"answeredBy,omitempty"`
	AnsweredAt time.Time `json:"answeredAt,omitempty"`
	Answer     string    `json:"answer,omitempty"`
	// ResponderAAD is who answered (Entra object id).
	ResponderAAD string `json:"responderAadId,omitempty"`
}

var questionIDPattern = regexp.MustCompile(`^q[0-9a-f]{24}$`)

// questionID is deterministic for one incoming activity, so a Teams retry
// of the same message maps to the same record.
func questionID(conversationID, activityID, asker, question string) string {
	h := sha256.Sum256([]byte(conversationID + "\x00" + activityID + "\x00" + asker + "\x00" + question))
	return "q" + hex.EncodeToString(h[:12])
}

func (e *Engine) appendLog(ctx context.Context, log string, at time.Time, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s entry: %w", log, err)
	}
	if _, err := e.store.AppendLog(ctx, log, at, data); err != nil {
		return fmt.Errorf("append %s: %w", log, err)
	}
	return nil
}

// getQuestion loads a question doc and its version.
func (e *Engine) getQuestion(ctx context.Context, id string) (QuestionDoc, int64, error) {
	d, err := e.store.GetDoc(ctx, CollQuestions, id)
	if err != nil {
		return QuestionDoc{}, 0, err
	}
	var q QuestionDoc
	if err := json.Unmarshal(d.Value, &q); err != nil {
		return QuestionDoc{}, 0, fmt.Errorf("decode question %s: %w", id, err)
	}
	return q, d.Version, nil
}

// putQuestion writes a question doc with an optimistic version check.
func (e *Engine) putQuestion(ctx context.Context, q QuestionDoc, expect int64) error {
	data, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode question: %w", err)
	}
	if _, err := e.store.PutDoc(ctx, CollQuestions, q.ID, data, expect); err != nil {
		return fmt.Errorf("store question %s: %w", q.ID, err)
	}
	return nil
}

// updateQuestion applies change to the stored question, retrying when
// another replica changed it in between. change returns false to stop
// without writing.
func (e *Engine) updateQuestion(ctx context.Context, id string, change func(*QuestionDoc) bool) (QuestionDoc, error) {
	for range 5 {
		q, v, err := e.getQuestion(ctx, id)
		if err != nil {
			return q, err
		}
		if !change(&q) {
			return q, nil
		}
		err = e.putQuestion(ctx, q, v)
		if !errors.Is(err, storage.ErrConflict) {
			return q, err
		}
	}
	return QuestionDoc{}, fmt.Errorf("question %s: %w", id, storage.ErrConflict)
}
