module github.com/ecscred/ecscred/examples/go

go 1.22

require (
	github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible
	github.com/ecscred/ecscred/go v0.0.0
)

require (
	github.com/kr/pretty v0.3.1 // indirect
	golang.org/x/time v0.4.0 // indirect
)

// The ecscred Go package from this repository. In your own module, point the replace at
// your checkout (or drop it once the module is published at its path).
replace github.com/ecscred/ecscred/go => ../../go
