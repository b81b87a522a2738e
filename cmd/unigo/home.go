package main

import (
	"unigo.dev/unigo/instance"
	"unigo.dev/unigo/store"
)

// openStore opens the image store under the unigo root (store.DefaultRoot).
func openStore() (*store.Store, error) {
	root, err := store.DefaultRoot()
	if err != nil {
		return nil, err
	}
	return store.Open(root), nil
}

// openInstances opens the instances under the unigo root.
func openInstances() (*instance.Instances, error) {
	root, err := store.DefaultRoot()
	if err != nil {
		return nil, err
	}
	return instance.Open(root), nil
}

// storeAndUsers opens the image store, and says which instances use which
// image (so that the store keeps them).
func storeAndUsers() (*store.Store, store.InUse, error) {
	s, err := openStore()
	if err != nil {
		return nil, nil, err
	}
	is, err := openInstances()
	if err != nil {
		return nil, nil, err
	}
	users, err := is.ImageUsers()
	if err != nil {
		return nil, nil, err
	}
	return s, func(id string) []string { return users[id] }, nil
}
