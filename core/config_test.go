package core_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ace-go/ace/core"
)

// TestConfigConvention checks the convention that every module's Config
// follows: a zero field means its default, a negative timeout means none.
func TestConfigConvention(t *testing.T) {
	app := core.AppFunc(func(core.ConnInfo) core.Handler { return nil })

	zero := core.WithDefaults(core.Config{}, app)
	assert.Equal(t, core.DefaultAcceptors, zero.Acceptors)
	assert.Equal(t, core.DefaultReadBufferSize, zero.ReadBufferSize)
	assert.Equal(t, core.DefaultWriteTimeout, zero.WriteTimeout)
	assert.Equal(t, core.DefaultHandshakeTimeout, zero.HandshakeTimeout)
	assert.Equal(t, core.DefaultMailboxSize, zero.MailboxSize)
	assert.Equal(t, core.DefaultLinger, zero.Linger)
	assert.Equal(t, core.DefaultHibernateAfter, zero.HibernateAfter)
	assert.Equal(t, 0, zero.MaxConns, "no limit")
	assert.Same(t, slog.Default(), zero.Logger)
	assert.NotNil(t, zero.Framer)

	off := core.WithDefaults(core.Config{
		WriteTimeout:     -1,
		HandshakeTimeout: -time.Second,
		MaxConns:         -1,
	}, app)
	assert.Zero(t, off.WriteTimeout, "a negative WriteTimeout means none")
	assert.Zero(t, off.HandshakeTimeout, "a negative HandshakeTimeout means none")
	assert.Zero(t, off.MaxConns, "a negative MaxConns means no limit")

	set := core.WithDefaults(core.Config{WriteTimeout: time.Minute}, app)
	assert.Equal(t, time.Minute, set.WriteTimeout)
}
