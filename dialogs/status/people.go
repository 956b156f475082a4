package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"digibot/bot/schedule"
	"digibot/storage"
)

// person is a resolved principal (doc "status-people"/<principal>).
type person struct {
	Principal string    `json:"principal"`
	AAD       string    `json:"aad"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	At        time.Time `json:"at"`
}

// display is the best name to show.
func (p person) display() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Principal
}

// Reasons someone could not be reached or resolved (stable codes; the
// digest shows Unreachable.Text).
const (
	ReasonNotInDirectory = "not_in_directory" // UPN unknown to Graph
	ReasonNoDirectory    = "no_directory"     // a UPN, and Graph is not configured
	ReasonInstallDenied  = "install_denied"   // Graph refused to install Digibot
	ReasonNoReference    = "no_reference"     // no chat and no way to open one
	ReasonDeliveryFailed = "delivery_failed"  // the Bot Connector refused the message
	ReasonDirectoryError = "directory_error"  // Graph failed (temporary); retried
)

// peopleTTL is how long a UPN look-up is trusted by the nudge run; chat
// turns trust the cache regardless (an owner's id does not change).
const peopleTTL = 7 * 24 * time.Hour

// notFoundTTL is how long "not in the directory" is remembered.
const notFoundTTL = time.Hour

// people caches principal → person for one operation.
type people struct {
	s     *Service
	docs  map[string]storage.Doc
	cache map[string]person
}

func (s *Service) loadPeople(ctx context.Context) (*people, error) {
	docs, err := s.store.ListDocs(ctx, collPeople)
	if err != nil {
		return nil, fmt.Errorf("status: list people: %w", err)
	}
	p := &people{s: s, docs: map[string]storage.Doc{}, cache: map[string]person{}}
	for _, d := range docs {
		p.docs[d.ID] = d
	}
	return p, nil
}

// resolve finds the Entra id of principal. reason is set when the person
// cannot be resolved for good (for now); err only for store failures and
// temporary directory errors.
func (p *people) resolve(ctx context.Context, principal string, refresh bool) (person, string, error) {
	if c, ok := p.cache[principal]; ok {
		return c, "", nil
	}
	var cached person
	var version int64
	if d, ok := p.docs[principal]; ok && json.Unmarshal(d.Value, &cached) == nil {
		version = d.Version
	}
	if strings.HasPrefix(principal, "aad:") {
		cached.Principal, cached.AAD = principal, strings.TrimPrefix(principal, "aad:")
		p.cache[principal] = cached
		return cached, "", nil
	}
	fresh := cached.AAD != "" && (!refresh || p.s.now().Sub(cached.At) < peopleTTL)
	if fresh {
		p.cache[principal] = cached
		return cached, "", nil
	}
	if cached.AAD == "" && !cached.At.IsZero() && p.s.dir != nil && p.s.now().Sub(cached.At) < notFoundTTL {
		// Recently not found: do not ask Graph on every turn.
		return person{Principal: principal}, ReasonNotInDirectory, nil
	}
	if p.s.dir == nil {
		if cached.AAD != "" {
			p.cache[principal] = cached
			return cached, "", nil
		}
		return person{Principal: principal}, ReasonNoDirectory, nil
	}
	id, name, email, err := p.s.dir.UserByUPN(ctx, principal)
	switch {
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden):
		p.store(ctx, person{Principal: principal, At: p.s.now()}, version)
		return person{Principal: principal}, ReasonNotInDirectory, nil
	case err != nil:
		if cached.AAD != "" { // keep working on the cached id
			p.s.log.Warn("directory look-up failed; using cached id", "err", err)
			p.cache[principal] = cached
			return cached, "", nil
		}
		return person{Principal: principal}, ReasonDirectoryError, fmt.Errorf("status: look up %s: %w", principal, err)
	case id == "":
		return person{Principal: principal}, ReasonNotInDirectory, nil
	}
	np := person{Principal: principal, AAD: strings.ToLower(id), Name: name, Email: email, At: p.s.now()}
	p.store(ctx, np, version)
	p.cache[principal] = np
	return np, "", nil
}

// store caches a look-up; a concurrent look-up may have stored the same,
// and either is right.
func (p *people) store(ctx context.Context, np person, version int64) {
	raw, err := json.Marshal(np)
	if err != nil {
		return
	}
	if _, err := p.s.store.PutDoc(ctx, collPeople, np.Principal, raw, version); err != nil && !errors.Is(err, storage.ErrConflict) {
		p.s.log.Warn("status: cache person", "err", err)
	}
}

// ownership is what admins and owners changed in chat for one activity
// (doc "status-owners"/<id>): owners added to or removed from the
// configured ones, and a delegate who answers instead of the owners.
type ownership struct {
	Added       []string  `json:"added,omitempty"`
	Removed     []string  `json:"removed,omitempty"`
	Delegate    string    `json:"delegate,omitempty"`
	DelegatedBy string    `json:"delegated_by,omitempty"`
	At          time.Time `json:"at"`
	By          string    `json:"by,omitempty"`
}

// deputy stands in for an owner until a date (doc "status-deputies"/<aad>).
type deputy struct {
	Deputy string    `json:"deputy"`
	Until  string    `json:"until"` // YYYY-MM-DD, inclusive
	At     time.Time `json:"at"`
	By     string    `json:"by,omitempty"`
}

func (d deputy) active(now time.Time) bool {
	return d.Deputy != "" && d.Until >= now.In(schedule.Stockholm).Format(time.DateOnly)
}

// ownersOf are the effective owners: configured ∪ added − removed.
func (s *Service) ownersOf(id string, o ownership) []string {
	var out []string
	for _, p := range append(append([]string(nil), s.owners[id]...), o.Added...) {
		if !slices.Contains(o.Removed, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// assignment is who answers for one activity.
type assignment struct {
	act       Activity
	owners    []person
	delegate  *person
	deputies  map[string]person // owner AAD -> active deputy
	nudge     []person          // who is asked: the delegate, else owners (or their deputies)
	may       map[string]string // AAD -> role ("owner", "delegate", "deputy")
	unresolve []unresolved
}

type unresolved struct {
	principal, reason string
}

// view is the whole assignment graph at a time.
type view struct {
	acts  []*assignment
	byID  map[string]*assignment
	nudge map[string][]*assignment // AAD -> activities they are asked about
	names map[string]string        // AAD -> display name
	// unresolved principals that should have been asked.
	unresolved map[string]string // principal -> reason
	temporary  []error
}

// buildView resolves owners, delegates and deputies. refresh re-checks
// cached UPN look-ups older than peopleTTL (nudge runs). Temporary
// directory errors are collected in v.temporary; the affected people are
// treated as unresolved.
func (s *Service) buildView(ctx context.Context, now time.Time, refresh bool) (*view, error) {
	ppl, err := s.loadPeople(ctx)
	if err != nil {
		return nil, err
	}
	owns, err := s.store.ListDocs(ctx, collOwners)
	if err != nil {
		return nil, fmt.Errorf("status: list owners: %w", err)
	}
	ownDocs := map[string]ownership{}
	for _, d := range owns {
		var o ownership
		if json.Unmarshal(d.Value, &o) == nil {
			ownDocs[d.ID] = o
		}
	}
	deps, err := s.store.ListDocs(ctx, collDeputies)
	if err != nil {
		return nil, fmt.Errorf("status: list deputies: %w", err)
	}
	depDocs := map[string]deputy{}
	for _, d := range deps {
		var dp deputy
		if json.Unmarshal(d.Value, &dp) == nil && dp.active(now) {
			depDocs[d.ID] = dp
		}
	}
	v := &view{byID: map[string]*assignment{}, nudge: map[string][]*assignment{}, names: map[string]string{}, unresolved: map[string]string{}}
	res := func(principal string) (person, bool) {
		p, reason, err := ppl.resolve(ctx, principal, refresh)
		if err != nil {
			v.temporary = append(v.temporary, err)
		}
		if reason != "" || p.AAD == "" {
			if reason == "" {
				reason = ReasonNotInDirectory
			}
			v.unresolved[principal] = reason
			return p, false
		}
		if p.Name != "" {
			v.names[p.AAD] = p.Name
		}
		return p, true
	}
	for _, act := range s.reg.list {
		a := &assignment{act: act, deputies: map[string]person{}, may: map[string]string{}}
		o := ownDocs[act.ID]
		for _, pr := range s.ownersOf(act.ID, o) {
			p, ok := res(pr)
			if !ok {
				a.unresolve = append(a.unresolve, unresolved{pr, v.unresolved[pr]})
				continue
			}
			a.owners = append(a.owners, p)
			a.may[p.AAD] = "owner"
			if dp, ok := depDocs[p.AAD]; ok {
				if d, ok := res(dp.Deputy); ok {
					a.deputies[p.AAD] = d
					if _, has := a.may[d.AAD]; !has {
						a.may[d.AAD] = "deputy"
					}
				}
			}
		}
		if o.Delegate != "" {
			if d, ok := res(o.Delegate); ok {
				a.delegate = &d
				if _, has := a.may[d.AAD]; !has {
					a.may[d.AAD] = "delegate"
				}
			} else {
				a.unresolve = append(a.unresolve, unresolved{o.Delegate, v.unresolved[o.Delegate]})
			}
		}
		switch {
		case a.delegate != nil:
			a.nudge = []person{*a.delegate}
		default:
			for _, p := range a.owners {
				if d, ok := a.deputies[p.AAD]; ok {
					p = d
				}
				if !slices.ContainsFunc(a.nudge, func(q person) bool { return q.AAD == p.AAD }) {
					a.nudge = append(a.nudge, p)
				}
			}
		}
		for _, p := range a.nudge {
			v.nudge[p.AAD] = append(v.nudge[p.AAD], a)
		}
		v.acts = append(v.acts, a)
		v.byID[act.ID] = a
	}
	return v, nil
}

// mine are the activities aad may update as owner, delegate or deputy.
func (v *view) mine(aad string) []*assignment {
	var out []*assignment
	for _, a := range v.acts {
		if _, ok := a.may[aad]; ok {
			out = append(out, a)
		}
	}
	return out
}

// role of aad for activity id ("" if none).
func (v *view) role(aad, id string) string {
	if a, ok := v.byID[id]; ok {
		return a.may[aad]
	}
	return ""
}
