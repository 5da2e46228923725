//go:build !linux

package rlservice

import "syscall"

// childAttributes puts a child in its own process group. Outside Linux a
// child outlives a test binary that is killed before its cleanups run.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
