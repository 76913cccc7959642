module github.com/esrt-dev/esrt/cmd/esrt

go 1.26

require github.com/esrt-dev/esrt v0.0.0-00010101000000-000000000000

replace github.com/esrt-dev/esrt => ../..
