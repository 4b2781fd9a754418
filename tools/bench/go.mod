module github.com/ace-go/ace/tools/bench

go 1.26.0
