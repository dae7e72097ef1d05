package uartbone

// Internals for the external tests (package uartbone_test), which run the
// client against the emulator (package emulator imports this one).

// Tarm reports whether the link's port is github.com/tarm/serial's.
func (u *Link) Tarm() bool {
	_, ok := u.port.(*tarmPort)
	return ok
}

// Dirty reports whether the link resynchronises before its next request.
func (u *Link) Dirty() bool { return u.dirty }
