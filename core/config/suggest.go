package config

import "strings"

// closest returns the candidate nearest to word, or "" when none is close enough
// to be a likely typo: at most one edit per three characters of the shorter word,
// and at least one. Case is ignored. Ties go to the candidate listed first.
func closest(word string, candidates []string) string {
	best, bestDistance := "", -1
	for _, candidate := range candidates {
		distance := editDistance(strings.ToLower(word), strings.ToLower(candidate))
		if distance > maxTypoEdits(word, candidate) {
			continue
		}
		if bestDistance < 0 || distance < bestDistance {
			best, bestDistance = candidate, distance
		}
	}
	return best
}

func maxTypoEdits(a, b string) int {
	shorter := min(len([]rune(a)), len([]rune(b)))
	return max(1, shorter/3)
}

// editDistance returns the optimal string alignment distance between a and b: the
// number of insertions, deletions, substitutions and swaps of two adjacent
// characters that turn one into the other.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	rows := make([][]int, len(s)+1)
	for i := range rows {
		rows[i] = make([]int, len(t)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}

	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(s)][len(t)]
}

// Closest returns the candidate that word is most likely a misspelling of,
// or "" when none is close: the one needing the fewest edits, within about a
// third of the shorter word's length.
func Closest(word string, candidates []string) string {
	return closest(word, candidates)
}
