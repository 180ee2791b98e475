package polysql

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ScrubSecrets hides, in msg, a database URL and every password it carries:
// the URL is replaced by its redacted form, and each password, as written
// and percent-decoded, by "xxxxx". rawURL is the URL as given to Open (an
// empty one means the environment's, as for Open). A password of three or
// more characters is hidden wherever it appears; a shorter one where it is
// quoted or stands as a word, so a one-letter password does not mangle the
// message. Use it on any text that may quote a URL or a driver's error.
func ScrubSecrets(msg, rawURL string) string {
	resolved := ResolveURL(rawURL)
	if red := Redact(resolved); red != resolved {
		msg = strings.ReplaceAll(msg, resolved, red)
	}
	for _, pw := range urlSecrets(resolved) {
		msg = scrubPassword(msg, pw)
	}
	return msg
}

// minLoosePassword is the length (in characters) from which a password is
// hidden wherever it appears; a shorter one is hidden only where it is
// quoted or stands as a word.
const minLoosePassword = 3

// scrubPassword replaces pw in msg by "xxxxx": everywhere when pw is long
// enough to be unlikely by chance; otherwise only where it is quoted ('pw',
// "pw", `pw`) or stands as a whole word (neither neighbour a letter, digit
// or '_'), so that a one-letter password does not mangle every message.
func scrubPassword(msg, pw string) string {
	if pw == "" {
		return msg
	}
	if utf8.RuneCountInString(pw) >= minLoosePassword {
		return strings.ReplaceAll(msg, pw, "xxxxx")
	}
	for _, q := range []string{"'", `"`, "`"} {
		msg = strings.ReplaceAll(msg, q+pw+q, q+"xxxxx"+q)
	}
	var b strings.Builder
	done := 0 // msg[:done] is in b
	for from := 0; ; {
		i := strings.Index(msg[from:], pw)
		if i < 0 {
			b.WriteString(msg[done:])
			return b.String()
		}
		i += from
		end := i + len(pw)
		before, _ := utf8.DecodeLastRuneInString(msg[:i])
		after, _ := utf8.DecodeRuneInString(msg[end:])
		if (i > 0 && isWordRune(before)) || (end < len(msg) && isWordRune(after)) {
			// Part of a longer word: look again one character further on.
			_, n := utf8.DecodeRuneInString(msg[i:])
			from = i + n
			continue
		}
		b.WriteString(msg[done:i])
		b.WriteString("xxxxx")
		done, from = end, end
	}
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// urlSecrets returns every password a URL carries, as written and decoded:
// the one in its user information and the value of each query parameter
// named, in any case, password, passwd, pwd or sslpassword. Longest first,
// so that a password is hidden before any shorter one inside it.
func urlSecrets(raw string) []string {
	var out []string
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	for _, pw := range userinfoPasswords(raw) {
		add(pw, unescape(pw, url.PathUnescape))
	}
	for _, pw := range paramPasswords(raw) {
		add(pw, unescape(pw, url.QueryUnescape))
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// unescape is s decoded, or s when it does not decode.
func unescape(s string, dec func(string) (string, error)) string {
	if d, err := dec(s); err == nil {
		return d
	}
	return s
}

// userinfoPasswords returns the password of scheme://user:password@host/...
// as written. When an '@' follows the authority (the end of host:port), the
// password may hold an unescaped '/', '?' or '#' and end at any later '@',
// so each candidate is returned.
func userinfoPasswords(raw string) []string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return nil
	}
	rest := raw[i+3:]
	authority := rest
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority = rest[:j]
	}
	var ends []int
	if strings.Contains(rest[len(authority):], "@") {
		for j := range len(rest) {
			if rest[j] == '@' {
				ends = append(ends, j)
			}
		}
	} else if j := strings.LastIndex(authority, "@"); j >= 0 {
		ends = append(ends, j)
	}
	var out []string
	for _, j := range ends {
		if _, pw, ok := strings.Cut(rest[:j], ":"); ok && pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// paramPasswords returns, as written, the value of every query parameter
// whose name (percent-decoded, in any case) is password, passwd, pwd or
// sslpassword. A parameter starts after '?', '&' or ';' and its value ends
// at '&' or '#', as polysql.Redact reads them.
func paramPasswords(raw string) []string {
	var out []string
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c != '?' && c != '&' && c != ';' {
			continue
		}
		rest := raw[i+1:]
		eq := strings.IndexAny(rest, "=&#?;")
		if eq < 0 || rest[eq] != '=' || !isPasswordParam(unescape(rest[:eq], url.QueryUnescape)) {
			continue
		}
		v := rest[eq+1:]
		if j := strings.IndexAny(v, "&#"); j >= 0 {
			v = v[:j]
		}
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// isPasswordParam reports whether a URL query parameter carries a password.
func isPasswordParam(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "password", "passwd", "pwd", "sslpassword":
		return true
	}
	return false
}

// redactParams replaces the value of every password-like query parameter
// with "xxxxx", reading each name as the drivers do: percent-decoded, '+' as
// a space, surrounding spaces ignored (pass%77ord= and password+= are both
// the password).
func redactParams(raw string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c != '?' && c != '&' && c != ';' {
			continue
		}
		rest := raw[i+1:]
		eq := strings.IndexAny(rest, "=&#?;")
		if eq < 0 || rest[eq] != '=' || !isPasswordParam(unescape(rest[:eq], url.QueryUnescape)) {
			continue
		}
		start := i + 1 + eq + 1
		end := len(raw)
		if j := strings.IndexAny(raw[start:], "&#"); j >= 0 {
			end = start + j
		}
		b.WriteString(raw[last:start])
		b.WriteString("xxxxx")
		last = end
		i = end - 1
	}
	b.WriteString(raw[last:])
	return b.String()
}
