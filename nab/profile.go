package nab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// A Profile is a NAB scoring profile ("application profile"): the weights
// of NAB's cost matrix, as magnitudes (all ≥ 0).
type Profile struct {
	Name string  // e.g. "standard"
	TP   float64 // tpWeight: reward for detecting a window at its first row
	FP   float64 // fpWeight: the largest cost of a false detection
	FN   float64 // fnWeight: cost of a window with no detection
	TN   float64 // tnWeight: read from profiles.json but, as in NAB, never used
}

// The three profiles of NAB's config/profiles.json.
var (
	Standard    = Profile{Name: "standard", TP: 1.0, FP: 0.11, FN: 1.0, TN: 1.0}
	RewardLowFP = Profile{Name: "reward_low_FP_rate", TP: 1.0, FP: 0.22, FN: 1.0, TN: 1.0}
	RewardLowFN = Profile{Name: "reward_low_FN_rate", TP: 1.0, FP: 0.11, FN: 2.0, TN: 1.0}
)

// Profiles returns NAB's three profiles in the order of profiles.json:
// standard, reward_low_FP_rate, reward_low_FN_rate.
func Profiles() []Profile { return []Profile{Standard, RewardLowFP, RewardLowFN} }

// LoadProfiles reads a profiles file in the format of NAB's
// config/profiles.json,
//
//	{"standard": {"CostMatrix": {"tpWeight": 1.0, "fnWeight": 1.0, "fpWeight": 0.11, "tnWeight": 1.0}}, ...}
//
// and returns its profiles in the order of the file. Every profile needs
// the four weights, finite and ≥ 0.
func LoadProfiles(path string) ([]Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nab: %w", err)
	}
	ps, err := parseProfiles(data)
	if err != nil {
		return nil, fileErr(path, 0, ErrFormat, err.Error())
	}
	return ps, nil
}

func parseProfiles(data []byte) ([]Profile, error) {
	// Decode twice: once for the values, once for the order of the keys.
	var byName map[string]struct {
		CostMatrix map[string]*float64
	}
	if err := json.Unmarshal(data, &byName); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, err
	}
	var ps []Profile
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string) // keys of an object are strings
		if seen[name] {
			return nil, fmt.Errorf("profile %q is defined twice", name)
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
		cm := byName[name].CostMatrix
		p := Profile{Name: name}
		for _, w := range []struct {
			key string
			dst *float64
		}{{"tpWeight", &p.TP}, {"fpWeight", &p.FP}, {"fnWeight", &p.FN}, {"tnWeight", &p.TN}} {
			v := cm[w.key]
			if v == nil {
				return nil, fmt.Errorf("profile %q: CostMatrix lacks %q", name, w.key)
			}
			if math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0 {
				return nil, fmt.Errorf("profile %q: %s is %v, want a number ≥ 0", name, w.key, *v)
			}
			*w.dst = *v
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no profiles")
	}
	return ps, nil
}
