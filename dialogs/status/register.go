package status

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EmbeddedRegister is the action plan's activity register built into the
// binary (activities.yaml); register_file overrides it.
//
//go:embed activities.yaml
var EmbeddedRegister []byte

// Activity is one activity of the action plan.
type Activity struct {
	ID         string `yaml:"id" json:"id"`
	Name       string `yaml:"name" json:"name"`
	Area       string `yaml:"area" json:"area"` // förflyttning or area
	Department string `yaml:"department" json:"department"`
	Article    string `yaml:"article,omitempty" json:"article,omitempty"` // knowledge base article id
}

// Register is the list of activities, in the plan's order.
type Register struct {
	list []Activity
	byID map[string]int
}

// Limits on a register file: the plan has about 40 activities.
const (
	maxRegisterBytes = 1 << 20
	maxActivities    = 500
	maxNameLen       = 300
)

// ParseRegister reads a register in the activities.yaml format. Unknown
// keys, duplicate or malformed ids and missing names are errors naming the
// entry.
func ParseRegister(data []byte) (*Register, error) {
	if len(data) > maxRegisterBytes {
		return nil, fmt.Errorf("register is %d bytes, more than %d", len(data), maxRegisterBytes)
	}
	var doc struct {
		Activities []Activity `yaml:"activities"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("register: %w", err)
	}
	if len(doc.Activities) == 0 {
		return nil, errors.New("register: no activities")
	}
	if len(doc.Activities) > maxActivities {
		return nil, fmt.Errorf("register: %d activities, more than %d", len(doc.Activities), maxActivities)
	}
	r := &Register{byID: map[string]int{}}
	var errs []error
	for i, a := range doc.Activities {
		at := fmt.Sprintf("register: activities[%d]", i)
		id, ok := CanonicalID(a.ID)
		if !ok {
			errs = append(errs, fmt.Errorf("%s.id: %q is not an activity id like A01", at, a.ID))
			continue
		}
		if _, dup := r.byID[id]; dup {
			errs = append(errs, fmt.Errorf("%s.id: %s appears twice", at, id))
			continue
		}
		a.ID = id
		a.Name, a.Area, a.Department = strings.TrimSpace(a.Name), strings.TrimSpace(a.Area), strings.TrimSpace(a.Department)
		switch {
		case a.Name == "":
			errs = append(errs, fmt.Errorf("%s (%s).name: empty", at, id))
			continue
		case len(a.Name) > maxNameLen || len(a.Area) > maxNameLen || len(a.Department) > maxNameLen:
			errs = append(errs, fmt.Errorf("%s (%s): name, area or department longer than %d characters", at, id, maxNameLen))
			continue
		}
		r.byID[id] = len(r.list)
		r.list = append(r.list, a)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// LoadRegister reads path, or the embedded register when path is "".
func LoadRegister(path string) (*Register, error) {
	if path == "" {
		return ParseRegister(EmbeddedRegister)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("register file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRegisterBytes+1))
	if err != nil {
		return nil, fmt.Errorf("register file %s: %w", path, err)
	}
	r, err := ParseRegister(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Activities returns the activities in order (a copy).
func (r *Register) Activities() []Activity { return append([]Activity(nil), r.list...) }

// Get returns the activity with id (any spelling CanonicalID accepts).
func (r *Register) Get(id string) (Activity, bool) {
	c, ok := CanonicalID(id)
	if !ok {
		return Activity{}, false
	}
	i, ok := r.byID[c]
	if !ok {
		return Activity{}, false
	}
	return r.list[i], true
}

// Len is the number of activities.
func (r *Register) Len() int { return len(r.list) }
