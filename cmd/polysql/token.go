package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

func init() {
	registerGroup(&group{
		name:    "token",
		usage:   "token COMMAND",
		summary: "make bearer tokens for polysql serve",
		help:    `Tokens authenticate apps to polysql serve. The server stores only their SHA-256.`,
	})
	register(tokenNewCmd)
}

var tokenNewCmd = &command{
	name:    "token new",
	usage:   "token new",
	summary: "print a new random token and the SHA-256 to put in polysql.toml",
	help: `Prints a new bearer token (32 random bytes, base64url) and its SHA-256 in
hex. Give the token to the app (Authorization: Bearer TOKEN) and put the
hash in the config's [app.NAME] token_sha256; the server never stores the
token itself, so keep it somewhere safe: it cannot be recovered.`,
	examples: []string{`polysql token new`},
	run: func(ctx context.Context, e *env, c *command, args []string) int {
		fs := c.newFlagSet()
		pos, code, ok := e.parse(c, fs, args, false)
		if !ok {
			return code
		}
		if len(pos) > 0 {
			return e.usageError(c, "token new takes no arguments")
		}
		tok, hash := newToken()
		fmt.Fprintf(e.stdout, "token:        %s\ntoken_sha256: %s\n", tok, hash)
		return exitOK
	},
}

// newToken returns a random token and the hex SHA-256 of it.
func newToken() (token, sha string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = "psq_" + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(sum[:])
}
