package spi

import (
	"testing"

	"github.com/stretchr/testify/require"
	"periph.io/x/conn/v3/spi"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
)

var _ spi.Conn = (*Target)(nil)

func TestSPI(t *testing.T) {
	tg := drivertest.NewMapTarget()
	st := &Target{Target: tg}
	b := New(st)
	require.Equal(t, 255, b.MaxBurst())
	drivertest.ExerciseBus(t, b, tg)
	require.Zero(t, st.Stats.Truncated+st.Stats.Bad)
	// The wire: a read of one word at 7.
	tg.WriteWord(7, 0x01020304)
	w := []byte{cmdReadIncr, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0}
	r := make([]byte, len(w))
	require.NoError(t, st.Tx(w, r))
	require.Equal(t, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, SPIAck}, r)
	// Cut short: no status, the words that completed are written.
	w = []byte{cmdWriteIncr, 2, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0}
	r = make([]byte, len(w))
	require.NoError(t, st.Tx(w, r))
	require.NotContains(t, r, byte(SPIAck))
	require.Equal(t, uint32(9), tg.Get(8))
	require.Equal(t, uint64(1), st.Stats.Truncated)
	// A bad command gets no status, and a client sees ErrMalformed.
	require.NoError(t, st.Tx([]byte{9, 1, 0, 0, 0, 0, 0, 0}, nil))
	require.Equal(t, uint64(1), st.Stats.Bad)
	err := New(&Target{Target: nilTarget{}}).frame(9, 0, []uint32{0})
	require.ErrorIs(t, err, driver.ErrMalformed)
}

// nilTarget reads 0 and ignores writes.
type nilTarget struct{}

func (nilTarget) ReadWord(uint32) uint32   { return 0 }
func (nilTarget) WriteWord(uint32, uint32) {}

func TestSPIOpenWithoutHost(t *testing.T) {
	_, err := driver.OpenBus("spi://SPI0.0?hz=1MHz")
	require.ErrorContains(t, err, "periph.io host drivers")
	_, err = driver.OpenBus("spi://SPI0.0?mode=7")
	require.ErrorContains(t, err, "mode")
}

func FuzzSPITarget(f *testing.F) {
	f.Add([]byte{cmdReadIncr, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{cmdWriteFixed, 2, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, w []byte) {
		tg := drivertest.NewMapTarget()
		st := &Target{Target: tg}
		r := make([]byte, len(w))
		if err := st.Tx(w, r); err != nil {
			t.Fatal(err)
		}
		acks := st.Stats.Frames
		if acks > 1 || acks+st.Stats.Truncated+st.Stats.Bad != 1 && len(w) >= spiHeader {
			t.Fatalf("stats %+v", st.Stats)
		}
		if acks == 1 && r[len(r)-1] != SPIAck {
			// The status is in the slot after the frame; a longer
			// transaction leaves the rest idle.
			for _, c := range r[spiHeader+4*int(w[1])+1:] {
				if c == SPIAck {
					return
				}
			}
			t.Fatal("acknowledged without a status byte")
		}
	})
}
