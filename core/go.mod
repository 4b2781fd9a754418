module github.com/ace-go/ace/core

go 1.26
