module github.com/ace-go/ace/tools

go 1.26.0

require (
	github.com/ace-go/ace/apps/echo v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/apps/http1 v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/conformance v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/core v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/transports/quic v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/transports/tcp v0.0.0-00010101000000-000000000000
	github.com/ace-go/ace/transports/tls v0.0.0-00010101000000-000000000000
	github.com/prometheus/client_golang v1.25.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/BurntSushi/toml v1.4.1-0.20240526193622-a339e1f7089c // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	github.com/quic-go/quic-go v0.65.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/exp/typeparams v0.0.0-20231108232855-2478ac86f678 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	honnef.co/go/tools v0.8.2 // indirect
)

replace (
	github.com/ace-go/ace/apps/echo => ../apps/echo
	github.com/ace-go/ace/apps/http1 => ../apps/http1
	github.com/ace-go/ace/conformance => ../conformance
	github.com/ace-go/ace/core => ../core
	github.com/ace-go/ace/transports/quic => ../transports/quic
	github.com/ace-go/ace/transports/tcp => ../transports/tcp
	github.com/ace-go/ace/transports/tls => ../transports/tls
)

tool honnef.co/go/tools/cmd/staticcheck
