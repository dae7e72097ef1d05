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
	type cell struct {
		Type        string                       `json:"type"`
		Dirs        map[string]string            `json:"port_directions"`
		Connections map[string][]json.RawMessage `json:"connections"`
	}
	var d struct {
		Modules map[string]struct {
			Cells    map[string]*cell `json:"cells"`
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
	bit := func(r json.RawMessage) (int, bool) { // constants are strings
		var n int
		return n, json.Unmarshal(r, &n) == nil
	}
	names := map[int]string{} // the shortest public name of each net bit
	for n, w := range top.Netnames {
		if strings.HasPrefix(n, "$") {
			continue
		}
		for _, r := range w.Bits {
			if x, ok := bit(r); ok && (names[x] == "" || len(n) < len(names[x])) {
				names[x] = n
			}
		}
	}
	type pin struct{ cell, port string }
	sinks := map[int][]pin{}
	for cn, c := range top.Cells {
		for p, bits := range c.Connections {
			if c.Dirs[p] == "output" {
				continue
			}
			for _, r := range bits {
				if x, ok := bit(r); ok {
					sinks[x] = append(sinks[x], pin{cn, p})
				}
			}
		}
	}
	isComb := func(t string) bool { return t == "SB_LUT4" || t == "SB_CARRY" }
	qName := func(c *cell) string {
		if q := c.Connections["Q"]; len(q) == 1 {
			if x, ok := bit(q[0]); ok && names[x] != "" {
				return blockName(names[x])
			}
		}
		return "?"
	}
	memo := map[string]map[string]bool{}
	var dests func(cn string, seen map[string]bool) map[string]bool
	dests = func(cn string, seen map[string]bool) map[string]bool {
		if m, ok := memo[cn]; ok {
			return m
		}
		seen[cn] = true
		res := map[string]bool{}
		c := top.Cells[cn]
		for p, bits := range c.Connections {
			if c.Dirs[p] != "output" {
				continue
			}
			for _, r := range bits {
				x, ok := bit(r)
				if !ok {
					continue
				}
				for _, s := range sinks[x] {
					sc := top.Cells[s.cell]
					switch {
					case isComb(sc.Type):
						if !seen[s.cell] {
							for k := range dests(s.cell, seen) {
								res[k] = true
							}
						}
					case strings.HasPrefix(sc.Type, "SB_DFF"):
						res[qName(sc)] = true
					default:
						res[blockName(s.cell)+":"+sc.Type] = true
					}
				}
			}
		}
		delete(seen, cn) // seen holds the cells on the current path only
		memo[cn] = res
		return res
	}
	use := map[string]*BlockUse{}
	get := func(k string) *BlockUse {
		if use[k] == nil {
			use[k] = &BlockUse{Block: k}
		}
		return use[k]
	}
	for cn, c := range top.Cells {
		switch {
		case strings.HasPrefix(c.Type, "SB_DFF"):
			get(qName(c)).FF++
		case isComb(c.Type):
			ds := dests(cn, map[string]bool{})
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
	return out, nil
}
