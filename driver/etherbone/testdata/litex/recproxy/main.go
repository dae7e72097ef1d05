// Command recproxy forwards TCP connections from -listen to -to and records each
// connection's byte streams, in the order the proxy saw them, as a
// transcript: "c HEX" lines for bytes the client sent, "s HEX" for bytes the
// server sent, 32 bytes a line; consecutive lines of one direction are one
// stream segment. Each chunk is recorded before it is forwarded, so a
// reply is always recorded after the request that caused it.
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"sync"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:1235", "address to listen on")
	to := flag.String("to", "127.0.0.1:1234", "server to forward to")
	out := flag.String("out", "conn", "transcript file prefix: PREFIX-N.txt per connection")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	for n := 1; ; n++ {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go proxy(c, *to, fmt.Sprintf("%s-%d.txt", *out, n))
	}
}

type recorder struct {
	mu   sync.Mutex
	f    *os.File
	last byte
	col  int
}

func (r *recorder) add(dir byte, p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range p {
		if r.last != dir || r.col == 32 {
			if r.last != 0 {
				fmt.Fprintln(r.f)
			}
			fmt.Fprintf(r.f, "%c ", dir)
			r.last, r.col = dir, 0
		}
		fmt.Fprint(r.f, hex.EncodeToString([]byte{b}))
		r.col++
	}
}

func proxy(c net.Conn, to, file string) {
	defer c.Close()
	s, err := net.Dial("tcp", to)
	if err != nil {
		log.Print(err)
		return
	}
	defer s.Close()
	f, err := os.Create(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	r := &recorder{f: f}
	var wg sync.WaitGroup
	pump := func(dir byte, dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 65536)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				r.add(dir, buf[:n])
				if _, err := dst.Write(buf[:n]); err != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	wg.Add(2)
	go pump('c', s, c)
	go pump('s', c, s)
	wg.Wait()
	r.mu.Lock()
	fmt.Fprintln(f)
	r.mu.Unlock()
	log.Printf("%s: done", file)
}
