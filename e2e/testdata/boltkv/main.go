// Command boltkv is a key-value store on go.etcd.io/bbolt (a database that
// memory-maps its file) in /data/kv.db, as a test of a real third-party
// program on a volume:
//
//	put N      writes keys 0..N-1 in transactions of 100, says "stored N",
//	           then serves until SIGTERM (so that it is stopped, not exited)
//	loop       commits transactions of 100 keys until killed, printing
//	           "committed K" once the keys of transactions 0..K are durable
//	check N    checks that keys 0..N-1 are all there with their values
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

const perTx = 100

var bucket = []byte("kv")

func key(i int) []byte   { return []byte(fmt.Sprintf("key-%08d", i)) }
func value(i int) []byte { return []byte(fmt.Sprintf("value %d %x", i, i*2654435761)) }

func fail(what string, err error) {
	fmt.Printf("FAIL %s: %v\n", what, err)
	os.Exit(1)
}

// commit writes keys [from, from+perTx) in one transaction.
func commit(db *bolt.DB, from int) {
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		for i := from; i < from+perTx; i++ {
			if err := b.Put(key(i), value(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fail("commit", err)
	}
}

func main() {
	db, err := bolt.Open("/data/kv.db", 0o600, nil)
	if err != nil {
		fail("open", err)
	}
	switch os.Args[1] {
	case "put":
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i += perTx {
			commit(db, i)
		}
		fmt.Println("stored", n)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		if err := db.Close(); err != nil {
			fail("close", err)
		}
		fmt.Println("closed")
	case "loop":
		for k := 0; ; k++ {
			commit(db, k*perTx)
			fmt.Println("committed", k)
		}
	case "check":
		n, _ := strconv.Atoi(os.Args[2])
		err := db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			if b == nil {
				return fmt.Errorf("no bucket")
			}
			for i := 0; i < n; i++ {
				if v := b.Get(key(i)); string(v) != string(value(i)) {
					return fmt.Errorf("key %d: %q", i, v)
				}
			}
			fmt.Println("keys in the database:", b.Stats().KeyN)
			return nil
		})
		if err != nil {
			fail("check", err)
		}
		fmt.Println("all", n, "there")
	}
}
