package dotfiles

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf16"
)

// mozillaInstallHash is the hash Firefox and Thunderbird name an
// installation's profile section by: CityHash64 (the original v1.0 that Mozilla ships) of the install
// path in UTF-16LE, in upper-case hex.
func mozillaInstallHash(path string) string {
	units := utf16.Encode([]rune(path))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	return fmt.Sprintf("%X", cityHash64(b))
}

const (
	cityK0 = 0xc3a5c85c97cb3127
	cityK1 = 0xb492b66fbe98f273
	cityK2 = 0x9ae16a3b2f90404f
	cityK3 = 0xc949d7c7509e6557
)

func fetch64(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }
func fetch32(b []byte, i int) uint64 { return uint64(binary.LittleEndian.Uint32(b[i:])) }
func rot(v uint64, s int) uint64     { return bits.RotateLeft64(v, -s) }
func shiftMix(v uint64) uint64       { return v ^ (v >> 47) }

// hashLen16 folds 128 bits into 64 (Murmur-style).
func hashLen16(u, v uint64) uint64 {
	const mul = 0x9ddfea08eb382d69
	a := (u ^ v) * mul
	a ^= a >> 47
	b := (v ^ a) * mul
	b ^= b >> 47
	return b * mul
}

func hashLen0to16(b []byte) uint64 {
	n := len(b)
	switch {
	case n >= 8:
		a, last := fetch64(b, 0), fetch64(b, n-8)
		return hashLen16(a, rot(last+uint64(n), n)) ^ last
	case n >= 4:
		return hashLen16(uint64(n)+fetch32(b, 0)<<3, fetch32(b, n-4))
	case n > 0:
		y := uint32(b[0]) + uint32(b[n>>1])<<8
		z := uint32(n) + uint32(b[n-1])<<2
		return shiftMix(uint64(y)*cityK2^uint64(z)*cityK3) * cityK2
	}
	return cityK2
}

func hashLen17to32(b []byte) uint64 {
	n := len(b)
	a := fetch64(b, 0) * cityK1
	c1 := fetch64(b, 8)
	c := fetch64(b, n-8) * cityK2
	d := fetch64(b, n-16) * cityK0
	return hashLen16(rot(a-c1, 43)+rot(c, 30)+d, a+rot(c1^cityK3, 20)-c+uint64(n))
}

// half33to64 mixes the 32 bytes at i with a and z into two words.
func half33to64(b []byte, a, z uint64, i int) (uint64, uint64) {
	hi := rot(a+z, 52)
	c := rot(a, 37)
	a += fetch64(b, i+8)
	c += rot(a, 7)
	a += fetch64(b, i+16)
	return a + z, hi + rot(a, 31) + c
}

func hashLen33to64(b []byte) uint64 {
	n := len(b)
	a := fetch64(b, 0) + (uint64(n)+fetch64(b, n-16))*cityK0
	vf, vs := half33to64(b, a, fetch64(b, 24), 0)
	a = fetch64(b, 16) + fetch64(b, n-32)
	wf, ws := half33to64(b, a, fetch64(b, n-8), n-32)
	r := shiftMix((vf+ws)*cityK2 + (wf+vs)*cityK0)
	return shiftMix(r*cityK0+vs) * cityK2
}

func weakHash32(b []byte, i int, a, c uint64) (uint64, uint64) {
	w, x, y, z := fetch64(b, i), fetch64(b, i+8), fetch64(b, i+16), fetch64(b, i+24)
	a += w
	c = rot(c+a+z, 21)
	k := a
	a += x + y
	c += rot(a, 44)
	return a + z, c + k
}

func cityHash64(b []byte) uint64 {
	n := len(b)
	switch {
	case n <= 16:
		return hashLen0to16(b)
	case n <= 32:
		return hashLen17to32(b)
	case n <= 64:
		return hashLen33to64(b)
	}
	// Longer input: the end first, then 64-byte chunks from the start.
	x := fetch64(b, 0)
	y := fetch64(b, n-16) ^ cityK1
	z := fetch64(b, n-56) ^ cityK0
	v1, v2 := weakHash32(b, n-64, uint64(n), y)
	w1, w2 := weakHash32(b, n-32, uint64(n)*cityK1, cityK0)
	z += shiftMix(v2) * cityK1
	x = rot(z+x, 39) * cityK1
	y = rot(y, 33) * cityK1
	for i, left := 0, (n-1)&^63; left != 0; i, left = i+64, left-64 {
		x = rot(x+y+v1+fetch64(b, i+16), 37) * cityK1
		y = rot(y+v2+fetch64(b, i+48), 42) * cityK1
		x ^= w2
		y ^= v1
		z = rot(z^w1, 33)
		v1, v2 = weakHash32(b, i, v2*cityK1, x+w1)
		w1, w2 = weakHash32(b, i+32, z+w2, y)
		z, x = x, z
	}
	return hashLen16(hashLen16(v1, w1)+shiftMix(y)*cityK1+z, hashLen16(v2, w2)+x)
}
