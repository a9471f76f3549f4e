package device

// MD5Checks is how many MD5-crypt verifications the package has run.
func MD5Checks() int64 { return md5Checks.Load() }
