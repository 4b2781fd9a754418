module github.com/ace-go/ace/transports/tcp

go 1.26
