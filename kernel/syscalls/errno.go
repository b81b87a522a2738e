package syscalls

// Linux errno values the kernel returns (negated).
const (
	EPERM     = 1
	ENOENT    = 2
	ESRCH     = 3
	EINTR     = 4
	ENXIO     = 6
	EBADF     = 9
	ECHILD    = 10
	EAGAIN    = 11
	ENOMEM    = 12
	EFAULT    = 14
	EINVAL    = 22
	EMFILE    = 24
	ENOTTY    = 25
	ENOSYS    = 38
	ETIMEDOUT = 110
)

// blocked is returned by a handler that put its thread to sleep: the result
// is written into the thread's RAX when it wakes.
const blocked = -1 << 62

// keepRAX is returned by rt_sigreturn, which restores RAX itself.
const keepRAX = -1<<62 + 1

// exits marks the calls that end the thread or the app.
const exits = -1<<62 + 2
