module github.com/ecscred/ecscred/bench/go

go 1.22

require (
	github.com/aliyun/alibabacloud-oss-go-sdk-v2 v1.6.1
	github.com/aliyun/credentials-go v1.4.14
	github.com/ecscred/ecscred/go v0.0.0
)

require (
	github.com/alibabacloud-go/debug v1.0.1 // indirect
	gopkg.in/ini.v1 v1.67.0 // indirect
)

replace github.com/ecscred/ecscred/go => ../../go
