package secrettest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"unicode"
)

// Distinctive secret values. Each piece between two special characters is
// five characters long and appears nowhere else, so that a leak of part
// of a value (a URL parser that stops at "#" and quotes the rest) is found
// as surely as a leak of all of it.
const (
	// Password holds every character that URL userinfo reserves or that
	// breaks naive parsing: # / ? @ : space and a percent sign.
	Password = "Pq7Ja#Zk2Mb/Xw9Nc?Rt4Od@Lm3Pe:Hv8Qf Bn5Rg%41Cd6Sh"

	// User is the user name that goes with Password. A user name is not
	// a secret (it says which account); see UserToken for one that is.
	User = "elastic-ops"

	// UserToken is a token written as the user of a URL without a
	// password (https://TOKEN@host): there, the user name is the secret.
	UserToken = "Ut4Vw-Xy5Za-Bc6De-Fg7Hi"

	// APIKeyID and APIKeySecret are the two halves of an Elasticsearch
	// API key; the key is sent as base64 of "id:secret".
	APIKeyID     = "Kd3Ef8Gh1Ij2"
	APIKeySecret = "Sk9Tl8Um7Vn6Wo5Xp4Yq3Zr2As1Bt0Cu9Dv8Ew7Fx6Gy5Hz4Ia3Jb2Kc1Ld0MeNf"

	// ServiceToken is an Elasticsearch service account token.
	ServiceToken = "AAEAAWVsYXN0aWMvZmxlZXQtc2VydmVyL3Rva2VuMTpTdnNUb2tlblF3ZXJ0eTEyMzQ"

	// Bearer is an OAuth2 access token, sent per request.
	Bearer = "Br9Mk.Np8Lj-Oq7Hk_Pr6Gj~Qs5Fi"
)

// EncodedAPIKey returns the API key as Elasticsearch hands it out: base64
// of "id:secret".
func EncodedAPIKey() string {
	return base64.StdEncoding.EncodeToString([]byte(APIKeyID + ":" + APIKeySecret))
}

// Userinfo returns User and Password as they must be written in an
// address: percent-encoded ("https://" + Userinfo() + "@host").
func Userinfo() string { return url.UserPassword(User, Password).String() }

// Basic returns the forms of HTTP basic credentials that must never be
// written: user:password and its base64, besides [Forms] of the password.
func Basic(user, password string) []string {
	pair := user + ":" + password
	return append(Forms(password), pair, b64(pair), url.UserPassword(user, password).String())
}

// Forms returns each secret, the pieces of it between characters other
// than letters and digits that are at least five characters long, and the
// encoded forms under which it could be written: percent-encoded as a
// path, a query and userinfo, base64 (standard and URL-safe, padded and not) and
// JSON-quoted.
func Forms(secrets ...string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range secrets {
		add(s)
		for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(piece) >= 5 {
				add(piece)
			}
		}
		add(url.PathEscape(s))
		add(url.QueryEscape(s))
		add(url.User(s).String())
		add(b64(s))
		add(base64.URLEncoding.EncodeToString([]byte(s)))
		add(base64.RawStdEncoding.EncodeToString([]byte(s)))
		add(base64.RawURLEncoding.EncodeToString([]byte(s)))
		q, _ := json.Marshal(s)
		add(strings.Trim(string(q), `"`))
	}
	return out
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
