//go:build !linux

package polysql

// detectNetworkFilesystem cannot tell on this platform; WAL is used unless asked otherwise.
func detectNetworkFilesystem(string) (string, bool) { return "", false }

func classifyFS(int64) (string, bool) { return "", false }
