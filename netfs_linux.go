package polysql

import "syscall"

// Filesystem magic numbers (statfs f_type) of network and FUSE filesystems,
// on which SQLite's WAL shared memory cannot be trusted.
var networkFS = map[int64]string{
	0x6969:     "nfs",
	0x517b:     "smb",
	0xff534d42: "cifs",
	0xfe534d42: "smb2",
	0x01021997: "9p",
	0x00c36400: "ceph",
	0x0bd00bd0: "lustre",
	0x65735546: "fuse",
	0x47504653: "gpfs",
	0xaad7aaea: "panfs",
	0x013111a8: "ibrix",
	0x5346414f: "afs",
	0x6b414653: "afs",
}

// detectNetworkFilesystem reports whether dir is on a network filesystem, and which.
func detectNetworkFilesystem(dir string) (string, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "", false
	}
	return classifyFS(int64(st.Type))
}

func classifyFS(magic int64) (string, bool) {
	name, ok := networkFS[magic&0xffffffff]
	return name, ok
}
