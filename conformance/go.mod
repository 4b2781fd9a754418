module github.com/ace-go/ace/conformance

go 1.26.0

require (
	github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/transports/tcp v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.62.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace (
	github.com/ace-go/ace/core => ../core
	github.com/ace-go/ace/transports/tcp => ../transports/tcp
)
