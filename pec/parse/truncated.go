package parse

// HeadSize is how many bytes of a message over the size limit the mailbox worker
// fetches and keeps: enough for any header block, small enough to store.
const HeadSize = 256 << 10

// Truncated classifies a message too large to be fetched whole: head is its first
// bytes (at most HeadSize are read), size its size on the server. The result is the
// quarantine Parse gives a message over Options.MaxSize, "messaggio oltre 30 MB",
// with the envelope read from the header block in head and Size = size. Its Key is
// the same each time the same message is read this way (the Message-ID, else a hash
// of head), so a worker that meets it again stores nothing new. Like Parse, it never
// panics.
func Truncated(head []byte, size int64, opts Options) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			res = Result{Kind: KindQuarantine, Reason: say(reasonInternal, v), Size: size, Key: rawKey(head)}
		}
	}()
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	p := &parser{raw: head, opts: opts.withDefaults(), w: newWalker(len(head))}
	p.oversize()
	p.res.Size = size
	p.res.Warnings = p.w.warnings
	p.res.Key = p.key()
	return p.res
}
