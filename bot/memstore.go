package bot

import (
	"context"
	"sync"
)

// MemoryStore keeps states in this process only: for the console, where a
// session lasts as long as the terminal.
type MemoryStore struct {
	mu     sync.Mutex
	states map[int64][]byte
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{states: map[int64][]byte{}} }

// Load returns the state of chat, or nil.
func (m *MemoryStore) Load(_ context.Context, chat int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.states[chat], nil
}

// Save replaces the state of chat.
func (m *MemoryStore) Save(_ context.Context, chat int64, state []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[chat] = append([]byte(nil), state...)
	return nil
}

// Forget erases chat.
func (m *MemoryStore) Forget(_ context.Context, chat int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.states, chat)
	return nil
}
