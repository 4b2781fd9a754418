module github.com/ace-go/ace/apps/echo

go 1.26
