// Package worker reads a comune's PEC mailbox over IMAP and hands every new message,
// with its parse result, to a Sink that stores it. It owns the IMAP connection (aerc's
// rule: nobody else talks IMAP); it knows nothing of bbolt, the service implements the
// Sink.
//
// # One sync (Session.Sync)
//
//	SELECT folder                      UIDVALIDITY, PERMANENTFLAGS
//	state := sink.State()              UIDVALIDITY, last UID stored, UIDs stored but unmarked
//	UIDVALIDITY differs?               start again from UID 1 (the sink deduplicates by key)
//	mark state.Pending                 a crash between a commit and its mark left them
//	repeat until nothing is new:
//	    UID FETCH last+1:* (UID RFC822.SIZE)     filter uid > last: "n:*" always
//	                                             matches the highest UID, even below n
//	    in batches (≤ BatchMessages, ≤ BatchBytes):
//	        UID FETCH set (BODY.PEEK[])          PEEK: fetching never sets \Seen
//	        (over MaxSize: BODY.PEEK[]<0.HeadSize> and parse.Truncated: quarantined, kept)
//	        parse each message
//	        sink.Commit(messages, state)         ONE transaction: raw, parse result,
//	                                             last UID, Pending = this batch
//	        mark the batch on the server         only after the commit: UID STORE
//	                                             +FLAGS.SILENT (keyword) or UID MOVE
//	commit the state with Pending empty
//
// A message is stored before it is marked, and marked only once stored: a crash at
// any point loses nothing (what was not committed is fetched again, since LastUID did
// not move) and doubles nothing (what was committed is known by its key, and its mark
// is retried from Pending). Nothing is ever deleted: no \Deleted flag, no EXPUNGE; in
// move mode the server must have MOVE or UIDPLUS (the fallback of a plain EXPUNGE
// would also remove messages someone else flagged \Deleted), else the sync refuses.
//
// A message arriving during a sync is taken by the same sync: the listing is repeated
// until it finds nothing new.
//
// Memory: bodies are read one batch at a time (BatchBytes, 16 MB by default, or one
// message up to MaxSize), never the whole mailbox.
//
// # Connections and the password
//
// Security is "tls" (implicit TLS, port 993), "starttls", or "plain", which is refused
// unless the host is a loopback address (local tests only). The password is a Secret:
// it prints as "****", and every error leaving this package has it blanked out, so it
// cannot reach a log or a screen even if a server echoes it.
//
// # Loop
//
// Loop runs a sync on a timer (Interval, 5 minutes by default) and on demand (Now),
// one at a time; after a failure it retries with exponential backoff (MinBackoff
// doubling up to MaxBackoff), and after a success it goes back to the interval.
package worker
