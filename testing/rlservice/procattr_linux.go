package rlservice

import "syscall"

// childAttributes puts a child in its own process group and asks the kernel
// to kill it when the thread that started it exits, so that a test binary
// killed by a timeout does not leave Redis or the service running.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
