package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/ace-go/ace/tools/internal/certs"
)

// certsFlags are the flags of `ace certs`.
type certsFlags struct {
	dir   string
	hosts listFlag
	force bool
}

func (f *certsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "dir", "",
		"`directory` to write the files to, created if need be (required)")
	fs.Var(&f.hosts, "host",
		"host `names` and IP addresses of the server certificate,\n"+
			"comma-separated or repeated; when empty: "+strings.Join(certs.DefaultHosts, ","))
	fs.BoolVar(&f.force, "force", false,
		"overwrite files already in --dir (a new CA: trust it again)")
}

// runCerts runs `ace certs [flags]`.
func runCerts(args []string, stdout, stderr io.Writer) int {
	const command = "ace certs"
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var f certsFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCertsUsage(stdout)
			return ExitOK
		}
		return usageErr(stderr, command, "%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return usageErr(stderr, command, "unexpected argument %q; every setting is a flag", fs.Arg(0))
	case f.dir == "":
		return usageErr(stderr, command, "missing --dir: where to write the certificates")
	}
	dir, err := filepath.Abs(f.dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", command, err)
		return ExitFailure
	}
	set, err := certs.NewSet(time.Now(), f.hosts...)
	if err == nil {
		_, err = set.WriteDir(dir, f.force)
	}
	if err != nil {
		// The package's errors start with "certs: ", as the command does.
		msg := strings.TrimPrefix(err.Error(), "certs: ")
		if errors.Is(err, certs.ErrExist) {
			msg += "; use --force to replace the files (and trust the new CA)"
		}
		fmt.Fprintf(stderr, "%s: %s\n", command, msg)
		return ExitFailure
	}
	if keys := unignoredKeys(dir); len(keys) > 0 {
		fmt.Fprintf(stderr, "%s: warning: %s is in a git work tree that does not ignore %s: "+
			"add them (or the directory) to .gitignore so that no private key is committed\n",
			command, dir, strings.Join(keys, ", "))
	}
	hosts := f.hosts
	if len(hosts) == 0 {
		hosts = certs.DefaultHosts
	}
	err = certsReport.Execute(stdout, map[string]any{
		"Dir":         dir,
		"Hosts":       strings.Join(hosts, ", "),
		"Host":        hosts[0],
		"CA":          filepath.Join(dir, certs.CAFile),
		"CAKey":       filepath.Join(dir, certs.CAKeyFile),
		"Cert":        filepath.Join(dir, certs.CertFile),
		"Key":         filepath.Join(dir, certs.KeyFile),
		"Client":      filepath.Join(dir, certs.ClientCertFile),
		"ClientKey":   filepath.Join(dir, certs.ClientKeyFile),
		"CAName":      set.CA.Cert.Subject.CommonName,
		"CASHA256":    certs.Fingerprint(set.CA.Cert),
		"CertSHA256":  certs.Fingerprint(set.Server.Cert),
		"CertExpires": set.Server.Cert.NotAfter.UTC().Format(time.DateOnly),
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", command, err)
		return ExitFailure
	}
	return ExitOK
}

// unignoredKeys returns the names of the private key files in dir that git
// would add to a commit: none when dir is not in a git work tree, when
// .gitignore covers them, or when there is no git command to ask.
func unignoredKeys(dir string) []string {
	keys := []string{certs.CAKeyFile, certs.KeyFile, certs.ClientKeyFile}
	// check-ignore lists the paths that are ignored, one a line; it exits
	// with 1 when none is, and with 128 outside a work tree.
	out, err := exec.Command("git", append([]string{"-C", dir, "check-ignore", "--"}, keys...)...).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil
	}
	ignored := strings.Fields(string(out))
	var left []string
	for _, k := range keys {
		if !slices.Contains(ignored, k) {
			left = append(left, k)
		}
	}
	return left
}

// certsReport is what `ace certs` prints once the files are written: what
// they are, and how to serve and trust them.
var certsReport = template.Must(template.New("certs").Parse(`Wrote a development CA and certificates signed by it to {{.Dir}}:
  ca.pem          the CA certificate: what clients trust ({{.CAName}})
  ca-key.pem      the CA's private key (mode 0600): keep it on this machine
  cert.pem        server certificate for {{.Hosts}}, until {{.CertExpires}}
  key.pem         its private key (mode 0600)
  client.pem      client certificate, for mutual TLS (--client-ca)
  client-key.pem  its private key (mode 0600)

SHA-256 fingerprints:
  CA      {{.CASHA256}}
  server  {{.CertSHA256}}

Serve with them (send SIGHUP to reload the files after replacing them):
  ace serve echo --transport tls --cert {{.Cert}} --key {{.Key}}
  ace serve http1 --transport tls --cert {{.Cert}} --key {{.Key}}
  add --client-ca {{.CA}} to require client certificates

Trust the CA in one client:
  curl --cacert {{.CA}} https://{{.Host}}:8080/
  openssl s_client -connect {{.Host}}:8080 -CAfile {{.CA}} -verify_return_error
  with a client certificate: curl --cert {{.Client}} --key {{.ClientKey}} ...
  or: openssl s_client -cert {{.Client}} -key {{.ClientKey}} ...

Trust the CA system-wide:
  Debian, Ubuntu:
    sudo cp {{.CA}} /usr/local/share/ca-certificates/ace-development-ca.crt
    sudo update-ca-certificates
    (undo: sudo rm /usr/local/share/ca-certificates/ace-development-ca.crt
     && sudo update-ca-certificates --fresh)
  macOS:
    sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {{.CA}}
    (undo: sudo security delete-certificate -c "{{.CAName}}" /Library/Keychains/System.keychain)
Whoever has ca-key.pem can make certificates for any name that a machine
trusting the CA accepts: never copy it elsewhere, and remove the CA from the
trust store when you no longer need it.
`))

// printCertsUsage writes the help of `ace certs`.
func printCertsUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage:
  ace certs --dir DIR [flags]

Writes a local development certificate authority, and certificates signed by
it, to DIR:
  %-15s the CA certificate, which clients trust
  %-15s the CA's private key (mode 0600)
  %-15s a server certificate for %s
  %-15s its private key (mode 0600)
  %-15s a client certificate, for mutual TLS
  %-15s its private key (mode 0600)
then prints their fingerprints, how to serve them with 'ace serve
--transport tls', and how to trust the CA: curl --cacert DIR/ca.pem,
openssl s_client -CAfile DIR/ca.pem, or the system trust store (Debian's
update-ca-certificates, macOS's security add-trusted-cert). Keys are ECDSA
P-256; the CA is valid for 10 years and may sign end-entity certificates
only, the others for 397 days. Existing files are kept unless --force.
When DIR is in a git work tree that does not ignore the key files, a
warning on stderr says so: add them, or DIR, to .gitignore.

Flags:
`, certs.CAFile, certs.CAKeyFile, certs.CertFile, strings.Join(certs.DefaultHosts, ", "),
		certs.KeyFile, certs.ClientCertFile, certs.ClientKeyFile)
	fs := flag.NewFlagSet("certs", flag.ContinueOnError)
	new(certsFlags).register(fs)
	printFlags(w, fs, nil)
}
