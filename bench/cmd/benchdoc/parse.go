package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// runs holds every value measured, by benchmark name (without the
// -GOMAXPROCS suffix but for the /parallel variants, which keep it as
// "@procs") and unit.
type runs map[string]map[string][]float64

// cpuSuffix is the -N go test appends to a benchmark name.
var cpuSuffix = regexp.MustCompile(`-(\d+)$`)

// parse reads go test -bench output and returns its values and its "cpu:"
// line.
func parse(r io.Reader, into runs) (cpu string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "cpu: "); ok {
			cpu = strings.TrimSpace(c)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if m := cpuSuffix.FindStringSubmatch(name); m != nil {
			name = strings.TrimSuffix(name, m[0])
			if strings.HasSuffix(name, "/parallel") {
				name += "@" + m[1]
			}
		}
		if into[name] == nil {
			into[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			into[name][f[i+1]] = append(into[name][f[i+1]], v)
		}
	}
	return cpu
}

// median returns the median of name's values in unit, and whether there
// were any.
func (rs runs) median(name, unit string) (float64, bool) {
	vs := rs[name][unit]
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// names returns the benchmark names that start with prefix, in the order
// of first appearance is lost in a map: sorted, with esrt first in its
// group.
func (rs runs) names(prefix string) []string {
	var out []string
	for n := range rs {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		ga, ca := split(a)
		gb, cb := split(b)
		if ga != gb {
			return compareGroups(ga, gb)
		}
		return contenderRank(ca) - contenderRank(cb)
	})
	return out
}

// compareGroups orders groups with numbers in numeric order (1, 16, 64,
// 256 callers).
func compareGroups(a, b string) int {
	na, ea := strconv.Atoi(lastField(a))
	nb, eb := strconv.Atoi(lastField(b))
	if ea == nil && eb == nil && strings.TrimSuffix(a, lastField(a)) == strings.TrimSuffix(b, lastField(b)) {
		return na - nb
	}
	return strings.Compare(a, b)
}

func lastField(s string) string {
	if i := strings.LastIndexAny(s, "/@"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// contenderOrder is the report order of the contenders.
var contenderOrder = []string{"esrt", "esrt-round-robin", "esrt-own-base", "elastic-transport-go", "go-elasticsearch", "opensearch-go",
	"bare", "direct", "contract-floor", "baseline", "stdlib-unpooled"}

func contenderRank(c string) int {
	if i := slices.Index(contenderOrder, c); i >= 0 {
		return i
	}
	return len(contenderOrder)
}

// split returns a benchmark name's group (the name without its contender)
// and its contender: the path element that names one.
func split(name string) (group, contender string) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if slices.Contains(contenderOrder, p) {
			rest := append(slices.Clone(parts[:i]), parts[i+1:]...)
			return strings.Join(rest, "/"), p
		}
	}
	return name, ""
}
