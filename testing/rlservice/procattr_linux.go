package rlservice

import "syscall"

// childAttributes puts a child in its own process group and sets its parent
// death signal to SIGKILL, so that the kernel kills it when the thread that
// started it exits. A test binary killed by a timeout then leaves no Redis
// or service running.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
