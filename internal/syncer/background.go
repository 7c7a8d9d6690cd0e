package syncer

// pending is a step running in the background. wait may be called any
// number of times; deferring it makes sure no git process of the step
// outlives the round.
type pending[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func background[T any](fn func() (T, error)) *pending[T] {
	p := &pending[T]{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.v, p.err = fn()
	}()
	return p
}

func (p *pending[T]) wait() (T, error) {
	<-p.done
	return p.v, p.err
}
