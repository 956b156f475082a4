package connector

import (
	"bytes"
	"encoding/json"
	"strings"
)

// schema.Activity embeds structs and time.Time by value, so encoding/json
// writes "from":{}, "relatesTo":{"user":{},…}, "suggestedActions":{} and
// "expiration":"0001-01-01T00:00:00Z" even when unset; the connector rejects
// or misreads some of them (an expiration in year 1 expires the message).
// marshalPruned encodes v and then drops empty objects and arrays, nulls,
// empty strings and zero timestamps. false and 0 are kept: every schema
// field that could carry them is omitempty already, so a remaining false
// or 0 was set on purpose.
//
// Free-form payloads (card content, channelData, values) are opaque: they
// pass through unchanged, because an Adaptive Card's "" or [] can matter.

// opaqueFunc reports whether the member at path is passed through as is.
// path holds object keys; array elements appear as "*".
type opaqueFunc func(path []string) bool

var activityOpaquePaths = [][]string{
	{"channelData"},
	{"value"},
	{"attachments", "*", "content"},
	{"suggestedActions", "actions", "*", "value"},
	{"suggestedActions", "actions", "*", "channelData"},
}

func activityOpaque(path []string) bool { return matchAny(path, activityOpaquePaths) }

func paramsOpaque(path []string) bool {
	if len(path) == 1 && path[0] == "channelData" {
		return true
	}
	return len(path) > 1 && path[0] == "activity" && activityOpaque(path[1:])
}

func matchAny(path []string, patterns [][]string) bool {
outer:
	for _, p := range patterns {
		if len(p) != len(path) {
			continue
		}
		for i := range p {
			if p[i] != "*" && p[i] != path[i] {
				continue outer
			}
		}
		return true
	}
	return false
}

func marshalPruned(v any, opaque opaqueFunc) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return pruneJSON(raw, opaque)
}

// pruneJSON prunes an encoded JSON value (see marshalPruned). The top level
// is never removed: an empty result is "{}".
func pruneJSON(raw []byte, opaque opaqueFunc) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	doc, _ = prune(doc, nil, opaque)
	if doc == nil {
		doc = map[string]any{}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// prune returns the pruned value and whether to keep it.
func prune(v any, path []string, opaque opaqueFunc) (any, bool) {
	if len(path) > 0 && opaque(path) {
		switch x := v.(type) {
		case nil:
			return nil, false
		case map[string]any:
			return x, len(x) > 0
		}
		return v, true
	}
	switch x := v.(type) {
	case nil:
		return nil, false
	case string:
		return x, x != "" && !isZeroTime(x)
	case map[string]any:
		for k, val := range x {
			pv, keep := prune(val, append(path, k), opaque)
			if keep {
				x[k] = pv
			} else {
				delete(x, k)
			}
		}
		return x, len(x) > 0
	case []any:
		out := x[:0]
		for _, val := range x {
			if pv, keep := prune(val, append(path, "*"), opaque); keep {
				out = append(out, pv)
			}
		}
		return out, len(out) > 0
	}
	return v, true // numbers and booleans
}

// isZeroTime matches how encoding/json writes time.Time{} (in any zone).
func isZeroTime(s string) bool {
	return strings.HasPrefix(s, "0001-01-01T00:00:00")
}
