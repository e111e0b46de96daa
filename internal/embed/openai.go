package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// HTTPConfig configures an OpenAI-compatible embeddings server.
type HTTPConfig struct {
	// URL is the API base, such as http://localhost:11434/v1 (Ollama) or
	// https://api.openai.com/v1; requests go to URL + "/embeddings".
	URL   string
	Model string
	Key   string // sent as "Authorization: Bearer KEY" when set
	// BatchSize is the number of texts per request (default 64).
	BatchSize int
	// Timeout bounds one request (default 60 s).
	Timeout time.Duration
	// Attempts is how often a request is tried in all (default 4). Network
	// errors, 408, 429 and 5xx answers are retried with exponential backoff
	// and jitter, honouring Retry-After; other answers are not.
	Attempts int
	Client   *http.Client
}

// HTTP is an Embedder backed by an OpenAI-compatible server.
type HTTP struct {
	cfg  HTTPConfig
	dim  atomic.Int64
	wait func(time.Duration) <-chan time.Time // time.After; replaced in tests
}

// NewHTTP checks the configuration and returns the embedder.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("embed: URL %q: want http:// or https://", cfg.URL)
	}
	if cfg.Model == "" {
		return nil, errors.New("embed: a model name is required")
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	return &HTTP{cfg: cfg, wait: time.After}, nil
}

// Name is the server's model name, prefixed so it cannot clash with a built-in one.
func (h *HTTP) Name() string { return "openai:" + h.cfg.Model }

// Dim is the vector length the server answered with, 0 before its first answer.
func (h *HTTP) Dim() int { return int(h.dim.Load()) }

// Embed sends texts in batches and returns one unit vector per text.
func (h *HTTP) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += h.cfg.BatchSize {
		batch := texts[start:min(start+h.cfg.BatchSize, len(texts))]
		vecs, err := h.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

type embeddingRequest struct {
	Model string   `json:"model"`
	Input []string `json:"input"`
}

type embeddingResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
}

// apiError is an answer that is not a success, with the server's message.
type apiError struct {
	status     int
	msg        string
	retryAfter time.Duration
}

func (e *apiError) Error() string {
	return fmt.Sprintf("embeddings server answered %d: %s", e.status, e.msg)
}

func (e *apiError) retryable() bool {
	return e.status == http.StatusTooManyRequests || e.status == http.StatusRequestTimeout || e.status >= 500
}

func (h *HTTP) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	body, err := json.Marshal(embeddingRequest{Model: h.cfg.Model, Input: batch})
	if err != nil {
		return nil, err
	}
	var last error
	for attempt := 0; attempt < h.cfg.Attempts; attempt++ {
		if attempt > 0 {
			// 0.5 s, 1 s, 2 s ... with up to 50% jitter, unless the server said when.
			delay := time.Duration(float64(250*time.Millisecond<<attempt) * (1 + rand.Float64()/2))
			var ae *apiError
			if errors.As(last, &ae) && ae.retryAfter > 0 {
				delay = min(ae.retryAfter, time.Minute)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-h.wait(delay):
			}
		}
		vecs, err := h.post(ctx, body, len(batch))
		if err == nil {
			return vecs, nil
		}
		last = err
		var ae *apiError
		if ctx.Err() != nil || errors.As(err, &ae) && !ae.retryable() || errors.Is(err, errBadAnswer) {
			break
		}
	}
	return nil, fmt.Errorf("embed: %s: %w", h.cfg.URL, last)
}

var errBadAnswer = errors.New("malformed answer")

func (h *HTTP) post(ctx context.Context, body []byte, n int) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL+"/embeddings", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.cfg.Key != "" {
		req.Header.Set("Authorization", "Bearer "+h.cfg.Key)
	}
	resp, err := h.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		ae := &apiError{status: resp.StatusCode, msg: errorMessage(data)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			ae.retryAfter = time.Duration(s) * time.Second
		}
		return nil, ae
	}
	var er embeddingResponse
	if err := json.Unmarshal(data, &er); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadAnswer, err)
	}
	if len(er.Data) != n {
		return nil, fmt.Errorf("%w: %d embeddings for %d texts", errBadAnswer, len(er.Data), n)
	}
	out := make([][]float32, n)
	for _, d := range er.Data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: embedding index %d", errBadAnswer, d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("%w: empty embedding", errBadAnswer)
		}
		if !h.dim.CompareAndSwap(0, int64(len(d.Embedding))) && int(h.dim.Load()) != len(d.Embedding) {
			return nil, fmt.Errorf("%w: %d dimensions, earlier answers had %d", errBadAnswer, len(d.Embedding), h.dim.Load())
		}
		Normalize(d.Embedding)
		out[d.Index] = d.Embedding
	}
	return out, nil
}

// errorMessage finds the message in the error bodies servers send:
// {"error": {"message": ...}} (OpenAI, vLLM), {"error": "..."} (Ollama,
// text-embeddings-inference), else the start of the body.
func errorMessage(body []byte) string {
	var nested struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &nested) == nil && nested.Error.Message != "" {
		return nested.Error.Message
	}
	var flat struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &flat) == nil && flat.Error != "" {
		return flat.Error
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "(no message)"
	}
	return s
}
