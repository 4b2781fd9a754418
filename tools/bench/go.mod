module github.com/ace-go/ace/tools/bench

go 1.26.0

require (
	github.com/ace-go/ace/apps/echo v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/apps/http1 v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/transports/tcp v0.0.0-00010101000000-000000000000
	github.com/panjf2000/gnet/v2 v2.9.7
	github.com/stretchr/testify v1.12.1
	github.com/valyala/fasthttp v1.78.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/panjf2000/ants/v2 v2.11.3 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
)

replace (
	github.com/ace-go/ace/apps/echo => ../../apps/echo
	github.com/ace-go/ace/apps/http1 => ../../apps/http1
	github.com/ace-go/ace/core => ../../core
	github.com/ace-go/ace/transports/tcp => ../../transports/tcp
)
