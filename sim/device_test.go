package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
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
	e, err := model.NewEncoder(cfg)
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

func ctrl(d *Device, c uint16) { d.WriteWord(arch.RegCtrl, arch.CtrlWord(c)) }

// devStep writes STEP_EXPECT, the input and STEP|learn.
func devStep(d *Device, n uint32, in []uint32, learn bool) {
	d.WriteWord(arch.RegStepExpect, n)
	d.WriteWord(arch.RegInCount, uint32(len(in)))
	for i, x := range in {
		d.WriteWord(arch.RegInBuf+uint32(i), x)
	}
	c := uint16(arch.CmdStep)
	if learn {
		c |= arch.CmdLearn
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
		{"ID", arch.RegID, arch.DeviceID}, {"VERSION", arch.RegVersion, image.ArchVersion},
		{"CAPS", arch.RegCaps, 0x010101}, // architecture 3: LANES_OV, LANES_SYN, DIV_LAT 1
		{"DIM_IN", arch.RegDimIn, uint32(cfg[arch.CfgN])}, {"DIM_COLS", arch.RegDimCols, uint32(cfg[arch.CfgC])},
		{"DIM_CELLS", arch.RegDimCells, uint32(cfg[arch.CfgK])}, {"DIM_SEGS", arch.RegDimSegs, uint32(cfg[arch.CfgS])},
		{"DIM_SYNS", arch.RegDimSyns, uint32(cfg[arch.CfgM])},
		{"STATUS", arch.RegStatus, arch.StatusDone}, {"STEP_LO", arch.RegStepLo, 0}, {"STEP_HI", arch.RegStepHi, 0},
		{"ERROR", arch.RegError, 0}, {"CYCLES", arch.RegCycles, 0}, {"IN_COUNT", arch.RegInCount, 0},
		{"OUT_COUNT", arch.RegOutCount, 0}, {"PRED_COUNT", arch.RegPredCount, 0},
		{"ANOM_NUM", arch.RegAnomNum, 0}, {"ANOM_DEN", arch.RegAnomDen, 0},
		{"IN_CRC", arch.RegInCRC, arch.InCRC(0, nil)}, {"OUT_CRC", arch.RegOutCRC, arch.OutCRC(0, nil, nil, 0, 0)},
		{"MEM_LOCK", arch.RegMemLock, 1}, {"MEM_SEL", arch.RegMemSel, 0}, {"MEM_ADDR", arch.RegMemAddr, 0},
		{"CTRL (write-only)", arch.RegCtrl, 0}, {"STEP_EXPECT (write-only)", arch.RegStepExpect, 0},
		{"CRC_SEL (write-only)", arch.RegCRCSel, 0}, {"CRC_VALUE", arch.RegCRCValue, 0},
		{"reserved", 0x800, 0}, {"unmapped", 0x3000, 0},
	} {
		assert.Equal(t, c.want, d.ReadWord(c.addr), c.name)
	}
	// Writes to read-only registers change nothing.
	d.WriteWord(arch.RegID, 1)
	d.WriteWord(arch.RegStepLo, 7)
	d.WriteWord(arch.RegOutCount, 7)
	assert.Equal(t, uint32(arch.DeviceID), d.ReadWord(arch.RegID))
	assert.Zero(t, d.ReadWord(arch.RegStepLo))
	assert.Zero(t, d.ReadWord(arch.RegOutCount))
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
		require.Zero(t, d.ReadWord(arch.RegError), "step %d", i)
		require.Equal(t, uint32(i+1), d.ReadWord(arch.RegStepLo))
		require.Equal(t, uint32(len(in)), d.ReadWord(arch.RegInCount))
		require.Equal(t, in, readBuf(d, arch.RegInBuf, uint32(len(in))), "IN_BUF reads back")
		require.Equal(t, arch.InCRC(uint32(len(in)), in), d.ReadWord(arch.RegInCRC))
		nc, np := d.ReadWord(arch.RegOutCount), d.ReadWord(arch.RegPredCount)
		cols, pred := readBuf(d, arch.RegOutBuf, nc), readBuf(d, arch.RegPredBuf, np)
		require.Equal(t, r.ActiveColumns, cols, "step %d", i)
		require.True(t, slices.Equal(r.PredictedColumns, pred), "step %d", i)
		require.Equal(t, r.AnomalyNum, d.ReadWord(arch.RegAnomNum))
		require.Equal(t, r.AnomalyDen, d.ReadWord(arch.RegAnomDen))
		require.Equal(t, uint32(r.Total), d.ReadWord(arch.RegCycles))
		require.Equal(t, arch.OutCRC(uint32(i+1), cols, pred, r.AnomalyNum, r.AnomalyDen), d.ReadWord(arch.RegOutCRC))
		require.Zero(t, d.ReadWord(arch.RegOutBuf+nc), "OUT_BUF beyond OUT_COUNT")
		require.Zero(t, d.ReadWord(arch.RegPredBuf+np), "PRED_BUF beyond PRED_COUNT")
		require.Equal(t, uint32(arch.StatusDone), d.ReadWord(arch.RegStatus))

		// The same command again (a lost acknowledgement): refused.
		before := d.ReadWord(arch.RegOutCRC)
		ctrl(d, arch.CmdStep|arch.CmdLearn)
		require.Equal(t, uint32(arch.CodeStepMismatch), d.ReadWord(arch.RegError))
		require.Equal(t, uint32(arch.StatusDone|arch.StatusError), d.ReadWord(arch.RegStatus))
		require.Zero(t, d.ReadWord(arch.RegCycles), "a refused command counts no cycles")
		require.Equal(t, uint32(i+1), d.ReadWord(arch.RegStepLo), "computed twice")
		require.Equal(t, before, d.ReadWord(arch.RegOutCRC))
		ctrl(d, arch.CmdClearError)
		require.Zero(t, d.ReadWord(arch.RegError))
	}
	compareImages(t, ref.Image(), d.Image(), "device after 80 steps")
	assert.EqualValues(t, 80, d.Steps())
}

func TestDeviceErrors(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	in := f.enc[0]
	expectErr := func(code arch.ErrorCode, what string) {
		t.Helper()
		assert.Equal(t, uint32(code), d.ReadWord(arch.RegError), what)
		assert.Equal(t, code.String(), arch.ErrorCode(d.ReadWord(arch.RegError)).String())
		assert.Zero(t, d.ReadWord(arch.RegStepLo), "%s: nothing computed", what)
		ctrl(d, arch.CmdClearError)
		assert.Zero(t, d.ReadWord(arch.RegError))
		assert.Equal(t, uint32(arch.StatusDone), d.ReadWord(arch.RegStatus))
	}

	// BAD_CMD: halves that are not complements, unknown commands, learn
	// without STEP.
	for _, w := range []uint32{arch.CmdStep, arch.CtrlWord(arch.CmdStep) ^ 1<<20, arch.CtrlWord(arch.CmdStep) ^ 1, arch.CtrlWord(3), arch.CtrlWord(16), arch.CtrlWord(arch.CmdRestore | arch.CmdLearn), 0} {
		d.WriteWord(arch.RegStepExpect, 0)
		d.WriteWord(arch.RegInCount, uint32(len(in)))
		d.WriteWord(arch.RegCtrl, w)
		expectErr(arch.CodeBadCmd, "ctrl word")
	}
	// STEP_MISMATCH.
	devStep(d, 5, in, true)
	expectErr(arch.CodeStepMismatch, "step expect")
	// BAD_INPUT: not ascending, not below N, more than IN_BUF holds.
	bad := slices.Clone(in)
	bad[1], bad[2] = bad[2], bad[1]
	devStep(d, 0, bad, true)
	expectErr(arch.CodeBadInput, "not ascending")
	devStep(d, 0, []uint32{3, d.ReadWord(arch.RegDimIn)}, true)
	expectErr(arch.CodeBadInput, "index N")
	d.WriteWord(arch.RegInCount, arch.InBufWords+1)
	ctrl(d, arch.CmdStep)
	expectErr(arch.CodeBadInput, "IN_COUNT too big")
	assert.Equal(t, arch.InCRC(arch.InBufWords+1, readBuf(d, arch.RegInBuf, arch.InBufWords)), d.ReadWord(arch.RegInCRC))

	// Errors are sticky: the first stays until CLEAR_ERROR, and commands
	// still run meanwhile.
	d.WriteWord(arch.RegCtrl, 1)
	devStep(d, 9, in, true)
	assert.Equal(t, uint32(arch.CodeBadCmd), d.ReadWord(arch.RegError))
	devStep(d, 0, in, true)
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegStepLo), "a STEP runs while ERROR is set")
	assert.Equal(t, uint32(arch.CodeBadCmd), d.ReadWord(arch.RegError))
	ctrl(d, arch.CmdClearError)
	assert.Zero(t, d.ReadWord(arch.RegError))

	// BAD_MEM: MEM_SEL, MEM_ADDR, CRC_SEL out of range.
	d.WriteWord(arch.RegMemSel, uint32(arch.NumMems))
	assert.Zero(t, d.ReadWord(arch.RegMemDataLo))
	assert.Equal(t, uint32(arch.CodeBadMem), d.ReadWord(arch.RegError))
	ctrl(d, arch.CmdClearError)
	d.WriteWord(arch.RegMemSel, uint32(arch.MemCfg))
	d.WriteWord(arch.RegMemAddr, arch.CfgWords)
	assert.Zero(t, d.ReadWord(arch.RegMemDataHi))
	assert.Equal(t, uint32(arch.CfgWords), d.ReadWord(arch.RegMemAddr), "no increment after BAD_MEM")
	assert.Equal(t, uint32(arch.CodeBadMem), d.ReadWord(arch.RegError))
	ctrl(d, arch.CmdClearError)
	d.WriteWord(arch.RegCRCSel, uint32(arch.NumMems))
	assert.Equal(t, uint32(arch.CodeBadMem), d.ReadWord(arch.RegError))
	assert.Zero(t, d.ReadWord(arch.RegCRCValue))
	ctrl(d, arch.CmdClearError)

	// LOCKED.
	d.WriteWord(arch.RegMemSel, uint32(arch.MemRegs))
	d.WriteWord(arch.RegMemAddr, 0)
	d.WriteWord(arch.RegMemDataLo, 99)
	d.WriteWord(arch.RegMemDataHi, 0)
	assert.Equal(t, uint32(arch.CodeLocked), d.ReadWord(arch.RegError))
	assert.Zero(t, d.ReadWord(arch.RegMemAddr), "a refused write does not move MEM_ADDR")
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegMemDataLo), "regs word 0 unchanged: one step")
	ctrl(d, arch.CmdClearError)
	assert.Equal(t, "ERROR(9)", arch.ErrorCode(9).String())
}

func TestDeviceMemoryWindow(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	// Every memory reads back through the window as its units (contract
	// version 4), and CRC_VALUE is the units' section CRC. MEM_DATA_HI
	// reads the unit MEM_ADDR | 1 of cfg and regs, 0 of the others.
	units, err := f.fresh.Units()
	require.NoError(t, err)
	for i, s := range units.Sections {
		d.WriteWord(arch.RegCRCSel, uint32(i))
		require.Equal(t, s.CRC(), d.ReadWord(arch.RegCRCValue), s.Name)
		d.WriteWord(arch.RegMemSel, uint32(i))
		d.WriteWord(arch.RegMemAddr, 0)
		for j, w := range s.Words {
			lo := d.ReadWord(arch.RegMemDataLo)
			require.Equal(t, uint32(j), d.ReadWord(arch.RegMemAddr), "LO does not move MEM_ADDR")
			hi := d.ReadWord(arch.RegMemDataHi)
			require.Equal(t, w, uint64(lo), "%s unit %d", s.Name, j)
			if i <= int(arch.MemRegs) {
				require.Equal(t, s.Words[j|1], uint64(hi), "%s unit %d", s.Name, j|1)
			} else {
				require.Zero(t, hi, "%s unit %d", s.Name, j)
			}
		}
		require.Equal(t, uint32(s.Depth()), d.ReadWord(arch.RegMemAddr))
		require.Equal(t, uint32(i), d.ReadWord(arch.RegMemSel))
	}
	require.Zero(t, d.ReadWord(arch.RegError))

	// MEM_LOCK: LOAD unlocks, any other value locks, STEP locks.
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	assert.Zero(t, d.ReadWord(arch.RegMemLock))
	d.WriteWord(arch.RegMemLock, 0)
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegMemLock))
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	devStep(d, 0, f.enc[0], true)
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegMemLock), "STEP locks")
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegStepLo))

	// Writes commit the latch to a unit (HI's word unused), each part
	// truncated to its word's width, auto-increment, and are pending: STEP
	// refuses with BAD_STATE until RESTORE.
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	free := uint32(arch.MemTMFree) // tm.free, two words a unit
	d.WriteWord(arch.RegMemSel, free)
	d.WriteWord(arch.RegMemAddr, 3)
	old := uint32(units.Section("tm.free").Words[3])
	d.WriteWord(arch.RegMemDataLo, 0xABCD1234)
	d.WriteWord(arch.RegMemDataHi, 0xFFFF)
	assert.Equal(t, uint32(4), d.ReadWord(arch.RegMemAddr))
	d.WriteWord(arch.RegMemAddr, 3)
	mask := uint32(1)<<f.fresh.Section("tm.free").Width - 1
	assert.Equal(t, 0xABCD1234&(mask<<16|mask), d.ReadWord(arch.RegMemDataLo))
	assert.Zero(t, d.ReadWord(arch.RegMemDataHi))
	devStep(d, 1, f.enc[1], true)
	assert.Equal(t, uint32(arch.CodeBadState), d.ReadWord(arch.RegError))
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegStepLo))
	ctrl(d, arch.CmdClearError)
	// Restore the word; RESTORE accepts the memories, and the device goes on.
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	d.WriteWord(arch.RegMemSel, free)
	d.WriteWord(arch.RegMemAddr, 3)
	d.WriteWord(arch.RegMemDataLo, old)
	d.WriteWord(arch.RegMemDataHi, 0)
	ctrl(d, arch.CmdRestore)
	assert.Zero(t, d.ReadWord(arch.RegError))
	assert.NotZero(t, d.ReadWord(arch.RegCycles))
	devStep(d, 1, f.enc[1], true)
	assert.Zero(t, d.ReadWord(arch.RegError))
	assert.Equal(t, uint32(2), d.ReadWord(arch.RegStepLo))
}

// writeImage writes an image's memories through the window, as units.
func writeImage(d *Device, im *image.Image) {
	im, err := im.Units()
	if err != nil {
		panic(err)
	}
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	for i, s := range im.Sections {
		d.WriteWord(arch.RegMemSel, uint32(i))
		d.WriteWord(arch.RegMemAddr, 0)
		for _, w := range s.Words {
			d.WriteWord(arch.RegMemDataLo, uint32(w))
			d.WriteWord(arch.RegMemDataHi, uint32(w>>32))
		}
	}
	d.WriteWord(arch.RegMemLock, 1)
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
	// The trained image in its state form (tm.free 0 above FREE_COUNT):
	// RESTORE refuses it, its used segments have no list (contract
	// version 4); a list out of creation order likewise.
	used, err := f.trained.UsedList()
	require.NoError(t, err)
	require.Greater(t, len(used), 1)
	writeImage(d, f.trained)
	ctrl(d, arch.CmdRestore)
	assert.Equal(t, uint32(arch.CodeBadState), d.ReadWord(arch.RegError))
	assert.ErrorContains(t, d.RestoreError(), "RESTORE's used list")
	ctrl(d, arch.CmdClearError)
	loaded, err := f.trained.WithUsedList()
	require.NoError(t, err)
	free := loaded.Section("tm.free").Words
	fc := len(free) - len(used)
	bad := *loaded
	bad.Sections = slices.Clone(loaded.Sections)
	for i := range bad.Sections {
		if bad.Sections[i].Name == "tm.free" {
			sec := *bad.Sections[i]
			sec.Words = slices.Clone(free)
			sec.Words[fc], sec.Words[fc+1] = sec.Words[fc+1], sec.Words[fc]
			bad.Sections[i] = &sec
		}
	}
	writeImage(d, &bad)
	ctrl(d, arch.CmdRestore)
	assert.Equal(t, uint32(arch.CodeBadState), d.ReadWord(arch.RegError))
	ctrl(d, arch.CmdClearError)
	writeImage(d, loaded)
	units, err := loaded.Units()
	require.NoError(t, err)
	for i, s := range units.Sections {
		d.WriteWord(arch.RegCRCSel, uint32(i))
		require.Equal(t, s.CRC(), d.ReadWord(arch.RegCRCValue), "pending %s", s.Name)
	}
	assert.Equal(t, uint32(5), d.ReadWord(arch.RegStepLo), "STEP_LO is the running state until RESTORE")
	ctrl(d, arch.CmdReset)
	assert.Zero(t, d.ReadWord(arch.RegCycles))
	require.NoError(t, d.RestoreError())
	ctrl(d, arch.CmdRestore)
	require.Zero(t, d.ReadWord(arch.RegError))
	// RESTORE took the list and cleared it: the device holds the state form.
	compareImages(t, f.trained, d.Image(), "after RESTORE")
	ref, err := New(f.trained)
	require.NoError(t, err)
	assert.Equal(t, uint32(ref.Stats().RestoreCycles), d.ReadWord(arch.RegCycles))
	n := uint32(f.trainedSteps)
	assert.Equal(t, n, d.ReadWord(arch.RegStepLo))
	for i := f.trainedSteps; i < len(f.enc); i++ {
		devStep(d, uint32(i), f.enc[i], true)
		r, err := ref.Step(f.enc[i], true)
		require.NoError(t, err)
		require.Equal(t, r.ActiveColumns, readBuf(d, arch.RegOutBuf, d.ReadWord(arch.RegOutCount)), "step %d", i)
		require.Equal(t, uint32(r.Total), d.ReadWord(arch.RegCycles))
	}
	compareImages(t, ref.Image(), d.Image(), "after restore and steps")
	steps := d.ReadWord(arch.RegStepLo)

	// An inconsistent sp.conn word: BAD_STATE, the previous state stays.
	conn := 4
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	d.WriteWord(arch.RegMemSel, uint32(conn))
	d.WriteWord(arch.RegMemAddr, 0)
	w0 := d.ReadWord(arch.RegMemDataLo)
	d.WriteWord(arch.RegMemDataLo, w0^1)
	d.WriteWord(arch.RegMemDataHi, 0)
	require.Error(t, d.RestoreError())
	ctrl(d, arch.CmdClearError)
	ctrl(d, arch.CmdRestore)
	assert.Equal(t, uint32(arch.CodeBadState), d.ReadWord(arch.RegError))
	assert.Zero(t, d.ReadWord(arch.RegCycles), "a refused RESTORE counts no cycles")
	assert.Equal(t, steps, d.ReadWord(arch.RegStepLo))
	ctrl(d, arch.CmdClearError)
	// The written word stays written; putting it back lets RESTORE run.
	d.WriteWord(arch.RegMemAddr, 0)
	assert.Equal(t, w0^1, d.ReadWord(arch.RegMemDataLo))
	d.WriteWord(arch.RegMemDataLo, w0)
	d.WriteWord(arch.RegMemDataHi, 0)
	// (and the used list of the memories as they stand written: RESTORE
	// cleared the one it took)
	require.ErrorContains(t, d.RestoreError(), "RESTORE's used list")
	cur, err := d.Image().WithUsedList()
	require.NoError(t, err)
	writeImage(d, cur)
	require.NoError(t, d.RestoreError())
	ctrl(d, arch.CmdRestore)
	assert.Zero(t, d.ReadWord(arch.RegError))
	assert.Equal(t, steps, d.ReadWord(arch.RegStepLo))

	// Memories of another configuration are refused.
	other := presetConfig(t, "small", f.rows)
	other.TM.ActivationThreshold++
	r, err := model.NewRegion(other)
	require.NoError(t, err)
	oim, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	assert.False(t, d.Accepts(oim))
	writeImage(d, oim)
	ctrl(d, arch.CmdRestore)
	assert.Equal(t, uint32(arch.CodeBadState), d.ReadWord(arch.RegError))
	assert.Equal(t, steps, d.ReadWord(arch.RegStepLo))
}

func TestDeviceReset(t *testing.T) {
	f := newDeviceFixture(t)
	d, err := NewDevice(f.fresh)
	require.NoError(t, err)
	devStep(d, 0, f.enc[0], true)
	d.WriteWord(arch.RegCtrl, 0) // BAD_CMD
	d.WriteWord(arch.RegMemLock, arch.MemUnlock)
	d.WriteWord(arch.RegMemSel, uint32(arch.MemSPPoolLen))
	d.WriteWord(arch.RegMemAddr, 2)
	d.WriteWord(arch.RegCRCSel, uint32(arch.MemSPPool))
	d.WriteWord(arch.RegStepExpect, 1)
	before := d.Image()
	ctrl(d, arch.CmdReset)
	for _, a := range []uint32{arch.RegError, arch.RegCycles, arch.RegInCount, arch.RegOutCount, arch.RegPredCount, arch.RegAnomNum, arch.RegAnomDen,
		arch.RegMemSel, arch.RegMemAddr, arch.RegCRCValue, arch.RegInBuf, arch.RegOutBuf} {
		assert.Zero(t, d.ReadWord(a), "register %#x", a)
	}
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegMemLock))
	assert.Equal(t, uint32(arch.StatusDone), d.ReadWord(arch.RegStatus))
	assert.Equal(t, uint32(1), d.ReadWord(arch.RegStepLo), "memories unchanged")
	compareImages(t, before, d.Image(), "memories after RESET")
	// STEP_EXPECT is 0 again.
	ctrl(d, arch.CmdStep)
	assert.Equal(t, uint32(arch.CodeStepMismatch), d.ReadWord(arch.RegError))
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
