package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// The CPU of one process is shared out between the bot and the load (the
// members and the fake Bot API) by pprof labels: every goroutine inherits
// the labels of the one that started it, so that the webhook server's
// connections, the sender's deliveries and the bot's HTTP client carry
// side=bot, and the fake's server and the members side=load. What has no
// label is the runtime's own (GC workers, mostly).
const (
	sideLabel = "side"
	sideBot   = "bot"
	sideLoad  = "load"
)

// withSide runs fn with the goroutine labelled side: what it starts is
// labelled so too.
func withSide(ctx context.Context, side string, fn func(ctx context.Context)) {
	pprof.Do(ctx, pprof.Labels(sideLabel, side), fn)
}

// cpuProfile is a CPU profile being taken in memory.
type cpuProfile struct{ buf bytes.Buffer }

// startCPUProfile starts profiling this process into memory.
func startCPUProfile() (*cpuProfile, error) {
	p := &cpuProfile{}
	if err := pprof.StartCPUProfile(&p.buf); err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	return p, nil
}

// stop ends the profile, writes it to path if set, and returns the CPU
// time sampled per value of the side label ("" for none).
func (p *cpuProfile) stop(path string) (map[string]float64, error) {
	pprof.StopCPUProfile()
	if path != "" {
		if err := os.WriteFile(path, p.buf.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	return cpuBySide(p.buf.Bytes())
}

// cpuBySide reads a CPU profile (gzipped profile.proto) and sums its CPU
// nanoseconds per value of the side label. The few fields it needs are
// read by hand rather than with a protobuf library.
func cpuBySide(gz []byte) (map[string]float64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	type label struct{ key, str int64 }
	type sample struct {
		values []int64
		labels []label
	}
	var samples []sample
	var types []int64 // sample_type: the string index of each value's type
	var strs []string
	err = eachField(raw, func(field int, v uint64, b []byte) error {
		switch field {
		case 1: // sample_type: ValueType{type = 1, unit = 2}
			return eachField(b, func(f int, v uint64, _ []byte) error {
				if f == 1 {
					types = append(types, int64(v))
				}
				return nil
			})
		case 2: // sample: Sample{location_id = 1, value = 2, label = 3}
			var s sample
			err := eachField(b, func(f int, v uint64, b []byte) error {
				switch f {
				case 2:
					if b == nil { // unpacked
						s.values = append(s.values, int64(v))
						return nil
					}
					return eachVarint(b, func(v uint64) { s.values = append(s.values, int64(v)) })
				case 3: // Label{key = 1, str = 2}
					var l label
					err := eachField(b, func(f int, v uint64, _ []byte) error {
						switch f {
						case 1:
							l.key = int64(v)
						case 2:
							l.str = int64(v)
						}
						return nil
					})
					s.labels = append(s.labels, l)
					return err
				}
				return nil
			})
			samples = append(samples, s)
			return err
		case 6: // string_table
			strs = append(strs, string(b))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("CPU profile: %w", err)
	}
	cpu := -1
	for i, t := range types {
		if t >= 0 && t < int64(len(strs)) && strs[t] == "cpu" {
			cpu = i
		}
	}
	if cpu < 0 {
		return nil, errors.New("CPU profile: no cpu values")
	}
	str := func(i int64) string {
		if i < 0 || i >= int64(len(strs)) {
			return ""
		}
		return strs[i]
	}
	out := map[string]float64{}
	for _, s := range samples {
		if cpu >= len(s.values) {
			continue
		}
		side := ""
		for _, l := range s.labels {
			if str(l.key) == sideLabel {
				side = str(l.str)
			}
		}
		out[side] += float64(s.values[cpu])
	}
	return out, nil
}

// eachField calls fn for each field of the protobuf message b: with its
// value for a varint, with its bytes for a length-delimited field (b nil
// otherwise). Fixed-size fields are skipped.
func eachField(b []byte, fn func(field int, v uint64, b []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad field key")
		}
		b = b[n:]
		field := int(key >> 3)
		switch key & 7 {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errors.New("bad varint")
			}
			b = b[n:]
			if err := fn(field, v, nil); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errors.New("short fixed64")
			}
			b = b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errors.New("bad length")
			}
			if err := fn(field, 0, b[n:n+int(l)]); err != nil {
				return err
			}
			b = b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return errors.New("short fixed32")
			}
			b = b[4:]
		default:
			return fmt.Errorf("wire type %d", key&7)
		}
	}
	return nil
}

// eachVarint calls fn for each varint of a packed field.
func eachVarint(b []byte, fn func(uint64)) error {
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("bad packed varint")
		}
		fn(v)
		b = b[n:]
	}
	return nil
}
