// Package store keeps the register in one bbolt file. It knows buckets, keys, codecs
// and indexes; the rules live in domain and the use cases in service.
//
// The schema (version in meta/schema_version; migrations in migrations.go, applied in
// order in one transaction at Open):
//
//	meta/
//	    schema_version        uint64 BE
//	    created_at            RFC 3339
//	    audit_head            hex sha256 of the last audit entry ("" = none)
//	    sign_ed25519          seed of the Ed25519 key that signs the cards' QR codes (S9)
//	    seal_migration        JSON: records that did not match their entry before migration 11
//	    reseal_pending        "11": records re-encoded, not yet sealed again (recode.go)
//	    recode_next           'p'|'q' id(8): where the re-encoding of migration 11 goes on
//	    <other keys>          small process-wide values
//	people/     id(8)                     → domain.Person (compact binary, reccodec.go; JSON
//	                                        up to schema 10, re-encoded by migration 11)
//	photos/     person id(8)              → image bytes (JPEG or PNG)
//	passes/     id(8)                     → domain.Pass (compact binary, plates inside; JSON up
//	                                        to schema 10)
//	comuni/     codice catastale          → domain.ComuneSettings (JSON; absent = defaults)
//	counters/   comune "_" year           → uint64 BE, last progressive handed out (P2)
//	operators/  name                      → Operator (JSON: role, comune, keys)
//	audit/      seq(8)                    → AuditEntry (hash chain, M6; compact binary,
//	                                        auditcodec.go; entries written as JSON still read)
//	outbox/     seq(8)                    → OutboxJob for the national platform (compact
//	                                        binary, jobcodec.go; jobs written as JSON still read)
//	imports/    sha256 of file            → ImportRecord (JSON)
//	bacheca/    seq(8)                    → Post (JSON; M3, schema 2)
//	letti/      operator 0 post seq(8)    → read at (RFC 3339; schema 2)
//	pec_items/  id(8)                     → PECItem (JSON): what the message is, the request's
//	                                        fields, state and note, links (V1–V6, schema 3)
//	pec_raw/    id(8)                     → the raw message as fetched, stored in the same
//	                                        transaction as its item (only the first bytes of
//	                                        one over the size limit: PECItem.Truncated)
//	pec_sync/   comune 0 folder           → PECSyncState (JSON): UIDVALIDITY, last UID stored,
//	                                        UIDs stored but not yet marked on the server
//	pec_config/ comune                    → PECConfig (JSON): mailbox settings, never the password
//	national_config/ comune               → NationalConfig (JSON): the national platform's
//	                                        settings of a comune, never the password (schema 5)
//	undo/       seq(8)                    → UndoEntry (JSON): the last change of a lineage, for
//	                                        its author to undo within minutes (schema 8)
//	clients/    name                      → Client (JSON): a client of the HTTP API, its kind,
//	                                        comune and the sha256 of its token (schema 9)
//	client_tokens/ sha256 of token (hex)  → client name (schema 9)
//	querylog/   seq(8)                    → QueryEntry: one query of a client, kept for the days
//	                                        configured, pruned from the front (schema 9; compact
//	                                        binary, logcodec.go; entries written as JSON still read)
//	wlfeed/     seq(8)                    → FeedChange: the whitelist's rows of one lineage after a
//	                                        change, for the gates' catch-up (feed.go, schema 10;
//	                                        compact binary, logcodec.go; JSON ones still read)
//	sigilli/    audit seq(8)              → the records an audit entry with many wrote, packed
//	                                        (seal.go, schema 10; its sha256 is in the entry)
//	templates/  comune 0 name             → store.Template: a comune's document template (S6, schema 3)
//	printing/   "comune" 0 code           → store.PrintSettings: card layout, heading, default queue (S1, schema 3)
//	            "printer" 0 queue         → store.Printer: calibration offsets, duplex (S2, schema 3)
//	idx/        one sub-bucket per index; keys carry the id, values are empty but the plate's:
//	    cf        CF 0 passID(8)                    every version (P5, search)
//	    pcf       CF 0 personID(8)                  people by codice fiscale, unless a pass
//	                                                version of theirs has it (schema 14)
//	    number    NUMBER 0 passID(8)                every version (P2 uniqueness)
//	    plate     PLATE 0 passID(8) → the rule's fields every version (whitelist, search);
//	                                                the value: platevalue.go (schema 13)
//	    name      comune 0 COGNOME NOME 0 passID(8) listed versions (Pass.Listed: search by prefix)
//	    pname     comune 0 COGNOME NOME 0 personID(8) unless a listed version of theirs
//	                                                in their comune has it (schema 14)
//	    state     comune 0 state 0 YYYYMMDD 0 passID(8) listed versions, by expiry; also the
//	              passes by expiry (P9): one range per state, merged (schema 12 dropped the
//	              expiry index, comune 0 YYYYMMDD 0 passID(8), that repeated it; issue 14.2)
//	    channel   comune 0 channel 0 passID(8)      listed versions (P11)
//	    opkey     SHA256 fingerprint → operator name
//	    auditpass lineage(8) seq(8)                 audit entries of a pass lineage (T5)
//	    peckey    comune 0 key 0 itemID(8)          inbox items by parse key: one per key (schema 4)
//	    pecstate  comune 0 state 0 itemID(8)        inbox items by state (Home counts, lists)
//	    peccf     CF 0 itemID(8)                    inbox items by the request's codice fiscale
//	    jobopen   seq(8)                            open outbox jobs (schema 6 only: migration 7
//	                                                drops it for a set in memory, see openJobs)
//
// Index entries are written and deleted in the same transaction as their record
// (putPass computes them from the old and the new value); Verify checks each record's
// entries in their index and each index key against the record its id names, in
// constant memory (issue 14.3).
//
// Keys per pass (issue 14.2): cf, number, a plate each, and for listed versions name,
// state and channel. A person's pcf and pname are written only when their passes'
// cf and name keys do not find them (a person recorded without a pass, SavePerson;
// peopleindex.go), so a region has about 6.7 keys per pass, not 9.7.
package store
