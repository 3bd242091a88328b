//go:build unix

package command

import (
	"os/exec"
	"syscall"
)

// startInGroup makes cmd the leader of a new process group, so that the
// command and every process it starts can be killed together.
func startInGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to the process group cmd leads. A group that no
// longer exists is not an error.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err == syscall.ESRCH {
		return nil
	}
	return err
}
