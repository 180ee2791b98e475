package polysql

import (
	"slices"
	"testing"
)

func TestScrubSecrets(t *testing.T) {
	t.Setenv("POLYSQL_URL", "")
	t.Setenv("DATABASE_URL", "")
	tests := []struct{ name, msg, url, want string }{
		{"userinfo", "open postgres://u:pw1@h/x failed", "postgres://u:pw1@h/x", "open postgres://u:xxxxx@h/x failed"},
		{"userinfo encoded and decoded", "bad password pw%40x and pw@x", "mysql://u:pw%40x@h/x", "bad password xxxxx and xxxxx"},
		{"userinfo with an unescaped slash", "auth failed for a/b/c", "postgres://u:a/b/c@h/x", "auth failed for xxxxx"},
		{"userinfo before an @ in a parameter", "password pw1 rejected", "postgres://u:pw1@h/x?application_name=me@example", "password xxxxx rejected"},
		{"param password", "key sekret!", "postgres://u@h/x?password=sekret!", "key xxxxx"},
		{"param PASSWORD", "key sekret!", "postgres://u@h/x?sslmode=disable&PASSWORD=sekret!", "key xxxxx"},
		{"param passwd", "key sekret", "mysql://u@h/x?passwd=sekret", "key xxxxx"},
		{"param Pwd", "key sekret", "mysql://u@h/x?a=1&Pwd=sekret&b=2", "key xxxxx"},
		{"param sslpassword", "cannot decrypt key with k3y!", "postgres://u@h/x?sslpassword=k3y%21", "cannot decrypt key with xxxxx"},
		{"param encoded name", "key sekret", "postgres://u@h/x?pass%77ord=sekret", "key xxxxx"},
		{"param plus is a space", "key se kret", "postgres://u@h/x?password=se+kret", "key xxxxx"},
		{"userinfo and param", "first abc, then xyz", "postgres://u:abc@h/x?sslpassword=xyz", "first xxxxx, then xxxxx"},
		{"other params kept", "application_name=myapp failed", "postgres://u@h/x?application_name=myapp&password=zz9", "application_name=myapp failed"},
		{"password-like param value is not a name", "user password is fine", "postgres://u@h/x?application_name=password", "user password is fine"},

		// A password shorter than three characters is hidden where it is
		// quoted or stands as a word, and left alone inside words.
		{"short quoted single", "password 'pw' rejected", "postgres://u:pw@h/x", "password 'xxxxx' rejected"},
		{"short quoted double", `password "pw" rejected`, "postgres://u:pw@h/x", `password "xxxxx" rejected`},
		{"short quoted backtick", "password `pw` rejected", "postgres://u:pw@h/x", "password `xxxxx` rejected"},
		{"short word", "pw: wrong password", "postgres://u:pw@h/x", "xxxxx: wrong password"},
		{"short inside words", "upward pwd pw_x xpw", "postgres://u:pw@h/x", "upward pwd pw_x xpw"},
		{"one letter", "user u with p at p.example: p", "mysql://u:p@h/x", "user u with xxxxx at xxxxx.example: xxxxx"},
		{"one letter kept in words", "postgres: password authentication failed", "postgres://u:p@h/x", "postgres: password authentication failed"},
		{"short param", "key 'k' refused", "postgres://u@h/x?sslpassword=k", "key 'xxxxx' refused"},
		{"short punctuation", "got ! at offset 3, wanted!", "postgres://u:!@h/x", "got xxxxx at offset 3, wanted!"},
		{"short unicode", "mot de passe é refusé", "postgres://u:%C3%A9@h/x", "mot de passe xxxxx refusé"},
		{"short in a driver DSN", "dial u:pw@tcp(h:3306)/x", "mysql://u:pw@h/x", "dial u:xxxxx@tcp(h:3306)/x"},
		{"redaction mark untouched", "postgres://u:xxxxx@h/db: x", "postgres://u:x@h/db", "postgres://u:xxxxx@h/db: xxxxx"},

		{"nothing to hide", "nothing to hide", "sqlite:///a.db", "nothing to hide"},
		{"empty password", "u: no password", "postgres://u:@h/x", "u: no password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ScrubSecrets(tt.msg, tt.url); got != tt.want {
				t.Errorf("ScrubSecrets(%q, %q) = %q, want %q", tt.msg, tt.url, got, tt.want)
			}
		})
	}
}

func TestURLSecrets(t *testing.T) {
	tests := []struct {
		url  string
		want []string // longest first
	}{
		{"postgres://u:p@h/x", []string{"p"}},
		{"postgres://u@h/x", nil},
		{"postgres://u:a%2Fb@h/x", []string{"a%2Fb", "a/b"}},
		{"postgres://u:pw@h/x?Password=q&PWD=r&passwd=s&SSLPassword=t&user=v", []string{"pw", "q", "r", "s", "t"}},
		{"mysql://u@h/x?pwd=a%26b", []string{"a%26b", "a&b"}},
		// An '@' in a parameter value does not hide the real password.
		{"postgres://u:pw@h/x?application_name=me@example", []string{"pw@h/x?application_name=me", "pw"}},
	}
	for _, tt := range tests {
		if got := urlSecrets(tt.url); !slices.Equal(got, tt.want) {
			t.Errorf("urlSecrets(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
