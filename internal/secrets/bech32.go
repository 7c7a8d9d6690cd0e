package secrets

import (
	"fmt"
	"strings"
)

// bech32Encode encodes data under hrp as BIP-173 bech32, without the
// 90-character limit (age keys are longer). age has no public constructor
// for an X25519 identity from raw scalar bytes, so a converted SSH host key
// goes through its text form.
func bech32Encode(hrp string, data []byte) (string, error) {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	if hrp == "" || strings.ToLower(hrp) != hrp {
		return "", fmt.Errorf("bech32: hrp must be non-empty lower case")
	}
	// Regroup 8-bit bytes into 5-bit values, zero-padding the tail.
	var values []byte
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			values = append(values, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		values = append(values, byte(acc<<(5-bits))&31)
	}
	// Checksum over the expanded hrp, the data and six zero values.
	var in []byte
	for i := 0; i < len(hrp); i++ {
		in = append(in, hrp[i]>>5)
	}
	in = append(in, 0)
	for i := 0; i < len(hrp); i++ {
		in = append(in, hrp[i]&31)
	}
	in = append(in, values...)
	in = append(in, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(in) ^ 1

	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, v := range values {
		sb.WriteByte(charset[v])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(charset[(mod>>(5*(5-i)))&31])
	}
	return sb.String(), nil
}

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}
