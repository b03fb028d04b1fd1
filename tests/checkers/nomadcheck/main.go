// Command nomadcheck judges Nomad jobs in the HTTP API's JSON form without an agent.
//
// Usage: nomadcheck FILE...
//
// Each FILE holds either a register request ({"Job": {...}, ...}, what
// PUT /v1/jobs takes) or a bare job object. Each is decoded strictly into Nomad's own
// types from github.com/hashicorp/nomad/api (unknown, mis-cased or mistyped fields fail,
// with their JSON path), then checked the way an agent checks a job it is given. One line
// per problem, "FILE: PATH: MESSAGE"; exit status 1 if there is any, 2 on bad usage.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"github.com/hashicorp/nomad/api"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: nomadcheck FILE...")
		os.Exit(2)
	}
	failed := false
	for _, file := range os.Args[1:] {
		for _, problem := range checkFile(file) {
			fmt.Printf("%s: %s\n", file, problem)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func checkFile(file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		return []string{fmt.Sprintf("(file): %v", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return []string{fmt.Sprintf("(file): not JSON: %v", err)}
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("(top level): expected a JSON object, got %s", jsonKind(raw))}
	}

	var found []string
	job := &api.Job{}
	if _, wrapped := obj["Job"]; wrapped { // a register request; a job has no "Job" field
		req := &api.JobRegisterRequest{}
		walk("", obj, reflect.TypeFor[api.JobRegisterRequest](), &found)
		if err := decodeStrict(data, req); err != nil || len(found) > 0 {
			return orDecodeError(found, err)
		}
		if req.Job == nil {
			return []string{"Job: the register request's Job is null"}
		}
		job = req.Job
	} else {
		walk("Job", obj, reflect.TypeFor[api.Job](), &found)
		if err := decodeStrict(data, job); err != nil || len(found) > 0 {
			return orDecodeError(found, err)
		}
	}

	var p problems
	checkRaw(job, &p)
	canonical, err := canonicalCopy(data, obj)
	if err != nil {
		p.add("Job", "%v", err)
	} else {
		checkCanonical(canonical, &p)
	}
	return p
}

// orDecodeError prefers the walk's findings (they carry paths); encoding/json's own error
// stands alone when the walk found nothing (it should not happen, but it is the final word).
func orDecodeError(found []string, err error) []string {
	if len(found) > 0 {
		return found
	}
	return []string{"(decode): " + err.Error()}
}

// canonicalCopy decodes a fresh job and lets the api fill in defaults, as the agent does
// before validating. Canonicalize is not written for hostile input: a panic is a finding.
func canonicalCopy(data []byte, obj map[string]any) (job *api.Job, err error) {
	job = &api.Job{}
	if _, wrapped := obj["Job"]; wrapped {
		req := &api.JobRegisterRequest{}
		if err := json.Unmarshal(data, req); err != nil {
			return nil, err
		}
		job = req.Job
	} else if err := json.Unmarshal(data, job); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("api.Job.Canonicalize panicked: %v", r)
		}
	}()
	job.Canonicalize()
	return job, nil
}
