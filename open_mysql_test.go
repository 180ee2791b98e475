package polysql

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlConfigView is a driver configuration with a comparison helper.
type mysqlConfigView struct{ *mysql.Config }

func (mysqlConfigView) want(t *testing.T, name string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestMySQLConfig(t *testing.T) {
	t.Setenv("MYSQL_PWD", "fromenv")
	t.Setenv("USER", "osuser")
	o := defaultOptions()
	o.connectTimeout = 7 * time.Second
	tests := []struct {
		name  string
		url   string
		check func(t *testing.T, cfg *mysqlConfigView)
	}{
		{
			name: "defaults",
			url:  "mysql://app:pw1@db.example/shop",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "User", c.User, "app")
				c.want(t, "Passwd", c.Passwd, "pw1")
				c.want(t, "Addr", c.Addr, "db.example:3306")
				c.want(t, "Net", c.Net, "tcp")
				c.want(t, "DBName", c.DBName, "shop")
				c.want(t, "Collation", c.Collation, "utf8mb4_bin")
				c.want(t, "Timeout", c.Timeout, 7*time.Second)
				c.want(t, "ParseTime", c.ParseTime, true)
				c.want(t, "Loc", c.Loc, time.UTC)
				c.want(t, "time_zone", c.Params["time_zone"], "'+00:00'")
				c.want(t, "sql_mode", c.Params["sql_mode"], "'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO,ANSI_QUOTES,PIPES_AS_CONCAT'")
			},
		},
		{
			name: "password and user from the environment",
			url:  "mariadb://127.0.0.1:3307/",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "User", c.User, "osuser")
				c.want(t, "Passwd", c.Passwd, "fromenv")
				c.want(t, "Addr", c.Addr, "127.0.0.1:3307")
				c.want(t, "DBName", c.DBName, "")
			},
		},
		{
			name: "empty password in the URL is kept",
			url:  "mysql://root:@h/db",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "Passwd", c.Passwd, "")
			},
		},
		{
			name: "no host",
			url:  "mysql:///db",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "Addr", c.Addr, "127.0.0.1:3306")
			},
		},
		{
			name: "driver parameters reach the driver",
			url:  "mysql://u:p@h/db?timeout=2s&readTimeout=5s&writeTimeout=6s&allowCleartextPasswords=true&allowNativePasswords=false&collation=utf8mb4_bin",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "Timeout", c.Timeout, 2*time.Second)
				c.want(t, "ReadTimeout", c.ReadTimeout, 5*time.Second)
				c.want(t, "WriteTimeout", c.WriteTimeout, 6*time.Second)
				c.want(t, "AllowCleartextPasswords", c.AllowCleartextPasswords, true)
				c.want(t, "AllowNativePasswords", c.AllowNativePasswords, false)
				c.want(t, "Collation", c.Collation, "utf8mb4_bin")
				for _, k := range []string{"timeout", "readTimeout", "writeTimeout", "allowCleartextPasswords", "allowNativePasswords", "collation"} {
					if _, ok := c.Params[k]; ok {
						t.Errorf("driver parameter %s was passed as a session variable", k)
					}
				}
			},
		},
		{
			name: "charset replaces the default collation",
			url:  "mysql://u@h/db?charset=latin1",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "Collation", c.Collation, "")
				if _, ok := c.Params["charset"]; ok {
					t.Errorf("charset was passed as a session variable")
				}
				if dsn := c.FormatDSN(); !containsAll(dsn, "charset=latin1") {
					t.Errorf("the driver did not take charset: %s", dsn)
				}
			},
		},
		{
			name: "unix socket",
			url:  "mysql://u@localhost/db?unix_socket=/run/mysqld/mysqld.sock",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "Net", c.Net, "unix")
				c.want(t, "Addr", c.Addr, "/run/mysqld/mysqld.sock")
				if _, ok := c.Params["unix_socket"]; ok {
					t.Errorf("unix_socket was passed as a session variable")
				}
			},
		},
		{
			name: "other parameters are session variables",
			url:  "mysql://u@h/db?innodb_lock_wait_timeout=5&sql_mode=ANSI",
			check: func(t *testing.T, c *mysqlConfigView) {
				c.want(t, "innodb_lock_wait_timeout", c.Params["innodb_lock_wait_timeout"], "5")
				c.want(t, "sql_mode", c.Params["sql_mode"], "ANSI")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := ParseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := mysqlConfig(tg, o)
			if err != nil {
				t.Fatalf("mysqlConfig: %v", err)
			}
			tc.check(t, &mysqlConfigView{cfg})
		})
	}

	for _, bad := range []string{
		"mysql://u:s3cretPW@h/db?timeout=soon",
		"mysql://u:s3cretPW@h/db?readTimeout=soon",
		"mysql://u:s3cretPW@h/db?allowCleartextPasswords=maybe",
		"mysql://u:s3cretPW@h/db?tls=no-such-config",
	} {
		tg, err := ParseURL(bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mysqlConfig(tg, o); !errors.Is(err, ErrBadURL) {
			t.Errorf("mysqlConfig(%s) = %v, want an ErrBadURL", bad, err)
		} else if containsAll(err.Error(), "s3cretPW") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// TestMySQLParamsNeverBecomeSQL: a password parameter is the credential, and
// a parameter that is no variable name is refused, never sent as SET.
func TestMySQLParamsNeverBecomeSQL(t *testing.T) {
	tg, err := ParseURL("mysql://root@h/db?Password=s3cret&innodb_lock_wait_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysqlConfig(tg, defaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Passwd != "s3cret" {
		t.Errorf("Passwd = %q, want the password parameter", cfg.Passwd)
	}
	if _, set := cfg.Params["Password"]; set {
		t.Error("the password parameter is also sent as a session variable")
	}
	if cfg.Params["innodb_lock_wait_timeout"] != "1" {
		t.Errorf("session variable lost: %v", cfg.Params)
	}
	bad, err := ParseURL("mysql://root@h/db?a%3D1%3BDROP=x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mysqlConfig(bad, defaultOptions()); !errors.Is(err, ErrBadURL) {
		t.Errorf("a parameter name that is not a variable: %v, want ErrBadURL", err)
	}
}
