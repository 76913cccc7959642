package estest

// This file is the full-text queries, match and match_phrase, which analyse
// the query into tokens.

import (
	"slices"
	"strings"
)

type matchQuery struct {
	field   string
	value   any
	and     bool
	msm     string
	zeroAll bool
	boost   float64
	phrase  bool
}

func (q matchQuery) match(d *evalDoc) (bool, float64) {
	leaves := d.leaves(q.field)
	for _, l := range leaves {
		if l.kind != kindText && l.equals(q.value, false) {
			return true, q.boost
		}
	}
	want := analyze(scalarText(q.value))
	if len(want) == 0 {
		if q.zeroAll {
			return true, q.boost
		}
		return false, 0
	}
	if q.phrase {
		for _, l := range leaves {
			if l.kind == kindText && containsRun(analyze(l.text), want) {
				return true, q.boost
			}
		}
		return false, 0
	}
	want = dedupe(want)
	have := map[string]bool{}
	for _, l := range leaves {
		if l.kind == kindText {
			for _, t := range analyze(l.text) {
				have[t] = true
			}
		}
	}
	found := 0
	for _, t := range want {
		if have[t] {
			found++
		}
	}
	need := 1
	switch {
	case q.and:
		need = len(want)
	case q.msm != "":
		need = max(1, minimumShouldMatch(q.msm, len(want)))
	}
	if found < need {
		return false, 0
	}
	return true, q.boost * float64(found)
}

func parseMatch(body jsonObject) (query, error)       { return parseMatchLike("match", body) }
func parseMatchPhrase(body jsonObject) (query, error) { return parseMatchLike("match_phrase", body) }

func parseMatchLike(name string, body jsonObject) (query, error) {
	q := matchQuery{boost: 1, phrase: name == "match_phrase"}
	field, v, err := fieldQuery(name, body, &q.boost)
	if err != nil {
		return nil, err
	}
	q.field = field
	if long, ok := v.(jsonObject); ok {
		v = nil
		for _, m := range long {
			if ok, err := commonOption(name, m, &q.boost); ok || err != nil {
				if err != nil {
					return nil, err
				}
				continue
			}
			switch key := m.Key; {
			case key == "query":
				v = m.Value
			case key == "operator" && !q.phrase:
				switch strings.ToLower(scalarText(m.Value)) {
				case "or":
				case "and":
					q.and = true
				default:
					return nil, illegalArgument("operator needs to be either [and] or [or], but not [%s]", scalarText(m.Value))
				}
			case key == "minimum_should_match" && !q.phrase:
				q.msm = scalarText(m.Value)
				if _, ok := parseMSM(q.msm); !ok {
					return nil, illegalArgument("unsupported minimum_should_match [%s]", q.msm)
				}
			case key == "zero_terms_query":
				switch strings.ToLower(scalarText(m.Value)) {
				case "none":
				case "all":
					q.zeroAll = true
				default:
					return nil, parsingError("Unsupported zero_terms_query value [%s]", scalarText(m.Value))
				}
			case key == "analyzer", key == "slop" && q.phrase, key == "fuzziness" && !q.phrase:
				if err := checkNeutral(name, key, m.Value); err != nil {
					return nil, err
				}
			case key == "lenient", !q.phrase && (key == "prefix_length" || key == "max_expansions" ||
				key == "fuzzy_transpositions" || key == "auto_generate_synonyms_phrase_query"):
				// No effect: estest has no mapping to be lenient about, no
				// fuzziness and no synonyms.
			default:
				return nil, doesNotSupport(name, key)
			}
		}
	}
	if q.value, err = termValue(name, v); err != nil {
		return nil, err
	}
	return q, nil
}

func dedupe(tokens []string) []string {
	var out []string
	for _, t := range tokens {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// containsRun reports whether want occurs as consecutive tokens in have.
func containsRun(have, want []string) bool {
	for i := 0; i+len(want) <= len(have); i++ {
		if slices.Equal(have[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// neutralValues are the values of options estest accepts because they
// ask for what it does anyway: the standard analyzer (lowercasing and
// splitting), no slop, no fuzziness, UTC, and the ISO 8601 date formats.
var neutralValues = map[string][]string{
	"analyzer":  {"standard", "default"},
	"slop":      {"0"},
	"fuzziness": {"0"},
	"time_zone": {"Z", "UTC", "+00:00", "-00:00", "Etc/UTC", "GMT"},
	"format": {"strict_date_optional_time", "date_optional_time", "strict_date_optional_time||epoch_millis",
		"date_optional_time||epoch_millis", "epoch_millis", "strict_date", "date", "yyyy-MM-dd"},
}

// checkNeutral refuses an option of a query whose value would change the
// answer in a way estest does not emulate.
func checkNeutral(query, key string, v any) error {
	if slices.Contains(neutralValues[key], scalarText(v)) {
		return nil
	}
	return illegalArgument("[%s] query option [%s] with value [%s] is not supported by estest", query, key, scalarText(v))
}
