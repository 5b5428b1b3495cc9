package tuitest

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui/common"
	"vivipass/tui/styles"
)

// Register is a real register on a temp bbolt file (closed when the test ends), empty,
// with the service clock stopped at now. Pages never open a register: tests do.
func Register(t *testing.T, now time.Time, opts ...service.Option) *service.Service {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return service.New(db, append([]service.Option{service.WithClock(func() time.Time { return now })}, opts...)...)
}

// Demo is Register with the demo data loaded.
func Demo(t *testing.T, now time.Time, opts ...service.Option) *service.Service {
	t.Helper()
	svc := Register(t, now, opts...)
	if _, err := svc.LoadDemo(service.SystemActor("test")); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	return svc
}

// Operator is the operator called name.
func Operator(t *testing.T, svc *service.Service, name string) domain.Operator {
	t.Helper()
	ops, err := svc.Operators(service.SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("operator %s missing", name)
	return domain.Operator{}
}

// Session is the context of operator name's session at 80×24, plain (no colours), with
// the folder of the operator's comune in a files store of the test (Files).
func Session(t *testing.T, svc *service.Service, name string) *common.Context {
	t.Helper()
	op := Operator(t, svc, name)
	folder, err := Files(t).Comune(op.Comune)
	if err != nil {
		t.Fatal(err)
	}
	return &common.Context{Svc: svc, Operator: op, Actor: service.OperatorActor(op), Styles: styles.New(true), Width: 80, Height: 24,
		Files: folder, FilesHint: "sftp -P 2222 " + op.Name + "@server"}
}

// Files is the files store of the test: one per test, every session of it shares it
// (each reaches its comune's folder only).
func Files(t *testing.T) *files.Store {
	t.Helper()
	if s, ok := stores.Load(t); ok {
		return s.(*files.Store)
	}
	s, err := files.New(filepath.Join(t.TempDir(), "file"))
	if err != nil {
		t.Fatal(err)
	}
	stores.Store(t, s)
	t.Cleanup(func() { stores.Delete(t) })
	return s
}

var stores sync.Map // *testing.T → *files.Store
