// Package encoder turns input values into SDRs, following the encoders of
// htm.core v2.2.0 (github.com/htm-community/htm.core) bit for bit.
//
// Every encoder writes the sparse form of an SDR (see package
// github.com/htmhw/htmhw/model/sdr): the indices of the active bits, strictly
// ascending, each below the encoder's Size. The Encode methods take a dst
// slice and return dst[:0] with the active indices appended, so a caller
// that passes the previous result back in encodes without allocating:
//
//	buf, err = enc.Encode(x, buf)
//
// The encoders are:
//
//   - RDSE, htm.core's RandomDistributedScalarEncoder, which hashes buckets
//     of the input with MurmurHash3 (Murmur3_32);
//   - Scalar, htm.core's ScalarEncoder, a contiguous block of active bits,
//     optionally periodic;
//   - Date, htm.core's DateEncoder, periodic Scalar fields for the season,
//     day of week, weekend, custom days, holiday and time of day;
//   - Category, a block of bits per category;
//   - Multi, the layout of several encoder outputs concatenated into one SDR.
//
// Where htm.core fails silently (it writes an all-zero SDR for NaN, and
// ignores negative parameters) or relies on undefined behaviour, this
// package returns an error instead; each such case is documented on the
// type concerned. Parameters that htm.core holds as float32 (its Real) are
// rounded to float32 here too, so that the arithmetic, and with it the
// output, is the same.
//
// Encoders are immutable once built and safe for concurrent use.
package encoder
