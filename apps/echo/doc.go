// Package echo is the echo app of ace: the line protocol of Elixir Ace's
// README, and RFC 862 byte echo.
//
// An [App] made by [New] serves every connection of one or more endpoints
// (see package github.com/ace-go/ace/core). It never touches a socket: the
// transport is chosen by whoever starts the endpoint.
//
// # Line mode
//
// Line mode is the default. The server speaks first, and every line it sends
// ends with a single LF ("\n"); the client may end its lines with LF or CRLF.
//
//   - On connect the server sends the greeting, "WELCOME" unless
//     Config.Greeting says otherwise.
//   - Every line gets "ECHO: " followed by the line with its surrounding white
//     space trimmed. An empty line gets "ECHO: ".
//   - "/broadcast <text>" sends <text> (trimmed) as a line to every other live
//     connection of the same App, through each one's core.Server.Send, so it
//     reaches that connection's Info callback in order with everything else it
//     does. The sender receives "SENT <n>", n being how many connections
//     accepted the message. The sender itself never receives it.
//   - "/quit": the server sends "BYE" and closes the connection.
//   - With Config.IdleTimeout set, a client that sends no line for that long
//     receives "TIMEOUT" and the connection is closed. Broadcasts the client
//     receives do not count as activity: only what the client sends does.
//   - A line longer than Config.MaxLine bytes (not counting its terminator)
//     gets "ERROR line too long" and the connection is closed.
//   - When the endpoint shuts down, each live connection receives "BYE" and
//     is closed.
//
// Commands are matched after trimming, and are case-sensitive. Anything else,
// including an unknown command such as "/help" and a "/broadcast" without
// text, is echoed like any other line.
//
// # Raw mode
//
// Raw mode is the Echo Protocol of RFC 862: every byte received is sent back
// unchanged, with no greeting and no framing. With Config.IdleTimeout set, a
// silent connection is closed without a word, as it is on shutdown.
//
// # Cost
//
// Both modes allocate nothing per packet in steady state: replies are built
// from precomputed byte slices and the bytes the client sent, which the core
// writes with one vectored write before it reuses its read buffer. A
// broadcast, rare by nature, allocates one copy of its text shared by all
// recipients.
package echo
