module github.com/ace-go/ace/apps/echo

go 1.26

require (
	github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect

replace github.com/ace-go/ace/core => ../../core
