package abi

// Linux errno values the kernel returns (negated).
const (
	EPERM        = 1
	ENOENT       = 2
	ESRCH        = 3
	EINTR        = 4
	ENXIO        = 6
	EBADF        = 9
	ECHILD       = 10
	EAGAIN       = 11
	ENOMEM       = 12
	EACCES       = 13
	EFAULT       = 14
	EEXIST       = 17
	ENODEV       = 19
	ENOTDIR      = 20
	EISDIR       = 21
	EINVAL       = 22
	ENFILE       = 23
	EMFILE       = 24
	ENOTTY       = 25
	ESPIPE       = 29
	EROFS        = 30
	EPIPE        = 32
	ENOSYS       = 38
	ELOOP        = 40
	ENOTSOCK     = 88
	EOPNOTSUPP   = 95
	ENOBUFS      = 105
	ETOOMANYREFS = 109
	ETIMEDOUT    = 110
)
