module github.com/ace-go/ace/transports/tcp

go 1.26

require github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000

replace github.com/ace-go/ace/core => ../../core
