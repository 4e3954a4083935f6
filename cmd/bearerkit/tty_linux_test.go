package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"unsafe"

	"github.com/rogpeppe/go-internal/testscript"
)

// ttyexec PROGRAM ARGS...
//
// Runs PROGRAM with its stdout on a pseudo-terminal (stdin empty, stderr
// captured), as when a person runs it in a terminal. The terminal's output
// becomes the command's stdout, with its CR LF line ends turned back into
// LF.
func cmdTTYExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: ttyexec PROGRAM ARGS...")
	}
	ptmx, tty, err := openPTY()
	ts.Check(err)
	defer ptmx.Close()
	var out, errOut bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&out, ptmx) // ends with EIO once the program has closed the terminal
		close(read)
	}()
	c := exec.Command(lookPath(ts, args[0]), args[1:]...)
	c.Dir = ts.MkAbs(".")
	c.Env = scriptEnv(ts)
	c.Stdout, c.Stderr = tty, &errOut
	err = c.Start()
	tty.Close()
	if err == nil {
		err = c.Wait()
	}
	<-read
	fmt.Fprint(ts.Stdout(), strings.ReplaceAll(out.String(), "\r\n", "\n"))
	fmt.Fprint(ts.Stderr(), errOut.String())
	if (err != nil) != neg {
		ts.Fatalf("ttyexec %s: %v", args[0], err)
	}
}

// openPTY opens a pseudo-terminal pair.
func openPTY() (ptmx, tty *os.File, err error) {
	ptmx, err = os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	unlock := 0
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		ptmx.Close()
		return nil, nil, e
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, ptmx.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		ptmx.Close()
		return nil, nil, e
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		return nil, nil, err
	}
	return ptmx, tty, nil
}
