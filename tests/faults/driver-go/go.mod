module github.com/ecscred/ecscred/tests/faults/driver-go

go 1.22

require github.com/ecscred/ecscred/go v0.0.0

// The ecscred Go package of this repository.
replace github.com/ecscred/ecscred/go => ../../../go
