package answer

import (
	"strings"
)

// intent is what kind of answer a question looks for, from its wording.
// Several articles often cover one topic from different sides: a concept
// (begrepp), the action-plan activity, the shift it belongs to. "Vem
// ansvarar …", "ska vi …", "planeras …" ask about the activity; "vad
// betyder …" about the concept; "hur mäts …" about the shift's indicators.
type intent struct {
	plan, define, measure, activities bool
}

var (
	planCues = setOf("ska", "skall", "kommer", "planeras", "planerar", "planerat", "planer", "planen", "händer",
		"blir", "framöver", "införs", "införa", "införas", "görs", "göras", "ansvarar", "ansvarig", "ansvariga",
		"ansvaret", "ansvar", "leder", "driver", "äger", "vem", "vilken förvaltning", "will", "plan", "plans",
		"planned", "planning", "going", "who", "responsible", "charge", "leads", "owns", "happen", "happens",
		"replaced", "upcoming", "future")
	defineCues = setOf("betyder", "betydelse", "innebär", "menas", "definition", "definiera", "begrepp",
		"begreppet", "förklara", "förklaring", "mean", "means", "meaning", "definition", "define", "explain")
	measureCues = setOf("mäts", "mäter", "mäta", "mått", "måtten", "resultatmått", "resultatmåtten", "indikator",
		"indikatorer", "indikatorerna", "nyckeltal", "measure", "measured", "measures", "indicator", "indicators",
		"metrics", "kpi", "kpis")
	activityCues = setOf("aktivitet", "aktiviteter", "aktiviteterna", "aktiviteten", "handlingsplan",
		"handlingsplanen", "handlingsplanens", "åtgärder", "insatser", "activity", "activities", "actions")
)

// Prior factors on the ranking score, by intent and article kind. Kept
// small: they decide near-ties between articles on the same topic.
const (
	priorPlan     = 0.2  // plan/responsibility wording → activity articles
	priorDefine   = 0.2  // "vad betyder" → concepts and strategy articles
	priorMeasure  = 0.2  // "hur mäts" → shifts and follow-up
	priorOverview = 0.15 // activity overviews need activity wording
)

func detectIntent(q string) intent {
	var in intent
	ws := words(q)
	for i, w := range ws {
		two := w
		if i+1 < len(ws) {
			two = w + " " + ws[i+1]
		}
		switch {
		case planCues[w] || planCues[two]:
			in.plan = true
		}
		if defineCues[w] {
			in.define = true
		}
		if measureCues[w] {
			in.measure = true
		}
		if activityCues[w] {
			in.activities = true
		}
	}
	lq := " " + strings.Join(ws, " ") + " "
	for _, p := range []string{" vad är ", " vad var ", " vad står ", " what is ", " what's ", " what are ", " what does "} {
		if strings.Contains(lq, p) {
			in.define = true
		}
	}
	return in
}

// prior is the ranking factor for an article given the question's intent.
func (in intent) prior(a *Article) float64 {
	f := 1.0
	activity := a.Category == "aktivitet"
	overview := activity && a.Activity == nil
	if in.plan && !in.define && activity {
		f *= 1 + priorPlan
	}
	if in.define && !in.plan && !activity {
		f *= 1 + priorDefine
	}
	if in.measure && (a.Category == "forflyttning" || a.Category == "uppfoljning") {
		f *= 1 + priorMeasure
	}
	if overview && !in.activities {
		f *= 1 - priorOverview
	}
	if in.activities && activity {
		f *= 1 + priorPlan
	}
	return f
}
