package vmm

import "testing"

func TestCmdlineString(t *testing.T) {
	c := Cmdline{
		Args:   []string{"hello", "a b", "100%", "x=y", "é", ""},
		Env:    []string{"PATH=/bin:/usr/bin", "GREETING=hi there", "E=a\nb"},
		Tokens: []string{TokenTrace, TokenKernelFault},
	}
	want := "arg=hello arg=a%20b arg=100%25 arg=x=y arg=%C3%A9 arg= " +
		"env=PATH=/bin:/usr/bin env=GREETING=hi%20there env=E=a%0Ab " +
		"trace debug.kernelfault"
	if got := c.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// The working directory is the kernel's cwd= token, encoded as a value.
	if got := (Cmdline{Args: []string{"app"}, Cwd: "/srv/my data", Tokens: []string{TokenTrace}}).String(); got != "arg=app cwd=/srv/my%20data trace" {
		t.Errorf("with a working directory: got %q", got)
	}
	if got := encodeValue("A-Za-z0-9._-/:,=+@"); got != "A-Za-z0-9._-/:,=+@" {
		t.Errorf("plain bytes were encoded: %q", got)
	}
	if got := encodeValue(`"'*?[]#~$&;|<>()!` + "\t"); got != "%22%27%2A%3F%5B%5D%23%7E%24%26%3B%7C%3C%3E%28%29%21%09" {
		t.Errorf("got %q", got)
	}
}

func TestCmdlineValidate(t *testing.T) {
	for _, c := range []Cmdline{
		{Tokens: []string{"two words"}},
		{Tokens: []string{""}},
		{Env: []string{"NOEQUALS"}},
		{Env: []string{"=v"}},
		{Cwd: "data"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (Cmdline{Args: []string{"a b"}, Env: []string{"K="}, Tokens: []string{"trace"}, Cwd: "/data"}).Validate(); err != nil {
		t.Error(err)
	}
}
