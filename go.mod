module github.com/esrt-dev/esrt

go 1.26
