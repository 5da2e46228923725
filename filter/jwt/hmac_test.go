package jwt

import (
	"crypto"
	"crypto/hmac"
	"strconv"
)

func hmacSum(hash crypto.Hash, secret, data []byte) []byte {
	m := hmac.New(hash.New, secret)
	m.Write(data)
	return m.Sum(nil)
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
