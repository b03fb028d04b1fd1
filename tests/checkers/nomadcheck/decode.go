package main

// A strict JSON decode into Nomad's own job types, with the JSON path of every problem.
//
// encoding/json's DisallowUnknownFields stops at the first unknown field, does not say
// where it is, and matches field names case-insensitively ("count" fills Count). The walk
// below follows the raw JSON alongside the Go types by reflection, reports every unknown,
// mis-cased or mistyped field with its path, and encoding/json itself then decodes with
// DisallowUnknownFields as the final word.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// decodeStrict decodes data into out (a pointer) the way the checker's callers expect:
// unknown fields are errors, trailing data is an error.
func decodeStrict(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the top-level JSON value")
	}
	return nil
}

// walk reports, for the raw JSON value v (decoded with UseNumber), every way it does not
// fit Go type t. path is the JSON path so far.
func walk(path string, v any, t reflect.Type, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil || reflect.PointerTo(t).Implements(unmarshalerType) {
		return // null leaves a Go value unset; custom decoders speak for themselves
	}
	bad := func(format string, args ...any) {
		*out = append(*out, fmt.Sprintf("%s: %s", orRoot(path), fmt.Sprintf(format, args...)))
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			bad("expected an object (%s), got %s", t.Name(), jsonKind(v))
			return
		}
		fields := fieldsOf(t)
		for _, key := range sortedKeys(obj) {
			if ft, ok := fields[key]; ok {
				walk(join(path, key), obj[key], ft, out)
			} else {
				bad("unknown field %q in %s%s", key, t.Name(), suggest(key, fields))
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			bad("expected an object, got %s", jsonKind(v))
			return
		}
		for _, key := range sortedKeys(obj) {
			walk(fmt.Sprintf("%s[%q]", orRoot(path), key), obj[key], t.Elem(), out)
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			if _, ok := v.(string); !ok {
				bad("expected a base64 string, got %s", jsonKind(v))
			}
			return
		}
		list, ok := v.([]any)
		if !ok {
			bad("expected an array, got %s", jsonKind(v))
			return
		}
		for i, item := range list {
			walk(fmt.Sprintf("%s[%d]", orRoot(path), i), item, t.Elem(), out)
		}
	case reflect.Interface:
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad("expected a string, got %s", jsonKind(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad("expected true or false, got %s", jsonKind(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		hint := ""
		if t == durationType {
			hint = " (a duration: integer nanoseconds, e.g. 30000000000 for 30s)"
		}
		num, ok := v.(json.Number)
		if !ok {
			bad("expected an integer%s, got %s", hint, jsonKind(v))
			return
		}
		n, err := strconv.ParseInt(num.String(), 10, 64)
		switch {
		case err != nil:
			bad("expected an integer%s, got %s", hint, num)
		case reflect.Zero(t).OverflowInt(n):
			bad("%d does not fit in %s", n, t.Kind())
		case t == durationType && n < 0:
			bad("negative duration %d", n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		num, ok := v.(json.Number)
		if !ok {
			bad("expected a non-negative integer, got %s", jsonKind(v))
			return
		}
		n, err := strconv.ParseUint(num.String(), 10, 64)
		if err != nil || reflect.Zero(t).OverflowUint(n) {
			bad("expected a non-negative integer that fits in %s, got %s", t.Kind(), num)
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			bad("expected a number, got %s", jsonKind(v))
		}
	default:
		bad("unexpected Go type %s", t)
	}
}

// fieldsOf maps the exact JSON names of t's fields to their types, as encoding/json sees
// them: json tag names, "-" skipped, embedded structs' fields promoted.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	var promoted []map[string]reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				promoted = append(promoted, fieldsOf(ft))
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
	for _, inner := range promoted {
		for name, ft := range inner {
			if _, ok := fields[name]; !ok {
				fields[name] = ft
			}
		}
	}
	return fields
}

func suggest(key string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3 // suggest only names within two edits
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf(" (did you mean %q? field names are case-sensitive here)", name)
		}
		if d := editDistance(strings.ToLower(key), strings.ToLower(name)); d < bestDist ||
			(d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal-string-alignment distance: a swapped pair ("Cuont") is one edit.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return "null"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}
