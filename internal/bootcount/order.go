package bootcount

import "sort"

// Sort orders entries as systemd-boot lists them: entries without tries
// left last, then entries with a sort-key (by key, then version, newest
// first), then by id, highest version first; equal ids with more tries left
// first.
func Sort(entries []Entry) {
	sort.SliceStable(entries, func(i, j int) bool { return less(entries[i], entries[j]) })
}

func less(a, b Entry) bool {
	if a.Bad() != b.Bad() {
		return !a.Bad()
	}
	if (a.SortKey == "") != (b.SortKey == "") {
		return a.SortKey != ""
	}
	if a.SortKey != "" {
		if a.SortKey != b.SortKey {
			return a.SortKey < b.SortKey
		}
		if c := verscmp(a.Version, b.Version); c != 0 {
			return c > 0
		}
	}
	if c := verscmp(a.ID, b.ID); c != 0 {
		return c > 0
	}
	if a.Counted && b.Counted {
		return a.TriesLeft > b.TriesLeft
	}
	return false
}

// verscmp compares version strings: runs of digits numerically, other
// characters bytewise (a simplified strverscmp).
func verscmp(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		switch {
		case da && db:
			na, ra := digits(a)
			nb, rb := digits(b)
			na, nb = trimZeros(na), trimZeros(nb)
			if len(na) != len(nb) {
				return cmpInt(len(na), len(nb))
			}
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = ra, rb
		case a[0] != b[0]:
			return cmpInt(int(a[0]), int(b[0]))
		default:
			a, b = a[1:], b[1:]
		}
	}
	return cmpInt(len(a), len(b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
