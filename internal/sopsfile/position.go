package sopsfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// yamlLine finds the line number yaml parsers put in their messages.
var yamlLine = regexp.MustCompile(`\bline (\d+)\b`)

// parsePosition says where data fails to parse as format (", at line N"),
// or "" when that is not known. It takes only numbers from the parser's
// error, never its text.
func parsePosition(data []byte, format string, err error) string {
	switch format {
	case "dotenv":
		if n := badDotenvLine(data); n > 0 {
			return fmt.Sprintf(", at line %d (not KEY=VALUE)", n)
		}
	case "json", "binary":
		var v any
		var syn *json.SyntaxError
		if e := json.Unmarshal(data, &v); errors.As(e, &syn) {
			line, col := lineCol(data, syn.Offset)
			return fmt.Sprintf(", at line %d, column %d", line, col)
		}
	case "yaml":
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			if n, e := strconv.Atoi(m[1]); e == nil {
				return fmt.Sprintf(", at line %d", n)
			}
		}
	}
	return ""
}

// badDotenvLine returns the 1-based number of the first line that sops'
// dotenv reader refuses (neither empty, a comment nor KEY=VALUE), or 0.
func badDotenvLine(data []byte) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 && line[0] != '#' && !bytes.Contains(line, []byte("=")) {
			return i + 1
		}
	}
	return 0
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, int(off) - (bytes.LastIndexByte(before, '\n') + 1)
}
