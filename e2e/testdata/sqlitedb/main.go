// Command sqlitedb keeps a table in a SQLite database (modernc.org/sqlite,
// SQLite translated to Go: its own file I/O, POSIX record locks, and in WAL
// mode a shared-memory index mapped from a file) under DIR, as a test of a
// real database on a volume:
//
//	write DIR MODE N   opens DIR/MODE.db in journal mode MODE (wal, delete),
//	                   inserts N rows in transactions of 50, says "wrote N",
//	                   then serves until SIGTERM and closes the database
//	read DIR MODE N    checks that the N rows are there, and the journal mode
package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	_ "modernc.org/sqlite"
)

func fail(what string, err error) {
	fmt.Printf("FAIL %s: %v\n", what, err)
	os.Exit(1)
}

func row(i int) string { return fmt.Sprintf("row %d: %x", i, i*2654435761) }

func main() {
	dir, mode := os.Args[2], os.Args[3]
	n, _ := strconv.Atoi(os.Args[4])
	db, err := sql.Open("sqlite", filepath.Join(dir, mode+".db")+"?_pragma=journal_mode("+mode+")&_pragma=busy_timeout(5000)")
	if err != nil {
		fail("open", err)
	}
	var got string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&got); err != nil || got != mode {
		fail("journal mode "+got, err)
	}
	switch os.Args[1] {
	case "write":
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
			fail("create", err)
		}
		for i := 0; i < n; i += 50 {
			tx, err := db.Begin()
			if err != nil {
				fail("begin", err)
			}
			for j := i; j < i+50 && j < n; j++ {
				if _, err := tx.Exec("INSERT INTO t (id, v) VALUES (?, ?)", j, row(j)); err != nil {
					fail("insert", err)
				}
			}
			if err := tx.Commit(); err != nil {
				fail("commit", err)
			}
		}
		fmt.Println("wrote", n)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		if err := db.Close(); err != nil {
			fail("close", err)
		}
		fmt.Println("closed")
	case "read":
		var count int
		if err := db.QueryRow("SELECT count(*) FROM t").Scan(&count); err != nil || count != n {
			fail(fmt.Sprintf("count %d", count), err)
		}
		rows, err := db.Query("SELECT id, v FROM t ORDER BY id")
		if err != nil {
			fail("select", err)
		}
		for rows.Next() {
			var id int
			var v string
			if err := rows.Scan(&id, &v); err != nil || v != row(id) {
				fail(fmt.Sprintf("row %d: %q", id, v), err)
			}
		}
		if err := rows.Err(); err != nil {
			fail("rows", err)
		}
		var check string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			fail("integrity "+check, err)
		}
		fmt.Println("read", n, "rows in", mode, "mode, integrity", check)
	}
}
