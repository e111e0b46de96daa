package rows

import (
	"testing"
	"time"
)

func TestMillis(t *testing.T) {
	at := time.Date(2026, 12, 6, 8, 30, 0, 123e6, time.UTC)
	tests := []struct {
		name    string
		src     any
		want    time.Time
		wantErr bool
	}{
		{"NULL is the zero time", nil, time.Time{}, false},
		{"unix ms in UTC", at.UnixMilli(), at, false},
		{"the epoch is not NULL", int64(0), time.UnixMilli(0).UTC(), false},
		{"text is refused", "1733473800123", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) // overwritten, or left on error
			err := Millis(&got).Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Scan(%#v) error = %v, want error %v", tt.src, err, tt.wantErr)
			}
			if err == nil && (!got.Equal(tt.want) || got.Location() != time.UTC) {
				t.Errorf("Scan(%#v) = %v, want %v in UTC", tt.src, got, tt.want)
			}
		})
	}
}

func TestNullMillisRoundTrip(t *testing.T) {
	if v := NullMillis(time.Time{}); v != nil {
		t.Errorf("NullMillis(zero) = %v, want nil (NULL)", v)
	}
	at := time.Date(2026, 12, 6, 8, 30, 0, 123456789, time.FixedZone("CET", 3600))
	var got time.Time
	if err := Millis(&got).Scan(NullMillis(at)); err != nil {
		t.Fatal(err)
	}
	if want := at.Truncate(time.Millisecond).UTC(); got != want {
		t.Errorf("round trip = %v, want %v", got, want)
	}
	if now := OrNow(time.Time{}); now.IsZero() || now.Location() != time.UTC || now.Nanosecond()%1e6 != 0 {
		t.Errorf("OrNow(zero) = %v, want now in UTC to the millisecond", now)
	}
}
