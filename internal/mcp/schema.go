package mcp

import (
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
)

// inputSchema is a tool's input schema as inferred from its Go type, with
// the bounds and choices the type cannot say, so that an agent sees them
// before it calls and the SDK refuses what breaks them.
type inputSchema struct{ *jsonschema.Schema }

func newInputSchema[In any]() inputSchema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: the schema of %T: %v", *new(In), err)) // a programming error, found by any test
	}
	return inputSchema{s}
}

func (s inputSchema) prop(name string) *jsonschema.Schema {
	p, ok := s.Properties[name]
	if !ok {
		panic("mcp: no input property " + name)
	}
	return p
}

// The defaults are said in the descriptions, not as the schema's
// "default", which some clients would send and the tools fill in anyway.

// between bounds an integer property and says its default.
func (s inputSchema) between(name string, lo, hi, def int) {
	p := s.prop(name)
	p.Minimum, p.Maximum = jsonschema.Ptr(float64(lo)), jsonschema.Ptr(float64(hi))
	p.Description += fmt.Sprintf(", from %d to %d (default %d)", lo, hi, def)
}

// oneOf limits a string property to values; the first is the default.
func (s inputSchema) oneOf(name string, values ...string) {
	p := s.prop(name)
	for _, v := range values {
		p.Enum = append(p.Enum, v)
	}
	p.Description += fmt.Sprintf(" (default %s)", values[0])
}

// pattern asks a string property to match re.
func (s inputSchema) pattern(name, re string) { s.prop(name).Pattern = re }

// maxLength bounds a string property, in characters.
func (s inputSchema) maxLength(name string, n int) { s.prop(name).MaxLength = jsonschema.Ptr(n) }
