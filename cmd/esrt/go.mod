module github.com/esrt-dev/esrt/cmd/esrt

go 1.26

require github.com/esrt-dev/esrt v0.0.0-00010101000000-000000000000

require (
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/sony/gobreaker/v2 v2.4.0 // indirect
)

replace github.com/esrt-dev/esrt => ../..
