module github.com/ace-go/ace/transports/tls

go 1.26.0
