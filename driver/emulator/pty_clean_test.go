package emulator

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/uartbone"
)

// TestPTYNewClientCleanStart: a client that sends thousands of read
// requests and leaves without reading the answers leaves nothing for the
// next one, whose first Info identifies the board.
func TestPTYNewClientCleanStart(t *testing.T) {
	tg := drivertest.NewMapTarget()
	for a := uint32(arch.RegID); a <= arch.RegDimSyns; a++ {
		tg.WriteWord(a, 0) // every answer of the first client is zeros...
	}
	tg.WriteWord(arch.RegID, arch.DeviceID) // ...but ID's
	e := startEmulator(t, tg, EmulatorConfig{Listen: "pty"})
	f, err := uartbone.OpenRawFile(e.Addr())
	require.NoError(t, err)
	var req []byte
	for range 2000 {
		req = binary.BigEndian.AppendUint32(append(req, uartbone.ReadIncr, 4), arch.RegID+1)
	}
	_, err = f.Write(req)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	for client := range 3 {
		b, err := driver.Open(e.URI())
		require.NoError(t, err)
		info, err := b.Info(drivertest.Context(t))
		require.NoError(t, err, "client %d", client)
		require.Equal(t, uint32(arch.DeviceID), info.ID)
		st := b.Stats()
		require.Zero(t, st.Retries(), "client %d", client)
		require.NoError(t, b.Close())
	}
}
