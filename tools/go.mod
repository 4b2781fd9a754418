module github.com/ace-go/ace/tools

go 1.26
