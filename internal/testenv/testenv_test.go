package testenv

import "testing"

func TestNeedTool(t *testing.T) {
	// go itself runs this test, so it is on PATH (go test puts GOROOT/bin
	// first); NeedTool returns without skipping.
	NeedTool(t, "go")
}
