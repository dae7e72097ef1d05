package hdl

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// BlockUse is the iCE40 logic attributed to one block of the design: the
// register (or RAM, or DSP) that logic computes the next value of.
type BlockUse struct {
	Block      string  // a register's name without indices, or "<RAM instance>:<cell type>"
	LUT, Carry float64 // SB_LUT4 and SB_CARRY cells, shared evenly among the blocks they feed
	FF         int     // flip-flops whose output is the register
}

var (
	reIndex  = regexp.MustCompile(`\[\d+\]`)
	reMemSfx = regexp.MustCompile(`\.mem\b.*`)
)

// blockName shortens a net or cell name of the flattened top to a block.
func blockName(n string) string {
	for _, p := range []string{"u.u_accel.", "u.g_accel.u_accel.", "u."} {
		if strings.HasPrefix(n, p) {
			n = n[len(p):]
			break
		}
	}
	return reMemSfx.ReplaceAllString(reIndex.ReplaceAllString(n, ""), "")
}

// BlockArea reads the iCE40 netlist Synth wrote (top.json in the report's
// work directory) and attributes its cells to blocks: a flip-flop to the
// register on its output, a LUT or carry to the flip-flops, RAMs and DSPs
// its output reaches through other LUTs and carries (shared evenly when it
// reaches several). The result, largest first, tells where the logic goes;
// a multiplexer in front of a register counts for that register.
func BlockArea(netlist string) ([]BlockUse, error) {
	b, err := os.ReadFile(netlist)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	var d struct {
		Modules map[string]struct {
			Cells    map[string]*netCell `json:"cells"`
			Netnames map[string]struct {
				Bits []json.RawMessage `json:"bits"`
			} `json:"netnames"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("hdl: %s: %w", netlist, err)
	}
	top, ok := d.Modules["top"]
	if !ok {
		return nil, fmt.Errorf("hdl: %s: no module top", netlist)
	}
	n := &netGraph{cells: top.Cells, names: map[int]string{}, sinks: map[int][]netPin{}, memo: map[string]map[string]bool{}}
	for name, w := range top.Netnames {
		n.name(name, w.Bits)
	}
	n.link()
	return n.tally(), nil
}

// netCell is a cell of a Yosys JSON netlist.
type netCell struct {
	Type        string                       `json:"type"`
	Dirs        map[string]string            `json:"port_directions"`
	Connections map[string][]json.RawMessage `json:"connections"`
}

// netPin is a cell's input port.
type netPin struct{ cell, port string }

// netGraph is a flat netlist's cells and nets, for charging each LUT and
// carry to the flip-flops and blocks that it feeds.
type netGraph struct {
	cells map[string]*netCell
	names map[int]string   // the shortest public name of each net bit
	sinks map[int][]netPin // the input ports each net bit drives
	memo  map[string]map[string]bool
}

// netBit reads a net bit; constants are strings, not bits.
func netBit(r json.RawMessage) (int, bool) {
	var n int
	return n, json.Unmarshal(r, &n) == nil
}

// name records a public net's name for its bits, the shortest kept.
func (n *netGraph) name(name string, bits []json.RawMessage) {
	if strings.HasPrefix(name, "$") {
		return
	}
	for _, r := range bits {
		if x, ok := netBit(r); ok && (n.names[x] == "" || len(name) < len(n.names[x])) {
			n.names[x] = name
		}
	}
}

// link records every net bit's sinks.
func (n *netGraph) link() {
	for cn, c := range n.cells {
		for p, bits := range c.Connections {
			if c.Dirs[p] == "output" {
				continue
			}
			for _, r := range bits {
				if x, ok := netBit(r); ok {
					n.sinks[x] = append(n.sinks[x], netPin{cn, p})
				}
			}
		}
	}
}

func isComb(t string) bool { return t == "SB_LUT4" || t == "SB_CARRY" }

// qName is a flip-flop's block: its output net's name, or "?".
func (n *netGraph) qName(c *netCell) string {
	if q := c.Connections["Q"]; len(q) == 1 {
		if x, ok := netBit(q[0]); ok && n.names[x] != "" {
			return blockName(n.names[x])
		}
	}
	return "?"
}

// dests returns the blocks that a combinational cell feeds through other
// combinational cells: flip-flops by their block, anything else by its
// cell's block and type. seen holds the cells on the current path only.
func (n *netGraph) dests(cn string, seen map[string]bool) map[string]bool {
	if m, ok := n.memo[cn]; ok {
		return m
	}
	seen[cn] = true
	res := map[string]bool{}
	c := n.cells[cn]
	for p, bits := range c.Connections {
		if c.Dirs[p] != "output" {
			continue
		}
		for _, r := range bits {
			x, ok := netBit(r)
			if !ok {
				continue
			}
			for _, s := range n.sinks[x] {
				sc := n.cells[s.cell]
				switch {
				case isComb(sc.Type):
					if !seen[s.cell] {
						for k := range n.dests(s.cell, seen) {
							res[k] = true
						}
					}
				case strings.HasPrefix(sc.Type, "SB_DFF"):
					res[n.qName(sc)] = true
				default:
					res[blockName(s.cell)+":"+sc.Type] = true
				}
			}
		}
	}
	delete(seen, cn)
	n.memo[cn] = res
	return res
}

// tally charges each flip-flop to its block and each LUT and carry in
// equal parts to the blocks it feeds, largest first.
func (n *netGraph) tally() []BlockUse {
	use := map[string]*BlockUse{}
	get := func(k string) *BlockUse {
		if use[k] == nil {
			use[k] = &BlockUse{Block: k}
		}
		return use[k]
	}
	for cn, c := range n.cells {
		switch {
		case strings.HasPrefix(c.Type, "SB_DFF"):
			get(n.qName(c)).FF++
		case isComb(c.Type):
			ds := n.dests(cn, map[string]bool{})
			if len(ds) == 0 {
				ds = map[string]bool{"(nothing)": true}
			}
			for k := range ds {
				u := get(k)
				if c.Type == "SB_LUT4" {
					u.LUT += 1 / float64(len(ds))
				} else {
					u.Carry += 1 / float64(len(ds))
				}
			}
		}
	}
	out := make([]BlockUse, 0, len(use))
	for _, u := range use {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool {
		si, sj := out[i].LUT+float64(out[i].FF), out[j].LUT+float64(out[j].FF)
		if si != sj {
			return si > sj
		}
		return out[i].Block < out[j].Block
	})
	return out
}
