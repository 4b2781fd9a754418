// Package contract has no code: its test keeps the lifecycle contract of
// docs/lifecycle.md true. The rules' tables there must define every rule
// that the code and the documents cite, and must name exactly the subtests
// of the conformance suite, each under the rule it checks.
package contract
