package thumb

import (
	"strings"
	"unicode/utf8"
)

// symbols maps the TeX commands most often seen in arXiv titles to Unicode
// that the Go fonts can draw. Commands whose symbol the fonts lack (\in,
// \forall, \subset, ...) are not here, and so are written as their names.
var symbols = map[string]string{
	"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
	"varepsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ",
	"iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
	"pi": "π", "rho": "ρ", "varrho": "ρ", "sigma": "σ", "tau": "τ",
	"upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
	"omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
	"Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ",
	"Omega": "Ω",
	"times": "×", "cdot": "·", "cdots": "…", "ldots": "…", "dots": "…",
	"pm": "±", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠",
	"ne": "≠", "approx": "≈", "sim": "~", "equiv": "≡", "infty": "∞",
	"partial": "∂", "to": "→", "rightarrow": "→", "leftarrow": "←",
	"Rightarrow": "→", "leftrightarrow": "↔", "cup": "∪", "cap": "∩",
	"ell": "ℓ", "sqrt": "√", "sum": "∑", "prod": "∏", "int": "∫",
	"star": "*", "ast": "*", "prime": "′", "langle": "<", "rangle": ">",
	"vert": "|", "mid": "|", "lvert": "|", "rvert": "|",
	"&": "&", "%": "%", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}",
	",": " ", ";": " ", ":": " ", "!": "", " ": " ", "quad": " ", "qquad": " ",
	"textendash": "–", "textemdash": "—",
}

// styles are commands that only style their argument, which is kept.
var styles = map[string]bool{
	"mathrm": true, "mathbf": true, "mathit": true, "mathsf": true,
	"mathtt": true, "mathcal": true, "mathbb": true, "mathfrak": true,
	"mathscr": true, "boldsymbol": true, "bm": true, "operatorname": true,
	"text": true, "textrm": true, "textbf": true, "textit": true,
	"textsf": true, "texttt": true, "emph": true, "textsc": true,
	"mbox": true, "hbox": true, "left": true, "right": true, "big": true,
	"Big": true, "bigl": true, "bigr": true, "displaystyle": true,
	"hat": true, "tilde": true, "bar": true, "vec": true, "widehat": true,
	"widetilde": true, "overline": true, "underline": true,
}

// superscripts and subscripts are the forms of the characters that Unicode
// raises or lowers and the Go fonts have.
var superscripts = strings.NewReplacer(
	"0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶",
	"7", "⁷", "8", "⁸", "9", "⁹", "+", "⁺", "-", "⁻", "n", "ⁿ",
)

var subscripts = strings.NewReplacer(
	"0", "₀", "1", "₁", "2", "₂", "3", "₃", "4", "₄", "5", "₅", "6", "₆",
	"7", "₇", "8", "₈", "9", "₉", "+", "₊", "-", "₋",
)

// deTeX turns the inline TeX that arXiv titles keep ("$\alpha$-Divergence",
// "$O(n^2)$ Attention") into plain text for the card: "α-Divergence",
// "O(n²) Attention". Within $...$ the common symbols become Unicode,
// styling commands keep their argument, \frac{a}{b} becomes a/b, braces go,
// and super- and subscripts of digits are raised or lowered; any other
// command is left as its name. Outside maths only escapes (\&, \%), the
// same symbols and the styling commands are replaced, and a lone "$" (as
// in "$100") is text. Accents (\'e) are not handled: they are turned into
// Unicode when papers are ingested.
func deTeX(s string) string {
	if !strings.ContainsAny(s, `$\`) {
		return s
	}
	var b strings.Builder
	for s != "" {
		i := dollar(s)
		if i < 0 {
			b.WriteString(texText(s))
			break
		}
		b.WriteString(texText(s[:i]))
		s = s[i:]
		delim := "$"
		if strings.HasPrefix(s, "$$") {
			delim = "$$"
		}
		end := dollar(s[len(delim):])
		if end >= 0 && delim == "$$" && !strings.HasPrefix(s[len(delim)+end:], "$$") {
			end = -1
		}
		if end < 0 {
			b.WriteString(texText(s))
			break
		}
		b.WriteString(texMath(s[len(delim) : len(delim)+end]))
		s = s[len(delim)+end+len(delim):]
	}
	return b.String()
}

// dollar returns the index of the first "$" in s that is not escaped as
// "\$", or -1.
func dollar(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip what is escaped
		case '$':
			return i
		}
	}
	return -1
}

// texText replaces escapes and known symbols in text outside maths. A
// backslash not followed by a known command is kept.
func texText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '\\')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		name, rest := command(s[i+1:])
		switch {
		case symbols[name] != "" || name == "!":
			b.WriteString(symbols[name])
			s = rest
		case styles[name] && strings.HasPrefix(rest, "{"):
			arg, after := group(rest)
			b.WriteString(texText(arg))
			s = after
		default:
			b.WriteByte('\\')
			s = s[i+1:]
		}
	}
	return b.String()
}

// texMath renders the inside of $...$.
func texMath(s string) string {
	var b strings.Builder
	for s != "" {
		c := s[0]
		switch {
		case c == '\\':
			name, rest := command(s[1:])
			s = rest
			if name == "frac" || name == "tfrac" || name == "dfrac" {
				num, rest := group(s)
				den, rest := group(rest)
				s = rest
				b.WriteString(texMath(num) + "/" + texMath(den))
				continue
			}
			if v, ok := symbols[name]; ok {
				b.WriteString(v)
			} else if !styles[name] {
				b.WriteString(name)
			}
			if isLetter(name) && strings.HasPrefix(s, " ") {
				s = s[1:] // the space that ends a command
			}
		case c == '^' || c == '_':
			arg, rest := group(s[1:])
			s = rest
			arg = texMath(arg)
			if r := scripts(c, arg); r != "" {
				b.WriteString(r)
			} else {
				b.WriteByte(c)
				b.WriteString(arg)
			}
		case c == '{' || c == '}':
			s = s[1:]
		case c == '~':
			b.WriteByte(' ')
			s = s[1:]
		default:
			b.WriteByte(c)
			s = s[1:]
		}
	}
	return b.String()
}

// scripts raises (op '^') or lowers (op '_') arg when every character of it
// has a Unicode super- or subscript form, and returns "" when not.
func scripts(op byte, arg string) string {
	const sup, sub = "0123456789+-n", "0123456789+-"
	set, r := sup, superscripts
	if op == '_' {
		set, r = sub, subscripts
	}
	if arg == "" || strings.Trim(arg, set) != "" {
		return ""
	}
	return r.Replace(arg)
}

// command splits a TeX command name (after the backslash) from what
// follows: a run of letters, or a single other character.
func command(s string) (name, rest string) {
	if s == "" {
		return "", ""
	}
	i := 0
	for i < len(s) && ('a' <= s[i] && s[i] <= 'z' || 'A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == 0 {
		i = 1
	}
	return s[:i], s[i:]
}

// group splits off a TeX argument: a {braced group} or a single character.
func group(s string) (arg, rest string) {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return "", ""
	}
	if s[0] != '{' {
		if s[0] == '\\' {
			name, rest := command(s[1:])
			return `\` + name, rest
		}
		_, n := utf8.DecodeRuneInString(s)
		return s[:n], s[n:]
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[1:i], s[i+1:]
			}
		}
	}
	return s[1:], ""
}

func isLetter(name string) bool {
	return name != "" && ('a' <= name[0] && name[0] <= 'z' || 'A' <= name[0] && name[0] <= 'Z')
}
