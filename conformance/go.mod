module github.com/ace-go/ace/conformance

go 1.26
