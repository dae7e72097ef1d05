package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// deviceFixture is the small preset on jumpsup: a fresh image, the image
// of the region after `trained` steps, the rows and their encodings.
type deviceFixture struct {
	fresh, trained *image.Image
	rows           []series.Row
	enc            [][]uint32
	trainedSteps   int
}

func newDeviceFixture(t *testing.T) *deviceFixture {
	t.Helper()
	rows := readRows(t, jumpsup)[:120]
	cfg := presetConfig(t, "small", readRows(t, jumpsup))
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	f := &deviceFixture{rows: rows, trainedSteps: 60}
	f.fresh, err = image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	e, err := NewEncoder(cfg)
	require.NoError(t, err)
	for i, row := range rows {
		in, err := e.Encode(row.Time, row.Value)
		require.NoError(t, err)
		f.enc = append(f.enc, slices.Clone(in))
		if i < f.trainedSteps {
			_, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
			require.NoError(t, err)
		}
	}
	f.trained, err = image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	return f
}

func ctrl(d *Device, c uint16) { d.WriteWord(RegCtrl, CtrlWord(c)) }

// devStep writes STEP_EXPECT, the input and STEP|learn.
func devStep(d *Device, n uint32, in []uint32, learn bool) {
	d.WriteWord(RegStepExpect, n)
	d.WriteWord(RegInCount, uint32(len(in)))
	for i, x := range in {
		d.WriteWord(RegInBuf+uint32(i), x)
	}
	c := uint16(CmdStep)
	if learn {
		c |= CmdLearn
	}
	ctrl(d, c)
}

func readBuf(d *Device, base, n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = d.ReadWord(base + uint32(i))
	}
	return out
}

func TestDevicePowerOn(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	cfg := f.fresh.Section("cfg").Words
	for _, c := range []struct {
		name string
		addr uint32
		want uint32
	}{
		{"ID", RegID, 0x48544D48}, {"VERSION", RegVersion, image.ArchVersion},
		{"CAPS", RegCaps, 4 | 4<<8 | 18<<16},
		{"DIM_IN", RegDimIn, uint32(cfg[0])}, {"DIM_COLS", RegDimCols, uint32(cfg[1])},
		{"DIM_CELLS", RegDimCells, uint32(cfg[22])}, {"DIM_SEGS", RegDimSegs, uint32(cfg[21])},
		{"DIM_SYNS", RegDimSyns, uint32(cfg[20])},
		{"STATUS", RegStatus, StatusDone}, {"STEP_LO", RegStepLo, 0}, {"STEP_HI", RegStepHi, 0},
		{"ERROR", RegError, 0}, {"CYCLES", RegCycles, 0}, {"IN_COUNT", RegInCount, 0},
		{"OUT_COUNT", RegOutCount, 0}, {"PRED_COUNT", RegPredCount, 0},
		{"ANOM_NUM", RegAnomNum, 0}, {"ANOM_DEN", RegAnomDen, 0},
		{"IN_CRC", RegInCRC, InCRC(0, nil)}, {"OUT_CRC", RegOutCRC, OutCRC(0, nil, nil, 0, 0)},
		{"MEM_LOCK", RegMemLock, 1}, {"MEM_SEL", RegMemSel, 0}, {"MEM_ADDR", RegMemAddr, 0},
		{"CTRL (write-only)", RegCtrl, 0}, {"STEP_EXPECT (write-only)", RegStepExpect, 0},
		{"CRC_SEL (write-only)", RegCRCSel, 0}, {"CRC_VALUE", RegCRCValue, 0},
		{"reserved", 0x800, 0}, {"unmapped", 0x3000, 0},
	} {
		assert.Equal(t, c.want, d.ReadWord(c.addr), c.name)
	}
	// Writes to read-only registers change nothing.
	d.WriteWord(RegID, 1)
	d.WriteWord(RegStepLo, 7)
	d.WriteWord(RegOutCount, 7)
	assert.Equal(t, uint32(DeviceID), d.ReadWord(RegID))
	assert.Zero(t, d.ReadWord(RegStepLo))
	assert.Zero(t, d.ReadWord(RegOutCount))
	assert.True(t, d.Accepts(f.trained), "same configuration")
	other := *f.fresh
	other.Arch.LanesSyn = 2
	assert.False(t, d.Accepts(&other))
}

// Steps through the device equal the simulator's, with every output
// register and CRC, and a STEP never computes twice.
func TestDeviceStep(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	ref, err := New(f.fresh)
	require.NoError(t, err)
	for i, in := range f.enc[:80] {
		learn := i%7 != 3
		devStep(d, uint32(i), in, learn)
		r, err := ref.Step(in, learn)
		require.NoError(t, err)
		require.Zero(t, d.ReadWord(RegError), "step %d", i)
		require.Equal(t, uint32(i+1), d.ReadWord(RegStepLo))
		require.Equal(t, uint32(len(in)), d.ReadWord(RegInCount))
		require.Equal(t, in, readBuf(d, RegInBuf, uint32(len(in))), "IN_BUF reads back")
		require.Equal(t, InCRC(uint32(len(in)), in), d.ReadWord(RegInCRC))
		nc, np := d.ReadWord(RegOutCount), d.ReadWord(RegPredCount)
		cols, pred := readBuf(d, RegOutBuf, nc), readBuf(d, RegPredBuf, np)
		require.Equal(t, r.ActiveColumns, cols, "step %d", i)
		require.True(t, slices.Equal(r.PredictedColumns, pred), "step %d", i)
		require.Equal(t, r.AnomalyNum, d.ReadWord(RegAnomNum))
		require.Equal(t, r.AnomalyDen, d.ReadWord(RegAnomDen))
		require.Equal(t, uint32(r.Total), d.ReadWord(RegCycles))
		require.Equal(t, OutCRC(uint32(i+1), cols, pred, r.AnomalyNum, r.AnomalyDen), d.ReadWord(RegOutCRC))
		require.Zero(t, d.ReadWord(RegOutBuf+nc), "OUT_BUF beyond OUT_COUNT")
		require.Zero(t, d.ReadWord(RegPredBuf+np), "PRED_BUF beyond PRED_COUNT")
		require.Equal(t, uint32(StatusDone), d.ReadWord(RegStatus))

		// The same command again (a lost acknowledgement): refused.
		before := d.ReadWord(RegOutCRC)
		ctrl(d, CmdStep|CmdLearn)
		require.Equal(t, uint32(CodeStepMismatch), d.ReadWord(RegError))
		require.Equal(t, uint32(StatusDone|StatusError), d.ReadWord(RegStatus))
		require.Zero(t, d.ReadWord(RegCycles), "a refused command counts no cycles")
		require.Equal(t, uint32(i+1), d.ReadWord(RegStepLo), "computed twice")
		require.Equal(t, before, d.ReadWord(RegOutCRC))
		ctrl(d, CmdClearError)
		require.Zero(t, d.ReadWord(RegError))
	}
	compareImages(t, ref.Image(), d.Image(), "device after 80 steps")
	assert.EqualValues(t, 80, d.Steps())
}

func TestDeviceErrors(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	in := f.enc[0]
	expectErr := func(code ErrorCode, what string) {
		t.Helper()
		assert.Equal(t, uint32(code), d.ReadWord(RegError), what)
		assert.Equal(t, code.String(), ErrorCode(d.ReadWord(RegError)).String())
		assert.Zero(t, d.ReadWord(RegStepLo), "%s: nothing computed", what)
		ctrl(d, CmdClearError)
		assert.Zero(t, d.ReadWord(RegError))
		assert.Equal(t, uint32(StatusDone), d.ReadWord(RegStatus))
	}

	// BAD_CMD: halves that are not complements, unknown commands, learn
	// without STEP.
	for _, w := range []uint32{CmdStep, CtrlWord(CmdStep) ^ 1<<20, CtrlWord(CmdStep) ^ 1, CtrlWord(3), CtrlWord(16), CtrlWord(CmdRestore | CmdLearn), 0} {
		d.WriteWord(RegStepExpect, 0)
		d.WriteWord(RegInCount, uint32(len(in)))
		d.WriteWord(RegCtrl, w)
		expectErr(CodeBadCmd, "ctrl word")
	}
	// STEP_MISMATCH.
	devStep(d, 5, in, true)
	expectErr(CodeStepMismatch, "step expect")
	// BAD_INPUT: not ascending, not below N, more than IN_BUF holds.
	bad := slices.Clone(in)
	bad[1], bad[2] = bad[2], bad[1]
	devStep(d, 0, bad, true)
	expectErr(CodeBadInput, "not ascending")
	devStep(d, 0, []uint32{3, d.ReadWord(RegDimIn)}, true)
	expectErr(CodeBadInput, "index N")
	d.WriteWord(RegInCount, InBufWords+1)
	ctrl(d, CmdStep)
	expectErr(CodeBadInput, "IN_COUNT too big")
	assert.Equal(t, InCRC(InBufWords+1, readBuf(d, RegInBuf, InBufWords)), d.ReadWord(RegInCRC))

	// Errors are sticky: the first stays until CLEAR_ERROR, and commands
	// still run meanwhile.
	d.WriteWord(RegCtrl, 1)
	devStep(d, 9, in, true)
	assert.Equal(t, uint32(CodeBadCmd), d.ReadWord(RegError))
	devStep(d, 0, in, true)
	assert.Equal(t, uint32(1), d.ReadWord(RegStepLo), "a STEP runs while ERROR is set")
	assert.Equal(t, uint32(CodeBadCmd), d.ReadWord(RegError))
	ctrl(d, CmdClearError)
	assert.Zero(t, d.ReadWord(RegError))

	// BAD_MEM: MEM_SEL, MEM_ADDR, CRC_SEL out of range.
	d.WriteWord(RegMemSel, 16)
	assert.Zero(t, d.ReadWord(RegMemDataLo))
	assert.Equal(t, uint32(CodeBadMem), d.ReadWord(RegError))
	ctrl(d, CmdClearError)
	d.WriteWord(RegMemSel, 0)
	d.WriteWord(RegMemAddr, 32)
	assert.Zero(t, d.ReadWord(RegMemDataHi))
	assert.Equal(t, uint32(32), d.ReadWord(RegMemAddr), "no increment after BAD_MEM")
	assert.Equal(t, uint32(CodeBadMem), d.ReadWord(RegError))
	ctrl(d, CmdClearError)
	d.WriteWord(RegCRCSel, 16)
	assert.Equal(t, uint32(CodeBadMem), d.ReadWord(RegError))
	assert.Zero(t, d.ReadWord(RegCRCValue))
	ctrl(d, CmdClearError)

	// LOCKED.
	d.WriteWord(RegMemSel, 1)
	d.WriteWord(RegMemAddr, 0)
	d.WriteWord(RegMemDataLo, 99)
	d.WriteWord(RegMemDataHi, 0)
	assert.Equal(t, uint32(CodeLocked), d.ReadWord(RegError))
	assert.Zero(t, d.ReadWord(RegMemAddr), "a refused write does not move MEM_ADDR")
	assert.Equal(t, uint32(1), d.ReadWord(RegMemDataLo), "regs word 0 unchanged: one step")
	ctrl(d, CmdClearError)
	assert.Equal(t, "ERROR(9)", ErrorCode(9).String())
}

func TestDeviceMemoryWindow(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	// Every memory reads back through the window, and CRC_VALUE is the
	// section CRC.
	for i, s := range f.fresh.Sections {
		d.WriteWord(RegCRCSel, uint32(i))
		require.Equal(t, s.CRC(), d.ReadWord(RegCRCValue), s.Name)
		d.WriteWord(RegMemSel, uint32(i))
		d.WriteWord(RegMemAddr, 0)
		for j, w := range s.Words {
			lo := d.ReadWord(RegMemDataLo)
			require.Equal(t, uint32(j), d.ReadWord(RegMemAddr), "LO does not move MEM_ADDR")
			hi := d.ReadWord(RegMemDataHi)
			require.Equal(t, w, uint64(hi)<<32|uint64(lo), "%s word %d", s.Name, j)
		}
		require.Equal(t, uint32(s.Depth()), d.ReadWord(RegMemAddr))
		require.Equal(t, uint32(i), d.ReadWord(RegMemSel))
	}
	require.Zero(t, d.ReadWord(RegError))

	// MEM_LOCK: LOAD unlocks, any other value locks, STEP locks.
	d.WriteWord(RegMemLock, MemUnlock)
	assert.Zero(t, d.ReadWord(RegMemLock))
	d.WriteWord(RegMemLock, 0)
	assert.Equal(t, uint32(1), d.ReadWord(RegMemLock))
	d.WriteWord(RegMemLock, MemUnlock)
	devStep(d, 0, f.enc[0], true)
	assert.Equal(t, uint32(1), d.ReadWord(RegMemLock), "STEP locks")
	assert.Equal(t, uint32(1), d.ReadWord(RegStepLo))

	// Writes are truncated to the memory's width, auto-increment, and are
	// pending: STEP refuses with BAD_STATE until RESTORE.
	d.WriteWord(RegMemLock, MemUnlock)
	boost := 6 // sp.boost, 16 bits
	d.WriteWord(RegMemSel, uint32(boost))
	d.WriteWord(RegMemAddr, 3)
	old := f.fresh.Section("sp.boost").Words[3]
	d.WriteWord(RegMemDataLo, 0xABCD1234)
	d.WriteWord(RegMemDataHi, 0xFFFF)
	assert.Equal(t, uint32(4), d.ReadWord(RegMemAddr))
	d.WriteWord(RegMemAddr, 3)
	assert.Equal(t, uint32(0x1234), d.ReadWord(RegMemDataLo))
	assert.Zero(t, d.ReadWord(RegMemDataHi))
	devStep(d, 1, f.enc[1], true)
	assert.Equal(t, uint32(CodeBadState), d.ReadWord(RegError))
	assert.Equal(t, uint32(1), d.ReadWord(RegStepLo))
	ctrl(d, CmdClearError)
	// Restore the word; RESTORE accepts the memories, and the device goes on.
	d.WriteWord(RegMemLock, MemUnlock)
	d.WriteWord(RegMemSel, uint32(boost))
	d.WriteWord(RegMemAddr, 3)
	d.WriteWord(RegMemDataLo, uint32(old))
	d.WriteWord(RegMemDataHi, 0)
	ctrl(d, CmdRestore)
	assert.Zero(t, d.ReadWord(RegError))
	assert.NotZero(t, d.ReadWord(RegCycles))
	devStep(d, 1, f.enc[1], true)
	assert.Zero(t, d.ReadWord(RegError))
	assert.Equal(t, uint32(2), d.ReadWord(RegStepLo))
}

// writeImage writes an image's memories through the window.
func writeImage(d *Device, im *image.Image) {
	d.WriteWord(RegMemLock, MemUnlock)
	for i, s := range im.Sections {
		d.WriteWord(RegMemSel, uint32(i))
		d.WriteWord(RegMemAddr, 0)
		for _, w := range s.Words {
			d.WriteWord(RegMemDataLo, uint32(w))
			d.WriteWord(RegMemDataHi, uint32(w>>32))
		}
	}
	d.WriteWord(RegMemLock, 1)
}

// RESTORE after loading a trained image through the window continues as a
// simulator made from that image; inconsistent memories are refused with
// BAD_STATE and the previous state stays.
func TestDeviceRestore(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	for i := range 5 {
		devStep(d, uint32(i), f.enc[i], true)
	}
	writeImage(d, f.trained)
	for i, s := range f.trained.Sections {
		d.WriteWord(RegCRCSel, uint32(i))
		require.Equal(t, s.CRC(), d.ReadWord(RegCRCValue), "pending %s", s.Name)
	}
	assert.Equal(t, uint32(5), d.ReadWord(RegStepLo), "STEP_LO is the running state until RESTORE")
	ctrl(d, CmdReset)
	assert.Zero(t, d.ReadWord(RegCycles))
	ctrl(d, CmdRestore)
	require.Zero(t, d.ReadWord(RegError))
	ref, err := New(f.trained)
	require.NoError(t, err)
	assert.Equal(t, uint32(ref.Stats().RestoreCycles), d.ReadWord(RegCycles))
	n := uint32(f.trainedSteps)
	assert.Equal(t, n, d.ReadWord(RegStepLo))
	for i := f.trainedSteps; i < len(f.enc); i++ {
		devStep(d, uint32(i), f.enc[i], true)
		r, err := ref.Step(f.enc[i], true)
		require.NoError(t, err)
		require.Equal(t, r.ActiveColumns, readBuf(d, RegOutBuf, d.ReadWord(RegOutCount)), "step %d", i)
		require.Equal(t, uint32(r.Total), d.ReadWord(RegCycles))
	}
	compareImages(t, ref.Image(), d.Image(), "after restore and steps")
	steps := d.ReadWord(RegStepLo)

	// An inconsistent sp.conn word: BAD_STATE, the previous state stays.
	conn := 4
	d.WriteWord(RegMemLock, MemUnlock)
	d.WriteWord(RegMemSel, uint32(conn))
	d.WriteWord(RegMemAddr, 0)
	w0 := d.ReadWord(RegMemDataLo)
	d.WriteWord(RegMemDataLo, w0^1)
	d.WriteWord(RegMemDataHi, 0)
	require.Error(t, d.RestoreError())
	ctrl(d, CmdClearError)
	ctrl(d, CmdRestore)
	assert.Equal(t, uint32(CodeBadState), d.ReadWord(RegError))
	assert.Zero(t, d.ReadWord(RegCycles), "a refused RESTORE counts no cycles")
	assert.Equal(t, steps, d.ReadWord(RegStepLo))
	ctrl(d, CmdClearError)
	// The written word stays written; putting it back lets RESTORE run.
	d.WriteWord(RegMemAddr, 0)
	assert.Equal(t, w0^1, d.ReadWord(RegMemDataLo))
	d.WriteWord(RegMemDataLo, w0)
	d.WriteWord(RegMemDataHi, 0)
	require.NoError(t, d.RestoreError())
	ctrl(d, CmdRestore)
	assert.Zero(t, d.ReadWord(RegError))
	assert.Equal(t, steps, d.ReadWord(RegStepLo))

	// Memories of another configuration are refused.
	other := presetConfig(t, "small", f.rows)
	other.TM.ActivationThreshold++
	r, err := model.NewRegion(other)
	require.NoError(t, err)
	oim, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	assert.False(t, d.Accepts(oim))
	writeImage(d, oim)
	ctrl(d, CmdRestore)
	assert.Equal(t, uint32(CodeBadState), d.ReadWord(RegError))
	assert.Equal(t, steps, d.ReadWord(RegStepLo))
}

func TestDeviceReset(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	devStep(d, 0, f.enc[0], true)
	d.WriteWord(RegCtrl, 0) // BAD_CMD
	d.WriteWord(RegMemLock, MemUnlock)
	d.WriteWord(RegMemSel, 3)
	d.WriteWord(RegMemAddr, 2)
	d.WriteWord(RegCRCSel, 2)
	d.WriteWord(RegStepExpect, 1)
	before := d.Image()
	ctrl(d, CmdReset)
	for _, a := range []uint32{RegError, RegCycles, RegInCount, RegOutCount, RegPredCount, RegAnomNum, RegAnomDen,
		RegMemSel, RegMemAddr, RegCRCValue, RegInBuf, RegOutBuf} {
		assert.Zero(t, d.ReadWord(a), "register %#x", a)
	}
	assert.Equal(t, uint32(1), d.ReadWord(RegMemLock))
	assert.Equal(t, uint32(StatusDone), d.ReadWord(RegStatus))
	assert.Equal(t, uint32(1), d.ReadWord(RegStepLo), "memories unchanged")
	compareImages(t, before, d.Image(), "memories after RESET")
	// STEP_EXPECT is 0 again.
	ctrl(d, CmdStep)
	assert.Equal(t, uint32(CodeStepMismatch), d.ReadWord(RegError))
}

func TestNewDeviceRefusesBadImages(t *testing.T) {
	_, err := NewDevice(nil)
	require.Error(t, err)
	f := newDeviceFixture(t)
	bad := *f.fresh
	bad.Sections = bad.Sections[:3]
	_, err = NewDevice(&bad)
	require.Error(t, err)
}
