module github.com/ace-go/ace/transports/quic

go 1.26.0
