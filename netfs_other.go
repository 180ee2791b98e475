//go:build !linux

package polysql

// networkFilesystem cannot tell on this platform; WAL is used unless asked otherwise.
func networkFilesystem(string) (string, bool) { return "", false }

func classifyFS(int64) (string, bool) { return "", false }
