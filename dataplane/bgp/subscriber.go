package bgp

import "sync"

// subscriber is one Watch call's queue. GoBGP's watch goroutine pushes
// without blocking; the Watch caller drains it.
type subscriber struct {
	wake chan struct{} // capacity 1: "the queue is not empty"

	mu    sync.Mutex // guards queue
	queue [][]PathEvent
}

func (s *subscriber) push(events []PathEvent) {
	batch := make([]PathEvent, len(events))
	for i, e := range events {
		e.Paths = clonePaths(e.Paths)
		batch[i] = e
	}
	s.mu.Lock()
	s.queue = append(s.queue, batch)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) take() [][]PathEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}
