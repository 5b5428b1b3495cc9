package service_test

import (
	"path/filepath"
	"testing"

	"vivipass/store"
)

// Issue 12.5: each backup anchors the chain's head outside the database (its report
// says which), and audit verify checks the anchors.
func TestBackupAnchorsTheChain(t *testing.T) {
	e := newEnv(t)
	e.issue(mario, rossi(t), plate("AB123CD"))
	o, err := e.s.BackupTo(admin, filepath.Join(t.TempDir(), "copia.db"))
	if err != nil || o.AuditSeq == 0 || len(o.AuditHead) != 64 {
		t.Fatalf("backup: %+v, %v", o, err)
	}
	anchors, err := store.ReadAnchors(store.AnchorPath(e.s.DB().Path()))
	if err != nil || len(anchors) != 1 || anchors[0].Seq != o.AuditSeq || anchors[0].Hash != o.AuditHead {
		t.Fatalf("anchors %+v, %v; report %d %s", anchors, err, o.AuditSeq, o.AuditHead)
	}
	if n, pr, err := e.s.AuditVerify(); err != nil || len(pr) != 0 || n == 0 {
		t.Errorf("audit verify: %d, %+v, %v", n, pr, err)
	}
}
