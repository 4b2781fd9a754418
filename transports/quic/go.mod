module github.com/ace-go/ace/transports/quic

go 1.26.0

require (
	github.com/ace-go/ace/conformance v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000
	github.com/quic-go/quic-go v0.65.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/ace-go/ace/transports/tcp v0.0.0-00010101000000-000000000000
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/ace-go/ace/core => ../../core

replace github.com/ace-go/ace/conformance => ../../conformance

replace github.com/ace-go/ace/transports/tcp => ../tcp
