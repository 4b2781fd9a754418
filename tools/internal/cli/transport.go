package cli

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/ace-go/ace/core"
	quictransport "github.com/ace-go/ace/transports/quic"
	"github.com/ace-go/ace/transports/tcp"
	tlstransport "github.com/ace-go/ace/transports/tls"
)

// The transports `ace serve` can listen with.
const (
	transportTCP  = "tcp"
	transportTLS  = "tls"
	transportQUIC = "quic"
)

// transportNames lists the transports for help and error messages.
var transportNames = []string{transportTCP, transportTLS, transportQUIC}

// secureOnly are the flags that apply to the tls and quic transports only.
var secureOnly = []string{"cert", "key", "client-ca", "alpn", "handshake-timeout"}

// listFlag is a flag.Value that collects strings: each use of the flag adds
// to the list, and one use may give several values separated by commas.
type listFlag []string

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Set adds the comma-separated values of s.
func (l *listFlag) Set(s string) error {
	for v := range strings.SplitSeq(s, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return errors.New("empty value in list")
		}
		*l = append(*l, v)
	}
	return nil
}

// Get implements flag.Getter, so that help shows the list as a string.
func (l *listFlag) Get() any { return l.String() }

// transportFlags are the flags that choose and configure the transport.
type transportFlags struct {
	transport        string
	certs, keys      listFlag
	clientCA         string
	alpn             listFlag
	handshakeTimeout time.Duration
}

// register defines the flags on fs.
func (f *transportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.transport, "transport", transportTCP,
		"`tcp|tls|quic`: plain TCP (or a Unix socket), TLS over it, or\n"+
			"QUIC on a UDP host:port")
	fs.Var(&f.certs, "cert",
		"PEM certificate `file` for tls and quic, paired in order with\n"+
			"--key; repeat both (or separate with commas) to serve several,\n"+
			"chosen by the client's SNI name, the first by default; reread\n"+
			"on SIGHUP. Without it: an in-memory self-signed certificate")
	fs.Var(&f.keys, "key",
		"PEM private key `file` of the --cert in the same position")
	fs.StringVar(&f.clientCA, "client-ca", "",
		"PEM `file` of CA certificates: mutual TLS, every client must\n"+
			"present a certificate signed by one of them; reread on\n"+
			"SIGHUP")
	fs.Var(&f.alpn, "alpn",
		"ALPN `protocols` offered, comma-separated, in order of preference;\n"+
			"when empty: the app's own over tls (http1: http/1.1, echo: none),\n"+
			"\""+quictransport.DefaultALPN+"\" over quic")
	fs.DurationVar(&f.handshakeTimeout, "handshake-timeout", core.DefaultHandshakeTimeout,
		"longest TLS or QUIC handshake; a client that stalls in it is\n"+
			"dropped after this long, costing one server meanwhile")
}

// transportSpec is the transport that serve makes: the flags checked, no
// file read yet.
type transportSpec struct {
	kind     string                 // transportTCP, transportTLS or transportQUIC
	pairs    []tlstransport.KeyPair // certificate files; none for self-signed
	clientCA string                 // client CA file for mutual TLS, or ""
	alpn     []string               // nil for the transport's default
	// handshakeTimeout bounds QUIC's own handshake; core's handshake
	// timeout, from the same flag, bounds the rest.
	handshakeTimeout time.Duration
}

// spec checks the flags, given the app and the listen address, and returns
// the transport to make. set holds the flags given on the command line. Its
// errors are usage errors.
func (f *transportFlags) spec(app appSpec, listen string, set map[string]bool) (transportSpec, error) {
	if !slices.Contains(transportNames, f.transport) {
		return transportSpec{}, fmt.Errorf("unknown transport %q; the transports are %s",
			f.transport, strings.Join(transportNames, ", "))
	}
	s := transportSpec{kind: f.transport, clientCA: f.clientCA, handshakeTimeout: f.handshakeTimeout}
	switch f.transport {
	case transportTCP:
		for _, name := range secureOnly {
			if set[name] {
				return transportSpec{}, fmt.Errorf("--%s applies to --transport tls and quic only", name)
			}
		}
		return s, nil
	case transportQUIC:
		if app.noQUIC != "" {
			return transportSpec{}, errors.New(app.noQUIC)
		}
		if strings.HasPrefix(listen, "unix:") {
			return transportSpec{}, errors.New("--transport quic listens on a UDP host:port, not a Unix socket")
		}
	}
	if len(f.certs) != len(f.keys) {
		return transportSpec{}, fmt.Errorf("--cert and --key come in pairs: got %d --cert and %d --key", len(f.certs), len(f.keys))
	}
	for i := range f.certs {
		s.pairs = append(s.pairs, tlstransport.KeyPair{CertFile: f.certs[i], KeyFile: f.keys[i]})
	}
	if f.handshakeTimeout <= 0 {
		return transportSpec{}, fmt.Errorf("--handshake-timeout must be positive, not %v", f.handshakeTimeout)
	}
	s.alpn = slices.Clone([]string(f.alpn))
	if app.checkALPN != nil {
		if err := app.checkALPN(s.alpn); err != nil {
			return transportSpec{}, err
		}
	}
	if len(s.alpn) == 0 && s.kind == transportTLS {
		s.alpn = app.alpn
	}
	return s, nil
}

// tlsFiles are what a tls or quic transport reads from files, and rereads
// on SIGHUP.
type tlsFiles struct {
	certs     *tlstransport.CertStore // nil when serving a self-signed certificate
	clientCAs *tlstransport.ClientCAs // nil without --client-ca
}

// openTransport makes the transport of s: for tls and quic, it loads the
// certificate files, or makes a self-signed certificate, and the client CA
// file, and once all are loaded logs what it will serve. It returns what it
// loaded from files, for reloading.
func openTransport(s transportSpec, log *slog.Logger) (core.Transport, tlsFiles, error) {
	var files tlsFiles
	if s.kind == transportTCP {
		return tcp.Transport{}, files, nil
	}
	t := tlstransport.Transport{NextProtos: s.alpn}
	var selfSigned tls.Certificate
	var err error
	if len(s.pairs) == 0 {
		if selfSigned, err = tlstransport.SelfSigned(); err != nil {
			return nil, files, err
		}
		t.Config = &tls.Config{Certificates: []tls.Certificate{selfSigned}}
	} else {
		if files.certs, err = tlstransport.LoadCertStore(s.pairs...); err != nil {
			return nil, files, err
		}
		t.Certs = files.certs
	}
	if s.clientCA != "" {
		if files.clientCAs, err = tlstransport.LoadClientCAs(s.clientCA); err != nil {
			return nil, files, err
		}
		t.ClientCAs = files.clientCAs
	}
	var out core.Transport = t
	if s.kind == transportQUIC {
		conf, err := t.TLSConfig()
		if err != nil {
			return nil, files, err
		}
		out = quictransport.Transport{
			TLSConfig: conf,
			Config: quictransport.Config{
				ALPN:             s.alpn,
				HandshakeTimeout: s.handshakeTimeout,
				Logger:           log,
			},
		}
	}
	// Log only once everything is loaded, so that a bad file is not
	// preceded by the news of what would have been served.
	if files.certs == nil {
		log.Info("ace: serving a self-signed certificate", "sha256", tlstransport.Fingerprint(selfSigned),
			"hosts", certHosts(selfSigned), "not_after", selfSigned.Leaf.NotAfter.UTC().Format(time.RFC3339))
	} else {
		logCerts(log, "ace: serving certificates", files.certs)
	}
	if files.clientCAs != nil {
		logClientCAs(log, "ace: verifying client certificates", files.clientCAs)
	}
	return out, files, nil
}

// transportName names the transport of s listening on addr, as the log
// reports it: tcp or unix, tls or tls+unix, quic.
func transportName(s transportSpec, addr net.Addr) string {
	switch s.kind {
	case transportTLS:
		if addr.Network() == "unix" {
			return "tls+unix"
		}
		return "tls"
	case transportQUIC:
		return "quic"
	}
	return addr.Network()
}

// reloadFiles reads the certificate files and the client CA file again, on
// SIGHUP, and logs the outcome of each. A failure keeps what was served so
// far: the previous certificates, or the previous CAs.
func reloadFiles(log *slog.Logger, files tlsFiles) {
	if files.certs == nil && files.clientCAs == nil {
		log.Info("ace: reload asked, but there are no certificate files to reload")
		return
	}
	if files.certs != nil {
		if err := files.certs.Reload(); err != nil {
			log.Error("ace: certificate reload failed; still serving the previous certificates", "err", err)
		} else {
			logCerts(log, "ace: certificates reloaded", files.certs)
		}
	}
	if files.clientCAs != nil {
		if err := files.clientCAs.Reload(); err != nil {
			log.Error("ace: client CA reload failed; still verifying clients with the previous CAs", "err", err)
		} else {
			logClientCAs(log, "ace: client CAs reloaded", files.clientCAs)
		}
	}
}

// logClientCAs logs the CAs that client certificates are verified against:
// their file, and their SHA-256 fingerprints and subjects in its order.
func logClientCAs(log *slog.Logger, msg string, cas *tlstransport.ClientCAs) {
	certs := cas.Certificates()
	fps := make([]string, len(certs))
	subjects := make([]string, len(certs))
	for i, c := range certs {
		fps[i] = tlstransport.FingerprintDER(c.Raw)
		subjects[i] = c.Subject.String()
	}
	log.Info(msg, "file", cas.File(), "cas", len(certs), "sha256", strings.Join(fps, ","),
		"subjects", strings.Join(subjects, "; "))
}

// logCerts logs the certificates store serves: their SHA-256 fingerprints,
// comma-separated in the order of the flags, then the hosts and expiry of
// the first, the default.
func logCerts(log *slog.Logger, msg string, store *tlstransport.CertStore) {
	certs := store.Certificates()
	fps := make([]string, len(certs))
	for i, c := range certs {
		fps[i] = tlstransport.Fingerprint(c)
	}
	attrs := []any{"certs", len(certs), "sha256", strings.Join(fps, ",")}
	if leaf := certs[0].Leaf; leaf != nil {
		attrs = append(attrs, "hosts", certHosts(certs[0]), "not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	log.Info(msg, attrs...)
}

// certHosts lists the names and addresses cert is valid for.
func certHosts(cert tls.Certificate) string {
	if cert.Leaf == nil {
		return ""
	}
	hosts := slices.Clone(cert.Leaf.DNSNames)
	for _, ip := range cert.Leaf.IPAddresses {
		hosts = append(hosts, ip.String())
	}
	return strings.Join(hosts, ",")
}
