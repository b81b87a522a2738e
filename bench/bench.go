// Package bench is the home of `unigo bench`: benchmarks that measure
// unigo against its baselines on the machine they run on, side by side in
// one run, so that every number the project states comes with its command
// and its baseline. Its packages:
//
//   - harness: starting and timing the subjects (native processes,
//     containers, VMs through the launch layer) and watching their output;
//   - measure: metrics, the interleaved rounds every benchmark runs, the
//     HTTP load, result lines, the least-memory search;
//   - report: tables, the SVG chart, results.json;
//   - boot, compare, files (bench files and bench volume), instance and
//     density: one package per benchmark;
//   - linuxvm: the Linux microVM baseline's kernel and initramfs;
//   - helper: the program that runs inside the baselines.
//
// This package holds the helper's source, embedded so that the benchmarks
// can build it wherever `unigo` runs.
package bench

import "embed"

// HelperSource is every .go file of the helper program (bench/helper).
//
//go:embed helper/*.go
var HelperSource embed.FS
