// Command hcljson reads HCL files with HashiCorp's own HCL parser (github.com/hashicorp/hcl/v2)
// and prints each as a generic JSON tree, so that tests can see exactly what HCL makes of a
// rendered file: every attribute evaluated (no variables, no functions: crossdock's output has
// no live interpolation, so any `${` left unescaped fails here), every block with its labels.
//
//	hcljson FILE...   ->   one JSON array, an element per file:
//	{"attributes": {"name": <value>}, "blocks": [{"type": "job", "labels": ["x"], "body": {...}}]}
//
// A file that does not parse or evaluate prints its diagnostics on stderr and exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

type block struct {
	Type   string   `json:"type"`
	Labels []string `json:"labels"`
	Body   *body    `json:"body"`
}

type body struct {
	Attributes map[string]json.RawMessage `json:"attributes"`
	Blocks     []block                    `json:"blocks"`
}

func convert(b *hclsyntax.Body) (*body, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := &body{Attributes: map[string]json.RawMessage{}, Blocks: []block{}}
	names := make([]string, 0, len(b.Attributes))
	for name := range b.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		attr := b.Attributes[name]
		val, d := attr.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		raw, err := ctyjson.Marshal(val, val.Type())
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: err.Error(), Subject: attr.SrcRange.Ptr()})
			continue
		}
		out.Attributes[name] = raw
	}
	for _, blk := range b.Blocks {
		inner, d := convert(blk.Body)
		diags = append(diags, d...)
		labels := blk.Labels
		if labels == nil {
			labels = []string{}
		}
		out.Blocks = append(out.Blocks, block{Type: blk.Type, Labels: labels, Body: inner})
	}
	return out, diags
}

func main() {
	results := []*body{}
	failed := false
	for _, path := range os.Args[1:] {
		src, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		file, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
		if !diags.HasErrors() {
			var b *body
			b, diags = convert(file.Body.(*hclsyntax.Body))
			results = append(results, b)
		}
		for _, d := range diags {
			fmt.Fprintln(os.Stderr, d.Error())
		}
		failed = failed || diags.HasErrors()
	}
	if failed {
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
