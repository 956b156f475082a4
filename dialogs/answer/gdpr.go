package answer

// Personal data of the answer capability, for `digibot gdpr` (issue 7).
//
// What is stored about one person, and what DeleteUser does:
//
//   - Log "questions": every question they asked (text, Entra id, answer
//     given, score). Trimmed nightly after retention.questions_days.
//     DeleteUser deletes their entries.
//   - Log "feedback": their 👍/👎 with the question and comment. Same
//     retention; DeleteUser deletes their entries.
//   - Docs "answer.questions" they asked (unanswered questions kept so
//     they can be forwarded, with their name and any human answer).
//     DeleteUser deletes them; a reply to the channel card then says the
//     question is gone.
//   - Docs "answer.questions" they answered for someone else (from the
//     coordinating function's channel): their name and Entra id are
//     replaced by ErasedName. The answer text is kept: it is what the
//     asker was told, the organisation's reply, not data about the
//     responder.
//   - Outbox entries about their questions ("answer.forward:<qid>" to the
//     channel with their name, "answer.reply:<qid>" to them,
//     "answer.reply-update:<qid>"): exported and reported, not deleted.
//     The outbox has no delete; settled entries are purged after
//     retention.outbox_days, and one still pending to them fails once
//     their conversation reference is deleted (bot.DeleteUser).
//
// Removing log entries uses storage EditLog, which deletes by entry id in
// one atomic step per batch: entries appended meanwhile, by anyone, are
// never touched. An entry the person appends while DeleteUser runs (they
// keep using Digibot) is not removed; running it again removes it.
// Removing their questions lowers the digest's question counts for past
// periods: the questions are theirs, the counts follow.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"digibot/storage"
)

// ErasedName replaces the name of a person whose data was deleted where a
// record must keep saying that someone acted. Swedish: it is shown in
// Teams as a name.
const ErasedName = "borttagen användare"

// GDPRStore is what ExportUser and DeleteUser need.
type GDPRStore interface {
	ReadLog(ctx context.Context, log string, from, to time.Time, limit int) ([]storage.LogEntry, error)
	EditLog(ctx context.Context, log string, edits []storage.LogEdit) (int, error)
	ListDocs(ctx context.Context, coll string) ([]storage.Doc, error)
	GetDoc(ctx context.Context, coll, id string) (storage.Doc, error)
	PutDoc(ctx context.Context, coll, id string, value []byte, expect int64) (int64, error)
	DeleteDoc(ctx context.Context, coll, id string, expect int64) error
	GetOutbox(ctx context.Context, id string) (storage.OutboxEntry, error)
}

// UserData is everything the answer capability stores about one person.
type UserData struct {
	Questions   storage.PersonalData[QuestionLog]         `json:"questions"`
	Feedback    storage.PersonalData[FeedbackLog]         `json:"feedback"`
	Forwardable storage.PersonalData[QuestionDoc]         `json:"forwardableQuestions"`
	Answers     storage.PersonalData[AnswerGiven]         `json:"answersGiven"`
	Outbox      storage.PersonalData[storage.OutboxEntry] `json:"outbox"`
}

// AnswerGiven is the person's answer to someone else's forwarded
// question: the question itself is the asker's and is left out.
type AnswerGiven struct {
	QuestionID string    `json:"questionId"`
	AnsweredBy string    `json:"answeredBy"`
	AnsweredAt time.Time `json:"answeredAt"`
	Answer     string    `json:"answer"`
}

// DeleteReport says what DeleteUser did.
type DeleteReport struct {
	QuestionsDeleted   int `json:"questionsDeleted"`
	FeedbackDeleted    int `json:"feedbackDeleted"`
	ForwardableDeleted int `json:"forwardableQuestionsDeleted"`
	AnswersAnonymised  int `json:"answersAnonymised"`
	// OutboxLeft are outbox entries about the person that stay until
	// retention purges them.
	OutboxLeft []string `json:"outboxEntriesLeft"`
}

func newUserData() UserData {
	return UserData{
		Questions: storage.PersonalData[QuestionLog]{
			What:     "Questions you asked Digibot in Teams: the text, when, the language, and which article answered it.",
			Why:      "To see which questions the knowledge base answers and which it does not (knowledge gaps), and for the figures in the digest.",
			Kept:     "Deleted automatically after retention.questions_days (90 days by default).",
			OnDelete: "Deleted.",
			Items:    []QuestionLog{},
		},
		Feedback: storage.PersonalData[FeedbackLog]{
			What:     "Your 👍/👎 on answers, with the question and your comment.",
			Why:      "To improve the answers.",
			Kept:     "Deleted automatically after retention.questions_days (90 days by default).",
			OnDelete: "Deleted.",
			Items:    []FeedbackLog{},
		},
		Forwardable: storage.PersonalData[QuestionDoc]{
			What:     "Questions Digibot could not answer, kept so that you could send them on to the coordinating function, with your name and any answer you got.",
			Why:      "So that a person can answer you.",
			Kept:     "Until deleted.",
			OnDelete: "Deleted.",
			Items:    []QuestionDoc{},
		},
		Answers: storage.PersonalData[AnswerGiven]{
			What:     "Answers you gave to colleagues' forwarded questions, with your name.",
			Why:      "So that the channel shows who answered and the question is not answered twice.",
			Kept:     "Until deleted.",
			OnDelete: "Your name and Entra id are replaced by \"" + ErasedName + "\"; the answer text is kept, as it is what the colleague was told.",
			Items:    []AnswerGiven{},
		},
		Outbox: storage.PersonalData[storage.OutboxEntry]{
			What:     "Messages about your questions waiting to be sent or already sent: to you, or your question to the coordinating function's channel.",
			Why:      "Reliable delivery: a message is stored before it is sent.",
			Kept:     "Deleted automatically after retention.outbox_days (30 days by default) once sent or given up.",
			OnDelete: "Kept until retention deletes them; one not yet sent to you is not sent once your conversation is deleted.",
			Items:    []storage.OutboxEntry{},
		},
	}
}

// ExportUser returns what the answer capability stores about the person
// with Entra object id aadID.
func ExportUser(ctx context.Context, st GDPRStore, aadID string) (UserData, error) {
	d := newUserData()
	qs, err := userLog[QuestionLog](ctx, st, LogQuestions, aadID, func(q QuestionLog) string { return q.AskerAAD })
	if err != nil {
		return d, err
	}
	d.Questions.Items = append(d.Questions.Items, qs...)
	fb, err := userLog[FeedbackLog](ctx, st, LogFeedback, aadID, func(f FeedbackLog) string { return f.AskerAAD })
	if err != nil {
		return d, err
	}
	d.Feedback.Items = append(d.Feedback.Items, fb...)
	asked, answered, err := userQuestionDocs(ctx, st, aadID)
	if err != nil {
		return d, err
	}
	for _, q := range asked {
		d.Forwardable.Items = append(d.Forwardable.Items, q.QuestionDoc)
	}
	for _, q := range answered {
		d.Answers.Items = append(d.Answers.Items, AnswerGiven{QuestionID: q.ID, AnsweredBy: q.AnsweredBy, AnsweredAt: q.AnsweredAt, Answer: q.Answer})
	}
	d.Outbox.Items, err = userOutbox(ctx, st, asked)
	if err != nil {
		return d, err
	}
	return d, nil
}

// DeleteUser deletes the person's questions, feedback and forwardable
// questions, and anonymises the answers they gave (see the top of this
// file). now is not used: nothing here depends on time; it keeps the
// signature of the other capabilities.
func DeleteUser(ctx context.Context, st GDPRStore, aadID string, _ time.Time) (DeleteReport, error) {
	rep := DeleteReport{OutboxLeft: []string{}}
	asked, answered, err := userQuestionDocs(ctx, st, aadID)
	if err != nil {
		return rep, err
	}
	// The outbox ids name the question docs: find them before those go.
	out, err := userOutbox(ctx, st, asked)
	if err != nil {
		return rep, err
	}
	for _, e := range out {
		rep.OutboxLeft = append(rep.OutboxLeft, e.ID)
	}
	for _, l := range []struct {
		log string
		n   *int
		who func([]byte) string
	}{
		{LogQuestions, &rep.QuestionsDeleted, askerOf[QuestionLog](func(q QuestionLog) string { return q.AskerAAD })},
		{LogFeedback, &rep.FeedbackDeleted, askerOf[FeedbackLog](func(f FeedbackLog) string { return f.AskerAAD })},
	} {
		es, err := st.ReadLog(ctx, l.log, time.Time{}, time.Time{}, 0)
		if err != nil {
			return rep, fmt.Errorf("answer: read %s: %w", l.log, err)
		}
		var edits []storage.LogEdit
		for _, e := range es {
			if sameID(l.who(e.Data), aadID) {
				edits = append(edits, storage.LogEdit{ID: e.ID, Delete: true})
			}
		}
		if *l.n, err = editLog(ctx, st, l.log, edits); err != nil {
			return rep, err
		}
	}
	for _, q := range asked {
		err := st.DeleteDoc(ctx, CollQuestions, q.ID, storage.AnyVersion)
		switch {
		case errors.Is(err, storage.ErrNotFound): // gone meanwhile
		case err != nil:
			return rep, fmt.Errorf("answer: delete question %s: %w", q.ID, err)
		default:
			rep.ForwardableDeleted++
		}
	}
	for _, q := range answered {
		ok, err := anonymiseResponder(ctx, st, q, aadID)
		if err != nil {
			return rep, err
		}
		if ok {
			rep.AnswersAnonymised++
		}
	}
	return rep, nil
}

// userLog reads a whole log and keeps the person's entries.
func userLog[T any](ctx context.Context, st GDPRStore, log, aadID string, who func(T) string) ([]T, error) {
	es, err := st.ReadLog(ctx, log, time.Time{}, time.Time{}, 0)
	if err != nil {
		return nil, fmt.Errorf("answer: read %s: %w", log, err)
	}
	var out []T
	for _, e := range es {
		var v T
		if json.Unmarshal(e.Data, &v) == nil && sameID(who(v), aadID) {
			out = append(out, v)
		}
	}
	return out, nil
}

// askerOf decodes an entry and names whose it is ("" when undecodable).
func askerOf[T any](who func(T) string) func([]byte) string {
	return func(b []byte) string {
		var v T
		if json.Unmarshal(b, &v) != nil {
			return ""
		}
		return who(v)
	}
}

// editLog applies edits in batches the store accepts.
func editLog(ctx context.Context, st GDPRStore, log string, edits []storage.LogEdit) (int, error) {
	n := 0
	for len(edits) > 0 {
		batch := edits[:min(len(edits), storage.MaxLogEdits)]
		edits = edits[len(batch):]
		k, err := st.EditLog(ctx, log, batch)
		n += k
		if err != nil {
			return n, fmt.Errorf("answer: edit %s: %w", log, err)
		}
	}
	return n, nil
}

// versioned is a question doc with the version it was read at.
type versioned struct {
	QuestionDoc
	version int64
}

// userQuestionDocs are the question docs the person asked, and those
// someone else asked that the person answered.
func userQuestionDocs(ctx context.Context, st GDPRStore, aadID string) (asked, answered []versioned, err error) {
	docs, err := st.ListDocs(ctx, CollQuestions)
	if err != nil {
		return nil, nil, fmt.Errorf("answer: list questions: %w", err)
	}
	for _, d := range docs {
		var q QuestionDoc
		if json.Unmarshal(d.Value, &q) != nil {
			continue
		}
		switch {
		case sameID(q.AskerAAD, aadID):
			asked = append(asked, versioned{q, d.Version})
		case sameID(q.ResponderAAD, aadID):
			answered = append(answered, versioned{q, d.Version})
		}
	}
	return asked, answered, nil
}

// userOutbox are the outbox entries about the person's questions.
func userOutbox(ctx context.Context, st GDPRStore, asked []versioned) ([]storage.OutboxEntry, error) {
	out := []storage.OutboxEntry{}
	for _, q := range asked {
		for _, id := range []string{forwardEntryID(q.ID), "answer.reply:" + q.ID, "answer.reply-update:" + q.ID} {
			e, err := st.GetOutbox(ctx, id)
			switch {
			case errors.Is(err, storage.ErrNotFound):
			case err != nil:
				return nil, fmt.Errorf("answer: read outbox %s: %w", id, err)
			default:
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// anonymiseResponder replaces the responder of q, retrying when the doc
// changed in between. ok is false when it no longer names the person.
func anonymiseResponder(ctx context.Context, st GDPRStore, q versioned, aadID string) (bool, error) {
	for range 5 {
		if !sameID(q.ResponderAAD, aadID) {
			return false, nil
		}
		q.ResponderAAD, q.AnsweredBy = "", ErasedName
		raw, err := json.Marshal(q.QuestionDoc)
		if err != nil {
			return false, fmt.Errorf("answer: encode question %s: %w", q.ID, err)
		}
		_, err = st.PutDoc(ctx, CollQuestions, q.ID, raw, q.version)
		if !errors.Is(err, storage.ErrConflict) {
			if err != nil {
				return false, fmt.Errorf("answer: anonymise question %s: %w", q.ID, err)
			}
			return true, nil
		}
		// Changed meanwhile (or deleted): read it again.
		d, err := st.GetDoc(ctx, CollQuestions, q.ID)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("answer: read question %s: %w", q.ID, err)
		}
		q.QuestionDoc = QuestionDoc{}
		if err := json.Unmarshal(d.Value, &q.QuestionDoc); err != nil {
			return false, fmt.Errorf("answer: decode question %s: %w", q.ID, err)
		}
		q.version = d.Version
	}
	return false, fmt.Errorf("answer: anonymise question %s: %w", q.ID, storage.ErrConflict)
}

// sameID compares Entra object ids (GUIDs) without regard to case; an
// empty id is nobody.
func sameID(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
