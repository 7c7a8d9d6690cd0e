package sopsproto

import (
	"strings"
	"testing"
)

func TestReadRequest(t *testing.T) {
	const key = "AGE-SECRET-KEY-1SECRETSECRET"
	ok := `{"version":1,"identities":[{"type":"age","key":"` + key + `"}],"files":[{"path":"/s.yaml","format":"yaml","keys":["a/b",""],"op":"decrypt"}]}`
	tests := []struct {
		name, in, wantErr string
	}{
		{"valid", ok, ""},
		{"check needs no identity", `{"version":1,"files":[{"path":"/s.json","format":"json","keys":[],"op":"check"}]}`, ""},
		{"not JSON", `{"version":1,"identities":[{"type":"age","key":` + key + `}]}`, "not valid JSON"},
		{"wrong type", `{"version":"1"}`, "wrong type"},
		{"unknown field", `{"version":1,"files":[],"extra":"` + key + `"}`, "not a JSON request"},
		{"two values", ok + ok, "more than one"},
		{"old version", `{"version":0,"files":[]}`, "protocol version 0"},
		{"unknown identity type", `{"version":1,"identities":[{"type":"pgp","key":"` + key + `"}],"files":[]}`, "unknown type"},
		{"unknown op", `{"version":1,"files":[{"path":"/s.yaml","format":"yaml","op":"encrypt"}]}`, "unknown op"},
		{"unknown format", `{"version":1,"files":[{"path":"/s.toml","format":"toml","op":"check"}]}`, "unknown format"},
		{"no path", `{"version":1,"files":[{"format":"yaml","op":"check"}]}`, "no path"},
		{"too large", `{"version":1,"files":[],"identities":[{"type":"age","key":"` + strings.Repeat("A", MaxRequest) + `"}]}`, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ReadRequest(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil || req == nil {
					t.Fatalf("ReadRequest = %v, want ok", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ReadRequest = %v, want an error with %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error quotes the request: %v", err)
			}
		})
	}
}

func TestAnswers(t *testing.T) {
	req := &Request{Version: Version, Files: []File{{Path: "/a"}, {Path: "/b"}}}
	tests := []struct {
		name    string
		resp    Response
		wantErr string
	}{
		{"in order", Response{Version: Version, Files: []FileResult{{Path: "/a"}, {Path: "/b"}}}, ""},
		{"swapped", Response{Version: Version, Files: []FileResult{{Path: "/b"}, {Path: "/a"}}}, "result 0 is for /b"},
		{"short", Response{Version: Version, Files: []FileResult{{Path: "/a"}}}, "1 results for 2 files"},
		{"other version", Response{Version: Version + 1, Files: []FileResult{{Path: "/a"}, {Path: "/b"}}}, "protocol version"},
	}
	for _, tt := range tests {
		err := tt.resp.Answers(req)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v, want ok", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}
