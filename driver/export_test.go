package driver

// Internals for the external tests (package driver_test), which run the
// Board on the simulator (package simbus imports this one).

// Last returns the output of the last step the board ran.
func (b *Board) Last() *Output { return &b.out }
