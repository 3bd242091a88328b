package email

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name string
		html string
		want string
	}{
		{"plain text", "Hello, world", "Hello, world\n"},
		{"entities decoded", "Fish &amp; chips &lt;b&gt; &#34;quoted&#34; &eacute;", "Fish & chips <b> \"quoted\" é\n"},
		{"white space collapsed", "  one\n\t two   three \n", "one two three\n"},
		{"inline elements joined", "<b>bold</b> and <i>italic</i>text", "bold and italictext\n"},
		{"paragraphs", "<p>First</p><p>Second</p>", "First\n\nSecond\n"},
		{"line breaks", "one<br>two<br/>three<BR />four", "one\ntwo\nthree\nfour\n"},
		{"headings", "<h1>Title</h1>Body", "Title\n\nBody\n"},
		{"list", "<ul><li>one</li><li>two <b>2</b></li></ul>after", "- one\n- two 2\n\nafter\n"},
		{"table", "<table><tr><td>Status</td><td>open</td></tr><tr><th>Due</th><td>Friday</td></tr></table>", "Status  open\nDue  Friday\n"},
		{"link with other text", `<a href="https://turbo.example/issues/TURBO-42">TURBO-42</a>`, "TURBO-42 (https://turbo.example/issues/TURBO-42)\n"},
		{"link showing its address", `<a href="https://turbo.example/">https://turbo.example/</a>`, "https://turbo.example/\n"},
		{"mailto link", `<a href='mailto:lead@example.com'>lead@example.com</a>`, "lead@example.com\n"},
		{"link with entity in href", `<a href="https://x.example/?a=1&amp;b=2">query</a>`, "query (https://x.example/?a=1&b=2)\n"},
		{"fragment link", `<a href="#top">top</a>`, "top\n"},
		{"image alt", `<img src="x.png" alt="Turbo logo"> text`, "Turbo logo text\n"},
		{"script and style dropped", "<style>p{color:red}</style>a<script>alert('<p>')</script>b", "ab\n"},
		{"head dropped", "<html><head><title>T</title></head><body><p>Body</p></body></html>", "Body\n"},
		{"comment dropped", "a<!-- <p>hidden</p> -->b", "ab\n"},
		{"pre keeps white space", "<pre>  indented\n    more</pre>after", "  indented\n    more\n\nafter\n"},
		{"quoted angle in attribute", `<a title="a>b" href="https://x.example">x</a>`, "x (https://x.example)\n"},
		{"horizontal rule", "above<hr>below", "above\n\n----\n\nbelow\n"},
		{"blank lines collapsed", "<p></p><p></p><div>x</div><p></p>", "x\n"},
		{"unclosed tag", "text <b", "text <b\n"},
		{"unclosed comment", "text <!-- never closed", "text\n"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := htmlToText(tc.html); got != tc.want {
				t.Errorf("htmlToText(%q) = %q, want %q", tc.html, got, tc.want)
			}
		})
	}
}

func FuzzHTMLToText(f *testing.F) {
	f.Add("<p>Hello <a href=\"https://x.example\">x</a></p>")
	f.Add("<ul><li>a<li>b</ul><pre>\n x</pre>")
	f.Add("<script>x</script><!-- c --><img alt=a>&amp;&#xZZ;")
	f.Add("<a href='\xff'>\xfe</a>")
	f.Fuzz(func(t *testing.T, html string) {
		got := htmlToText(html)
		if utf8.ValidString(html) && !utf8.ValidString(got) {
			t.Errorf("htmlToText(%q) = %q, not valid UTF-8", html, got)
		}
		if strings.Contains(got, "\n\n\n") {
			t.Errorf("htmlToText(%q) = %q has two blank lines in a row", html, got)
		}
		if got != "" && (!strings.HasSuffix(got, "\n") || strings.HasPrefix(got, "\n")) {
			t.Errorf("htmlToText(%q) = %q, want one trailing newline and no leading one", html, got)
		}
		if !strings.ContainsAny(html, "<&") && strings.Join(strings.Fields(html), " ") != strings.TrimSuffix(got, "\n") {
			t.Errorf("htmlToText(%q) = %q, want the text with white space collapsed", html, got)
		}
	})
}
