//go:build !unix

package command

import "os/exec"

// startInGroup does nothing where process groups do not exist; killGroup
// then kills the command alone, not the processes it started.
func startInGroup(*exec.Cmd) {}

// killGroup kills the command.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
