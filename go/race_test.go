//go:build race

package ecscred_test

const raceEnabled = true
