package secrets

import "os"

// FindHelper is the hearth-sops helper the secrets job would run, found
// and checked as it finds and checks it (hearth doctor reports it).
func FindHelper() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	prog, err := findHelper(self)
	if err != nil {
		return "", err
	}
	return checkHelper(prog)
}
