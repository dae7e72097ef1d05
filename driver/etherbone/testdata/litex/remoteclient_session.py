# A LiteX RemoteClient session against the htmhw register map
# (docs/ARCHITECTURE.md 3.1), through whatever listens on --port.
# Byte addresses = 4 x word addresses. Prints what it read.
import argparse, sys, zlib, struct
from litex.tools.litex_client import RemoteClient

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=1234)
a = p.parse_args()

bus = RemoteClient(port=a.port, csr_csv=None, raise_on_timeout=True)
bus.open()
W = lambda word: 4 * word
ok = True
def check(name, got, want):
    global ok
    if got != want:
        ok = False
    print(f"{name}: {got:#010x}" + ("" if got == want else f" WANT {want:#010x}"))

check("ID", bus.read(W(0x000)), 0x48544D48)
print("VERSION: %#x" % bus.read(W(0x001)))
print("CAPS: %#x" % bus.read(W(0x002)))
dims = bus.read(W(0x003), 5)
print("DIM_IN..DIM_SYNS:", [hex(d) for d in dims])
# 300 input indices: a write of two records (255 + 45), then IN_CRC.
idx = list(range(0, 600, 2))
bus.write(W(0x020), len(idx))
bus.write(W(0x400), idx)
crc = zlib.crc32(b"".join(struct.pack("<I", v) for v in [len(idx)] + idx))
check("IN_CRC", bus.read(W(0x025)), crc)
# One learning step (STEP_EXPECT 0, 21 input indices, CTRL = STEP|learn with
# its complement), then its outputs: incrementing bursts of 8, 255 and 600
# words of OUT_BUF.
idx = list(range(0, 105, 5))
bus.write(W(0x020), len(idx))
bus.write(W(0x400), idx)
crc = zlib.crc32(b"".join(struct.pack("<I", v) for v in [len(idx)] + idx))
check("IN_CRC", bus.read(W(0x025)), crc)
bus.write(W(0x014), 0)
bus.write(W(0x010), 0xFEFE0101)
print("STATUS x4 (fixed):", [hex(v) for v in bus.read(W(0x011), 4, burst="fixed")])
check("STEP_LO", bus.read(W(0x012)), 1)
n_out = bus.read(W(0x021))
print("OUT_COUNT:", n_out)
for n in (8, 255, 600):
    d = bus.read(W(0x1000), n)
    print(f"OUT_BUF x{n}: {d[:n_out][:12]}...")
# A fixed-address burst: MEM_DATA_HI of memory 4 (sp.pool) auto-increments MEM_ADDR.
bus.write(W(0x030), 4)
bus.write(W(0x031), 0)
hi = bus.read(W(0x033), 16, burst="fixed")
print("MEM 4 hi x16 (fixed):", [hex(v) for v in hi])
check("MEM_ADDR", bus.read(W(0x031)), 16)
# A fixed-address write (one packet per word), then reads of registers.
bus.write(W(0x014), [5, 6, 1], burst="fixed")
print("STEP_LO, STEP_HI:", [hex(v) for v in bus.read(W(0x012), 2)])
print("STEP_EXPECT written fixed 5, 6, 1")
check("ERROR", bus.read(W(0x015)), 0)
bus.close()
print("ok" if ok else "FAILED")
sys.exit(0 if ok else 1)
