package esrt

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/esrt-dev/esrt/middleware"
	"github.com/esrt-dev/esrt/rt"
)

// staticCredentials resolves the credentials that go on every request.
// They come from one place: APIKey, ServiceToken, Username and Password,
// the userinfo of the addresses, or an Authorization header in
// Config.Header. Two of them together are a *rt.ConfigError naming both:
// one would silently win, and a wrong one would only show as a 401.
// Username and Password go together: one without the other is an error
// (an empty password is almost always a missing environment variable;
// userinfo such as https://user:@host says it on purpose). field names the
// setting the seeds came from (see seedNodes).
func staticCredentials(cfg Config, seeds []*rt.Node, field string) (middleware.AuthConfig, error) {
	userinfo, err := seedUserinfo(seeds, field)
	if err != nil {
		return middleware.AuthConfig{}, err
	}
	switch {
	case cfg.Username == "" && cfg.Password != "":
		return middleware.AuthConfig{}, &rt.ConfigError{Field: "Password", Err: errors.New("set without Username")}
	case cfg.Username != "" && cfg.Password == "":
		return middleware.AuthConfig{}, &rt.ConfigError{Field: "Password", Err: errors.New("empty while Username is set " +
			"(to send an empty password on purpose, put it in the address: https://user:@host)")}
	}
	type source struct{ field, what string }
	var set []source
	for _, s := range []struct {
		source
		on bool
	}{
		{source{field + "[0]", "userinfo"}, userinfo != nil},
		{source{"APIKey", "APIKey"}, cfg.APIKey != ""},
		{source{"ServiceToken", "ServiceToken"}, cfg.ServiceToken != ""},
		{source{"Username", "Username"}, cfg.Username != ""},
		{source{"Header", "an Authorization header"}, headerValue(cfg.Header, "Authorization") != ""},
	} {
		if s.on {
			set = append(set, s.source)
		}
	}
	if len(set) > 1 {
		what := ""
		if set[0].what == "userinfo" {
			what = "userinfo "
		}
		return middleware.AuthConfig{}, &rt.ConfigError{Field: set[0].field, Err: fmt.Errorf(
			"%sset together with %s: set credentials in one place only (APIKey, ServiceToken, Username and Password, "+
				"userinfo in the addresses, or an Authorization header in Header)", what, set[1].what)}
	}
	if userinfo != nil {
		password, _ := userinfo.Password()
		return middleware.AuthConfig{Username: userinfo.Username(), Password: password}, nil
	}
	return middleware.AuthConfig{Username: cfg.Username, Password: cfg.Password, APIKey: cfg.APIKey, ServiceToken: cfg.ServiceToken}, nil
}

// seedUserinfo returns the userinfo every seed carries, or nil; seeds that
// carry different userinfo are an error naming the first that differs.
func seedUserinfo(seeds []*rt.Node, field string) (*url.Userinfo, error) {
	var userinfo *url.Userinfo
	for i, n := range seeds {
		u := n.URL.User
		if i > 0 && u.String() != userinfo.String() {
			return nil, &rt.ConfigError{Field: fmt.Sprintf("%s[%d]", field, i), Err: errors.New("every address must carry the same userinfo credentials")}
		}
		userinfo = u
	}
	return userinfo, nil
}

// headerValue returns the first non-empty value of key in h, however the
// key is written, or "".
func headerValue(h http.Header, key string) string {
	for k, vs := range h {
		if strings.EqualFold(k, key) {
			if i := slices.IndexFunc(vs, func(v string) bool { return v != "" }); i >= 0 {
				return vs[i]
			}
		}
	}
	return ""
}
