module github.com/ace-go/ace/apps/http1

go 1.26.0
